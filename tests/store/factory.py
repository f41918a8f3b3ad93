"""Building timeline records for store tests (the store's input is the model, not log text)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from inboxtrace.model import Attempt, Delivery, Evidence, FinalState, Message

T0 = datetime(2026, 11, 20, 10, 0, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def attempt(
    t: float,
    status: str,
    reply: str | None,
    *,
    relay: str | None = "mx.example.org",
    dsn: str | None = None,
    line_no: int = 1,
    queued_as: str | None = None,
) -> Attempt:
    return Attempt(
        time=at(t),
        status=status,
        relay_host=relay,
        relay_ip="192.0.2.25" if relay else None,
        relay_port=25 if relay else None,
        reply=reply,
        dsn=dsn,
        remote_queue_id=queued_as,
        evidence=Evidence("mail.log", line_no, f"line {line_no}: {status} {reply}"),
    )


def message(
    qid: str,
    *deliveries: Delivery,
    host: str = "mx1",
    received: float | None = 0.0,
    completed: float | None = None,
    sender: str = "news@sender.example",
    message_id: str | None = None,
    next_hops: tuple[str, ...] = (),
    dsn_of: str | None = None,
) -> Message:
    return Message(
        mta="postfix",
        host=host,
        queue_id=qid,
        received=at(received) if received is not None else None,
        completed=at(completed) if completed is not None else None,
        sender=sender,
        message_id=message_id,
        deliveries=deliveries,
        next_hops=next_hops,
        dsn_of=dsn_of,
        source="mail.log",
    )


def delivery(rcpt: str, state: FinalState, *attempts: Attempt, dsn_qid: str | None = None) -> Delivery:
    return Delivery(rcpt, state, attempts, dsn_queue_id=dsn_qid)


DEFER = (
    "host mx.example.org[192.0.2.25] said: 450 4.2.0 Mailbox busy, try later (in reply to RCPT TO command)"
)
UNKNOWN_USER = (
    "host mx.example.org[192.0.2.25] said: 550 5.1.1 <{rcpt}>: User unknown (in reply to RCPT TO command)"
)
SENT = "250 2.0.0 Ok: queued as {qid}"
