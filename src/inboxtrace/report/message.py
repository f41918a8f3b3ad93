"""One stored message by its id: its story (hops, DSNs, joined bounces), the diagnosis of each
recipient and "what to send the receiver's postmaster".

The story is the one :func:`inboxtrace.report.build_trace` tells for the message (so the message
page and ``inboxtrace trace QUEUEID`` show the same thing), read once by its key
(:func:`~inboxtrace.store.log_queries.story_of`); each recipient's diagnosis is
:func:`inboxtrace.diagnose.run.diagnose_found` over that story's deliveries to the recipient.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection

from inboxtrace.errors import InputError
from inboxtrace.model.log import Attempt, Delivery, Message
from inboxtrace.model.reply import ReplyClass
from inboxtrace.report.bounce_links import MAX_LOOKUPS, bounces_of_messages, link_bounces
from inboxtrace.report.trace import TraceView
from inboxtrace.store.activity import message_key
from inboxtrace.store.bounces import StoredBounce
from inboxtrace.store.core import Store
from inboxtrace.store.log_queries import TraceHits, story_of


class MessageNotFound(InputError):
    """No stored message has this id."""


@dataclass(frozen=True, slots=True)
class PostmasterNote:
    """The facts a receiving postmaster needs to find one delivery in their own logs."""

    recipient: str
    server: str | None
    time: str | None
    their_id: str | None
    reply: str | None
    sender: str | None
    message_id: str | None
    our_queue_id: str

    def text(self) -> str:
        """Plain text to paste into a mail to the receiver's postmaster."""
        lines = [
            f"Recipient: {self.recipient}",
            f"Sender: {self.sender or '(none)'}",
            f"Message-ID: {self.message_id or '(none)'}",
            f"Our queue id: {self.our_queue_id}",
            f"Your server: {self.server or '(unknown)'}",
            f"Time (UTC): {self.time or '(unknown)'}",
            f"Your queue id: {self.their_id or '(not given in the reply)'}",
            f"Your reply: {self.reply or '(none logged)'}",
        ]
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        return {
            "recipient": self.recipient,
            "server": self.server,
            "time": self.time,
            "their_id": self.their_id,
            "reply": self.reply,
            "sender": self.sender,
            "message_id": self.message_id,
            "our_queue_id": self.our_queue_id,
            "text": self.text(),
        }


def _deciding(d: Delivery) -> Attempt | None:
    """The attempt that settled the delivery: the last one with a reply, else the last one."""
    with_reply = [a for a in d.attempts if a.reply]
    if with_reply:
        return with_reply[-1]
    return d.attempts[-1] if d.attempts else None


def postmaster_note(message: Message, delivery: Delivery) -> PostmasterNote:
    a = _deciding(delivery)
    server = None
    if a is not None and (a.relay_host or a.relay_ip):
        server = (a.relay_host or "") + (f"[{a.relay_ip}]" if a.relay_ip else "")
    return PostmasterNote(
        recipient=delivery.recipient,
        server=server,
        time=a.time.strftime("%Y-%m-%d %H:%M:%S") if a is not None else None,
        their_id=a.remote_queue_id if a is not None else None,
        reply=a.reply if a is not None else None,
        sender=message.sender,
        message_id=message.message_id,
        our_queue_id=message.queue_id,
    )


@dataclass(frozen=True, slots=True)
class MessageView:
    """The message page's data: the story around the message, per-recipient notes and diagnoses."""

    id: str
    message: Message
    trace: TraceView
    notes: dict[str, PostmasterNote] = field(default_factory=dict)
    diagnoses: dict[str, Any] = field(default_factory=dict)  # recipient -> Diagnosis
    placements: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # recipient -> seed results

    def accepted(self, d: Delivery) -> bool:
        return any(
            (v := self.trace._verdict(a)) is not None and v.reply_class is ReplyClass.SUCCESS
            for a in d.attempts
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "trace": self.trace.to_dict(),
            "postmaster": {r: n.to_dict() for r, n in self.notes.items()},
            "diagnosis": {r: dg.to_dict() for r, dg in self.diagnoses.items()},
            "placement": self.placements,
        }


class _OneConnection(Store):
    """A store whose every ``connect()`` hands out the same open connection: the reads of one
    page share one checkout and one transaction (on PostgreSQL each checkout is a ping, a BEGIN
    and a ROLLBACK: three round trips). For reading only."""

    def __init__(self, store: Store, conn: Connection) -> None:
        super().__init__(store.engine, store.url)
        self._conn = conn

    def connect(self) -> Any:
        return contextlib.nullcontext(self._conn)


