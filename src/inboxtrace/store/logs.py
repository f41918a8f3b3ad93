"""Log timelines in the store: messages, per-recipient deliveries, attempts, source checkpoints.

Writing is idempotent. A message is identified by its natural key (host, queue id, time span):
re-ingesting a file, or a rotation that overlaps the previous one, matches the stored rows and adds
nothing twice; a message cut in two by a rotation (first part in ``mail.log.1``, rest in
``mail.log``) is merged into one row, and each recipient's final state is recomputed from the
union of what both parts said (the latest decisive attempt wins). Attempts carry a unique key
(message, recipient, time, status, fingerprint of the reply), so they are never duplicated.

Times are stored as UNIX epoch seconds (``Float``), the same on SQLite and PostgreSQL; the
query functions hand back :mod:`inboxtrace.model` records with timezone-aware UTC datetimes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from inboxtrace.model.log import Message
from inboxtrace.store.core import (
    Store,
    db_errors,
    metadata,
    on_checkout,
    register_schema,
    register_upgrade,
    schema_lock,
)
from inboxtrace.store.log_batch import WriteCounts, prepare_batch
from inboxtrace.store.log_match import BatchChanges, BatchMatcher, derive_delivery
from inboxtrace.store.log_rows import (
    ATTEMPT_FIELDS,
    DELIV_COLUMNS,
    MSG_COLUMNS,
    PreparedMessage,
    RowMaker,
    epoch,
)

register_schema("logs", 3)

log_messages = sa.Table(
    "log_messages",
    metadata,
    sa.Column("mkey", sa.String(320), primary_key=True),
    sa.Column("mta", sa.String(16), nullable=False),
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("queue_id", sa.String(64), nullable=False),
    sa.Column("received", sa.Float),
    sa.Column("completed", sa.Float),
    sa.Column("first_time", sa.Float),
    sa.Column("last_time", sa.Float),
    sa.Column("sender", sa.Text),
    sa.Column("message_id", sa.Text),
    sa.Column("size", sa.BigInteger),
    sa.Column("nrcpt", sa.Integer),
    sa.Column("client_host", sa.Text),
    sa.Column("client_ip", sa.String(64)),
    sa.Column("dsn_of", sa.String(64)),
    sa.Column("next_hops", sa.Text),  # space-separated remote queue ids
    sa.Column("source", sa.Text),
    # message-level facts a later part of the message may need (expiry, DSN sent), JSON list of
    # [kind, time, line_no, source, x, y]: ["expired", t, n, source, line, null] or
    # ["dsn", t, n, source, dsn kind, dsn queue id]
    sa.Column("facts", sa.Text),
    sa.Column("subject", sa.Text),  # the Subject header, when the MTA logged it (decoded)
    sa.Index("ix_log_messages_qid", "queue_id"),
    sa.Index("ix_log_messages_msgid", "message_id"),
    sa.Index("ix_log_messages_sender", sa.func.lower(sa.column("sender"))),
    sa.Index("ix_log_messages_dsn_of", "dsn_of"),
)


def _add_facts_column(conn: Connection) -> None:
    """Version 2 -> 3: ``log_messages.facts`` (stores of version 2 have none: no facts known)."""
    if "facts" not in {c["name"] for c in sa.inspect(conn).get_columns("log_messages")}:
        conn.exec_driver_sql("ALTER TABLE log_messages ADD COLUMN facts TEXT")


register_upgrade("logs", 2, _add_facts_column)

log_deliveries = sa.Table(
    "log_deliveries",
    metadata,
    sa.Column("mkey", sa.String(320), sa.ForeignKey("log_messages.mkey"), primary_key=True),
    sa.Column("recipient", sa.String(512), primary_key=True),
    sa.Column("original_recipient", sa.Text),
    sa.Column("rcpt_domain", sa.String(255)),
    sa.Column("final_state", sa.String(16), nullable=False),
    sa.Column("first_time", sa.Float),
    sa.Column("last_time", sa.Float),
    sa.Column("day", sa.String(10)),  # UTC date of the final state (YYYY-MM-DD)
    sa.Column("status", sa.String(32)),  # status of the deciding attempt, as logged
    sa.Column("reply", sa.Text),
    sa.Column("dsn", sa.String(16)),
    sa.Column("relay_host", sa.String(255)),
    sa.Column("reason", sa.String(40)),
    sa.Column("hard_bounce", sa.Boolean),
    sa.Column("provider", sa.String(40)),
    sa.Column("dsn_queue_id", sa.String(64)),
    sa.Column("remote_queue_id", sa.String(64)),  # "queued as" of the deciding (sent) attempt
    sa.Column("n_attempts", sa.Integer, nullable=False, default=0),
    # the attempts, oldest first, as a compact JSON list of lists in ATTEMPT_FIELDS order
    sa.Column("attempts", sa.Text, nullable=False, default="[]"),
    sa.Index("ix_log_deliveries_rcpt", sa.func.lower(sa.column("recipient"))),
    sa.Index("ix_log_deliveries_rqid", "remote_queue_id"),
)

log_sources = sa.Table(
    "log_sources",
    metadata,
    sa.Column("key", sa.String(128), primary_key=True),  # fingerprint of the file's first bytes
    sa.Column("path", sa.Text, nullable=False),  # JSON of the saved Position
    sa.Column("position", sa.BigInteger, nullable=False, default=0),  # bytes consumed
    sa.Column("line_no", sa.BigInteger, nullable=False, default=0),  # lines consumed
    sa.Column("size", sa.BigInteger),
    sa.Column("complete", sa.Boolean, nullable=False, default=False),
    sa.Column("updated", sa.Float, nullable=False),
)

# The one index of the log tables the writer itself reads with (matching a batch to the stored
# messages by host and queue id); besides the primary keys, it is the only one a bulk load keeps.
WRITER_INDEXES = frozenset({"ix_log_messages_qid"})


def deferrable_indexes() -> list[sa.Index]:
    """The indexes a first, empty-store ingest builds once at the end instead of row by row (each
    insert into an index with random keys touches a random page): every index of the two log
    tables but the primary keys and :data:`WRITER_INDEXES`, also those other store modules add
    to them (``store.activity``, ``store.alerts``: imported by :func:`open_store`). In the order
    writers lock the tables, messages first (on PostgreSQL, building a deliveries index first
    while another first ingest is between its two inserts is a deadlock), by name in each."""
    return [
        ix
        for t in (log_messages, log_deliveries)
        for ix in sorted(t.indexes, key=lambda ix: str(ix.name))
        if ix.name not in WRITER_INDEXES
    ]


# A SQLite store that already holds logs also has the :func:`deferrable_indexes` dropped for an
# ingest, and rebuilt after, when the ingest is expected to add at least this share of the messages
# it holds: kept, each index takes every new row at a random page, which the page cache (CACHE_KIB)
# cannot hold once the store is big. Measured with bench_daily.py into a store holding a 1M-line
# log (151k messages), load 2.4-3.5, CPU-s of the process tree, indexes kept -> rebuilt:
# another 1M lines (share 1.0) 20.6 -> 9.7 (39 -> 11 s wall); 250k lines (0.25) 4.75 -> 3.45;
# 100k lines (0.10) 2.00 -> 2.07 (even). Readers of the store meanwhile search without those
# indexes (slower, same answers).
DEFER_SHARE = 0.15
# The log bytes of one message, to estimate what an ingest adds from the size of its input: the
# generated logs hold one every 800-940 bytes; taken high, so as to defer less rather than more.
MESSAGE_BYTES = 1024


def stored_messages(conn: Connection) -> int:
    """About how many messages the store holds (the highest row id: no scan of the table; rows
    deleted by retention still count)."""
    return int(conn.exec_driver_sql("SELECT max(rowid) FROM log_messages").scalar() or 0)


@contextlib.contextmanager
def deferred_indexes(store: Store, adding_bytes: int = 0) -> Iterator[bool]:
    """On an empty log store, drop the :func:`deferrable_indexes` for a bulk load and rebuild them after
    (also after an interruption; a hard kill is repaired by :func:`open_store`, which recreates
    missing indexes). On SQLite the subject search's triggers are taken off too and its index is
    rebuilt in one pass at the end (:func:`inboxtrace.store.subjects.restore_subject_triggers`;
    also by :func:`open_store` after a hard kill). Yields whether the store was empty.

    ``adding_bytes``: the size of the log the load reads. On a SQLite store that already holds
    logs, the indexes are deferred too when the load is expected to add at least
    :data:`DEFER_SHARE` of the messages stored (one per :data:`MESSAGE_BYTES`); PostgreSQL keeps
    them (concurrent writers there)."""
    from inboxtrace.store.subjects import drop_subject_triggers, restore_subject_triggers

    with store.connect() as conn:
        empty = conn.execute(sa.select(log_messages.c.mkey).limit(1)).first() is None
        big = (
            not empty
            and store.dialect == "sqlite"
            and adding_bytes // MESSAGE_BYTES >= DEFER_SHARE * stored_messages(conn)
        )
    if not (empty or big):
        yield False
        return
    indexes = deferrable_indexes()
    with schema_lock(store), store.begin() as conn:
        for ix in indexes:
            conn.execute(sa.schema.DropIndex(ix, if_exists=True))
        drop_subject_triggers(conn)
    try:
        yield empty
    finally:
        with sorts_in_files(store), schema_lock(store), store.begin() as conn:
            for ix in indexes:  # (if_not_exists: another ingest may be rebuilding them too)
                conn.execute(sa.schema.CreateIndex(ix, if_not_exists=True))
            restore_subject_triggers(conn)


@contextlib.contextmanager
def sorts_in_files(store: Store) -> Iterator[None]:
    """While in the block, the SQLite connections ``store`` hands out keep temporary data in files.

    They keep it in memory otherwise (``temp_store=MEMORY``, right for small temporary tables),
    and so did the sorts a bulk load ends with, of whole tables: building the deferred indexes
    and counting the rollup (``GROUP BY``). Their peak memory grew with the log: +63 MB and
    +104 MB at 5M lines, against +8 MB and +19 MB in files, which also cost less CPU (4.69
    instead of 6.43 CPU-s for the indexes, 3.86 instead of 4.47 for the rollup). Each
    connection's setting is restored when it goes back to the pool."""
    with sqlite_setting(store, "temp_store", "FILE", "MEMORY"):
        yield


