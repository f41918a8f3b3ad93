"""Pieces of a big log written by the workers that read them, straight into a shared store.

When a backfill cuts a huge plain file into pieces parsed on a cluster
(:class:`~inboxtrace.timeline.reader.LogReader` ``cluster=``), sending every row back to one
process that writes them all makes that process the bottleneck. :class:`PieceWriter` is the
reader's :class:`~inboxtrace.timeline.reader.WorkerSink` for a store every worker can reach
(PostgreSQL): the worker that reads a piece writes the messages that end inside it with a
:class:`~inboxtrace.store.logs.LogWriter` of its own, and hands back only its counts; the
messages cut by piece boundaries still come to the backfilling process, which merges and writes
them (with the rows the pieces wrote already in the store, matched as any later part of a
message is). The pieces' messages are distinct (a message that ends in a piece and began in an
earlier one is a cut message), so concurrent pieces never write the same row.

The pieces' writers count what they change into the overview's rollup as the backfilling
writer does (:func:`inboxtrace.store.rollup.counting`), unless that one does not (a first load,
counted once at the end). A :class:`PieceWriter` travels to the workers as its store URL and that
choice only (``portable``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from inboxtrace.store.logs import LogWriter, PreparedMessage, WriteCounts


class PieceWriter:
    """The sink of a cluster read into the store at ``url`` (module docstring); ``writer`` is the
    backfilling process's writer, whose counts receive the pieces' counts."""

    portable = True  # sent to other processes or machines, where it is rebuilt from the URL

    def __init__(self, url: str, writer: LogWriter | None = None) -> None:
        self.url = url
        self.writer = writer
        self.counting = writer is not None and writer.on_write is not None

    def __getstate__(self) -> dict[str, Any]:
        return {"url": self.url, "counting": self.counting}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.url = state["url"]
        self.counting = state["counting"]
        self.writer = None

    def open(self, index: int) -> _Piece:
        """Where piece ``index`` is read: a writer of its own on the store."""
        return _Piece(self.url, self.counting)

    def merge(self, results: list[Any]) -> None:
        """Add the pieces' counts to the backfilling writer's."""
        if self.writer is None:
            return
        for result in results:
            self.writer.counts.add(WriteCounts(*result))


class _Piece:
    def __init__(self, url: str, counting: bool) -> None:
        from inboxtrace.store import rollup
        from inboxtrace.store.core import open_store

        self.store = open_store(url)
        self.writer = LogWriter(self.store)
        if counting:
            self.writer.on_write = rollup.record_batch

    def add(self, item: PreparedMessage) -> None:
        self.writer.add_prepared(item)

    def close(self) -> tuple[int, ...]:
        """Write what is left; the piece's counts."""
        try:
            self.writer.close()
        finally:
            self.store.close()
        return dataclasses.astuple(self.writer.counts)


__all__ = ["PieceWriter"]
