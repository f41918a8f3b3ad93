"""The library functions the web app calls: activity search, message view, credentials, check history."""

from __future__ import annotations

from pathlib import Path

import pytest

from inboxtrace.errors import InputError
from inboxtrace.model.check import CheckResult, Finding, Severity
from inboxtrace.report.message import MessageNotFound, message_view
from inboxtrace.report.overview import rate_alerts
from inboxtrace.report.summary import GroupRow
from inboxtrace.store import Store
from inboxtrace.store.activity import ActivityFilter, message_ref, search_deliveries, state_counts
from inboxtrace.store.auth import (
    create_token,
    credentials_configured,
    open_session,
    revoke_token,
    session_principal,
    set_user,
    verify_token,
    verify_user,
)
from inboxtrace.store.check_runs import check_history, get_check, save_check


def test_pages_walk_every_delivery_once_newest_first(store: Store) -> None:
    total = sum(state_counts(store).values())
    seen: list[tuple[str, str]] = []
    times = []
    cursor = None
    while True:
        page = search_deliveries(store, limit=4, cursor=cursor)
        seen += [(r.id, r.recipient) for r in page.rows]
        times += [r.last_time for r in page.rows]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert len(seen) == total == len(set(seen))
    assert times == sorted(times, reverse=True)


def test_filters_combine(store: Store) -> None:
    bounced = search_deliveries(store, ActivityFilter(state="bounced"), limit=100).rows
    assert bounced
    assert all(r.final_state == "bounced" for r in bounced)
    one = bounced[0]
    by_rcpt = search_deliveries(store, ActivityFilter(recipient=one.recipient.upper()), limit=100).rows
    assert one.id in {r.id for r in by_rcpt}
    assert all(r.recipient.lower() == one.recipient.lower() for r in by_rcpt)
    by_q = search_deliveries(store, ActivityFilter(q=one.queue_id), limit=100).rows
    assert {r.queue_id for r in by_q} == {one.queue_id}
    none = search_deliveries(store, ActivityFilter(state="delivered", recipient=one.recipient), limit=100)
    assert all(r.final_state == "delivered" for r in none.rows)
    by_reason = search_deliveries(store, ActivityFilter(reason=one.reason), limit=100).rows
    assert by_reason
    assert all(r.reason == one.reason for r in by_reason)


def test_bad_state_and_cursor_are_input_errors(store: Store) -> None:
    with pytest.raises(InputError):
        search_deliveries(store, ActivityFilter(state="lost"))
    with pytest.raises(InputError):
        search_deliveries(store, cursor="not-a-cursor!")


def test_message_view_has_the_250_and_a_postmaster_note(store: Store) -> None:
    rows = search_deliveries(store, ActivityFilter(state="delivered"), limit=50).rows
    row = next(r for r in rows if r.remote_queue_id)
    view = message_view(store, row.id)
    note = view.notes[row.recipient]
    assert note.their_id == row.remote_queue_id
    assert note.reply is not None
    assert note.reply.startswith("250")
    assert row.remote_queue_id in note.text()
    data = view.to_dict()
    assert data["trace"]["stories"][0]["messages"]
    assert row.recipient in data["diagnosis"]
    with pytest.raises(MessageNotFound):
        message_view(store, message_ref("0|nohost|NOPE"))


def test_tokens_are_stored_hashed_and_scoped(store: Store) -> None:
    assert not credentials_configured(store)
    tid, secret = create_token(store, "write", name="ci")
    assert credentials_configured(store)
    p = verify_token(store, secret)
    assert p is not None
    assert p.allows("read")
    assert p.allows("write")
    assert not p.allows("admin")
    with store.connect() as conn:
        stored = " ".join(str(v) for row in conn.exec_driver_sql("SELECT * FROM web_tokens") for v in row)
    assert secret not in stored
    assert verify_token(store, secret + "x") is None
    revoke_token(store, tid)
    assert verify_token(store, secret) is None


def test_users_and_sessions(store: Store) -> None:
    set_user(store, "ana", "correct horse", "read")
    assert verify_user(store, "ana", "wrong horse!") is None
    assert verify_user(store, "bob", "correct horse") is None
    p = verify_user(store, "ana", "correct horse")
    assert p is not None
    assert p.scope == "read"
    sid = open_session(store, p)
    assert session_principal(store, sid) == p
    assert session_principal(store, sid[:-1]) is None
    with pytest.raises(InputError):
        set_user(store, "short", "1234567")


