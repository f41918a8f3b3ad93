"""The DMARC/TLS page and API of ``inboxtrace serve``: the same summaries, receivers' text escaped."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from fastapi.testclient import TestClient

from inboxtrace.feedback import read_blob
from inboxtrace.store import open_store
from inboxtrace.store.feedback import ingest_reports
from inboxtrace.web import WebConfig, create_app
from tests.reports.samples import SPOOFER, aggregate, failure_email, record, tlsrpt


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    db = tmp_path / "web.db"
    hostile = record(SPOOFER, 4, disposition=escape("<script>alert(1)</script>"), dkim="fail", spf="fail")
    with open_store(f"sqlite:///{db}") as store:
        items = [
            *read_blob(aggregate("w1"), "w1.xml"),
            *read_blob(aggregate("w2", org=escape("<b>Evil</b> Org"), records=(hostile,)), "w2.xml"),
            *read_blob(failure_email(), "f.eml"),
            *read_blob(tlsrpt(), "t.json"),
        ]
        ingest_reports(store, items)
    with TestClient(create_app(WebConfig(db=str(db)))) as c:
        yield c


def test_api_matches_the_library(client: TestClient) -> None:
    data = client.get("/api/v1/dmarc", params={"domain": "example.com"}).json()
    assert data["reports"] == {"aggregate": 2, "failure": 1, "tlsrpt": 1}
    assert data["messages"] == 164 and SPOOFER in data["not_yours"]
    tls = client.get("/api/v1/tlsrpt").json()
    assert tls["failed_sessions"] == 12 and tls["failures"][0]["receiving_mx"] == "mx2.example.com"
    bad = client.get("/api/v1/dmarc", params={"since": "the day before"})
    assert bad.status_code == 400 and bad.headers["content-type"].startswith("application/problem+json")
    assert "/api/v1/dmarc" in client.get("/api/v1/openapi.json").json()["paths"]


def test_page_shows_sources_and_escapes_receivers_text(client: TestClient) -> None:
    html = client.get("/dmarc", headers={"accept": "text/html"}).text
    assert "Sources that never pass DMARC" in html and SPOOFER in html and "certificate-expired" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<b>Evil</b>" not in html and "&lt;b&gt;Evil&lt;/b&gt; Org" in html
    vietnamese = client.get("/dmarc", params={"lang": "vi"}).text
    assert "Nguồn không bao giờ đạt DMARC" in vietnamese


def test_upload_reports_through_the_api(client: TestClient) -> None:
    client.cookies.set("itx_csrf", "t")  # a cookie session posts with the CSRF pair
    client.headers["x-csrf-token"] = "t"
    from tests.reports.samples import BILLION_LAUGHS, gz, zipped

    first = client.post("/api/v1/ingest/reports", content=zipped("r.xml", aggregate("up-1")))
    assert first.status_code == 200 and first.json()["aggregate"] == 1
    again = client.post("/api/v1/ingest/reports", content=gz(aggregate("up-1")))
    assert again.json()["duplicates"] == 1 and again.json()["aggregate"] == 0
    evil = client.post("/api/v1/ingest/reports", content=BILLION_LAUGHS).json()
    assert evil["rejected"][0]["kind"] == "aggregate" and "DTD" in evil["rejected"][0]["reason"]
    assert client.post("/api/v1/ingest/reports", content=b"").status_code == 400
