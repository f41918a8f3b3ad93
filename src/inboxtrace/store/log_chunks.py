"""Bulk load of a first ingest into an empty SQLite store: each parallel worker writes its rows.

A parallel read (:func:`inboxtrace.timeline.read_logs` with a ``sink``) cuts a big log into one
piece per core. Without a sink every worker sends its rows to the parent, which keys, matches and
writes them one batch at a time: that serial work (and the marshalling) bounds the speed. With
:class:`ChunkTables` as the sink each worker does what :class:`~inboxtrace.store.logs.LogWriter`
does on a SQLite file of its own (same tables, no index but the writer's own; the stdlib
``sqlite3`` in a worker started fresh, that never loads SQLAlchemy: :mod:`inboxtrace.store.piece_file`),
so keying, matching and ``executemany`` run in parallel, while the parent reads the first piece
straight into the store;
the parent then copies each file into the store with ``INSERT ... SELECT`` (in SQLite's C code,
no Python per row), in input order, as soon as it is done: in a thread, while the parent makes the
messages cut by the pieces' boundaries (its writer waits for the copy before it writes them).
Only what one worker could not know
goes through the parent's writer, like any other batch:

- messages of a piece whose (host, queue id) is already in the store from an earlier piece (a
  queue id reused, or a message idle-flushed in one piece and continued in the next): matched
  and merged exactly as a serial ingest would;
- never-queued rejections whose natural key (time, line digest, repeat number in its file) is
  already taken: the same event (another ingest at the same time, an overlapping rotation), not copied.

The messages cut by a piece boundary are then written by the parent's writer too (the reader
yields them after :meth:`ChunkTables.merge`). Only for SQLite stores whose log tables are empty:
anything else (PostgreSQL, a resumed or repeated ingest) keeps the one-writer path.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
from typing import Any

import sqlalchemy as sa

from inboxtrace.store.core import CACHE_KIB, PAGE_SIZE
from inboxtrace.store.log_rows import DELIV_COLUMNS, MSG_COLUMNS
from inboxtrace.store.logs import (
    LogWriter,
    PreparedMessage,
    WriteCounts,
    deferrable_indexes,
    log_deliveries,
    log_messages,
    sqlite_setting,
)
from inboxtrace.store.piece_file import PieceFile, PieceFiles, PieceSchema
from inboxtrace.store.wal_checkpoints import CheckpointsAside

_CACHE_KIB = 2048  # the store's page cache while the parent reads its own piece (a worker's size)
# A worker's piece file: its page cache and its batches, smaller than the store's (the rows and the
# counts are the same at any batch size). On the second half of a 1M-line log, measured in a worker
# alone: peak RSS 51-52 MB instead of 53 (2 MiB, 2000), the same CPU-s (2.4-2.5).
_PIECE_CACHE_KIB = 1024
PIECE_BATCH = 500
_MSG_COLS = ", ".join(MSG_COLUMNS)
_DELIV_COLS = ", ".join(DELIV_COLUMNS)


def piece_schema(writer: LogWriter) -> PieceSchema:
    """The SQL of the workers' pieces (:class:`~inboxtrace.store.piece_file.PieceSchema`), rendered
    from the store's own definitions by SQLAlchemy here, in the parent: a scratch file (no journal,
    no syncing, a small page cache: RSS; nothing to recover) with the two log tables as the store
    has them and only the index the writer reads with (no deferred index, no subject search), and
    the writer's own two upserts."""
    dialect = writer.store.engine.dialect
    setup = [
        f"PRAGMA page_size={PAGE_SIZE}",
        "PRAGMA journal_mode=OFF",
        "PRAGMA synchronous=OFF",
        f"PRAGMA cache_size=-{_PIECE_CACHE_KIB}",
        "PRAGMA temp_store=MEMORY",
    ]
    tables = (log_messages, log_deliveries)
    setup += [str(sa.schema.CreateTable(t).compile(dialect=dialect)).strip() for t in tables]
    deferred = {ix.name for ix in deferrable_indexes()}
    setup += [
        str(sa.schema.CreateIndex(ix).compile(dialect=dialect))
        for t in tables
        for ix in sorted(t.indexes, key=lambda ix: str(ix.name))
        if ix.name not in deferred
    ]
    inserts = []
    for stmt, columns in writer.upserts():
        compiled = stmt.compile(dialect=dialect, column_keys=list(columns))
        # (the rows are lists in the columns' order: the statement must take them in that order)
        assert compiled.positional and tuple(compiled.positiontup or ()) == columns, compiled.string
        inserts.append(compiled.string)
    return PieceSchema(tuple(setup), *inserts)