@contextlib.contextmanager
def sqlite_setting(store: Store, pragma: str, during: str, after: str) -> Iterator[None]:
    """While in the block, each SQLite connection ``store`` hands out has ``PRAGMA pragma=during``,
    set back to ``after`` (its usual value) when it returns to the pool; nothing on other databases."""
    if store.dialect != "sqlite":
        yield
        return

    def take(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        dbapi_conn.execute(f"PRAGMA {pragma}={during}")

    def back(dbapi_conn: Any, _record: Any) -> None:
        if dbapi_conn is not None:
            dbapi_conn.execute(f"PRAGMA {pragma}={after}")

    with on_checkout(store, take, back):
        yield


def from_epoch(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


class Pending(Protocol):
    """Work on the store a :class:`LogWriter` waits for before its next batch (:attr:`LogWriter.waits_for`)."""

    def done(self) -> bool:
        """Whether it has ended (the writer need not wait)."""
        ...

    def finish(self) -> Iterable[Sequence[PreparedMessage]]:
        """Wait for its end; batches for the writer to write first, in order."""
        ...


class LogWriter:
    """Writes :class:`~inboxtrace.model.Message` records in batches, idempotently.

    ``add()`` buffers; every ``batch_size`` messages (and on ``flush()``/``close()``) one
    transaction writes the batch. Use as a context manager to flush at the end.
    """

    def __init__(self, store: Store, batch_size: int = 2000) -> None:
        self.store = store
        self.batch_size = batch_size
        self.counts = WriteCounts()
        self._buf: list[PreparedMessage] = []
        # Called when a batch is handed over for writing; may return an action that is run with
        # the connection after the batch's rows are written, in the same transaction (ingest
        # saves its resume position there: committed with the rows it covers, or not at all).
        self.on_flush: Callable[[], Callable[[Connection], None] | None] | None = None
        # Called inside each batch's transaction, after its writes, with what it changed (ingest
        # counts it for the overview's rollup: store.rollup.record_batch)
        self.on_write: Callable[[Connection, BatchChanges], None] | None = None
        # Work on the store still running elsewhere that the next batch must come after (a bulk
        # load's copy of a piece, in a thread: store.log_chunks): while it runs, the writer keeps
        # buffering; before it writes, it waits for it (and writes what it hands back)
        self.waits_for: Pending | None = None
        self._rows = RowMaker()
        self._match = BatchMatcher(self._rows.provider_of)
        stmt = store.insert(log_messages)
        self._msg_stmt = stmt.on_conflict_do_update(
            index_elements=["mkey"],
            set_={c.name: stmt.excluded[c.name] for c in log_messages.c if c.name != "mkey"},
        )
        dstmt = store.insert(log_deliveries)
        self._deliv_stmt = dstmt.on_conflict_do_update(
            index_elements=["mkey", "recipient"],
            set_={
                c.name: dstmt.excluded[c.name]
                for c in log_deliveries.c
                if c.name not in ("mkey", "recipient")
            },
        )

    def upserts(self) -> list[tuple[Any, tuple[str, ...]]]:
        """The writer's two statements (a message row's upsert, a delivery row's), each with the
        columns of the rows it takes, in order (a parallel ingest's pieces run the same SQL)."""
        return [(self._msg_stmt, MSG_COLUMNS), (self._deliv_stmt, DELIV_COLUMNS)]

    def __enter__(self) -> LogWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        if exc_type is None:
            self.close()

    def add(self, msg: Message) -> None:
        self.add_prepared(self._rows(msg))

    def add_prepared(self, prepared: PreparedMessage) -> None:
        """Buffer a message already turned into rows by a :class:`RowMaker` (e.g. in a worker)."""
        self._buf.append(prepared)
        if len(self._buf) >= self.batch_size and (self.waits_for is None or self.waits_for.done()):
            self.flush()

    def add_many(self, msgs: Iterable[Message]) -> None:
        for m in msgs:
            self.add(m)

    def flush(self) -> None:
        """Write the buffered messages in one transaction.

        (A background writer thread was measured: with the parser busy in the same process the
        GIL hand-offs made it twice as slow, so writes stay in the caller's thread.)

        With :attr:`waits_for` work, it is waited for first; what was buffered meanwhile is then
        written in batches of ``batch_size``, as it would have been (the resume position goes
        with the last of them: it covers every message handed in so far).
        """
        if self.waits_for is not None:
            pending, self.waits_for = self.waits_for, None
            for redo in pending.finish():
                self.write_batch(redo, last=False)
        while self._buf:
            batch, self._buf = self._buf[: self.batch_size], self._buf[self.batch_size :]
            self.write_batch(batch, last=not self._buf)

    def write_batch(self, batch: Sequence[PreparedMessage], last: bool = True) -> None:
        """Write ``batch`` in one transaction (``last``: with the resume position, see
        :attr:`on_flush`)."""
        if not batch:
            return
        with self.store.begin() as conn:
            msg_rows, deliv_rows = self._prepare(conn, batch)
            checkpoint = self.on_flush() if self.on_flush is not None and last else None
            self.store.bulk(conn, self._msg_stmt, msg_rows, MSG_COLUMNS)
            self.store.bulk(conn, self._deliv_stmt, deliv_rows, DELIV_COLUMNS)
            if self.on_write is not None:
                self.on_write(conn, self._match.changes)
            if checkpoint is not None:
                checkpoint(conn)

    def close(self) -> None:
        """Write what is still buffered."""
        self.flush()

    @property
    def pending(self) -> int:
        """Messages buffered, not yet written."""
        return len(self._buf)

    # -- internals -----------------------------------------------------------------------------

    def _prepare(
        self, conn: Connection, batch: Sequence[PreparedMessage]
    ) -> tuple[list[list[Any]], list[list[Any]]]:
        """The rows to write for ``batch`` (keyed, matched and merged with the stored ones)."""
        self._match.track = self.on_write is not None
        return prepare_batch(
            self._match,
            self.counts,
            batch,
            lambda sql, params: conn.exec_driver_sql(sql, params).fetchall(),
            self.store.in_params,
        )


@db_errors
def write_messages(store: Store, messages: Iterable[Message], batch_size: int = 2000) -> WriteCounts:
    """Store ``messages`` idempotently; returns what was written."""
    from inboxtrace.store.rollup import record_batch

    with LogWriter(store, batch_size) as w:
        w.on_write = record_batch
        w.add_many(messages)
    return w.counts


__all__ = [
    "ATTEMPT_FIELDS",
    "WRITER_INDEXES",
    "BatchChanges",
    "LogWriter",
    "Pending",
    "PreparedMessage",
    "RowMaker",
    "WriteCounts",
    "deferrable_indexes",
    "deferred_indexes",
    "derive_delivery",
    "epoch",
    "from_epoch",
    "log_deliveries",
    "log_messages",
    "log_sources",
    "sorts_in_files",
    "write_messages",
]
