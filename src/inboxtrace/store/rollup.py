"""Delivery counts per day, kept beside the rows: what the overview reads instead of the rows.

Counting a month of a big store row by row takes seconds to minutes (every grouping reads every
recipient of the period). The rollup holds, per UTC day of the final state, the number of
recipients for each (null-sender notice or not, final state, reason, receiving domain, provider),
and per day the number of messages: a 30-day overview reads a few thousand rollup rows.

How it stays equal to the rows, whatever writes them:

- Every writer adds, in its own transaction, the change it made as deltas to ``rollup_delta``:
  for each message it rewrote, minus its rows' counts as stored, plus as they are now. The log
  writer computes them from the rows it already holds (:func:`record_batch`, no query); the ESP
  writer and retention wrap their change in :func:`counting` (``INSERT ... SELECT ... GROUP BY``
  over the messages' keys before and after). The deltas commit (or roll back) with the rows,
  cost what the batch costs, and writers never wait for each other on them (no unique key).
- :func:`refresh` takes the committed deltas (``DELETE ... RETURNING``) and adds them to the
  rollup. Sums commute: a delta committed meanwhile is simply added by the next refresh.
- A store without a rollup yet (made before it existed), a bulk load into an empty store (rows
  copied in without deltas) and :func:`rebuild` count it from scratch, in one snapshot.
- Readers call :func:`refresh` first, so what they read includes every committed write.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from inboxtrace.store.core import Store, db_errors, inboxtrace_meta, metadata
from inboxtrace.store.log_rows import (
    D_DAY,
    D_DOMAIN,
    D_KEY,
    D_PROVIDER,
    D_REASON,
    D_STATE,
    M_KEY,
    M_QID,
    M_SENDER,
)
from inboxtrace.store.logs import BatchChanges, log_deliveries, log_messages

VERSION = "2"
_META_KEY = "rollup"
_LOCK = 0x1B0C_0011  # PostgreSQL advisory lock: one refresh or rebuild at a time
NONE = ""  # an unknown reason, domain or provider in the rollup (its keys are never NULL)

delivery_rollup = sa.Table(
    "delivery_rollup",
    metadata,
    sa.Column("day", sa.String(10), primary_key=True),
    sa.Column("notice", sa.Boolean, primary_key=True),  # null-sender mail (DSNs the MTA generated)
    sa.Column("final_state", sa.String(16), primary_key=True),
    sa.Column("reason", sa.String(40), primary_key=True),
    sa.Column("rcpt_domain", sa.String(255), primary_key=True),
    sa.Column("provider", sa.String(40), primary_key=True),
    sa.Column("recipients", sa.BigInteger, nullable=False),
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

# Changes not yet added to the rollup: kind "r" (recipients, all the columns) or "m" (messages
# per day and notice). Ids are never reused (the last one counts the writes: write_counter).
rollup_delta = sa.Table(
    "rollup_delta",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(1), nullable=False),
    sa.Column("day", sa.String(10), nullable=False),
    sa.Column("notice", sa.Boolean, nullable=False),
    sa.Column("final_state", sa.String(16), nullable=False),
    sa.Column("reason", sa.String(40), nullable=False),
    sa.Column("rcpt_domain", sa.String(255), nullable=False),
    sa.Column("provider", sa.String(40), nullable=False),
    sa.Column("n", sa.BigInteger, nullable=False),
    sqlite_autoincrement=True,
)

_KEYS = ("day", "notice", "final_state", "reason", "rcpt_domain", "provider")


def _key_columns() -> list[Any]:
    d, m = log_deliveries.c, log_messages.c
    return [
        d.day,
        sa.func.coalesce(m.sender == "", sa.false()).label("notice"),
        d.final_state,
        sa.func.coalesce(d.reason, NONE).label("reason"),
        sa.func.coalesce(d.rcpt_domain, NONE).label("rcpt_domain"),
        sa.func.coalesce(d.provider, NONE).label("provider"),
    ]


def _counts(where: Sequence[Any], sign: int) -> tuple[Any, Any]:
    """The (recipients, messages) counts of the deliveries matching ``where``, times ``sign``."""
    d, m = log_deliveries.c, log_messages.c
    joined = log_deliveries.join(log_messages, m.mkey == d.mkey)
    keys = _key_columns()
    every = [d.day.is_not(None), *where]
    rcpts = (
        sa.select(*keys, (sign * sa.func.count()).label("n"))
        .select_from(joined)
        .where(*every)
        .group_by(*keys)
    )
    day, notice = keys[0], keys[1]
    queued = ~m.queue_id.like("NOQUEUE%")
    msgs = (
        sa.select(day, notice, (sign * sa.func.count(sa.distinct(d.mkey))).label("n"))
        .select_from(joined)
        .where(*every, queued)
        .group_by(day, notice)
    )
    return rcpts, msgs


@functools.cache
def _delta_inserts(sign: int) -> tuple[Any, Any]:
    """The two ``INSERT ... SELECT`` of the deltas of the messages in the bound list ``keys``,
    built once (building them costs more than running them for a webhook's few rows)."""
    rcpts, msgs = _counts([log_deliveries.c.mkey.in_(sa.bindparam("keys", expanding=True))], sign)
    cols = [*_KEYS, "n", "kind"]
    per_day = msgs.subquery()
    blank = [sa.literal(NONE) for _ in range(4)]
    rows = sa.select(per_day.c.day, per_day.c.notice, *blank, per_day.c.n, sa.literal("m"))
    return (
        sa.insert(rollup_delta).from_select(cols, rcpts.add_columns(sa.literal("r"))),
        sa.insert(rollup_delta).from_select(cols, rows),
    )


def _add_deltas(conn: Connection, keys: Sequence[str], sign: int) -> None:
    for stmt in _delta_inserts(sign):
        conn.execute(stmt, {"keys": list(keys)})


@contextlib.contextmanager
def counting(conn: Connection, mkeys: Sequence[str]) -> Iterator[None]:
    """Wrap a change of the rows of the messages ``mkeys`` inside the writer's transaction: their
    counts as stored go to the rollup's deltas with a minus sign before, with a plus sign after."""
    keys = sorted(set(mkeys))
    if not keys:
        yield
        return
    chunks = [keys[i : i + 500] for i in range(0, len(keys), 500)]
    for chunk in chunks:
        _add_deltas(conn, chunk, -1)
    yield
    for chunk in chunks:
        _add_deltas(conn, chunk, +1)


def _key(row: Mapping[str, Any], notice: bool) -> tuple[Any, ...]:
    return (row["day"], notice, row["final_state"], row["reason"] or NONE, row["rcpt_domain"] or NONE,
            row["provider"] or NONE)  # fmt: skip


def record_batch(conn: Connection, changes: BatchChanges) -> None:
    """The log writer's batch as deltas, from the rows it already holds (no query): for each
    message it changed, minus its deliveries as they were stored, plus as they are now."""
    rcpts, msgs = _new_counts(*changes.new) if changes.new is not None else _changed_counts(changes)
    out = [("r", *k, n) for k, n in rcpts.items() if n]
    out += [("m", d, f, NONE, NONE, NONE, NONE, n) for (d, f), n in msgs.items() if n]
    if out:  # plain tuples to the driver, no SQLAlchemy processing per row
        conn.exec_driver_sql(_delta_insert(conn.dialect.paramstyle), out)


@functools.cache
def _delta_insert(paramstyle: str) -> str:
    """The ``INSERT`` of one delta, values in :func:`record_batch`'s order, for a driver's style."""
    cols = ("kind", *_KEYS, "n")
    mark = "?" if paramstyle == "qmark" else "%s"
    return f"INSERT INTO rollup_delta ({', '.join(cols)}) VALUES ({', '.join(mark for _ in cols)})"


def _new_counts(
    msg_rows: list[list[Any]], deliv_rows: list[list[Any]]
) -> tuple[Counter[tuple[Any, ...]], Counter[tuple[Any, ...]]]:
    """The counts of a batch of new messages (their rows as lists; what :func:`_changed_counts`
    gives for them, read by position, with no dict made per row: most batches of an ingest)."""
    notice = {m[M_KEY]: m[M_SENDER] == "" for m in msg_rows}
    dated = [d for d in deliv_rows if d[D_DAY] is not None]
    rcpts = Counter(
        [(d[D_DAY], notice[d[D_KEY]], d[D_STATE], d[D_REASON] or NONE, d[D_DOMAIN] or NONE, d[D_PROVIDER] or NONE)
         for d in dated]
    )  # fmt: skip
    queued = {m[M_KEY] for m in msg_rows if not m[M_QID].upper().startswith("NOQUEUE")}
    days = {(d[D_KEY], d[D_DAY]) for d in dated if d[D_KEY] in queued}
    return rcpts, Counter([(day, notice[mkey]) for mkey, day in days])


def _changed_counts(changes: BatchChanges) -> tuple[Counter[tuple[Any, ...]], Counter[tuple[Any, ...]]]:
    """The counts a batch changed, per message: minus its rows as stored, plus as now."""
    by_message: dict[str, dict[str, Mapping[str, Any]]] = {}
    for (mkey, rcpt), row in changes.old.items():
        by_message.setdefault(mkey, {})[rcpt] = row
    now: dict[str, dict[str, Mapping[str, Any]]] = {}
    for row in changes.changed:
        now.setdefault(row["mkey"], {})[row["recipient"]] = row
    touched = set(now)
    touched.update(k for k, (was, sender, _) in changes.senders.items() if k in by_message and was != sender)
    rcpts: Counter[tuple[Any, ...]] = Counter()
    msgs: Counter[tuple[Any, ...]] = Counter()
    for mkey in touched:
        was, sender, qid = changes.senders.get(mkey, (None, None, ""))
        before: dict[str, Mapping[str, Any]] = by_message.get(mkey, {})
        after: dict[str, Mapping[str, Any]] = {**before, **now.get(mkey, {})}
        was_notice, notice = was == "", sender == ""
        if not before:
            was_notice = notice
        for sign, rows, flag in ((-1, before, was_notice), (+1, after, notice)):
            days = set()
            for r in rows.values():
                if r["day"] is not None:
                    rcpts[_key(r, flag)] += sign
                    days.add(r["day"])
            if not qid.upper().startswith("NOQUEUE"):
                for day in days:
                    msgs[(day, flag)] += sign
    return rcpts, msgs


@contextlib.contextmanager
def _exclusive(store: Store, *, snapshot: bool) -> Iterator[Connection]:
    """A transaction that is the only refresh or rebuild running; ``snapshot``: all its reads see
    one moment (PostgreSQL REPEATABLE READ; SQLite: writers wait from its first write on)."""
    with store.engine.connect() as conn:
        if store.dialect != "postgresql":
            with conn.begin():
                yield conn
            return
        conn.exec_driver_sql(f"SELECT pg_advisory_lock({_LOCK})")
        conn.commit()
        try:
            if snapshot:
                conn.execution_options(isolation_level="REPEATABLE READ")  # this connection, until returned
            with conn.begin():
                yield conn
        finally:
            conn.exec_driver_sql(f"SELECT pg_advisory_unlock({_LOCK})")
            conn.commit()


def _built(conn: Connection) -> bool:
    q = sa.select(inboxtrace_meta.c.value).where(inboxtrace_meta.c.key == _META_KEY)
    return conn.execute(q).scalar() == VERSION


@db_errors
def rebuild(store: Store) -> None:
    """Count the rollup from scratch (a store made before it existed, a bulk load, on demand)."""
    with _exclusive(store, snapshot=True) as conn:
        conn.execute(sa.delete(rollup_delta))  # first: on SQLite, writers wait from here on
        conn.execute(sa.delete(delivery_rollup))
        conn.execute(sa.delete(message_rollup))
        rcpts, msgs = _counts([], +1)
        conn.execute(sa.insert(delivery_rollup).from_select([*_KEYS, "recipients"], rcpts))
        conn.execute(sa.insert(message_rollup).from_select(["day", "notice", "messages"], msgs))
        _mark_built(conn)


def _mark_built(conn: Connection) -> None:
    conn.execute(sa.delete(inboxtrace_meta).where(inboxtrace_meta.c.key == _META_KEY))
    conn.execute(sa.insert(inboxtrace_meta).values(key=_META_KEY, value=VERSION))


def forget(conn: Connection) -> None:
    """Mark the rollup as not built (in the caller's transaction): the next :func:`refresh`
    counts it from scratch. A bulk load writes rows without deltas: if it is killed half-way, the
    rows it committed are counted that way, not lost to the rollup."""
    conn.execute(sa.delete(inboxtrace_meta).where(inboxtrace_meta.c.key == _META_KEY))


class Recount:
    """The rollup counted from scratch by a reading connection in a thread of its own, while this
    thread does other work on the store (a bulk load builds its deferred indexes meanwhile: on
    SQLite in WAL mode a reader runs beside the writer, and both run in C without the GIL, so the
    two sorts of every delivery use two cores). :meth:`start` once every row is committed;
    :meth:`finish` waits for the counts and writes them in one transaction. The count sees the
    rows as they were at its start: deltas committed later (by another writer) stay for the next
    :func:`refresh`; those the count includes are removed with it."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._thread: threading.Thread | None = None
        self._engine: sa.engine.Engine | None = None
        self._conn: Any = None
        self._result: tuple[Sequence[Any], Sequence[Any], int] | None = None
        self._error: BaseException | None = None

    def __enter__(self) -> Recount:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        if exc_type is not None:
            self.cancel()

    def start(self) -> None:
        if self.store.sqlite_file is None:
            return  # finish() counts it in one statement (PostgreSQL: in the server)
        # a connection of its own, outside the store's pool: the pool's checkout and checkin
        # hooks change meanwhile (store.core.on_checkout), which a second thread must not meet
        self._engine = sa.create_engine(self.store.engine.url, poolclass=sa.pool.NullPool)
        self._thread = threading.Thread(target=self._count, name="rollup-count", daemon=True)
        self._thread.start()

    def _count(self) -> None:
        assert self._engine is not None
        try:
            with self._engine.connect() as conn:
                self._conn = conn.connection.dbapi_connection
                # a GROUP BY of every delivery: its sort in files, not in memory (see
                # store.logs.sorts_in_files); one read transaction, one snapshot (the driver
                # would begin one before writes only)
                conn.exec_driver_sql("PRAGMA busy_timeout=30000")
                conn.exec_driver_sql("PRAGMA temp_store=FILE")
                conn.exec_driver_sql("BEGIN")
                try:
                    rcpts, msgs = _counts([], +1)
                    # the deltas already in these rows' counts
                    last = conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM rollup_delta").scalar_one()
                    self._result = (conn.execute(rcpts).all(), conn.execute(msgs).all(), int(last))
                finally:
                    conn.rollback()
        except BaseException as exc:  # handed to finish()
            self._error = exc
        finally:
            self._conn = None
            self._engine.dispose()

    def cancel(self) -> None:
        """Stop the count (an error elsewhere: nothing is written)."""
        conn = self._conn
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.interrupt()
        if self._thread is not None:
            self._thread.join()

    @db_errors
    def finish(self) -> None:
        """Wait for the count and write it (the rollup is then built)."""
        if self._thread is None:
            rebuild(self.store)
            return
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        rcpts, msgs, last = self._result
        with _exclusive(self.store, snapshot=False) as conn:
            conn.execute(sa.delete(rollup_delta).where(rollup_delta.c.id <= last))
            conn.execute(sa.delete(delivery_rollup))
            conn.execute(sa.delete(message_rollup))
            if rcpts:
                conn.execute(
                    sa.insert(delivery_rollup),
                    [dict(zip((*_KEYS, "recipients"), r, strict=True)) for r in rcpts],
                )
            if msgs:
                conn.execute(
                    sa.insert(message_rollup),
                    [dict(zip(("day", "notice", "messages"), r, strict=True)) for r in msgs],
                )
            _mark_built(conn)


def _upsert(conn: Connection, store: Store, table: sa.Table, column: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    stmt = store.insert(table)
    keys = [c.name for c in table.primary_key]
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=keys, set_={column: table.c[column] + stmt.excluded[column]}
        ),
        rows,
    )
    conn.execute(sa.delete(table).where(table.c[column] == 0))


@db_errors
def refresh(store: Store) -> int:
    """Add the deltas writers committed since the last refresh to the rollup (count it from
    scratch if the store has none yet); returns how many deltas were added (-1: rebuilt)."""
    with store.connect() as conn:
        built = _built(conn)
        pending = built and conn.execute(sa.select(rollup_delta.c.id).limit(1)).first() is not None
    if not built:
        rebuild(store)
        return -1
    if not pending:
        return 0
    with _exclusive(store, snapshot=False) as conn:
        t = rollup_delta.c
        taken = conn.execute(
            sa.delete(rollup_delta).returning(
                t.kind, t.day, t.notice, t.final_state, t.reason, t.rcpt_domain, t.provider, t.n
            )
        ).all()
        rcpts: dict[tuple[Any, ...], int] = {}
        msgs: dict[tuple[Any, ...], int] = {}
        for kind, day, notice, state, reason, domain, provider, n in taken:
            if kind == "m":
                mkey = (day, bool(notice))
                msgs[mkey] = msgs.get(mkey, 0) + int(n)
            else:
                rkey = (day, bool(notice), state, reason, domain, provider)
                rcpts[rkey] = rcpts.get(rkey, 0) + int(n)
        _upsert(conn, store, delivery_rollup, "recipients",
                [dict(zip((*_KEYS, "recipients"), (*k, n), strict=True)) for k, n in sorted(rcpts.items()) if n])  # fmt: skip
        _upsert(conn, store, message_rollup, "messages",
                [{"day": k[0], "notice": k[1], "messages": n} for k, n in sorted(msgs.items()) if n])  # fmt: skip
    return len(taken)


@db_errors
def write_counter(store: Store) -> int:
    """A number that grows with every committed write that changed deliveries (the last id handed
    to a rollup delta): one cheap lookup, for a page that shows new events as they come."""
    with store.connect() as conn:
        if store.dialect == "postgresql":
            sql = "SELECT coalesce(pg_sequence_last_value('rollup_delta_id_seq'), 0)"
        else:
            sql = "SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = 'rollup_delta'"
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


_DIMENSIONS = ("reason", "rcpt_domain", "provider")


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
                _add(out.by[dim], key if key != NONE else "(none)", state, count)
        out.messages = int(conn.execute(mq).scalar() or 0)
    return out


__all__ = [
    "Recount",
    "RollupCounts",
    "counting",
    "delivery_rollup",
    "forget",
    "message_rollup",
    "read",
    "rebuild",
    "record_batch",
    "refresh",
    "rollup_delta",
    "write_counter",
]