class _Direct:
    """The first piece, read by the parent itself: written straight into the store by the
    parent's writer (it comes first in input order: exactly what one pass does; no copy)."""

    def __init__(self, writer: LogWriter, setting: contextlib.ExitStack) -> None:
        self.writer = writer
        self.setting = setting  # what this piece sets on the store's connections while it is read

    def add(self, item: PreparedMessage) -> None:
        self.writer.add_prepared(item)

    def close(self) -> None:
        self.writer.flush()
        self.setting.close()


_SCRATCH = ".inboxtrace-ingest."


def remove_stale_scratch(directory: str | None) -> list[str]:
    """Remove the scratch folders (``.inboxtrace-ingest.<pid>.*``) in ``directory`` whose ingest is
    no longer running (killed before it could clean up); returns what was removed. A folder of a
    live process, or one whose owner cannot be told, is left alone."""
    removed: list[str] = []
    try:
        names = os.listdir(directory or tempfile.gettempdir())
    except OSError:
        return removed
    for name in names:
        if not name.startswith(_SCRATCH):
            continue
        pid = name[len(_SCRATCH) :].split(".", 1)[0]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        path = os.path.join(directory or tempfile.gettempdir(), name)
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    return True


class ChunkTables:
    """The :class:`~inboxtrace.timeline.reader.WorkerSink` of a bulk ingest (module docstring).

    ``writer`` is the parent's writer on the (empty) store: it takes what the pieces could not
    decide, and its ``counts`` receive the pieces' counts. Use as a context manager: the scratch
    files (in ``directory``, default: next to the store's file) are removed on exit.
    """

    def __init__(
        self, writer: LogWriter, directory: str | None = None, checkpoints: CheckpointsAside | None = None
    ) -> None:
        self.writer = writer
        self.store = writer.store
        self.checkpoints = checkpoints  # begun when the pieces are merged (the read has ended)
        if directory is None:
            database = self.store.sqlite_file
            if database is not None:
                directory = os.path.dirname(os.path.abspath(database))
        remove_stale_scratch(directory)
        # the owner's pid in the name: a later run removes what a killed one left (see below)
        self.directory = tempfile.mkdtemp(prefix=f"{_SCRATCH}{os.getpid()}.", dir=directory)
        self.merged = 0  # pieces handed over
        self._pid = os.getpid()
        self._small_cache = contextlib.ExitStack()
        self.pieces = PieceFiles(self.directory, min(writer.batch_size, PIECE_BATCH), piece_schema(writer))

    def __enter__(self) -> ChunkTables:
        return self

    def __exit__(self, *exc: object) -> None:
        copying = self.writer.waits_for
        if isinstance(copying, _Copy):  # (left on an error: stopped, nothing of it committed)
            self.writer.waits_for = None
            copying.cancel()
        self._small_cache.close()
        shutil.rmtree(self.directory, ignore_errors=True)

    # -- where a piece is read ---------------------------------------------------------------------
    def open(self, index: int) -> PieceFile | _Direct:
        if index == 0 and os.getpid() == self._pid and self.merged == 0:
            # read here while the workers forked from this process read the next pieces: with a
            # page cache as small as theirs (the tree's peak at 1M lines: -7 MB RSS)
            self._small_cache.enter_context(
                sqlite_setting(self.store, "cache_size", f"-{_CACHE_KIB}", f"-{CACHE_KIB}")
            )
            return _Direct(self.writer, self._small_cache)
        return self.pieces.open(index)

    # -- what a worker gets --------------------------------------------------------------------------
    fresh_workers = True  # its pieces need nothing this process loaded: workers started fresh

    def __reduce__(self) -> tuple[Any, ...]:
        """A worker started fresh gets the workers' side only (:class:`PieceFiles`: no store, no
        SQLAlchemy to import), which opens the pieces it reads."""
        return PieceFiles, (self.pieces.directory, self.pieces.batch_size, self.pieces.schema)

    # -- in the parent ----------------------------------------------------------------------------
    def merge(self, results: list[Any]) -> None:
        """Copy every piece into the store, in input order (see the module docstring).

        A piece's copy runs in a thread of its own (:class:`_Copy`; its SQL runs in SQLite's C
        code, without the GIL), while this thread goes on making the messages cut by the pieces'
        boundaries: the writer buffers them and waits for the copy before its next batch
        (:attr:`~inboxtrace.store.logs.LogWriter.waits_for`), and before the next piece's copy.
        From the first merge on (the read has ended) the WAL is checkpointed by ``checkpoints``'
        thread (:class:`~inboxtrace.store.wal_checkpoints.CheckpointsAside`), not in the commits of
        the copies, the last batches and the index builds."""
        self.writer.flush()
        if self.checkpoints is not None:
            self.checkpoints.begin()
        for result in results:
            self.merged += 1
            if result is None:  # written straight into the store
                continue
            self.writer.flush()  # (the copy before it, and what it handed back)
            path, counts = result
            self.writer.waits_for = _Copy(self, path, WriteCounts(*counts))

    def _copy(self, path: str, counts: WriteCounts, copying: _Copy) -> list[PreparedMessage]:
        """Copy one piece; return the messages the parent's writer must match and merge (their
        counts taken out of ``counts``: the writer counts them again).

        Its statement journal (the pages an ``INSERT ... SELECT`` changes, kept to undo that
        statement alone) is temporary data, which the store's connections keep in memory: +180 MB
        at 5M lines, growing with the log. It is kept in a file here (as in
        :func:`~inboxtrace.store.logs.sorts_in_files`): +14 MB."""
        redo: list[PreparedMessage] = []
        with self.store.connect() as conn:
            copying.conn = conn.connection.dbapi_connection
            # the pieces' rows are consistent by construction (each delivery's message is in the
            # same piece): no foreign-key lookup per row while copying
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.exec_driver_sql("PRAGMA temp_store=FILE")
            conn.exec_driver_sql("ATTACH DATABASE ? AS piece", (path,))
            try:
                # the write lock before looking at what the store has: another ingest running at
                # the same time cannot commit rows between the check and the copy
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                empty = conn.exec_driver_sql("SELECT 1 FROM main.log_messages LIMIT 1").first() is None
                skip: set[str] = set()
                if not empty:
                    skip, redo = self._conflicts(conn, counts)
                where = ""
                if skip:
                    conn.exec_driver_sql("CREATE TEMP TABLE IF NOT EXISTS piece_skip (mkey TEXT PRIMARY KEY)")
                    conn.exec_driver_sql("DELETE FROM temp.piece_skip")
                    conn.exec_driver_sql(
                        "INSERT INTO temp.piece_skip VALUES (?)", [(k,) for k in sorted(skip)]
                    )
                    where = " WHERE mkey NOT IN (SELECT mkey FROM temp.piece_skip)"
                conn.exec_driver_sql(
                    f"INSERT INTO main.log_messages ({_MSG_COLS}) SELECT {_MSG_COLS} FROM piece.log_messages{where}"
                )
                conn.exec_driver_sql(
                    f"INSERT INTO main.log_deliveries ({_DELIV_COLS}) "
                    f"SELECT {_DELIV_COLS} FROM piece.log_deliveries{where}"
                )
                conn.commit()
            finally:
                copying.conn = None
                conn.rollback()
                conn.exec_driver_sql("DETACH DATABASE piece")
                conn.exec_driver_sql("PRAGMA temp_store=MEMORY")
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        return redo

    def _conflicts(self, conn: Any, counts: WriteCounts) -> tuple[set[str], list[PreparedMessage]]:
        """Rows of the piece the store already has a say on: (keys not to copy, messages to redo).
        Never-queued rejections whose key is taken are the same event: not copied."""
        skip: set[str] = set()
        # 1. messages whose (host, queue id) the store has: the parent's writer matches them
        keys = [
            k
            for (k,) in conn.exec_driver_sql(
                "SELECT p.mkey FROM piece.log_messages p WHERE instr(p.mkey, '|NOQUEUE|') = 0 AND "
                "EXISTS (SELECT 1 FROM main.log_messages m WHERE m.queue_id = p.queue_id AND m.host = p.host) "
                "ORDER BY p.rowid"
            )
        ]
        redo: list[PreparedMessage] = []
        n_attempts = DELIV_COLUMNS.index("n_attempts")
        for key in keys:
            # rows as a worker prepared them: lists in column order, the key not yet given
            mrow = [
                "",
                *conn.exec_driver_sql(
                    f"SELECT {_MSG_COLS} FROM piece.log_messages WHERE mkey = ?", (key,)
                ).one()[1:],
            ]
            drows = [
                ["", *r[1:]]
                for r in conn.exec_driver_sql(
                    f"SELECT {_DELIV_COLS} FROM piece.log_deliveries WHERE mkey = ? ORDER BY rowid", (key,)
                )
            ]
            counts.messages -= 1
            counts.new_messages -= 1
            counts.deliveries -= len(drows)
            counts.new_deliveries -= len(drows)
            counts.attempts -= sum(d[n_attempts] for d in drows)
            redo.append((mrow, None, drows))
            skip.add(key)
        # 2. never-queued rejections whose natural key is taken: the same event, stored by an
        # ingest running at the same time or read from another file of an overlapping rotation
        # (a parallel read never cuts one second's lines apart, so no repeat is cut off)
        taken = [
            k
            for (k,) in conn.exec_driver_sql(
                "SELECT p.mkey FROM piece.log_messages p WHERE instr(p.mkey, '|NOQUEUE|') > 0 AND "
                "EXISTS (SELECT 1 FROM main.log_messages m WHERE m.mkey = p.mkey)"
            )
        ]
        for key in taken:  # read, not new: counted as a re-read would count them
            n = conn.exec_driver_sql(
                "SELECT count(*) FROM piece.log_deliveries WHERE mkey = ?", (key,)
            ).scalar_one()
            counts.new_messages -= 1
            counts.new_deliveries -= n
        skip.update(taken)
        return skip, redo


