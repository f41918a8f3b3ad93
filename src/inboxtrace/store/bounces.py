"""Bounces in the store: one row per bounce message, one per recipient it reports; joins to logs.

Ingest is idempotent: a bounce message is keyed by the SHA-256 of its raw bytes, so reading the
same file (or the same IMAP message) twice adds nothing. Unreadable inputs are counted, not stored.

The join ties a stored bounce recipient to the log delivery it reports on — by the returned
message's Message-ID and the recipient, by the DSN's queue id (Postfix's ``X-Postfix-Queue-ID`` is
the queue id of the bounced message on the reporting host), or by recipient and time — so trace and
report can say "accepted with 250 by X at T1, bounced by Y at T2: reason".
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from inboxtrace.model.bounce import BounceKind, BounceRecipient, BounceReport, ReturnedMessage
from inboxtrace.model.log import Delivery, FinalState, Message
from inboxtrace.model.reply import Phase, ReplyClass, Verdict
from inboxtrace.store.core import Store, metadata
from inboxtrace.store.log_queries import load_messages
from inboxtrace.store.logs import epoch, from_epoch, log_deliveries, log_messages

# How long before a bounce the delivery it reports on may have happened.
JOIN_WINDOW = timedelta(days=7)

bounce_messages = sa.Table(
    "bounce_messages",
    metadata,
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("format", sa.String(40), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("subject", sa.Text),
    sa.Column("sender", sa.Text),
    sa.Column("date", sa.Float),
    sa.Column("message_id", sa.Text),
    sa.Column("queue_id", sa.String(64)),
    sa.Column("orig_message_id", sa.Text),
    sa.Column("orig_subject", sa.Text),
    sa.Column("orig_sender", sa.Text),
    sa.Column("orig_to", sa.Text),
    sa.Column("orig_date", sa.Float),
    sa.Column("verp_recipient", sa.Text),
    sa.Column("tracking", sa.Text, nullable=False, default="[]"),  # JSON list of [name, value]
    sa.Column("ingested", sa.Float, nullable=False),
    sa.Index("ix_bounce_messages_orig_msgid", "orig_message_id"),
    sa.Index("ix_bounce_messages_qid", "queue_id"),
)

bounce_recipients = sa.Table(
    "bounce_recipients",
    metadata,
    sa.Column("digest", sa.String(64), sa.ForeignKey("bounce_messages.digest"), primary_key=True),
    sa.Column("idx", sa.Integer, primary_key=True),
    sa.Column("recipient", sa.String(512), nullable=False),
    sa.Column("recipient_lc", sa.String(512), nullable=False),
    sa.Column("original_recipient", sa.Text),
    sa.Column("dsn_action", sa.String(16)),
    sa.Column("status", sa.String(16)),
    sa.Column("diagnostic", sa.Text),
    sa.Column("diagnostic_type", sa.String(32)),
    sa.Column("remote_mta", sa.Text),
    sa.Column("reporting_mta", sa.Text),
    sa.Column("last_attempt", sa.Float),
    sa.Column("feedback_type", sa.String(32)),
    sa.Column("reply_code", sa.Integer),
    sa.Column("enhanced_status", sa.String(16)),
    sa.Column("reply_text", sa.Text),
    sa.Column("reply_class", sa.String(16), nullable=False),
    sa.Column("reason", sa.String(40), nullable=False),
    sa.Column("hard_bounce", sa.Boolean, nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("explanation", sa.Text, nullable=False),
    sa.Column("provider", sa.String(40)),
    sa.Column("phase", sa.String(16)),
    sa.Column("suspected_filtering", sa.Boolean, nullable=False, default=False),
    sa.Column("filtering_explanation", sa.Text),
    sa.Index("ix_bounce_recipients_rcpt", "recipient_lc"),
    sa.Index("ix_bounce_recipients_reason", "reason"),
)


@dataclass(frozen=True, slots=True)
class IngestCounts:
    messages: int = 0  # bounce messages read
    stored: int = 0  # new bounce messages stored
    duplicates: int = 0  # already in the store (same bytes)
    recipients: int = 0  # recipient rows added
    errors: int = 0  # unreadable inputs (not stored)


@dataclass(frozen=True, slots=True)
class StoredBounce:
    """One stored bounce recipient with what its bounce message says."""

    digest: str
    source: str
    format: str
    kind: BounceKind
    date: datetime | None
    queue_id: str | None
    original: ReturnedMessage
    recipient: BounceRecipient

    @property
    def is_bounce(self) -> bool:
        return self.kind is BounceKind.DSN


@dataclass(frozen=True, slots=True)
class BounceLink:
    """A stored bounce tied to the logged delivery it reports on."""

    bounce: StoredBounce
    message: Message
    delivery: Delivery
    matched_by: str  # message-id, queue-id, recipient-time

    def describe(self) -> str:
        """``accepted with 250 by X at T1, bounced by Y at T2: reason`` (plain text, unescaped)."""
        first = _accepting_attempt(self.delivery)
        rcpt = self.bounce.recipient
        by = rcpt.reporting_mta or rcpt.remote_mta or self.bounce.format
        when = self.bounce.date or rcpt.last_attempt
        tail = f"bounced by {by}" + (f" at {when:%Y-%m-%d %H:%M:%S %Z}" if when else "")
        tail += f": {rcpt.verdict.reason}"
        if first is None:
            state = self.delivery.final_state.value
            return f"{state} in the log of {self.message.host} (queue id {self.message.queue_id}), {tail}"
        code = (first.reply or "").split(" ", 1)[0] if first.reply else "2xx"
        host = first.relay_host or self.message.host
        return f"accepted with {code} by {host} at {first.time:%Y-%m-%d %H:%M:%S %Z}, {tail}"


def _accepting_attempt(delivery: Delivery) -> Any:
    for attempt in delivery.attempts:
        if attempt.status in ("sent", "delivered", "accepted") or (attempt.reply or "").startswith("2"):
            return attempt
    return None


def _message_row(report: BounceReport, now: float) -> dict[str, Any]:
    orig = report.original or ReturnedMessage()
    return {
        "digest": report.digest,
        "source": report.source,
        "format": report.format,
        "kind": report.kind.value,
        "subject": report.subject,
        "sender": report.sender,
        "date": epoch(report.date),
        "message_id": report.message_id,
        "queue_id": report.queue_id,
        "orig_message_id": orig.message_id,
        "orig_subject": orig.subject,
        "orig_sender": orig.sender,
        "orig_to": orig.to,
        "orig_date": epoch(orig.date),
        "verp_recipient": orig.verp_recipient,
        "tracking": json.dumps([list(t) for t in orig.tracking]),
        "ingested": now,
    }


def _recipient_row(digest: str, idx: int, r: BounceRecipient) -> dict[str, Any]:
    v = r.verdict
    return {
        "digest": digest,
        "idx": idx,
        "recipient": r.recipient,
        "recipient_lc": r.recipient.lower(),
        "original_recipient": r.original_recipient,
        "dsn_action": r.action,
        "status": r.status,
        "diagnostic": r.diagnostic,
        "diagnostic_type": r.diagnostic_type,
        "remote_mta": r.remote_mta,
        "reporting_mta": r.reporting_mta,
        "last_attempt": epoch(r.last_attempt),
        "feedback_type": r.feedback_type,
        "reply_code": v.reply_code,
        "enhanced_status": v.enhanced_status,
        "reply_text": v.text,
        "reply_class": v.reply_class.value,
        "reason": v.reason,
        "hard_bounce": v.hard_bounce,
        "action": v.action,
        "explanation": v.explanation,
        "provider": v.provider,
        "phase": v.phase.value if v.phase else None,
        "suspected_filtering": r.suspected_filtering,
        "filtering_explanation": r.filtering_explanation,
    }


def ingest_bounces(store: Store, reports: Iterable[BounceReport], batch_size: int = 500) -> IngestCounts:
    """Store the reports that are bounces, feedback reports or auto-replies; skip ones already there."""
    import time

    counts = {"messages": 0, "stored": 0, "duplicates": 0, "recipients": 0, "errors": 0}
    batch: list[BounceReport] = []

    def flush() -> None:
        if not batch:
            return
        now = time.time()
        with store.begin() as conn:
            digests = [r.digest for r in batch]
            have = {
                row[0]
                for row in conn.execute(
                    sa.select(bounce_messages.c.digest).where(bounce_messages.c.digest.in_(digests))
                )
            }
            fresh: dict[str, BounceReport] = {}
            for r in batch:
                if r.digest in have or r.digest in fresh:
                    counts["duplicates"] += 1
                else:
                    fresh[r.digest] = r
            store.insert_ignore(conn, bounce_messages, [_message_row(r, now) for r in fresh.values()])
            rows = [
                _recipient_row(r.digest, i, rc) for r in fresh.values() for i, rc in enumerate(r.recipients)
            ]
            store.insert_ignore(conn, bounce_recipients, rows)
            counts["stored"] += len(fresh)
            counts["recipients"] += len(rows)
        batch.clear()

    for report in reports:
        counts["messages"] += 1
        if report.kind is BounceKind.ERROR:
            counts["errors"] += 1
            continue
        if report.kind is BounceKind.NOT_BOUNCE or not report.digest:
            continue
        batch.append(report)
        if len(batch) >= batch_size:
            flush()
    flush()
    return IngestCounts(**counts)


# --- reading back -------------------------------------------------------------------------------


def _stored(row: Any) -> StoredBounce:
    verdict = Verdict(
        reply_code=row["reply_code"],
        enhanced_status=row["enhanced_status"],
        text=row["reply_text"] or "",
        reply_class=ReplyClass(row["reply_class"]),
        reason=row["reason"],
        hard_bounce=bool(row["hard_bounce"]),
        action=row["action"],
        explanation=row["explanation"],
        provider=row["provider"],
        phase=Phase(row["phase"]) if row["phase"] else None,
    )
    rcpt = BounceRecipient(
        recipient=row["recipient"],
        verdict=verdict,
        original_recipient=row["original_recipient"],
        action=row["dsn_action"],
        status=row["status"],
        diagnostic=row["diagnostic"] or "",
        diagnostic_type=row["diagnostic_type"],
        remote_mta=row["remote_mta"],
        reporting_mta=row["reporting_mta"],
        last_attempt=from_epoch(row["last_attempt"]),
        feedback_type=row["feedback_type"],
        suspected_filtering=bool(row["suspected_filtering"]),
        filtering_explanation=row["filtering_explanation"],
    )
    original = ReturnedMessage(
        message_id=row["orig_message_id"],
        subject=row["orig_subject"],
        sender=row["orig_sender"],
        to=row["orig_to"],
        date=from_epoch(row["orig_date"]),
        verp_recipient=row["verp_recipient"],
        tracking=tuple((str(a), str(b)) for a, b in json.loads(row["tracking"] or "[]")),
    )
    return StoredBounce(
        digest=row["digest"],
        source=row["source"],
        format=row["format"],
        kind=BounceKind(row["kind"]),
        date=from_epoch(row["date"]),
        queue_id=row["queue_id"],
        original=original,
        recipient=rcpt,
    )


def _select() -> Any:
    m, r = bounce_messages, bounce_recipients
    cols = [c for c in m.c if c.name != "digest"] + list(r.c)
    return sa.select(*cols).select_from(r.join(m, r.c.digest == m.c.digest))


def _msgid_forms(message_id: str) -> list[str]:
    bare = message_id.strip().strip("<>")
    return [bare, f"<{bare}>"]


def bounces_for_recipient(store: Store, address: str, *, limit: int = 1000) -> list[StoredBounce]:
    """Stored bounce recipients for ``address`` (case-insensitive), newest first."""
    q = (
        _select()
        .where(bounce_recipients.c.recipient_lc == address.strip().lower())
        .order_by(bounce_messages.c.date.desc())
        .limit(limit)
    )
    with store.connect() as conn:
        return [_stored(row) for row in conn.execute(q).mappings()]


def bounces_for_message_id(store: Store, message_id: str, *, limit: int = 1000) -> list[StoredBounce]:
    """Stored bounce recipients whose returned message has this Message-ID (with or without <>)."""
    q = (
        _select()
        .where(bounce_messages.c.orig_message_id.in_(_msgid_forms(message_id)))
        .order_by(bounce_messages.c.date.desc(), bounce_recipients.c.idx)
        .limit(limit)
    )
    with store.connect() as conn:
        return [_stored(row) for row in conn.execute(q).mappings()]


@functools.cache
def _about_statement() -> Any:
    """The query of :func:`bounces_about`, built once (with its lists and limit as parameters)."""
    m, r = bounce_messages.c, bounce_recipients.c
    parts = [
        sa.select(_select().where(c).order_by(m.date.desc(), r.idx).limit(sa.bindparam("limit")).subquery())
        for c in (
            m.orig_message_id.in_(sa.bindparam("forms", expanding=True)),
            r.recipient_lc.in_(sa.bindparam("addresses", expanding=True)),
        )
    ]
    return sa.union_all(*parts)


def bounces_about(
    store: Store, message_ids: Iterable[str], addresses: Iterable[str], *, limit: int = 1000
) -> list[StoredBounce]:
    """What :func:`bounces_for_message_id` finds for each of ``message_ids`` and
    :func:`bounces_for_recipient` for each of ``addresses``, in one query (the newest ``limit``
    of each kind; a bounce found both ways comes twice)."""
    forms = sorted({form for mid in message_ids for form in _msgid_forms(mid)})
    lowered = sorted({a.strip().lower() for a in addresses})
    if not forms and not lowered:
        return []
    params = {"forms": forms, "addresses": lowered, "limit": limit}
    with store.connect() as conn:
        return [_stored(row) for row in conn.execute(_about_statement(), params).mappings()]


def stored_bounces(store: Store, *, since: datetime | None = None, limit: int = 10000) -> list[StoredBounce]:
    """Stored failed recipients of bounce messages (DSNs), newest first (delay warnings are not failures)."""
    q = _of_dsns(_select(), since, *_failed())
    q = q.order_by(bounce_messages.c.date.desc(), bounce_recipients.c.idx).limit(limit)
    with store.connect() as conn:
        return [_stored(row) for row in conn.execute(q).mappings()]


def _not_delayed() -> Any:
    """Not a delay warning (DSN action "delayed": the reporting server is still retrying)."""
    return sa.or_(bounce_recipients.c.dsn_action.is_(None), bounce_recipients.c.dsn_action != "delayed")


def _failed() -> tuple[Any, ...]:
    """A failed recipient: neither a success nor a delay warning."""
    return bounce_recipients.c.reply_class != "success", _not_delayed()


def _of_dsns(q: Any, since: datetime | None, *conditions: Any) -> Any:
    """``q`` (over bounce recipients joined to their messages) kept to recipients of stored DSNs that
    meet ``conditions`` (feedback reports and auto-replies left out), reported at ``since`` or later."""
    q = q.where(bounce_messages.c.kind == BounceKind.DSN.value, *conditions)
    return q if since is None else q.where(bounce_messages.c.date >= epoch(since))


def _count_dsn_recipients(store: Store, since: datetime | None, *conditions: Any) -> int:
    q = sa.select(sa.func.count()).select_from(bounce_recipients.join(bounce_messages))
    with store.connect() as conn:
        return int(conn.execute(_of_dsns(q, since, *conditions)).scalar() or 0)


def delay_warning_count(store: Store, *, since: datetime | None = None) -> int:
    """Recipients of stored delay warnings (DSN action "delayed"): reported apart from failures."""
    return _count_dsn_recipients(store, since, bounce_recipients.c.dsn_action == "delayed")


def reason_counts(store: Store, *, since: datetime | None = None) -> dict[str, int]:
    """Failed-recipient counts per reason over stored DSNs (feedback and auto-replies excluded)."""
    q = sa.select(bounce_recipients.c.reason, sa.func.count()).select_from(
        bounce_recipients.join(bounce_messages)
    )
    q = _of_dsns(q, since, _not_delayed()).group_by(bounce_recipients.c.reason)
    with store.connect() as conn:
        return {str(reason): int(n) for reason, n in conn.execute(q)}


def known_good_addresses(store: Store, candidates: Iterable[str], *, days: int = 30) -> set[str]:
    """Which of ``candidates`` (lowercased) are known to be valid: seed addresses of placement
    tests, or addresses with a delivery accepted in the logs in the last ``days`` of the logs."""
    from inboxtrace.store.placement import placement_sends

    wanted = sorted({c.strip().lower() for c in candidates if c})
    if not wanted:
        return set()
    newest = sa.select(sa.func.max(log_deliveries.c.last_time))
    out: set[str] = set()
    with store.connect() as conn:
        latest = conn.execute(newest).scalar()
        floor = float(latest) - days * 86400.0 if latest is not None else None
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            seeds = sa.select(sa.func.lower(placement_sends.c.address)).where(
                sa.func.lower(placement_sends.c.address).in_(chunk)
            )
            out.update(str(row[0]) for row in conn.execute(seeds))
            if floor is None:
                continue
            q = sa.select(sa.func.lower(log_deliveries.c.recipient)).where(
                sa.func.lower(log_deliveries.c.recipient).in_(chunk),
                log_deliveries.c.final_state == FinalState.DELIVERED.value,
                log_deliveries.c.last_time >= floor,
            )
            out.update(str(row[0]) for row in conn.execute(q))
    return out


def _candidates(conn: Connection, b: StoredBounce) -> list[tuple[str, str]]:
    """(mkey, matched_by) of log messages this bounce may report on, best evidence first."""
    found: list[tuple[str, str]] = []
    rcpts = {b.recipient.recipient.lower()}
    if b.recipient.original_recipient:
        rcpts.add(b.recipient.original_recipient.lower())
    lc = sa.func.lower(log_deliveries.c.recipient)
    join = log_deliveries.join(log_messages, log_deliveries.c.mkey == log_messages.c.mkey)
    if b.original.message_id:
        q = (
            sa.select(log_messages.c.mkey)
            .select_from(join)
            .where(log_messages.c.message_id.in_(_msgid_forms(b.original.message_id)), lc.in_(rcpts))
        )
        found.extend((row[0], "message-id") for row in conn.execute(q))
    if b.queue_id:
        q = (
            sa.select(log_messages.c.mkey)
            .select_from(join)
            .where(
                sa.or_(log_messages.c.queue_id == b.queue_id, log_deliveries.c.dsn_queue_id == b.queue_id),
                lc.in_(rcpts),
            )
        )
        found.extend((row[0], "queue-id") for row in conn.execute(q))
    when = b.date or b.recipient.last_attempt
    if not found and when is not None:
        hi = epoch(when)
        lo = epoch(when - JOIN_WINDOW)
        q = (
            sa.select(log_messages.c.mkey)
            .select_from(join)
            .where(lc.in_(rcpts), log_deliveries.c.first_time <= hi, log_deliveries.c.last_time >= lo)
            .order_by(log_deliveries.c.last_time.desc())
            .limit(3)
        )
        found.extend((row[0], "recipient-time") for row in conn.execute(q))
    seen: set[str] = set()
    unique = []
    for mkey, how in found:
        if mkey not in seen:
            seen.add(mkey)
            unique.append((mkey, how))
    return unique


def join_bounces(store: Store, bounces: Sequence[StoredBounce]) -> list[BounceLink]:
    """Tie each stored bounce to the logged deliveries it reports on (none when the logs lack it)."""
    links: list[BounceLink] = []
    with store.connect() as conn:
        for b in bounces:
            cands = _candidates(conn, b)
            if not cands:
                continue
            messages = load_messages(conn, [m for m, _ in cands])
            rcpts = {b.recipient.recipient.lower(), (b.recipient.original_recipient or "").lower()}
            for mkey, how in cands:
                msg = messages.get(mkey)
                if msg is None:
                    continue
                for d in msg.deliveries:
                    if d.recipient.lower() in rcpts or (d.original_recipient or "").lower() in rcpts:
                        links.append(BounceLink(bounce=b, message=msg, delivery=d, matched_by=how))
                        break
    return links


def async_bounce_count(store: Store, *, since: datetime | None = None) -> int:
    """Failed recipients reported by bounce messages (asynchronous bounces, not SMTP-time rejects)."""
    return _count_dsn_recipients(store, since, *_failed())
