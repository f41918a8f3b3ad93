"""A parallel ingest's scratch pieces, written with the stdlib ``sqlite3``: no SQLAlchemy loaded.

In a bulk ingest (:mod:`inboxtrace.store.log_chunks`) each worker keys, matches and writes the rows
of its piece of the log into a SQLite file of its own, which the parent then copies into the store.
The worker does what :class:`~inboxtrace.store.logs.LogWriter` does, batch by batch (the same
:func:`~inboxtrace.store.log_batch.prepare_batch`, the same ``INSERT ... ON CONFLICT``), on a plain
``sqlite3`` connection: so it runs in a process that never imported SQLAlchemy (~20 MB, counted
once more in every worker's RSS, and its import time), started fresh rather than forked from the
parent that holds the store.

What SQL the pieces run is decided in the parent, from the store's own table definitions
(:class:`PieceSchema`, rendered by SQLAlchemy there): the pieces cannot drift from the store's
schema. :class:`PieceFiles` is what travels to the workers (pickled: the schema, the folder and
the batch size only).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Sequence
from dataclasses import astuple, dataclass
from typing import Any

from inboxtrace.store.log_batch import WriteCounts, prepare_batch, sqlite_in_params
from inboxtrace.store.log_match import BatchMatcher
from inboxtrace.store.log_rows import PreparedMessage, RowMaker
from inboxtrace.store.sqlite_binding import executemany, use_fast_binding


@dataclass(frozen=True, slots=True)
class PieceSchema:
    """How a piece file is made and written, as SQL: ``setup`` (its settings, then its tables and
    indexes) and the two upserts of the store's log writer, each taking a row in the order of
    :data:`~inboxtrace.store.log_rows.MSG_COLUMNS` (``DELIV_COLUMNS``)."""

    setup: tuple[str, ...]
    insert_message: str
    insert_delivery: str


class PieceFiles:
    """The workers' side of a bulk ingest's :class:`~inboxtrace.store.log_chunks.ChunkTables`:
    piece ``index`` is written to ``piece<index>.db`` in ``directory``."""

    def __init__(self, directory: str, batch_size: int, schema: PieceSchema) -> None:
        self.directory = directory
        self.batch_size = batch_size
        self.schema = schema

    def open(self, index: int) -> PieceFile:
        return PieceFile(os.path.join(self.directory, f"piece{index}.db"), self.batch_size, self.schema)


class PieceFile:
    """One worker's piece: the messages added are written in batches of ``batch_size``, as the
    store's log writer writes them (keyed, matched against what the piece already holds, merged)."""

    def __init__(self, path: str, batch_size: int, schema: PieceSchema) -> None:
        self.path = path
        self.batch_size = batch_size
        self.schema = schema
        self.counts = WriteCounts()
        self._buf: list[PreparedMessage] = []
        self._match = BatchMatcher(RowMaker().provider_of)
        # autocommit: each batch is one explicit transaction, as the store's writer makes it. Few
        # statements kept prepared: each batch's look-ups have another number of values (another
        # statement each time), and 128 of them (the default) held 2-2.5 MB of a worker's RSS;
        # the upserts, run every batch, stay prepared (the same CPU-s)
        use_fast_binding()
        self._conn = sqlite3.connect(path, isolation_level=None, cached_statements=8)
        for statement in schema.setup:
            self._conn.execute(statement)

    def add(self, item: PreparedMessage) -> None:
        self._buf.append(item)
        if len(self._buf) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        """Write the buffered messages in one transaction."""
        if not self._buf:
            return
        batch, self._buf = self._buf, []
        conn = self._conn
        conn.execute("BEGIN")
        try:
            msg_rows, deliv_rows = prepare_batch(
                self._match, self.counts, batch, self._query, sqlite_in_params
            )
            executemany(conn, self.schema.insert_message, msg_rows)
            executemany(conn, self.schema.insert_delivery, deliv_rows)
        except BaseException:
            with contextlib.suppress(sqlite3.Error):  # (an error may have ended it already)
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def close(self) -> tuple[str, tuple[int, ...]]:
        """Write what is left; the file and its counts (for the parent's copy)."""
        try:
            self.flush()
        finally:
            self._conn.close()
        return self.path, astuple(self.counts)

    def _query(self, sql: str, params: Sequence[Any]) -> list[Any]:
        return self._conn.execute(sql, params).fetchall()


__all__ = ["PieceFile", "PieceFiles", "PieceSchema"]
