"""Link and image domains on a real DNS blocklist (Knot), the verdict, and ``inboxtrace check --message``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inboxtrace.content import ContentOptions, check_content, overall
from inboxtrace.content.rspamd import RspamdServer
from inboxtrace.content.spamd import SpamdServer
from inboxtrace.model.check import CheckResult
from tests.content.samples import SPAMMY, newsletter
from tests.helpers.cli import run_main
from tests.rigs.knot import KnotServer

pytestmark = pytest.mark.dns

LISTED_HTML = (
    "<html><body><p>" + "A normal paragraph of our newsletter for the readers. " * 6 + "</p>"
    '<p><a href="https://www.bad-links.example/offer">offer</a></p>'
    '<p><img src="https://cdn.refused.example/logo.png" alt="logo"></p>'
    '<p><a href="https://shop.example/u/1">Unsubscribe</a></p></body></html>'
)


def _local_dns(knot: KnotServer, dnsbl_file: str) -> list[str]:
    """``check`` options asking only the local Knot (blocklists too), once, quickly; nothing fetched."""
    return ["--nameserver", knot.nameserver, "--dnsbl-file", dnsbl_file, "--no-fetch", "--no-probe",
            "--timeout", "1", "--tries", "1"]  # fmt: skip


def test_link_and_image_domains_on_the_blocklist(dbl_knot: KnotServer, dbl_file: str) -> None:
    options = ContentOptions(
        spamassassin=False, nameservers=(dbl_knot.nameserver,), dnsbl_file=dbl_file, timeout=2.0
    )
    result = check_content(newsletter(html=LISTED_HTML), options)
    assert set(result.link_domains) == {"bad-links.example", "refused.example", "shop.example"}
    listed = [f for f in result.findings if f.code == "dnsbl.listed"]
    assert [f.subject for f in listed] == ["bad-links.example"] and "spam domain" in listed[0].why
    refused = [f for f in result.findings if f.code == "dnsbl.refused"]
    assert [f.subject for f in refused] == ["refused.example"]  # a refusal is never a listing
    assert any(f.code == "dnsbl.clean" and f.subject == "shop.example" for f in result.findings)
    verdict = overall(None, result)
    assert verdict.lost["blocklists"] == 2.0
    assert not verdict.complete  # no sender check
    assert verdict.fixes[0].part == "blocklists"


def test_verdict_joins_parts_and_orders_fixes(dbl_knot: KnotServer, dbl_file: str) -> None:
    offline = ContentOptions(spamassassin=False, blocklists=False)
    clean = overall(
        CheckResult(domain="shop.example", findings=(), score=100), check_content(newsletter(), offline)
    )
    assert clean.mark == 10.0 and clean.fixes == () and clean.complete
    spammy = check_content(SPAMMY, ContentOptions(spamassassin=False, blocklists=False))
    worse = overall(CheckResult(domain="prizes.example", findings=(), score=100), spammy)
    assert worse.mark < clean.mark
    assert [f.part for f in worse.fixes] == ["content"] * len(worse.fixes) and 1 <= len(worse.fixes) <= 3


def test_check_message_json_has_content_and_verdict(  # noqa: PLR0917 (pytest fixtures)
    dbl_knot: KnotServer,
    dbl_file: str,
    spamd_server: SpamdServer,
    rspamd_server: RspamdServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sample = tmp_path / "spammy.eml"
    sample.write_bytes(SPAMMY)
    code, out, _ = run_main(
        [
            "check",
            "--message",
            str(sample),
            *_local_dns(dbl_knot, dbl_file),
            "--spamd",
            f"{spamd_server.host}:{spamd_server.port}",
            "--rspamd",
            rspamd_server.url,
            "--json",
        ],
        capsys,
    )
    assert code == 0
    data = json.loads(out)
    assert data["domain"] == "prizes.example"  # the sender check is still there
    assert data["content"]["spamassassin"]["score"] >= 5
    names = [r["name"] for r in data["content"]["spamassassin"]["rules"]]
    assert "GUARANTEED_100_PERCENT" in names
    assert 0 <= data["verdict"]["mark"] < 5 and len(data["verdict"]["top_fixes"]) == 3
    assert data["content"]["rspamd"]["action"] in ("add header", "rewrite subject", "reject")


def test_check_message_report_escapes_message_text(
    dbl_knot: KnotServer, dbl_file: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = newsletter(from_='"support@bank.example\x1b[31m" <news@shop.example>')
    sample = tmp_path / "m.eml"
    sample.write_bytes(raw.replace(b"\\x1b", b"\x1b"))
    code, out, _ = run_main(
        [
            "check",
            "--message",
            str(sample),
            *_local_dns(dbl_knot, dbl_file),
            "--no-spamassassin",
        ],
        capsys,
    )
    assert code == 0
    assert "Verdict" in out and "display name shows an address" in out
    assert "\x1b[31m" not in out


def test_no_content_keeps_the_sender_report_only(
    dbl_knot: KnotServer, dbl_file: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = tmp_path / "m.eml"
    sample.write_bytes(newsletter())
    code, out, _ = run_main(
        [
            "check",
            "--message",
            str(sample),
            *_local_dns(dbl_knot, dbl_file),
            "--no-content",
            "--json",
        ],
        capsys,
    )
    assert code == 0 and "content" not in json.loads(out)


def test_check_links_dmarc_findings_to_stored_reports(
    dbl_knot: KnotServer, dbl_file: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from inboxtrace.feedback import read_blob
    from inboxtrace.store import open_store
    from inboxtrace.store.feedback import ingest_reports
    from tests.reports.samples import SPOOFER, aggregate

    db = f"sqlite:///{tmp_path / 'store.db'}"
    with open_store(db) as store:
        ingest_reports(store, read_blob(aggregate("r1", domain="shop.example"), "r1.xml"))
    args = ["check", "shop.example", *_local_dns(dbl_knot, dbl_file), "--db", db, "--json"]
    code, out, _ = run_main(args, capsys)
    assert code == 0
    findings = {f["code"]: f for f in json.loads(out)["findings"]}
    assert SPOOFER in findings["dmarc.reports-unknown-sources"]["found"]
    assert "75.0% of 160" in findings["dmarc.reports-ok"]["title"]


def test_content_check_through_the_web_api(dbl_knot: KnotServer, dbl_file: str, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from inboxtrace.web import WebConfig, create_app

    config = WebConfig(
        db=f"sqlite:///{tmp_path / 'web.db'}", nameservers=(dbl_knot.nameserver,), dns_timeout=1.0
    )
    with TestClient(create_app(config)) as client:
        client.cookies.set("itx_csrf", "t")  # a cookie session posts with the CSRF pair
        client.headers["x-csrf-token"] = "t"
        answer = client.post("/api/v1/content", content=SPAMMY, params={"spamassassin": "false"})
        assert answer.status_code == 200, answer.text
        data = answer.json()
        assert data["domain"] == "prizes.example"
        assert {f["code"] for f in data["content"]["findings"]} >= {
            "content.shortener",
            "content.no-text-part",
        }
        assert 0 <= data["verdict"]["mark"] <= 10 and data["verdict"]["top_fixes"]
        not_mail = client.post(
            "/api/v1/content", content=b"\x00\x01 not a message", params={"spamassassin": "false"}
        )
        assert not_mail.status_code == 400 and not_mail.headers["content-type"].startswith(
            "application/problem+json"
        )


def test_content_page_form(dbl_knot: KnotServer, tmp_path: Path) -> None:
    import re

    from fastapi.testclient import TestClient

    from inboxtrace.web import WebConfig, create_app

    config = WebConfig(
        db=f"sqlite:///{tmp_path / 'web.db'}", nameservers=(dbl_knot.nameserver,), dns_timeout=1.0
    )
    with TestClient(create_app(config)) as client:
        form = client.get("/content").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert token is not None
        # a look-alike display name (Cyrillic а) carrying markup: named in a finding, shown escaped
        hostile = '"P\u0430ypal<script>alert(1)</script>" <winner@prizes.example>'
        pasted = SPAMMY.decode().replace("WINNER NOTICE <winner@prizes.example>", hostile)
        answer = client.post("/content", data={"csrf_token": token.group(1), "message": pasted})
        assert answer.status_code == 200, answer.text[-500:]
        html = answer.text
        assert "/10</strong>" in html and "SpamAssassin" in html and "GUARANTEED_100_PERCENT" in html
        assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        empty = client.post("/content", data={"csrf_token": token.group(1), "message": " "})
        assert empty.status_code == 400
        forged = client.post("/content", data={"csrf_token": "wrong", "message": pasted})
        assert forged.status_code in (400, 403)
