"""One stored message by its id: its story (hops, DSNs, joined bounces), the diagnosis of each
recipient and "what to send the receiver's postmaster".

The story is the one :func:`inboxtrace.report.build_trace` finds for the message's queue id (so
the message page and ``inboxtrace trace QUEUEID`` show the same thing); the diagnosis is
:func:`inboxtrace.diagnose.run.diagnose_address` for the recipient, from the message's time on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from inboxtrace.errors import InputError
from inboxtrace.model.log import Attempt, Delivery, Message
from inboxtrace.model.reply import ReplyClass
from inboxtrace.report.bounce_links import links_for_messages
from inboxtrace.report.trace import TraceView, build_trace
from inboxtrace.store.activity import message_exists, message_key
from inboxtrace.store.core import Store
from inboxtrace.store.log_queries import Linked, Story, TraceHits, load_messages


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


def _first_epoch(message: Message) -> float:
    times = [a.time for d in message.deliveries for a in d.attempts]
    if message.received is not None:
        times.append(message.received)
    return min(times).timestamp() if times else 0.0


def _story_for(store: Store, mkey: str, host: str, queue_id: str) -> tuple[TraceView, Story, Message]:
    """The story holding the stored message ``mkey``: the trace of its queue id, narrowed to the
    hit on the same host nearest in time (a queue id can be reused); a never-queued rejection is
    a story of its own."""
    if "|NOQUEUE|" in mkey:
        with store.connect() as conn:
            loaded = load_messages(conn, [mkey])
        message = loaded[mkey]
        story = Story((Linked("match", message),))
        hits = TraceHits(queue_id, "message", (story,), False)
        return TraceView(hits, bounces=links_for_messages(store, [message])), story, message
    try:
        wanted = float(mkey.split("|", 1)[0])
    except ValueError:
        wanted = 0.0
    view = build_trace(store, queue_id, limit=50)
    best: tuple[float, Story, Message] | None = None
    for s in view.hits.stories:
        for lk in s.messages:
            m = lk.message
            if m.host == host and m.queue_id == queue_id:
                gap = abs(_first_epoch(m) - wanted)
                if best is None or gap < best[0]:
                    best = (gap, s, m)
    if best is None:
        raise MessageNotFound(f"no stored message has the id {mkey!r}")
    _, story, message = best
    hits = TraceHits(queue_id, "message", (story,), False)
    return TraceView(hits, bounces=view.bounces), story, message


def message_view(store: Store, ref: str, *, diagnose: bool = True) -> MessageView:
    """The view of the stored message with id ``ref`` (from :func:`message_ref`).

    Raises :class:`MessageNotFound` when there is none."""
    try:
        mkey = message_key(ref)
    except InputError:
        raise MessageNotFound(f"no stored message has the id {ref!r}") from None
    found = message_exists(store, mkey)
    if found is None:
        raise MessageNotFound(f"no stored message has the id {ref!r}")
    host, queue_id = found
    one, _story, message = _story_for(store, mkey, host, queue_id)
    notes = {d.recipient: postmaster_note(message, d) for d in message.deliveries}
    diagnoses: dict[str, Any] = {}
    if diagnose and message.deliveries:
        from inboxtrace.diagnose.run import diagnose_address

        times = [a.time for d in message.deliveries for a in d.attempts]
        start = message.received or (min(times) if times else None)
        end = max([*times, *([message.completed] if message.completed else []), *([start] if start else [])])
        if start is not None:
            # this message's deliveries (later mail to the same address has its own page); bounce
            # messages that came after it are still joined
            for d in message.deliveries[:20]:
                diagnoses[d.recipient] = diagnose_address(
                    store,
                    d.recipient,
                    since=start - timedelta(minutes=1),
                    until=end + timedelta(minutes=1),
                    limit=5,
                )
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
