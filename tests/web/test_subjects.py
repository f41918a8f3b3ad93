"""Subjects a real Postfix logged (``header_checks`` ``/^Subject:/ WARN``): ingested from its log,
found by subject on the Activity page and in the API, shown escaped, on SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
import smtplib
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from inboxtrace.ingest import ingest
from inboxtrace.store import open_store
from inboxtrace.web import WebConfig, create_app
from tests.rigs.postfix import PostfixRig
from tests.rigs.postgres import PostgresRig
from tests.rigs.smtp_sink import SmtpSink

pytestmark = pytest.mark.postfix

PLAIN = 'Quarterly <script>alert(1)</script> "onmouseover=x report'
ENCODED = "Grüße aus Köln – ünïcödé"  # sent as an RFC 2047 encoded-word, logged encoded


@pytest.fixture(scope="module")
def subject_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The log of a real Postfix that relayed three messages with header_checks WARN on Subject."""
    out = tmp_path_factory.mktemp("subjects") / "maillog"
    with (
        SmtpSink() as sink,
        PostfixRig.start(relay_port=sink.port, header_checks=["/^Subject:/ WARN"]) as pf,
    ):
        pf.send("app@sender.test", ["plain@dest.test"], subject=PLAIN, message_id="<plain.1@sender.test>")
        pf.send("app@sender.test", ["encoded@dest.test"], subject=ENCODED, message_id="<enc.1@sender.test>")
        raw = (
            b"From: app@sender.test\r\nTo: q@dest.test\r\nsubject: =?ISO-8859-1?Q?caf=E9?= menu\r\n"
            b"Message-ID: <q.1@sender.test>\r\n\r\nbody\r\n"
        )
        with smtplib.SMTP("127.0.0.1", pf.smtpd_port, timeout=30) as s:
            s.sendmail("app@sender.test", ["q@dest.test"], raw)
        pf.wait_for(lambda log: log.count(": removed") >= 3)
        shutil.copy(pf.log_path, out)
    return out


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def client(request: pytest.FixtureRequest, subject_log: Path, tmp_path: Path) -> Iterator[TestClient]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'subjects.db'}"
    else:
        pg: PostgresRig = request.getfixturevalue("postgres")
        url = pg.create_database(f"subj{tmp_path.name[-12:].replace('-', '_')}")
    with open_store(url) as store:
        ingest([str(subject_log)], store, jobs=1)
    with TestClient(create_app(WebConfig(db=url))) as c:
        yield c


def test_the_log_holds_the_subjects_as_postfix_wrote_them(subject_log: Path) -> None:
    text = subject_log.read_text(encoding="utf-8", errors="replace")
    assert f"warning: header Subject: {PLAIN} from " in text
    assert "warning: header Subject: =?utf-8?" in text and ENCODED not in text
    assert "warning: header subject: =?ISO-8859-1?Q?caf=E9?= menu from " in text


@pytest.mark.parametrize(
    ("words", "recipient", "subject"),
    [
        ("<SCRIPT>alert(1)", "plain@dest.test", PLAIN),
        ("grüße aus", "encoded@dest.test", ENCODED),
        ("KÖLN", "encoded@dest.test", ENCODED),
        ("café m", "q@dest.test", "café menu"),
    ],
)
def test_a_logged_subject_is_found_in_the_api_and_on_the_page(
    client: TestClient, words: str, recipient: str, subject: str
) -> None:
    items = client.get("/api/v1/deliveries", params={"subject": words}).json()["items"]
    assert [(i["recipient"], i["subject"], i["final_state"]) for i in items] == [
        (recipient, subject, "delivered")
    ]
    page = client.get("/activity", params={"subject": words}, headers={"accept": "text/html"}).text
    assert recipient in page and str(escape(subject)) in page
    assert "<script>alert(1)" not in page
    message = client.get(f"/messages/{items[0]['id']}", headers={"accept": "text/html"}).text
    assert str(escape(subject)) in message and "<script>alert(1)" not in message
    assert (
        client.get(f"/api/v1/messages/{items[0]['id']}").json()["trace"]["stories"][0]["messages"][0][
            "subject"
        ]
        == subject
    )


def test_other_text_finds_no_logged_subject(client: TestClient) -> None:
    assert client.get("/api/v1/deliveries", params={"subject": "no such words"}).json()["items"] == []
    # LIKE's wildcards are plain characters
    assert client.get("/api/v1/deliveries", params={"subject": "caf_ m"}).json()["items"] == []
    everything = client.get("/api/v1/deliveries").json()["items"]
    assert {i["recipient"] for i in everything} == {"plain@dest.test", "encoded@dest.test", "q@dest.test"}


