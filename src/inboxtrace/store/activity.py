"""Activity search over stored deliveries: filters, newest first, keyset (cursor) pagination.

One row per (message, recipient), as an ESP's activity page lists them. The cursor is an opaque
string naming the last row handed out (its final-state time, message key and recipient); the next
page starts strictly after it, so pages stay stable while a writer adds rows (new rows appear at
the top, never shift a page). Message keys are handed out as opaque URL-safe ids
(:func:`message_ref`, :func:`message_key`).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from inboxtrace.errors import InputError
from inboxtrace.model.log import FinalState
from inboxtrace.store.core import Store, db_errors
from inboxtrace.store.logs import epoch, from_epoch, log_deliveries, log_messages
from inboxtrace.store.subjects import logged_subject_matches

# Newest-first listing walks ix_log_deliveries_last_time (store/alerts.py); with a state filter, this:
sa.Index("ix_log_deliveries_state_last", log_deliveries.c.final_state, log_deliveries.c.last_time)
# The store's time span (min first_time) without a full scan: the diagnosis asks for it on every page.
sa.Index("ix_log_deliveries_first", log_deliveries.c.first_time)
# The diagnosis looks a recipient up by address or original address (an OR: both sides need an index).
sa.Index("ix_log_deliveries_orcpt", sa.func.lower(log_deliveries.c.original_recipient))

MAX_LIMIT = 500
STATES = tuple(s.value for s in FinalState)


@dataclass(frozen=True, slots=True)
class ActivityFilter:
    """What to look for; every field is optional and they combine with AND.

    ``q`` is the free search box: an address (recipient or sender), a Message-ID (with or without
    ``<>``) or a queue id. ``subject``: text in the Subject (a substring, case ignored), as the
    MTA logged it (Postfix ``header_checks`` WARN), as the ESPs' events and the bounces returning
    a message tell it: those messages, and the logged messages with the same Message-ID; at least
    :data:`SUBJECT_MIN_LENGTH` characters (else :class:`InputError`). ``domain`` is the recipient's
    domain, ``provider`` the receiving provider, ``reason`` the bounce reason; [``since``,
    ``until``) bounds the final-state time.
    """

    q: str | None = None
    subject: str | None = None
    recipient: str | None = None
    sender: str | None = None
    message_id: str | None = None
    queue_id: str | None = None
    state: str | None = None
    domain: str | None = None
    provider: str | None = None
    reason: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class ActivityRow:
    """One recipient of one stored message, with its final state and the deciding reply."""

    id: str
    recipient: str
    sender: str | None
    message_id: str | None
    subject: str | None
    queue_id: str
    host: str
    final_state: str
    first_time: datetime | None
    last_time: datetime | None
    rcpt_domain: str | None
    provider: str | None
    reason: str | None
    hard_bounce: bool | None
    dsn: str | None
    reply: str | None
    relay_host: str | None
    remote_queue_id: str | None
    attempts: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "recipient": self.recipient,
            "sender": self.sender,
            "message_id": self.message_id,
            "subject": self.subject,
            "queue_id": self.queue_id,
            "host": self.host,
            "final_state": self.final_state,
            "first_time": self.first_time.isoformat() if self.first_time else None,
            "last_time": self.last_time.isoformat() if self.last_time else None,
            "rcpt_domain": self.rcpt_domain,
            "provider": self.provider,
            "reason": self.reason,
            "hard_bounce": self.hard_bounce,
            "dsn": self.dsn,
            "reply": self.reply,
            "relay_host": self.relay_host,
            "remote_queue_id": self.remote_queue_id,
            "attempts": self.attempts,
        }


@dataclass(frozen=True, slots=True)
class ActivityPage:
    rows: tuple[ActivityRow, ...]
    next_cursor: str | None
    # A subject search looks at the SUBJECT_MATCHES newest matching messages of each source (logs,
    # ESP events, bounces) from the page's point back; True when one of them had more: with no
    # next_cursor, older matches may still exist (an earlier ``until`` reaches them).
    subject_capped: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": [r.to_dict() for r in self.rows],
            "next_cursor": self.next_cursor,
            "subject_capped": self.subject_capped,
        }


def message_ref(mkey: str) -> str:
    """The opaque, URL-safe id of a stored message key."""
    return base64.urlsafe_b64encode(mkey.encode("utf-8", "surrogatepass")).decode("ascii").rstrip("=")


def message_key(ref: str) -> str:
    """The stored message key of an id from :func:`message_ref`; :class:`InputError` if malformed."""
    try:
        raw = base64.urlsafe_b64decode(ref + "=" * (-len(ref) % 4))
        return raw.decode("utf-8", "surrogatepass")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InputError("not a message id") from None


def _encode_cursor(last_time: float | None, mkey: str, recipient: str) -> str:
    data = json.dumps([last_time, mkey, recipient], separators=(",", ":")).encode("utf-8", "surrogatepass")
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _decode_cursor(cursor: str) -> tuple[float, str, str]:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        t, mkey, rcpt = data
        if not isinstance(mkey, str) or not isinstance(rcpt, str):
            raise TypeError
        return float(t), mkey, rcpt
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError, json.JSONDecodeError):
        raise InputError("the cursor is not one this server handed out") from None


def _msgid_forms(text: str) -> list[str]:
    bare = text.strip().strip("<>")
    return [bare, f"<{bare}>"]


# An address (sender or recipient) with more rows than this is searched by walking deliveries
# newest first (its rows are everywhere); a rarer one through its index, then sorted.
POPULAR = 1000


def _address_condition(conn: Connection, store: Store, column: Any, addr: str) -> Any:
    """``lower(column) == addr``, written so SQLite picks the faster plan for this address."""
    if store.dialect != "sqlite":
        return sa.func.lower(column) == addr  # PostgreSQL's planner has the statistics to choose
    probe = sa.select(sa.literal(1)).where(sa.func.lower(column) == addr).offset(POPULAR).limit(1)
    if conn.execute(probe).first() is None:
        return sa.func.lower(column) == addr
    # `|| ''` keeps SQLite off the address index, so it walks the newest deliveries and stops early
    return sa.func.lower(column).op("||")("") == addr


def _sender_condition(conn: Connection, store: Store, addr: str) -> Any:
    return _address_condition(conn, store, log_messages.c.sender, addr)


def _recipient_condition(conn: Connection, store: Store, addr: str) -> Any:
    return _address_condition(conn, store, log_deliveries.c.recipient, addr)


def _alternatives(conn: Connection, store: Store, q: str | None) -> list[list[Any]]:
    """The free search as separate conditions, each able to use its own index (an OR of them
    could use none): one query per alternative, merged in order."""
    m = log_messages.c
    if not q or not q.strip():
        return [[]]
    q = q.strip()
    if q.startswith("<") and q.endswith(">"):
        return [[m.message_id.in_(_msgid_forms(q))]]
    if "@" in q:
        addr = q.lower()
        return [
            [_recipient_condition(conn, store, addr)],
            [_sender_condition(conn, store, addr)],
            [m.message_id.in_(_msgid_forms(q))],
        ]
    return [[m.queue_id == q], [m.message_id.in_(_msgid_forms(q))]]


# A subject matches at most this many messages (the newest first) before the search stops looking.
SUBJECT_MATCHES = 500
# A page shorter than asked from a full look-up looks again with 4x the matches, up to this factor.
SUBJECT_GROWTH = 16
# Shorter text has no trigram to look up: it would read every subject of the store.
SUBJECT_MIN_LENGTH = 3


def _subject_condition(conn: Connection, text: str, upto: float | None, matches: int) -> tuple[Any, bool]:
    """Messages whose Subject contains ``text``: as logged (see :mod:`inboxtrace.store.subjects`),
    the ESPs' events of them, and the logged copies of messages a bounce returned with that
    Subject (joined by Message-ID); and whether a source had more than ``matches`` of them.

    ``upto``: the newest delivery time the page can show (its cursor, its ``until``): the logged
    matches are the newest before it, so paging back in time keeps finding older ones."""
    from inboxtrace.store.bounces import bounce_messages
    from inboxtrace.store.esp import esp_events

    words = text.strip().lower()
    e, b, m = esp_events.c, bounce_messages.c, log_messages.c
    esp = (
        sa.select(e.mkey, e.message_id)
        .where(sa.func.lower(e.subject).contains(words, autoescape=True))
        .order_by(e.time.desc())
        .limit(matches)
    )
    bounced = (
        sa.select(b.orig_message_id)
        .where(sa.func.lower(b.orig_subject).contains(words, autoescape=True), b.orig_message_id.is_not(None))
        .order_by(b.ingested.desc())
        .limit(matches)
    )
    logged = logged_subject_matches(conn, text, matches, upto=upto)
    esp_rows = conn.execute(esp).all()
    bounced_rows = conn.execute(bounced).all()
    capped = matches in (len(logged), len(esp_rows), len(bounced_rows))
    mkeys = set(logged)
    ids: set[str] = set()
    for mkey, mid in esp_rows:
        mkeys.add(mkey)
        if mid:
            ids.update(_msgid_forms(mid))
    for (mid,) in bounced_rows:
        ids.update(_msgid_forms(mid))
    if not mkeys and not ids:
        return sa.false(), capped
    return sa.or_(m.mkey.in_(sorted(mkeys)), m.message_id.in_(sorted(ids))), capped


def _conditions(
    conn: Connection, store: Store, f: ActivityFilter, upto: float | None, matches: int
) -> tuple[list[Any], bool]:
    """The WHERE conditions of ``f``, and whether its subject matched more than the look-up took
    (``matches`` a source; ``upto``: the newest delivery time the
    page can show, from its cursor)."""
    d, m = log_deliveries.c, log_messages.c
    conds: list[Any] = []
    capped = False
    if f.subject and f.subject.strip():
        if len(f.subject.strip()) < SUBJECT_MIN_LENGTH:
            raise InputError(f"search the subject for at least {SUBJECT_MIN_LENGTH} characters")
        until = epoch(f.until) if f.until is not None else None
        if until is not None:
            upto = until if upto is None else min(until, upto)
        cond, capped = _subject_condition(conn, f.subject, upto, matches)
        conds.append(cond)
    if f.recipient:
        conds.append(_recipient_condition(conn, store, f.recipient.strip().lower()))
    if f.sender:
        conds.append(_sender_condition(conn, store, f.sender.strip().lower()))
    if f.message_id:
        conds.append(m.message_id.in_(_msgid_forms(f.message_id)))
    if f.queue_id:
        conds.append(m.queue_id == f.queue_id.strip())
    if f.state:
        if f.state not in STATES:
            raise InputError(f"unknown state {f.state!r}; one of: {', '.join(STATES)}")
        conds.append(d.final_state == f.state)
    if f.domain:
        conds.append(d.rcpt_domain == f.domain.strip().lower())
    if f.provider:
        conds.append(d.provider == f.provider.strip())
    if f.reason:
        conds.append(d.reason == f.reason.strip())
    if f.since is not None:
        conds.append(d.last_time >= epoch(f.since))
    if f.until is not None:
        conds.append(d.last_time < epoch(f.until))
    return conds, capped


@db_errors
def search_deliveries(
    store: Store, filters: ActivityFilter | None = None, *, limit: int = 50, cursor: str | None = None
) -> ActivityPage:
    """One page of deliveries matching ``filters``, newest final state first.

    ``limit`` is capped at :data:`MAX_LIMIT`; ``cursor`` is the ``next_cursor`` of the previous
    page. Raises :class:`InputError` for a bad state name or a cursor this code did not make.
    """
    f = filters or ActivityFilter()
    limit = max(1, min(int(limit), MAX_LIMIT))
    d, m = log_deliveries.c, log_messages.c
    t = d.last_time
    if f.state and f.state not in STATES:
        raise InputError(f"unknown state {f.state!r}; one of: {', '.join(STATES)}")
    after: list[Any] = []
    upto: float | None = None
    if cursor:
        ct, ckey, crcpt = _decode_cursor(cursor)
        upto = ct
        after.append(
            sa.or_(
                t < ct,
                sa.and_(t == ct, d.mkey < ckey),
                sa.and_(t == ct, d.mkey == ckey, d.recipient < crcpt),
            )
        )
    cols = [
        *(d.mkey, d.recipient, d.final_state, d.first_time, d.last_time, d.rcpt_domain, d.provider),
        *(d.reason, d.hard_bounce, d.dsn, d.reply, d.relay_host, d.remote_queue_id, d.n_attempts),
        *(m.sender, m.message_id, m.subject, m.queue_id, m.host),
    ]
    with store.connect() as conn:
        alternatives = _alternatives(conn, store, f.q)
        matches = SUBJECT_MATCHES
        while True:
            rows: list[Any] = []
            seen: set[tuple[str, str]] = set()
            conds, capped = _conditions(conn, store, f, upto, matches)
            for alt in alternatives:
                q = (
                    sa.select(*cols)
                    .select_from(log_deliveries.join(log_messages, log_messages.c.mkey == d.mkey))
                    .where(*conds, *after, *alt)
                    .order_by(t.desc(), d.mkey.desc(), d.recipient.desc())
                    .limit(limit + 1)
                )
                for r in conn.execute(q):
                    if (r.mkey, r.recipient) not in seen:
                        seen.add((r.mkey, r.recipient))
                        rows.append(r)
            # A short page from a full subject look-up: the matches it took may have had their
            # deliveries after this page's point; look further back before saying it ends.
            if not capped or len(rows) > limit or matches >= SUBJECT_MATCHES * SUBJECT_GROWTH:
                break
            matches *= 4
    if len(alternatives) > 1:
        rows.sort(
            key=lambda r: (r.last_time if r.last_time is not None else float("-inf"), r.mkey, r.recipient),
            reverse=True,
        )
    out = [
        ActivityRow(
            id=message_ref(r.mkey),
            recipient=r.recipient,
            sender=r.sender,
            message_id=r.message_id,
            subject=r.subject,
            queue_id=r.queue_id,
            host=r.host,
            final_state=r.final_state,
            first_time=from_epoch(r.first_time),
            last_time=from_epoch(r.last_time),
            rcpt_domain=r.rcpt_domain,
            provider=r.provider,
            reason=r.reason,
            hard_bounce=None if r.hard_bounce is None else bool(r.hard_bounce),
            dsn=r.dsn,
            reply=r.reply,
            relay_host=r.relay_host,
            remote_queue_id=r.remote_queue_id,
            attempts=int(r.n_attempts or 0),
        )
        for r in rows[:limit]
    ]
    nxt = None
    if len(rows) > limit:
        last = rows[limit - 1]
        nxt = _encode_cursor(last.last_time, last.mkey, last.recipient)
    return ActivityPage(tuple(out), nxt, capped)


@db_errors
def state_counts(store: Store) -> dict[str, int]:
    """Deliveries by final state over the whole store (for health and metrics)."""
    d = log_deliveries.c
    with store.connect() as conn:
        rows = conn.execute(sa.select(d.final_state, sa.func.count()).group_by(d.final_state)).all()
    return {str(s): int(n) for s, n in rows}


@db_errors
def latest_time(store: Store) -> datetime | None:
    """The newest final-state time stored (how far the store has been filled)."""
    with store.connect() as conn:
        return from_epoch(conn.execute(sa.select(sa.func.max(log_deliveries.c.last_time))).scalar())


@db_errors
def message_exists(store: Store, mkey: str) -> tuple[str, str] | None:
    """``(host, queue_id)`` of the stored message ``mkey``, or None."""
    m = log_messages.c
    with store.connect() as conn:
        row = conn.execute(sa.select(m.host, m.queue_id).where(m.mkey == mkey)).first()
    return (str(row.host), str(row.queue_id)) if row else None


__all__ = [
    "MAX_LIMIT",
    "ActivityFilter",
    "ActivityPage",
    "ActivityRow",
    "latest_time",
    "message_exists",
    "message_key",
    "message_ref",
    "search_deliveries",
    "state_counts",
]
