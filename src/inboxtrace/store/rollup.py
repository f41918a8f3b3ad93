"""Delivery counts per day, kept beside the rows: what the overview reads instead of the rows.

Counting a month of a big store row by row takes seconds to minutes (every grouping reads every
recipient of the period). The rollup holds, per UTC day of the final state, the number of
recipients for each (null-sender notice or not, final state, reason, receiving domain, provider),
and per day the number of messages: a 30-day overview reads a few thousand rollup rows.

How it stays equal to the rows:

- Writers note the days they changed (:func:`mark_days`: the old and the new day of every
  delivery they rewrote) in ``rollup_dirty``, inside their own transaction, so a crash cannot lose
  a mark. The table has no unique key: writers never wait for each other on it.
- :func:`refresh` takes the marks (``DELETE ... RETURNING``) and recounts exactly those days from
  the rows with ``INSERT ... SELECT ... GROUP BY`` over ``last_time`` ranges (an index), in one
  transaction. Marks committed after its ``DELETE`` stay for the next refresh, and their rows are
  recounted then. PostgreSQL: refreshes take turns under an advisory lock.
- A store without a rollup yet (made before it existed) is counted from scratch once
  (:func:`rebuild`); a bulk load into an empty store does the same at its end.
- Readers call :func:`refresh` first, so what they read includes every committed write.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from inboxtrace.store.core import Store, db_errors, inboxtrace_meta, metadata
from inboxtrace.store.logs import log_deliveries, log_messages

VERSION = "1"
_META_KEY = "rollup"
_LOCK = 0x1B0C_0011  # PostgreSQL advisory lock: one refresh at a time

delivery_rollup = sa.Table(
    "delivery_rollup",
    metadata,
    sa.Column("day", sa.String(10), nullable=False),
    sa.Column("notice", sa.Boolean, nullable=False),  # null-sender mail (DSNs the MTA generated)
    sa.Column("final_state", sa.String(16), nullable=False),
    sa.Column("reason", sa.String(40)),
    sa.Column("rcpt_domain", sa.String(255)),
    sa.Column("provider", sa.String(40)),
    sa.Column("recipients", sa.BigInteger, nullable=False),
    sa.Index("ix_delivery_rollup_day", "day"),
)

message_rollup = sa.Table(
    "message_rollup",
    metadata,
    sa.Column("day", sa.String(10), primary_key=True),
    sa.Column("notice", sa.Boolean, primary_key=True),
    # queued messages (never-queued rejections left out) with a recipient whose final state fell
    # on this day: a message whose recipients ended on different days counts on each of them
    sa.Column("messages", sa.BigInteger, nullable=False),
)

rollup_dirty = sa.Table(
    "rollup_dirty",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("day", sa.String(10), nullable=False),
    # ids never reused after a refresh empties the table: the last one counts the writes (write_counter)
    sqlite_autoincrement=True,
)

_DIMENSIONS = ("reason", "rcpt_domain", "provider")


def _day_bounds(day: str) -> tuple[float, float]:
    start = datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp()
    return start, start + 86400.0


def mark_days(conn: Connection, days: Iterable[str | None]) -> None:
    """Note, inside the writer's transaction, that the deliveries of ``days`` changed."""
    rows = [{"day": d} for d in sorted({d for d in days if d})]
    if rows:
        conn.execute(sa.insert(rollup_dirty), rows)


def mark_messages(conn: Connection, store: Store, mkeys: Iterable[str]) -> None:
    """Note the days spanned by these (just written) messages: a message's deliveries end within
    its span, and a rewrite that only adds events only widens it, so their old days are in it too."""
    days: set[str] = set()
    keys = sorted(set(mkeys))
    for chunk, params in store.in_params(keys):
        sql = "SELECT first_time, last_time FROM log_messages WHERE mkey " + chunk
        for lo, hi in conn.exec_driver_sql(sql, params):
            if lo is None and hi is None:
                continue
            first = _to_date(lo if lo is not None else hi)
            last = _to_date(hi if hi is not None else lo)
            while first <= last and len(days) < 4000:
                days.add(first.isoformat())
                first += timedelta(days=1)
    mark_days(conn, days)


def _to_date(ts: float) -> date:
    return datetime.fromtimestamp(ts, UTC).date()


def _notice() -> sa.ColumnElement[bool]:
    return sa.func.coalesce(log_messages.c.sender == "", sa.false())


def _count_days(conn: Connection, ranges: list[tuple[float, float]] | None) -> None:
    """Insert the counts of the deliveries whose final state falls in ``ranges`` (None: all)."""
    d, m = log_deliveries.c, log_messages.c
    notice = _notice().label("notice")
    joined = log_deliveries.join(log_messages, m.mkey == d.mkey)
    where: list[sa.ColumnElement[bool]] = [d.day.is_not(None)]
    if ranges is not None:
        where.append(sa.or_(*(sa.and_(d.last_time >= lo, d.last_time < hi) for lo, hi in ranges)))
    cols = (d.day, notice, d.final_state, d.reason, d.rcpt_domain, d.provider)
    counts = sa.select(*cols, sa.func.count()).select_from(joined).where(*where).group_by(*cols)
    names = ["day", "notice", "final_state", "reason", "rcpt_domain", "provider", "recipients"]
    conn.execute(sa.insert(delivery_rollup).from_select(names, counts))
    queued = ~m.queue_id.like("NOQUEUE%")
    msgs = (
        sa.select(d.day, notice, sa.func.count(sa.distinct(d.mkey)))
        .select_from(joined)
        .where(*where, queued)
        .group_by(d.day, notice)
    )
    conn.execute(sa.insert(message_rollup).from_select(["day", "notice", "messages"], msgs))