def message_view(
    store: Store,
    ref: str,
    *,
    diagnose: bool = True,
    span: Callable[[], tuple[datetime | None, datetime | None]] | None = None,
) -> MessageView:
    """The view of the stored message with id ``ref`` (from :func:`message_ref`): the story
    around it (as ``inboxtrace trace`` tells it), read once and used for the notes and every
    recipient's diagnosis. Raises :class:`MessageNotFound` when there is none. ``span``: what
    gives the logs' time span (default: reading it, :func:`~inboxtrace.store.log_queries.time_span`;
    a server passes a :class:`~inboxtrace.store.log_queries.SpanCache`)."""
    try:
        mkey = message_key(ref)
    except InputError:
        raise MessageNotFound(f"no stored message has the id {ref!r}") from None
    with store.connect() as conn:
        return _view(_OneConnection(store, conn), ref, mkey, diagnose, span)


def _view(
    store: Store,
    ref: str,
    mkey: str,
    diagnose: bool,
    span_of: Callable[[], tuple[datetime | None, datetime | None]] | None,
) -> MessageView:
    found = story_of(store, mkey)
    if found is None:
        raise MessageNotFound(f"no stored message has the id {ref!r}")
    story, message = found
    messages = [lk.message for lk in story.messages]
    hits = TraceHits(message.queue_id, "message", (story,), False)
    bounces = bounces_of_messages(store, messages)
    one = TraceView(hits, bounces=link_bounces(store, messages, bounces))
    notes = {d.recipient: postmaster_note(message, d) for d in message.deliveries}
    diagnoses: dict[str, Any] = {}
    if diagnose and message.deliveries:
        from inboxtrace.diagnose.run import diagnose_found, in_window
        from inboxtrace.store.log_queries import time_span

        times = [a.time for d in message.deliveries for a in d.attempts]
        start = message.received or (min(times) if times else None)
        end = max([*times, *([message.completed] if message.completed else []), *([start] if start else [])])
        if start is not None:
            # this message's deliveries and the hops of its story (later mail to the same address
            # has its own page); bounce messages that came after it are still joined
            since, until = start - timedelta(minutes=1), end + timedelta(minutes=1)
            span = span_of() if span_of is not None else time_span(store)
            # the bounces of every recipient of the story were read above: not read again
            looked_up = sorted({d.recipient.lower() for m in messages for d in m.deliveries})
            by_address: dict[str, list[StoredBounce]] | None = None
            if len(looked_up) <= MAX_LOOKUPS:
                by_address = {a: [] for a in looked_up}
                for b in bounces:
                    by_address.setdefault(b.recipient.recipient.lower(), []).append(b)
            for d in message.deliveries[:20]:
                pairs = in_window(messages, d.recipient, since=since, until=until)
                dg = diagnose_found(
                    store,
                    d.recipient,
                    pairs,
                    since=since,
                    until=until,
                    limit=5,
                    span=span,
                    bounces=by_address,
                )
                # the conclusions about this very message, when the diagnosis can tell them apart
                own = tuple(c for c in dg.conclusions if c.details.get("queue_id") == message.queue_id)
                diagnoses[d.recipient] = replace(dg, conclusions=own) if own else dg
    placements = seed_placements(store, message)
    return MessageView(ref, message, one, notes, diagnoses, placements)


def _iso(ts: float | None) -> str | None:
    from inboxtrace.store.logs import from_epoch

    dt = from_epoch(ts)
    return dt.isoformat() if dt else None


def seed_placements(store: Store, message: Message) -> dict[str, list[dict[str, Any]]]:
    """Where placement tests found this message (same Message-ID) in the recipients' seed mailboxes."""
    import sqlalchemy as sa

    from inboxtrace.store.placement import placement_results

    if not message.message_id or not message.deliveries:
        return {}
    bare = message.message_id.strip().strip("<>")
    t = placement_results.c
    rcpts = {d.recipient.lower(): d.recipient for d in message.deliveries}
    q = sa.select(t.test_id, t.address, t.provider, t.placement, t.folder, t.arrived, t.checked_at).where(
        t.message_id.in_([bare, f"<{bare}>"])
    )
    out: dict[str, list[dict[str, Any]]] = {}
    with store.connect() as conn:
        for r in conn.execute(q):
            rcpt = rcpts.get(str(r.address).lower())
            if rcpt is None:
                continue
            out.setdefault(rcpt, []).append(
                {"test_id": r.test_id, "provider": r.provider, "placement": r.placement, "folder": r.folder,
                 "arrived": _iso(r.arrived), "checked_at": _iso(r.checked_at)}
            )  # fmt: skip
    return out


__all__ = ["MessageNotFound", "MessageView", "PostmasterNote", "message_view", "postmaster_note"]