class _Copy:
    """The copy of one piece into the store (:meth:`ChunkTables._copy`), in a thread of its own:
    the writer's :class:`~inboxtrace.store.logs.Pending`."""

    def __init__(self, tables: ChunkTables, path: str, counts: WriteCounts) -> None:
        self.tables = tables
        self.path = path
        self.counts = counts
        self.conn: Any = None  # its DB-API connection while it copies (to interrupt it)
        self._redo: list[PreparedMessage] = []
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="piece-copy", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._redo = self.tables._copy(self.path, self.counts, self)
        except BaseException as exc:  # raised by finish()
            self._error = exc

    def done(self) -> bool:
        return not self._thread.is_alive()

    def finish(self) -> list[list[PreparedMessage]]:
        """Wait for the copy; its counts go to the writer's, and the messages it left to the
        writer come back in batches of the writer's size (as it would have taken them)."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        self.tables.writer.counts.add(self.counts)
        os.unlink(self.path)
        size = self.tables.writer.batch_size
        return [self._redo[i : i + size] for i in range(0, len(self._redo), size)]

    def cancel(self) -> None:
        """Stop the copy (an error elsewhere): its transaction is rolled back."""
        conn = self.conn
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.interrupt()
        self._thread.join()


__all__ = ["ChunkTables", "remove_stale_scratch"]