def test_check_history(store: Store) -> None:
    f = Finding("spf", "spf.missing", Severity.ERROR, "No SPF", "", "why", "fix", "example.org", 20)
    run = save_check(store, CheckResult("example.org", (f,), 80), ip="192.0.2.1")
    again = get_check(store, run.run_id)
    assert again is not None
    assert again.result["findings"][0]["code"] == "spf.missing"
    assert [r.run_id for r in check_history(store, "example.org")] == [run.run_id]


def test_rate_alerts_flag_a_jump() -> None:
    days = [GroupRow(f"2026-11-0{i}", {"delivered": 95, "bounced": 5}) for i in range(1, 5)]
    days.append(GroupRow("2026-11-05", {"delivered": 60, "bounced": 40}))
    alerts = rate_alerts(days)
    assert [(a.day, a.measure) for a in alerts] == [("2026-11-05", "failure_rate")]
    assert rate_alerts(days[:4]) == []


def test_message_view_shows_where_a_seed_found_it(store: Store) -> None:
    from datetime import UTC, datetime

    from inboxtrace.diagnose.workflow import create_test
    from inboxtrace.model.placement import SeedResult
    from inboxtrace.store.placement import save_results

    row = next(
        r for r in search_deliveries(store, ActivityFilter(state="delivered"), limit=50).rows if r.message_id
    )
    test = create_test(store)
    when = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
    save_results(
        store,
        [
            SeedResult(
                test.test_id,
                row.recipient.upper(),
                "gmail",
                "spam",
                "[Gmail]/Spam",
                when,
                3.0,
                when,
                message_id=f"<{row.message_id.strip('<>')}>",
            )
        ],
    )
    view = message_view(store, row.id)
    found = view.to_dict()["placement"][row.recipient]
    assert [(p["test_id"], p["placement"], p["folder"]) for p in found] == [
        (test.test_id, "spam", "[Gmail]/Spam")
    ]
    assert found[0]["checked_at"].startswith("2026-11-25T18:00")


def test_overview_cache_answers_at_once_and_refreshes_in_the_background(store: Store, tmp_path: Path) -> None:
    import time

    from inboxtrace.ingest import ingest
    from inboxtrace.report.overview import OverviewCache

    cache = OverviewCache(store, max_age=0.0)
    first = cache.get(30)
    before = first.report.recipients
    log = tmp_path / "more.log"
    log.write_text(
        "Nov 25 17:30:00 mta postfix/qmgr[100]: 5A7E00001C: from=<x@sender.test>, size=10, nrcpt=1 (queue active)\n"
        "Nov 25 17:30:01 mta postfix/smtp[102]: 5A7E00001C: to=<new@example.org>, relay=mx.example.org[192.0.2.9]:25, "
        "delay=1, delays=0/0/0.5/0.5, dsn=2.0.0, status=sent (250 2.0.0 OK queued as 9ZZ)\n",
        encoding="utf-8",
    )
    ingest([str(log)], store)
    assert cache.get(30) is first  # stale, answered at once; a refresh starts
    deadline = time.monotonic() + 20
    while (now := cache.get(30)).report.recipients == before:
        assert time.monotonic() < deadline, "the background refresh never landed"
        time.sleep(0.05)
    assert now.report.recipients == before + 1


