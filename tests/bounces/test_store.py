"""Bounces in the store (SQLite and a real PostgreSQL): idempotent ingest, queries, the join to logs."""

from __future__ import annotations

from datetime import UTC, datetime

from inboxtrace.bounces import mark_suspected_filtering, parse_bounce
from inboxtrace.model.log import Attempt, Delivery, FinalState, Message
from inboxtrace.store.bounces import (
    async_bounce_count,
    bounces_for_message_id,
    bounces_for_recipient,
    delay_warning_count,
    ingest_bounces,
    join_bounces,
    known_good_addresses,
    reason_counts,
    stored_bounces,
)
from inboxtrace.store.core import Store
from inboxtrace.store.logs import write_messages
from tests.bounces.samples import dsn, vacation


def _log_message(recipient: str, state: FinalState = FinalState.DELIVERED) -> Message:
    t = datetime(2026, 1, 1, 10, 4, 59, tzinfo=UTC)
    attempt = Attempt(time=t, status="sent", relay_host="mx.example.org", reply="250 2.0.0 Ok: queued as 9Z")
    return Message(
        mta="postfix",
        host="mx1.sender.example.com",
        queue_id="4F1A2B3C4D",
        received=t,
        sender="bounces+campaign7=sender.example.com@sender.example.com",
        message_id="<m1.20260101@sender.example.com>",
        deliveries=(Delivery(recipient=recipient, final_state=state, attempts=(attempt,)),),
    )


def test_ingest_is_idempotent_and_queryable(store: Store) -> None:
    reports = [parse_bounce(dsn("a@example.org"), "a.eml"), parse_bounce(vacation(), "v.eml")]
    first = ingest_bounces(store, reports)
    assert (first.stored, first.recipients, first.duplicates) == (2, 2, 0)
    again = ingest_bounces(store, [parse_bounce(dsn("a@example.org"), "copy-of-a.eml")])
    assert (again.stored, again.duplicates) == (0, 1)
    (hit,) = bounces_for_recipient(store, "A@Example.org")
    assert hit.recipient.verdict.reason == "userunknown" and hit.recipient.verdict.hard_bounce
    assert hit.original.message_id == "<m1.20260101@sender.example.com>"
    assert hit.queue_id == "4F1A2B3C4D"
    assert ("X-Campaign-ID", "jan-2026") in hit.original.tracking
    assert [
        b.recipient.recipient for b in bounces_for_message_id(store, "m1.20260101@sender.example.com")
    ] == ["a@example.org"]
    assert reason_counts(store) == {"userunknown": 1}  # the auto-reply is stored but not counted
    assert async_bounce_count(store) == 1


def test_counts_leave_out_delay_warnings_and_honour_since(store: Store) -> None:
    old = dsn("old@example.org", message_id="<m0@sender.example.com>", date="Mon, 01 Dec 2025 10:05:00 +0000")
    new = dsn("new@example.org", message_id="<m2@sender.example.com>", date="Fri, 02 Jan 2026 10:05:00 +0000")
    delayed = dsn(
        "slow@example.org",
        message_id="<m3@sender.example.com>",
        diagnostic="smtp; 451 4.4.1 Connection timed out",
        status="4.4.1",
        date="Sat, 03 Jan 2026 10:05:00 +0000",
    ).replace(b"Action: failed", b"Action: delayed")
    ingest_bounces(store, [parse_bounce(m, f"{i}.eml") for i, m in enumerate((old, new, delayed))])
    since = datetime(2026, 1, 1, tzinfo=UTC)
    assert (async_bounce_count(store), async_bounce_count(store, since=since)) == (2, 1)
    assert (delay_warning_count(store), delay_warning_count(store, since=since)) == (1, 1)
    assert sum(reason_counts(store).values()) == 2 and sum(reason_counts(store, since=since).values()) == 1
    assert [b.recipient.recipient for b in stored_bounces(store)] == ["new@example.org", "old@example.org"]
    assert [b.recipient.recipient for b in stored_bounces(store, since=since)] == ["new@example.org"]


def test_join_to_the_logged_delivery(store: Store) -> None:
    write_messages(store, [_log_message("kijitora@example.org")])
    ingest_bounces(store, [parse_bounce(dsn(), "k.eml")])
    bounces = bounces_for_recipient(store, "kijitora@example.org")
    (link,) = join_bounces(store, bounces)
    assert link.matched_by == "message-id"
    assert link.message.queue_id == "4F1A2B3C4D"
    text = link.describe()
    assert text.startswith("accepted with 250 by mx.example.org at 2026-01-01 10:04:59")
    assert "bounced by mx1.sender.example.com at 2026-01-01 10:05:00" in text
    assert text.endswith(": userunknown")


def test_join_by_queue_id_and_by_time(store: Store) -> None:
    write_messages(store, [_log_message("q@example.org")])
    # no Message-ID in the returned headers: the DSN's queue id still ties it
    raw = dsn("q@example.org", message_id="").replace(b"Message-ID: \n", b"")
    ingest_bounces(store, [parse_bounce(raw, "q.eml")])
    (link,) = join_bounces(store, bounces_for_recipient(store, "q@example.org"))
    assert link.matched_by == "queue-id"
    # neither: recipient and time
    write_messages(store, [_log_message("t@example.org")])
    raw = dsn("t@example.org", message_id="", queue_id="OTHER").replace(b"Message-ID: \n", b"")
    ingest_bounces(store, [parse_bounce(raw, "t.eml")])
    (link,) = join_bounces(store, bounces_for_recipient(store, "t@example.org"))
    assert link.matched_by == "recipient-time"
    # a bounce for an address the logs never saw joins nothing
    ingest_bounces(store, [parse_bounce(dsn("nobody@example.org", message_id="<x@y>"), "n.eml")])
    assert join_bounces(store, bounces_for_recipient(store, "nobody@example.org")) == []


def test_suspected_filtering_for_known_good_addresses(store: Store) -> None:
    write_messages(store, [_log_message("kijitora@example.org")])
    reports = [parse_bounce(dsn(), "k.eml"), parse_bounce(dsn("stranger@example.org"), "s.eml")]
    good = known_good_addresses(store, [r.recipients[0].recipient for r in reports])
    assert good == {"kijitora@example.org"}
    marked = mark_suspected_filtering(reports, good | {"seed@example.net"})
    kijitora, stranger = (r.recipients[0] for r in marked)
    assert kijitora.suspected_filtering and "spam filters" in (kijitora.filtering_explanation or "")
    assert not stranger.suspected_filtering
    ingest_bounces(store, marked)
    assert bounces_for_recipient(store, "kijitora@example.org")[0].recipient.suspected_filtering


def test_seed_addresses_are_known_good(store: Store) -> None:
    from inboxtrace.store.placement import placement_sends

    with store.begin() as conn:
        conn.execute(
            placement_sends.insert(),
            [
                {
                    "test_id": "t1",
                    "address": "Seed@Example.net",
                    "accepted": True,
                    "code": 250,
                    "reply": "250 ok",
                    "sent_at": 1.0,
                    "transcript": "",
                }
            ],
        )
    assert known_good_addresses(store, ["seed@example.net", "other@example.net"]) == {"seed@example.net"}


def test_mailbox_full_is_not_suspected_filtering() -> None:
    full = parse_bounce(dsn(diagnostic="smtp; 552 5.2.2 Mailbox full", status="5.2.2"), "f.eml")
    (marked,) = mark_suspected_filtering([full], {"kijitora@example.org"})
    assert marked.recipients[0].verdict.reason == "mailboxfull"
    assert not marked.recipients[0].suspected_filtering
