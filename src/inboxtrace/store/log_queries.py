"""Reading log timelines back: trace lookups (with hops and DSN links), report counts, suppressions.

Everything returns :mod:`inboxtrace.model` records or plain rows; rendering lives in
:mod:`inboxtrace.report`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from inboxtrace.model.log import Attempt, Delivery, Evidence, FinalState, Message
from inboxtrace.model.reply import Phase
from inboxtrace.store.core import Store
from inboxtrace.store.esp import same_message_relation
from inboxtrace.store.logs import ATTEMPT_FIELDS, epoch, from_epoch, log_deliveries, log_messages

STATES = tuple(s.value for s in FinalState)
MAX_HOPS = 6


@dataclass(frozen=True, slots=True)
class Linked:
    """One message of a story and how it relates to the message the query found."""

    relation: str  # match, next-hop, previous-hop, dsn, original
    message: Message
    matched_recipients: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Story:
    """A found message with every message linked to it (hops across hosts, DSNs), oldest first."""

    messages: tuple[Linked, ...]


@dataclass(frozen=True, slots=True)
class TraceHits:
    query: str
    kind: str  # recipient, sender, message-id, queue-id, none
    stories: tuple[Story, ...] = ()
    truncated: bool = False  # more messages match than the limit
    matched: int = 0  # matching messages found (hops and notices of one message make one story)


# --- rows → records ---------------------------------------------------------------------------


def _attempt(values: Sequence[Any], source: str | None) -> Attempt:
    a = dict(zip(ATTEMPT_FIELDS, values, strict=False))
    ev = None
    if a.get("line_no") is not None or a.get("line") is not None:
        ev = Evidence(a.get("source") or source or "", int(a.get("line_no") or 0), a.get("line") or "")
    phase = None
    if a.get("phase"):
        try:
            phase = Phase(a["phase"])
        except ValueError:
            phase = None
    return Attempt(
        time=from_epoch(a["time"]) or datetime.min,
        status=a["status"],
        relay_host=a.get("relay_host"),
        relay_ip=a.get("relay_ip"),
        relay_port=a.get("relay_port"),
        reply=a.get("reply"),
        dsn=a.get("dsn"),
        delay=a.get("delay"),
        delays=a.get("delays"),
        phase=phase,
        remote_queue_id=a.get("remote_queue_id"),
        evidence=ev,
        tls=a.get("tls"),
    )


def _delivery(row: Any, source: str | None) -> Delivery:
    try:
        state = FinalState(row["final_state"])
    except ValueError:
        state = FinalState.UNKNOWN
    attempts = tuple(_attempt(v, source) for v in json.loads(row["attempts"] or "[]"))
    return Delivery(
        recipient=row["recipient"],
        final_state=state,
        attempts=attempts,
        original_recipient=row["original_recipient"],
        dsn_queue_id=row["dsn_queue_id"],
    )


def _message(row: Any, deliveries: Iterable[Delivery]) -> Message:
    return Message(
        mta=row["mta"],
        host=row["host"],
        queue_id=row["queue_id"],
        received=from_epoch(row["received"]),
        completed=from_epoch(row["completed"]),
        sender=row["sender"],
        message_id=row["message_id"],
        size=row["size"],
        nrcpt=row["nrcpt"],
        client_host=row["client_host"],
        client_ip=row["client_ip"],
        deliveries=tuple(deliveries),
        dsn_of=row["dsn_of"],
        next_hops=tuple((row["next_hops"] or "").split()),
        source=row["source"],
        subject=row.get("subject"),
    )


def load_messages(
    conn: Connection, mkeys: Sequence[str], *, rows: Mapping[str, Any] | None = None
) -> dict[str, Message]:
    """The stored messages with these keys, with their deliveries and attempts; ``rows``: their
    ``log_messages`` rows when already read (by key), not read again."""
    out: dict[str, Message] = {}
    known = rows or {}
    for i in range(0, len(mkeys), 500):
        chunk = list(mkeys[i : i + 500])
        missing = [k for k in chunk if k not in known]
        rows_of = {k: known[k] for k in chunk if k in known}
        if missing:
            q = sa.select(log_messages).where(log_messages.c.mkey.in_(missing))
            rows_of.update((r["mkey"], r) for r in conn.execute(q).mappings())
        delivs: dict[str, list[Delivery]] = {}
        q = (
            sa.select(log_deliveries)
            .where(log_deliveries.c.mkey.in_(chunk))
            .order_by(log_deliveries.c.recipient)
        )
        for d in conn.execute(q).mappings():
            source = rows_of[d["mkey"]]["source"] if d["mkey"] in rows_of else None
            delivs.setdefault(d["mkey"], []).append(_delivery(d, source))
        for k, r in rows_of.items():
            out[k] = _message(r, delivs.get(k, []))
    return out


# --- trace --------------------------------------------------------------------------------------


def _norm_msgid(q: str) -> list[str]:
    bare = q.strip().strip("<>")
    return [bare, f"<{bare}>"]


def _find(conn: Connection, query: str, limit: int) -> tuple[str, list[tuple[str, tuple[str, ...]]], bool]:
    """(kind, [(mkey, matched recipients)], truncated) for a query string."""
    q = query.strip()
    m, d = log_messages.c, log_deliveries.c
    if not q:
        return "none", [], False
    looks_msgid = q.startswith("<") and q.endswith(">")
    if "@" in q:
        ids = [
            r[0]
            for r in conn.execute(sa.select(m.mkey).where(m.message_id.in_(_norm_msgid(q))).limit(limit + 1))
        ]
        if ids or looks_msgid:
            return "message-id", [(k, ()) for k in ids[:limit]], len(ids) > limit
        addr = q.strip("<>").lower()
        rq = (
            sa.select(d.mkey, d.recipient)
            .where(sa.or_(sa.func.lower(d.recipient) == addr, sa.func.lower(d.original_recipient) == addr))
            .order_by(d.last_time.desc())
        )
        hits: dict[str, list[str]] = {}
        for mk, rcpt in conn.execute(rq):  # up to limit + 1 distinct messages: is there more?
            if mk not in hits and len(hits) > limit:
                break
            hits.setdefault(mk, []).append(rcpt)
        sq = (
            sa.select(m.mkey)
            .where(sa.func.lower(m.sender) == addr)
            .order_by(m.first_time.desc())
            .limit(limit + 1)
        )
        sent = [r[0] for r in conn.execute(sq)]
        kinds = [k for k, found in (("recipient", hits), ("sender", sent)) if found]
        found_keys: list[tuple[str, tuple[str, ...]]] = [(k, tuple(v)) for k, v in hits.items()]
        found_keys += [(k, ()) for k in sent if k not in hits]
        truncated = len(hits) > limit or len(sent) > limit or len(found_keys) > limit
        return ("+".join(kinds) or "none"), found_keys[:limit], truncated
    if looks_msgid:
        ids = [
            r[0]
            for r in conn.execute(sa.select(m.mkey).where(m.message_id.in_(_norm_msgid(q))).limit(limit + 1))
        ]
        return ("message-id" if ids else "none"), [(k, ()) for k in ids[:limit]], len(ids) > limit
    ids = [
        r[0]
        for r in conn.execute(
            sa.select(m.mkey).where(m.queue_id == q).order_by(m.first_time).limit(limit + 1)
        )
    ]
    if not ids:
        ids = [
            r[0]
            for r in conn.execute(sa.select(m.mkey).where(m.message_id.in_(_norm_msgid(q))).limit(limit + 1))
        ]
        if ids:
            return "message-id", [(k, ()) for k in ids[:limit]], len(ids) > limit
    return ("queue-id" if ids else "none"), [(k, ()) for k in ids[:limit]], len(ids) > limit


def _branch(rel: str, i: int, table: sa.Table, *where: Any) -> Any:
    """One kind of link of the ``i``-th frontier row: (rel, i, mkey, mta, first_time) rows."""
    mta: Any
    first: Any
    if table is log_deliveries:
        mta, first = sa.cast(sa.null(), sa.String), sa.cast(sa.null(), sa.Float)
    else:
        mta, first = log_messages.c.mta, log_messages.c.first_time
    return sa.select(
        sa.literal(rel).label("rel"), sa.literal(i).label("i"), table.c.mkey, mta.label("mta"),
        first.label("first_time"),
    ).where(*where)  # fmt: skip


def _neighbours_of(conn: Connection, rows: Sequence[Any]) -> dict[str, list[tuple[str, str]]]:
    """(relation, mkey) of the messages directly linked to each stored message row (by its mkey):
    next and previous hops ("queued as"), the DSNs about it, the ESP's copy, the original of a
    DSN. One query for all the rows, whatever their number (a story's frontier)."""
    m, d = log_messages.c, log_deliveries.c
    branches: list[Any] = []
    for i, row in enumerate(rows):
        hops = (row["next_hops"] or "").split()
        if hops:
            branches.append(_branch("next-hop", i, log_messages, m.queue_id.in_(hops)))
        qid = row["queue_id"]
        if not qid.upper().startswith("NOQUEUE"):
            branches.append(_branch("previous-hop", i, log_deliveries, d.remote_queue_id == qid))
            branches.append(_branch("dsn", i, log_messages, m.host == row["host"], m.dsn_of == qid))
            own_dsns = sa.select(d.dsn_queue_id).where(d.mkey == row["mkey"], d.dsn_queue_id.is_not(None))
            branches.append(
                _branch("dsn-qid", i, log_messages, m.host == row["host"], m.queue_id.in_(own_dsns))
            )
        if row["message_id"]:
            bare = row["message_id"].strip("<>")
            branches.append(_branch("same-id", i, log_messages, m.message_id.in_([bare, f"<{bare}>"])))
        if row["dsn_of"]:
            branches.append(
                _branch("original", i, log_messages, m.host == row["host"], m.queue_id == row["dsn_of"])
            )
    found: list[list[Any]] = [[] for _ in rows]
    if branches:
        for r in conn.execute(sa.union_all(*branches)):
            found[int(r.i)].append(r)
    order = {"next-hop": 0, "previous-hop": 1, "dsn": 2, "dsn-qid": 3, "same-id": 4, "original": 5}
    out: dict[str, list[tuple[str, str]]] = {}
    for row, hits in zip(rows, found, strict=True):
        own, t0 = row["mkey"], row["first_time"]
        links: list[tuple[str, str]] = []
        hits.sort(key=lambda h: order[h.rel])
        originals = []
        for h in hits:
            if h.rel in ("next-hop", "previous-hop") and h.mkey != own:
                links.append((h.rel, h.mkey))
            elif h.rel in ("dsn", "dsn-qid"):  # a DSN about this message is not older than it
                if h.rel == "dsn-qid" or t0 is None or h.first_time is None or h.first_time >= t0 - 1:
                    links.append(("dsn", h.mkey))
            elif h.rel == "same-id" and h.mkey != own:
                rel = same_message_relation(row["mta"], h.mta)
                if rel is not None:
                    links.append((rel, h.mkey))
            elif h.rel == "original" and (t0 is None or h.first_time is None or h.first_time <= t0 + 1):
                originals.append(h)
        if originals:  # the latest one before the DSN
            originals.sort(key=lambda h: -1e300 if h.first_time is None else h.first_time, reverse=True)
            links.append(("original", originals[0].mkey))
        out[own] = list(dict.fromkeys(links))
    return out


def _story(
    conn: Connection, mkey: str, rcpts: tuple[str, ...]
) -> tuple[list[tuple[str, str, tuple[str, ...]]], set[str], dict[str, Any]]:
    """The story of the stored message ``mkey``: [(relation, mkey, matched recipients)] of every
    message reachable through hops and DSN links (breadth first, at most MAX_HOPS deep), the keys
    seen, and the message rows read on the way (by key)."""
    story = [("match", mkey, rcpts)]
    seen = {mkey}
    frontier = [mkey]
    read: dict[str, Any] = {}
    depth = 0
    while frontier and depth < MAX_HOPS:
        depth += 1
        nxt = []
        rows = list(conn.execute(sa.select(log_messages).where(log_messages.c.mkey.in_(frontier))).mappings())
        read.update((r["mkey"], r) for r in rows)
        for links in _neighbours_of(conn, rows).values():
            for rel, k in links:
                if k not in seen:
                    seen.add(k)
                    story.append((rel, k, ()))
                    nxt.append(k)
        frontier = nxt
    return story, seen, read


def _linked(story: list[tuple[str, str, tuple[str, ...]]], loaded: dict[str, Message]) -> Story:
    linked = [Linked(rel, loaded[k], rc) for rel, k, rc in story if k in loaded]
    linked.sort(key=lambda lk: epoch(lk.message.received or _first_time(lk.message)) or 0.0)
    return Story(tuple(linked))


def trace(store: Store, query: str, *, limit: int = 20) -> TraceHits:
    """Find the messages a query names (recipient, sender, Message-ID or queue id) and their links.

    Each hit becomes a :class:`Story`: the matched message plus every message reachable through
    "queued as" hand-offs (next/previous hops, on any ingested host) and DSN links, oldest first.
    """
    with store.connect() as conn:
        kind, hits, truncated = _find(conn, query, limit)
        stories: list[list[tuple[str, str, tuple[str, ...]]]] = []
        placed: set[str] = set()
        for mkey, rcpts in hits:
            if mkey in placed:
                continue
            story, seen, _ = _story(conn, mkey, rcpts)
            placed |= seen
            stories.append(story)
        keys = [k for s in stories for _, k, _ in s]
        loaded = load_messages(conn, keys)
    out = [_linked(s, loaded) for s in stories]
    return TraceHits(query, kind, tuple(out), truncated, matched=len(hits))


def story_of(store: Store, mkey: str) -> tuple[Story, Message] | None:
    """The story around the stored message ``mkey`` (as :func:`trace` tells it) and that message;
    None when no message has this key. Three queries for a message without links (its row, its
    links, its deliveries), two more per step along a chain of hops."""
    with store.connect() as conn:
        story, _, read = _story(conn, mkey, ())
        if mkey not in read:
            return None
        loaded = load_messages(conn, [k for _, k, _ in story], rows=read)
    if mkey not in loaded:
        return None
    return _linked(story, loaded), loaded[mkey]


def _first_time(msg: Message) -> datetime | None:
    times = [a.time for d in msg.deliveries for a in d.attempts]
    return min(times) if times else None


# --- report -------------------------------------------------------------------------------------


@dataclass(slots=True)
class GroupCounts:
    """Per-recipient counts by final state for one group key."""

    key: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _window(col: Any, since: datetime | None, until: datetime | None) -> list[Any]:
    conds = []
    if since is not None:
        conds.append(col >= epoch(since))
    if until is not None:
        conds.append(col < epoch(until))
    return conds


def _null_sender() -> Any:
    """Messages with the null sender ``<>``: notices the MTA generated about other mail (DSNs)."""
    return sa.select(log_messages.c.mkey).where(log_messages.c.sender == "")


def grouped_counts(
    store: Store,
    by: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    notices: bool = False,
) -> list[GroupCounts]:
    """Recipient counts by final state, grouped by ``reason``, ``rcpt_domain``, ``provider``, ``day``
    or ``final_state`` (one group per state); deliveries whose final state falls in [since, until).

    Mail from the null sender (``from=<>``: bounces and delay notices the MTA generated about other
    mail) is never counted with the sent mail: ``notices=True`` counts only those, else they are left out.
    """
    d = log_deliveries.c
    cols = {
        "reason": d.reason,
        "rcpt_domain": d.rcpt_domain,
        "provider": d.provider,
        "day": d.day,
        "final_state": d.final_state,
        "relay_host": d.relay_host,
    }
    if by not in cols:
        raise ValueError(f"cannot group by {by!r}")
    col = cols[by]
    q = sa.select(col, d.final_state, sa.func.count()).group_by(col, d.final_state)
    conds = _window(d.last_time, since, until)
    conds.append(d.mkey.in_(_null_sender()) if notices else d.mkey.not_in(_null_sender()))
    q = q.where(*conds)
    groups: dict[str, GroupCounts] = {}
    with store.connect() as conn:
        for key, state, n in conn.execute(q):
            k = key if key is not None else "(none)"
            g = groups.setdefault(k, GroupCounts(k))
            g.counts[state] = g.counts.get(state, 0) + int(n)
    return sorted(groups.values(), key=lambda g: (-g.total, g.key))


def message_count(
    store: Store, *, since: datetime | None = None, until: datetime | None = None, notices: bool = False
) -> int:
    """Queued messages whose first activity falls in [since, until): the sent mail, or with
    ``notices=True`` only the null-sender notices the MTA generated."""
    m = log_messages.c
    q = (
        sa.select(sa.func.count())
        .select_from(log_messages)
        .where(
            ~m.queue_id.like("NOQUEUE%"),
            (m.sender == "") if notices else sa.or_(m.sender.is_(None), m.sender != ""),
        )
    )
    conds = _window(m.first_time, since, until)
    if conds:
        q = q.where(*conds)
    with store.connect() as conn:
        return int(conn.execute(q).scalar() or 0)


def time_span(store: Store) -> tuple[datetime | None, datetime | None]:
    d = log_deliveries.c
    # two scalar subqueries: each min/max alone is one index lookup (together, SQLite scans the table)
    lo_q = sa.select(sa.func.min(d.first_time)).scalar_subquery()
    hi_q = sa.select(sa.func.max(d.last_time)).scalar_subquery()
    with store.connect() as conn:
        lo, hi = conn.execute(sa.select(lo_q, hi_q)).one()
    return from_epoch(lo), from_epoch(hi)


class SpanCache:
    """:func:`time_span` remembered for ``max_age`` seconds: a server shows it on every message
    page, and it moves only as fast as the ingest (a few seconds late is still true enough)."""

    def __init__(self, store: Store, max_age: float = 5.0) -> None:
        self.store = store
        self.max_age = max_age
        self._value: tuple[datetime | None, datetime | None] = (None, None)
        self._at = float("-inf")

    def __call__(self) -> tuple[datetime | None, datetime | None]:
        now = time.monotonic()
        if now - self._at > self.max_age:
            self._value, self._at = time_span(self.store), now
        return self._value


# --- suppressions -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Suppression:
    address: str
    last_bounce: datetime | None
    reason: str | None
    dsn: str | None
    reply: str | None
    relay_host: str | None
    bounces: int


def suppressions(store: Store, *, since: datetime | None = None) -> list[Suppression]:
    """Addresses whose latest decisive outcome is a hard bounce (and never delivered since)."""
    d = log_deliveries.c
    q = (
        sa.select(
            d.recipient, d.final_state, d.last_time, d.reason, d.dsn, d.reply, d.relay_host, d.hard_bounce
        )
        .where(d.final_state.in_([FinalState.DELIVERED.value, FinalState.BOUNCED.value]))
        .order_by(d.last_time)
    )
    if since is not None:
        q = q.where(d.last_time >= epoch(since))
    latest: dict[str, Any] = {}
    counts: dict[str, int] = {}
    with store.connect() as conn:
        for r in conn.execute(q):
            addr = r.recipient.lower()
            if not addr or "@" not in addr:
                continue
            if r.final_state == FinalState.BOUNCED.value and r.hard_bounce:
                counts[addr] = counts.get(addr, 0) + 1
            latest[addr] = r
    out = []
    for addr, r in latest.items():
        if r.final_state == FinalState.BOUNCED.value and r.hard_bounce:
            out.append(
                Suppression(
                    addr, from_epoch(r.last_time), r.reason, r.dsn, r.reply, r.relay_host, counts[addr]
                )
            )
    out.sort(key=lambda s: s.address)
    return out


__all__ = [
    "STATES",
    "GroupCounts",
    "Linked",
    "SpanCache",
    "Story",
    "Suppression",
    "TraceHits",
    "grouped_counts",
    "load_messages",
    "message_count",
    "story_of",
    "suppressions",
    "time_span",
    "trace",
]