def test_popular_addresses_take_the_time_walk_with_the_same_answer(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from inboxtrace.store import activity

    queries = [ActivityFilter(q="newsletter@sender.test"), ActivityFilter(sender="newsletter@sender.test"),
               ActivityFilter(recipient="tempfail@example.com")]  # fmt: skip
    by_index = [search_deliveries(store, f, limit=5).rows for f in queries]
    monkeypatch.setattr(activity, "POPULAR", 0)  # every address counts as popular
    by_walk = [search_deliveries(store, f, limit=5).rows for f in queries]
    assert by_walk == by_index
    assert all(by_index)


def test_message_diagnosis_is_about_that_message(store: Store) -> None:
    rows = search_deliveries(store, ActivityFilter(q="newsletter@sender.test"), limit=100).rows
    row = next(r for r in rows if r.recipient == "newsletter@sender.test")
    view = message_view(store, row.id)
    conclusions = view.diagnoses[row.recipient].conclusions
    assert conclusions
    assert {c.details.get("queue_id") for c in conclusions} == {row.queue_id}


def test_search_by_subject_finds_esp_mail_and_logged_mail_a_bounce_returned(store: Store) -> None:
    """Subjects come from the ESPs' events and from the messages bounces return: a subject search
    finds those messages, and the logged message with the same Message-ID."""
    import json

    from inboxtrace.esp import EspSettings, provider
    from inboxtrace.store.esp import write_events
    from tests.esp import payloads

    body = {"Type": "Notification", "MessageId": "s1", "Message": json.dumps(payloads.ses_record("Delivery"))}
    write_events(store, provider("ses", EspSettings()).parse(body))  # Subject: "Your invoice"
    _ingest_gmail_bounce(store)
    esp = search_deliveries(store, ActivityFilter(subject="your INVOICE"))
    assert [r.message_id for r in esp.rows] == ["<0100-fake-1@sender.example>"]
    logged = search_deliveries(store, ActivityFilter(subject="100% deals_"))
    assert {r.message_id for r in logged.rows} == {"ok.gmail.com.1795627428@sender.test"}
    assert logged.rows and all(r.host != "ses" for r in logged.rows)
    # LIKE's wildcards are plain characters here
    assert search_deliveries(store, ActivityFilter(subject="100_ deals")).rows == ()
    assert search_deliveries(store, ActivityFilter(subject="no such subject")).rows == ()
    combined = search_deliveries(store, ActivityFilter(subject="deals", state="bounced"))
    assert all(r.final_state == "bounced" for r in combined.rows)


GMAIL_BOUNCE = (
    "From: MAILER-DAEMON@mx.sender.test\r\nTo: news@sender.test\r\n"
    "Subject: Undelivered Mail Returned to Sender\r\nDate: Thu, 26 Nov 2026 10:05:00 +0000\r\n"
    "Message-ID: <b1@mx.sender.test>\r\nMIME-Version: 1.0\r\n"
    'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
    "--B\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n"
    "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
    "Reporting-MTA: dns; mx.sender.test\r\n\r\n"
    "Final-Recipient: rfc822; ok@gmail.com\r\nAction: failed\r\nStatus: 5.1.1\r\n"
    "Diagnostic-Code: smtp; 550 5.1.1 no such user\r\n\r\n"
    "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
    "From: news@sender.test\r\nTo: ok@gmail.com\r\nSubject: December 100% deals_now\r\n"
    "Message-ID: <ok.gmail.com.1795627428@sender.test>\r\n\r\n--B--\r\n"
)


def _ingest_gmail_bounce(store: Store) -> None:
    """A bounce of the example log's message to ok@gmail.com (accepted with a 250, bounced later)."""
    import tempfile

    from inboxtrace.bounces import iter_paths, read_bounces
    from inboxtrace.store.bounces import ingest_bounces

    with tempfile.TemporaryDirectory() as tmp:
        eml = Path(tmp) / "b.eml"
        eml.write_bytes(GMAIL_BOUNCE.encode())
        ingest_bounces(store, list(read_bounces(iter_paths([eml]))))


def test_the_message_page_reads_once_on_one_connection(store: Store) -> None:
    """The message page's reads share one pooled connection, and the bounces of the story are read
    in one query and used both to join them to the timeline and for the diagnosis."""
    import sqlalchemy as sa

    _ingest_gmail_bounce(store)
    rows = search_deliveries(store, ActivityFilter(q="ok@gmail.com"), limit=100).rows
    row = next(r for r in rows if r.recipient == "ok@gmail.com")
    checkouts: list[object] = []
    statements: list[str] = []

    def checkout(*_: object) -> None:
        checkouts.append(_)

    def execute(_conn: object, _cur: object, statement: str, *__: object) -> None:
        statements.append(statement)

    sa.event.listen(store.engine.pool, "checkout", checkout)
    sa.event.listen(store.engine, "before_cursor_execute", execute)
    try:
        view = message_view(store, row.id)
    finally:
        sa.event.remove(store.engine.pool, "checkout", checkout)
        sa.event.remove(store.engine, "before_cursor_execute", execute)
    assert len(checkouts) == 1
    (bounce_query,) = [s for s in statements if "bounce_recipients" in s]
    assert (
        bounce_query.count("FROM bounce_recipients JOIN bounce_messages") == 2 and "UNION ALL" in bounce_query
    )
    data = view.to_dict()
    (delivery,) = [
        d
        for m in data["trace"]["stories"][0]["messages"]
        for d in m["deliveries"]
        if d["recipient"] == "ok@gmail.com"
    ]
    assert [b["diagnostic"] for b in delivery["bounces"]] == ["550 5.1.1 no such user"]
    (conclusion,) = view.diagnoses["ok@gmail.com"].conclusions
    # the diagnosis saw the bounce read for the timeline: accepted with a 250, bounced later
    assert (
        conclusion.kind.value == "bounced-after-accept"
        and "bounced later by mx.sender.test" in conclusion.summary
    )