def test_subjects_of_a_parallel_first_ingest_are_stored_and_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first ingest into an empty SQLite store is cut into pieces written by the workers and
    copied in (store.log_chunks): the subjects arrive, and the search index holds them, as with
    one process."""
    from inboxtrace.store.activity import ActivityFilter, search_deliveries
    from inboxtrace.store.log_chunks import ChunkTables
    from inboxtrace.timeline import reader
    from tests.conftest import SHARED

    real = (SHARED / "corpus" / "logs" / "postfix-real-run" / "postfix.log").read_text(encoding="utf-8")
    lines = []
    for n, line in enumerate(real.splitlines(keepends=True)):
        lines.append(line)
        if ": message-id=<" in line:  # what header_checks WARN adds after it
            head = line.split(": message-id=", 1)[0]
            lines.append(
                f"{head}: warning: header Subject: =?utf-8?q?Bestellung_Nr=2E_{n}_f=C3=BCr_Sie?= from "
                "localhost[127.0.0.1]; from=<app@sender.test> to=<x@dest.test> proto=ESMTP helo=<h>\n"
            )
    log = tmp_path / "mail.log"
    log.write_text("".join(lines), encoding="utf-8")
    monkeypatch.setattr(reader, "PARALLEL_MIN_BYTES", 0)
    merged: list[int] = []
    original = ChunkTables.merge

    def merge(self: ChunkTables, results: list[object]) -> None:
        original(self, results)  # type: ignore[arg-type]
        merged.append(self.merged)

    monkeypatch.setattr(ChunkTables, "merge", merge)
    found = {}
    for jobs in (1, 2):
        with open_store(f"sqlite:///{tmp_path / f'{jobs}.db'}") as store:
            ingest([str(log)], store, jobs=jobs)
            with store.connect() as conn:
                subjects = sorted(conn.exec_driver_sql("SELECT mkey, subject FROM log_messages"))
            rows = search_deliveries(store, ActivityFilter(subject="bestellung nr. 1"), limit=500).rows
            found[jobs] = (subjects, sorted((r.id, r.recipient) for r in rows))
    assert merged == [1, 2], "the parallel ingest did not write pieces"
    assert found[1] == found[2]
    subjects, hits = found[2]
    assert sum(s is not None for _, s in subjects) >= 20
    assert all(s is None or (s.startswith("Bestellung Nr. ") and s.endswith(" für Sie")) for _, s in subjects)
    assert hits and len(hits) < len(subjects)


def test_a_subject_search_needs_three_characters(client: TestClient) -> None:
    r = client.get("/api/v1/deliveries", params={"subject": " ca "})
    assert r.status_code == 400 and "at least 3 characters" in r.json()["detail"]
    page = client.get("/activity", params={"subject": "ca"}, headers={"accept": "text/html"})
    assert page.status_code == 200 and "at least 3 characters" in page.text


def test_common_text_found_by_walking_the_newest_deliveries_gives_the_same_answer(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL text found in many of the newest subjects is looked for by reading the newest
    deliveries' messages, a batch at a time (here: every text is common, one delivery a batch)."""
    from inboxtrace.store import subjects

    expected = {
        words: [
            (i["recipient"], i["subject"])
            for i in client.get("/api/v1/deliveries", params={"subject": words}).json()["items"]
        ]
        for words in ("grüße aus", "CAFÉ", "report", "no such words")
    }
    assert [len(v) for v in expected.values()] == [1, 1, 1, 0]
    monkeypatch.setattr(subjects, "COMMON", 0)
    monkeypatch.setattr(subjects, "BATCH", 1)
    for words, items in expected.items():
        walked = client.get("/api/v1/deliveries", params={"subject": words}).json()["items"]
        assert [(i["recipient"], i["subject"]) for i in walked] == items


def test_a_walk_that_ends_before_enough_matches_leaves_the_search_to_the_index(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The walk reads at most WALK deliveries; when they hold fewer matches than a search wants,
    the matches further back are found by the index search, not dropped."""
    from inboxtrace.store import subjects

    expected = {
        words: [
            (i["recipient"], i["subject"])
            for i in client.get("/api/v1/deliveries", params={"subject": words}).json()["items"]
        ]
        for words in ("grüße aus", "CAFÉ", "report")
    }
    assert all(len(v) == 1 for v in expected.values())
    monkeypatch.setattr(subjects, "COMMON", 0)
    monkeypatch.setattr(subjects, "BATCH", 1)
    monkeypatch.setattr(subjects, "PROBE", 1)
    monkeypatch.setattr(subjects, "WALK", 1)  # one delivery read: at most one of the three subjects
    for words, items in expected.items():
        walked = client.get("/api/v1/deliveries", params={"subject": words}).json()["items"]
        assert [(i["recipient"], i["subject"]) for i in walked] == items