def _lock(conn: Connection, store: Store) -> None:
    if store.dialect == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_LOCK})")


def _built(conn: Connection) -> bool:
    q = sa.select(inboxtrace_meta.c.value).where(inboxtrace_meta.c.key == _META_KEY)
    return conn.execute(q).scalar() == VERSION


def _rebuild(conn: Connection, store: Store) -> None:
    conn.execute(sa.delete(rollup_dirty))
    conn.execute(sa.delete(delivery_rollup))
    conn.execute(sa.delete(message_rollup))
    _count_days(conn, None)
    conn.execute(sa.delete(inboxtrace_meta).where(inboxtrace_meta.c.key == _META_KEY))
    conn.execute(sa.insert(inboxtrace_meta).values(key=_META_KEY, value=VERSION))


@db_errors
def rebuild(store: Store) -> None:
    """Count the rollup from scratch (a store made before it existed, a bulk load, on demand)."""
    with store.begin() as conn:
        _lock(conn, store)
        _rebuild(conn, store)


@db_errors
def refresh(store: Store) -> int:
    """Recount the days writers marked since the last refresh (all of it if the store has no
    rollup yet); returns how many days were recounted (-1: rebuilt from scratch)."""
    with store.begin() as conn:
        _lock(conn, store)
        if not _built(conn):
            _rebuild(conn, store)
            return -1
        if conn.execute(sa.select(rollup_dirty.c.id).limit(1)).first() is None:
            return 0
        taken = conn.execute(sa.delete(rollup_dirty).returning(rollup_dirty.c.day)).scalars()
        days = sorted(set(taken))
        for i in range(0, len(days), 200):
            part = days[i : i + 200]
            conn.execute(sa.delete(delivery_rollup).where(delivery_rollup.c.day.in_(part)))
            conn.execute(sa.delete(message_rollup).where(message_rollup.c.day.in_(part)))
            _count_days(conn, [_day_bounds(day) for day in part])
    return len(days)


@db_errors
def write_counter(store: Store) -> int:
    """A number that grows with every committed write batch that changed deliveries (the last id
    handed to a rollup mark): one cheap lookup, for a page that shows new events as they come."""
    with store.connect() as conn:
        if store.dialect == "postgresql":
            sql = "SELECT coalesce(pg_sequence_last_value('rollup_dirty_id_seq'), 0)"
        else:
            sql = "SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = 'rollup_dirty'"
        return int(conn.exec_driver_sql(sql).scalar() or 0)


@dataclass(slots=True)
class RollupCounts:
    """Recipients by final state, per day and per reason, domain and provider, over some days."""

    totals: dict[str, int] = field(default_factory=dict)
    by: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)  # dimension -> key -> state -> n
    messages: int = 0


def _add(target: dict[str, dict[str, int]], key: str, state: str, n: int) -> None:
    counts = target.setdefault(key, {})
    counts[state] = counts.get(state, 0) + n


@db_errors
def read(store: Store, first_day: str, last_day: str, *, notices: bool = False) -> RollupCounts:
    """The counts of the days ``first_day``..``last_day`` (ISO dates, both included), refreshed
    first: sent mail, or with ``notices`` only the null-sender notices. A group whose key is not
    known (no reason, no provider) is ``(none)``, as in the report."""
    refresh(store)
    r = delivery_rollup.c
    out = RollupCounts(by={"day": {}, **{dim: {} for dim in _DIMENSIONS}})
    where = (r.day >= first_day, r.day <= last_day, r.notice == notices)
    q = sa.select(r.day, r.final_state, r.reason, r.rcpt_domain, r.provider, r.recipients).where(*where)
    mr = message_rollup.c
    mq = sa.select(sa.func.sum(mr.messages)).where(
        mr.day >= first_day, mr.day <= last_day, mr.notice == notices
    )
    with store.connect() as conn:
        for day, state, reason, domain, provider, n in conn.execute(q):
            count = int(n)
            out.totals[state] = out.totals.get(state, 0) + count
            _add(out.by["day"], day, state, count)
            for dim, key in zip(_DIMENSIONS, (reason, domain, provider), strict=True):
                _add(out.by[dim], key if key is not None else "(none)", state, count)
        out.messages = int(conn.execute(mq).scalar() or 0)
    return out


__all__ = [
    "RollupCounts",
    "delivery_rollup",
    "mark_days",
    "mark_messages",
    "message_rollup",
    "read",
    "rebuild",
    "refresh",
    "rollup_dirty",
    "write_counter",
]
