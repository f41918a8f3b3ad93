"""A subject that matches more messages than one search looks at (SUBJECT_MATCHES a source): paging
back with the cursor keeps finding older matches, ``until`` reaches them too, and a page that ends
while the look-up was full says so (API field, notice on the page), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from inboxtrace.ingest import ingest
from inboxtrace.store import Store, open_store
from inboxtrace.store import activity as activity_mod
from inboxtrace.store.activity import ActivityFilter, search_deliveries
from inboxtrace.web import WebConfig, create_app
from tests.conftest import BACKENDS, SHARED, backend_url

CAP = 4


def _log_with_subjects(tmp_path: Path) -> Path:
    """The real Postfix run's log, with the line ``header_checks`` WARN adds after each message-id:
    every other message is an "Order no. N" and the rest a "Newsletter"."""
    real = (SHARED / "corpus" / "logs" / "postfix-real-run" / "postfix.log").read_text(encoding="utf-8")
    lines = []
    for n, line in enumerate(real.splitlines(keepends=True)):
        lines.append(line)
        if ": message-id=<" in line:
            head = line.split(": message-id=", 1)[0]
            subject = f"Order no. {n} shipped" if n % 2 else f"Newsletter {n}"
            lines.append(
                f"{head}: warning: header Subject: {subject} from localhost[127.0.0.1]; "
                "from=<app@sender.test> to=<x@dest.test> proto=ESMTP helo=<h>\n"
            )
    log = tmp_path / "mail.log"
    log.write_text("".join(lines), encoding="utf-8")
    return log


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    url = backend_url(request, tmp_path, "subjpage")
    with open_store(url) as store:
        ingest([str(_log_with_subjects(tmp_path))], store, jobs=1)
    return url


def _expected(store: Store, words: str) -> set[tuple[str, str]]:
    """(message key, recipient) of every delivery whose logged subject holds ``words``."""
    with store.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT d.mkey, d.recipient, m.subject FROM log_deliveries d JOIN log_messages m ON m.mkey = d.mkey"
        ).all()
    return {(k, r) for k, r, s in rows if s and words in s.lower()}


def test_paging_a_common_subject_reaches_every_match(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(activity_mod, "SUBJECT_MATCHES", CAP)
    with open_store(url) as store:
        expected = _expected(store, "order no.")
        assert len({k for k, _ in expected}) > 3 * CAP, "the log has too few matching messages for the test"
        seen: list[tuple[str, str]] = []
        cursor = None
        for _ in range(200):
            page = search_deliveries(store, ActivityFilter(subject="ORDER no."), limit=2, cursor=cursor)
            seen += [(activity_mod.message_key(r.id), r.recipient) for r in page.rows]
            assert all(r.subject and "Order no." in r.subject for r in page.rows)
            cursor = page.next_cursor
            if cursor is None:
                break
        assert len(seen) == len(set(seen)), "a delivery came twice"
        assert set(seen) == expected
        # one page as large as everything, and a look-up that may not grow: it was full, so the page
        # says older matches may exist
        monkeypatch.setattr(activity_mod, "SUBJECT_GROWTH", 1)
        whole = search_deliveries(store, ActivityFilter(subject="order no."), limit=500)
        assert whole.next_cursor is None and whole.subject_capped
        assert len(whole.rows) < len(expected)
        # an earlier ``until`` moves the look-up back in time: every older match is found
        monkeypatch.setattr(activity_mod, "SUBJECT_GROWTH", 16)
        with store.connect() as conn:
            times = {
                (k, r): t
                for k, r, t in conn.exec_driver_sql("SELECT mkey, recipient, last_time FROM log_deliveries")
            }
        newest = max(times[x] for x in expected)
        older = {x for x in expected if times[x] < newest}
        assert older and older != expected
        until = datetime.fromtimestamp(newest, UTC)
        before = search_deliveries(store, ActivityFilter(subject="order no.", until=until), limit=500)
        assert {(activity_mod.message_key(r.id), r.recipient) for r in before.rows} == older
    monkeypatch.setattr(activity_mod, "SUBJECT_MATCHES", 10_000)
    with open_store(url) as store:
        whole = search_deliveries(store, ActivityFilter(subject="order no."), limit=500)
        assert not whole.subject_capped
        assert {(activity_mod.message_key(r.id), r.recipient) for r in whole.rows} == expected


def test_the_api_and_the_page_say_when_older_matches_may_be_missing(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(activity_mod, "SUBJECT_MATCHES", CAP)
    monkeypatch.setattr(activity_mod, "SUBJECT_GROWTH", 1)
    from inboxtrace.web import pages

    monkeypatch.setattr(pages, "SUBJECT_MATCHES", CAP)
    with TestClient(create_app(WebConfig(db=url))) as client:
        body = client.get("/api/v1/deliveries", params={"subject": "newsletter", "limit": 500}).json()
        assert body["subject_capped"] is True and body["next_cursor"] is None
        page = client.get("/activity", params={"subject": "newsletter"}, headers={"accept": "text/html"}).text
        assert f"More than {CAP} messages have this subject" in page
        vi = client.get(
            "/activity",
            params={"subject": "newsletter"},
            headers={"accept": "text/html", "accept-language": "vi"},
        ).text
        assert f"Hơn {CAP} thư có tiêu đề này" in vi
        rare = client.get("/api/v1/deliveries", params={"subject": "no. 185 ship", "limit": 500}).json()
        assert rare["subject_capped"] is False
        page = client.get(
            "/activity", params={"subject": "no. 185 ship"}, headers={"accept": "text/html"}
        ).text
        assert "messages have this subject" not in page
