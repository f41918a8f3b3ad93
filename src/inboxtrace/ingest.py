"""The log pipeline: sources → parsers/timelines (:func:`inboxtrace.logs.read_logs`) → store.

:func:`ingest` reads files (plain or compressed, rotated sets oldest first, ``-`` for stdin),
writes every finished :class:`~inboxtrace.model.Message` to the store in batched transactions,
reports progress through a callback (lines, lines/s, ETA) and returns an :class:`IngestSummary`.

Idempotent and resumable: re-reading a file (or an overlapping rotation) adds nothing twice, and
a run interrupted half-way is completed by running it again. A file already read to its end
(same first bytes, same size, recorded in ``log_sources``) is skipped without reading.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from typing import TYPE_CHECKING, Any

from inboxtrace.errors import InputError
from inboxtrace.store.core import Store, db_errors

# Messages written per transaction (``ingest``'s ``batch_size`` when not given), and into a SQLite
# store that already holds logs, with each connection's page cache meanwhile (KiB). A 100k-line
# log into a store holding 1M lines (bench_daily.py's case), two rounds each: 2,000 and 8 MiB (as
# before) 3.62-3.83 s wall, 3.88-3.93 CPU-s, RSS 67 MB; 2,000 and 32 MiB 3.55-3.67 s; 8,000 and
# 32 MiB 2.77-3.26 s, 3.21-3.68 CPU-s, 111 MB; 20,000 and 64 MiB 2.95-3.12 s, 119 MB.
BATCH = 2000
GROWING_BATCH = 8000
GROWING_CACHE_KIB = 32768

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from inboxtrace.sources import Position
    from inboxtrace.timeline.reader import WorkerSink


@dataclass(frozen=True, slots=True)
class Progress:
    """A progress report: lines read so far, bytes of input read (estimated) and the total."""

    lines: int
    messages: int
    bytes_done: int
    bytes_total: int | None
    elapsed: float

    @property
    def lines_per_second(self) -> float:
        return self.lines / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        """Seconds left, when the input size is known."""
        if not self.bytes_total or self.bytes_done <= 0 or self.elapsed <= 0:
            return None
        rate = self.bytes_done / self.elapsed
        return max(0.0, (self.bytes_total - self.bytes_done) / rate)


ProgressCallback = Callable[[Progress], None]


@dataclass(slots=True)
class IngestSummary:
    """What one ingest did. ``to_dict()`` is the ``ingest --json`` object."""

    lines: int = 0
    events: int = 0
    ignored: int = 0
    ignored_by_kind: dict[str, int] = field(default_factory=dict)
    unknown: int = 0
    unknown_samples: list[str] = field(default_factory=list)
    truncated: int = 0
    recoded: int = 0
    messages: int = 0
    new_messages: int = 0
    deliveries: int = 0
    new_deliveries: int = 0
    new_attempts: int = 0
    duration: float = 0.0
    sources: list[str] = field(default_factory=list)
    skipped_sources: list[str] = field(default_factory=list)
    formats: dict[str, int] = field(default_factory=dict)
    store: str = ""
    # inputs whose reading stopped early (truncated .gz/.xz/.bz2, read error), with the cause:
    # what came before the damage is stored
    damaged: list[str] = field(default_factory=list)

    @property
    def lines_per_second(self) -> float:
        return self.lines / self.duration if self.duration > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "lines": self.lines,
            "events": self.events,
            "ignored": self.ignored,
            "ignored_by_kind": dict(self.ignored_by_kind),
            "unknown": self.unknown,
            "unknown_samples": list(self.unknown_samples),
            "truncated": self.truncated,
            "recoded": self.recoded,
            "messages": self.messages,
            "new_messages": self.new_messages,
            "deliveries": self.deliveries,
            "new_deliveries": self.new_deliveries,
            "new_attempts": self.new_attempts,
            "duration": round(self.duration, 3),
            "lines_per_second": round(self.lines_per_second, 1),
            "sources": list(self.sources),
            "skipped_sources": list(self.skipped_sources),
            "formats": dict(self.formats),
            "store": self.store,
            "damaged": list(self.damaged),
        }


@db_errors
def ingest(
    paths: Sequence[str],
    store: Store,
    *,
    format: str | None = None,
    progress: ProgressCallback | None = None,
    progress_interval: float = 0.2,
    batch_size: int | None = None,
    resume: bool = True,
    jobs: int | None = None,
    tz: str | None = None,
    host: str | None = None,
    defer_indexes: bool = True,
    cluster: str | None = None,
) -> IngestSummary:
    """Read ``paths`` (``-`` = stdin) and store their timelines; see the module docstring.

    With ``resume`` (default), a file already read to its end is skipped, and a file whose
    previous read was interrupted (or that has grown since) continues from the saved position.
    ``tz``: the time zone (IANA name) of timestamps that carry none (classic syslog), default UTC;
    ``host``: the host name for logs whose lines carry none (Exim's own main log).
    ``defer_indexes=False``: keep the trace indexes during a first load (when other ingests write
    the same store at the same time, as the pieces of a backfill do).
    ``cluster``: parse the pieces of big plain files there (see :func:`inboxtrace.execution.runner`)
    instead of in local worker processes; this process merges them and writes the rows.
    ``batch_size``: messages per transaction (default :data:`BATCH`, :data:`GROWING_BATCH` into a
    SQLite store that already holds logs).
    """
    from inboxtrace.logs.stats import LogStats
    from inboxtrace.store import rollup
    from inboxtrace.store.checkpoints import FileCheckpoints
    from inboxtrace.store.core import CACHE_KIB
    from inboxtrace.store.log_chunks import ChunkTables
    from inboxtrace.store.logs import LogWriter, RowMaker, deferred_indexes, sqlite_setting
    from inboxtrace.store.piece_writer import PieceWriter
    from inboxtrace.store.wal_checkpoints import CheckpointsAside
    from inboxtrace.timeline import read_logs
    from inboxtrace.workers import relaxed_gc

    zone = _zone(tz)
    started = time.monotonic()
    summary = IngestSummary(store=store.url)
    checkpoints = FileCheckpoints(store)
    _clean_scratch(store)
    todo: list[str] = []
    positions = []
    for p in paths:
        if p != "-" and os.path.isfile(p) and resume:
            state = checkpoints.state(p)
            if state.complete:
                summary.skipped_sources.append(p)
                continue
            if state.position is not None:
                positions.append(state.position)
        todo.append(p)
    stats = LogStats()
    writer = LogWriter(store, batch_size=batch_size or BATCH)
    if not todo:
        summary.duration = time.monotonic() - started
        return summary
    recount = rollup.Recount(store)
    with contextlib.ExitStack() as stack:
        stack.enter_context(recount)  # (left last: stops the count if the indexes fail)
        # a bulk load's last checkpoints, from the end of its read to after its index builds
        aside = stack.enter_context(CheckpointsAside(store))
        adding = _unread_bytes(todo, positions)
        fresh = stack.enter_context(deferred_indexes(store, adding)) if defer_indexes else False
        if fresh:  # no deltas while loading: a load killed half-way is counted from scratch next time
            with store.begin() as conn:
                rollup.forget(conn)
        # the overview's rollup counts what each batch changes; a first load into an empty store
        # (rows copied in bulk by the workers) is counted once at the end instead
        writer.on_write = None if fresh else rollup.record_batch
        if not fresh and store.dialect == "sqlite":
            # into a SQLite store that holds logs, each index takes the new rows at random pages: a
            # transaction rewrites every page it touches, so fewer, bigger ones (with the pages
            # kept in memory meanwhile) write each page fewer times
            if batch_size is None:
                writer.batch_size = GROWING_BATCH
            stack.enter_context(sqlite_setting(store, "cache_size", f"-{GROWING_CACHE_KIB}", f"-{CACHE_KIB}"))
        # the store's rows are made where the messages are assembled (in the parallel workers);
        # into an empty SQLite store the workers also key and write them, each to a file of its
        # own that the parent then copies in (store.log_chunks); on a cluster into PostgreSQL
        # they write them straight into it (store.piece_writer); else the parent keys, matches
        # and writes them
        sink: WorkerSink | None = None
        if cluster is None and fresh and store.dialect == "sqlite":
            sink = stack.enter_context(ChunkTables(writer, checkpoints=aside))
        elif cluster is not None and store.dialect == "postgresql":
            sink = PieceWriter(store.engine.url.render_as_string(hide_password=False), writer)
        stack.enter_context(writer)
        stack.enter_context(relaxed_gc())
        reader = read_logs(
            todo,
            format=format,
            stats=stats,
            positions=positions,
            jobs=jobs,
            tz=zone,
            host=host,
            transform=RowMaker(),
            sink=sink,
            cluster=cluster,
        )

        def position_saver() -> Callable[[Connection], None] | None:
            # everything read so far is in the batch being handed over: with it, a restart may
            # begin at the start of the oldest message still being assembled (saved in the
            # batch's own transaction)
            pos = reader.resume_position()
            return None if pos is None else (lambda conn: checkpoints.save_position(pos, conn))

        writer.on_flush = position_saver
        last_report = started
        per_line = _bytes_per_line(reader.paths)

        def report() -> None:
            if progress is not None:
                done, total = reader.progress
                elapsed = time.monotonic() - started
                # parallel workers report their line counts at the end: estimate from bytes meanwhile
                lines = stats.lines or int(done / per_line)
                progress(Progress(lines, writer.counts.messages, done, total or None, elapsed))

        def tick() -> None:
            nonlocal last_report
            now = time.monotonic()
            if now - last_report >= progress_interval:
                last_report = now
                report()

        if progress is not None:
            reader.on_progress = tick  # the workers' progress, while they keep their rows
        for n, prepared in enumerate(reader, 1):
            writer.add_prepared(prepared)
            if progress is not None and not n & 255:
                tick()
        writer.close()
        if fresh:
            # every row is in: the rollup is counted (in a thread) while the indexes are built
            # (on leaving the block), each a sort of every delivery, on two cores
            recount.start()
    if fresh:
        recount.finish()
    else:
        rollup.refresh(store)
    for p in reader.paths:
        checkpoints.mark_complete(p)
    summary.duration = time.monotonic() - started
    report()
    _fill(summary, stats, writer)
    return summary


@db_errors
def follow(
    path: str,
    store: Store,
    *,
    format: str | None = None,
    should_stop: Callable[[], bool] | None = None,
    on_batch: Callable[[IngestSummary], None] | None = None,
    poll_interval: float = 0.5,
    tz: str | None = None,
    host: str | None = None,
) -> IngestSummary:
    """Tail ``path`` into the store until ``should_stop()`` (or Ctrl-C), resuming where the last
    follow of the same path stopped; survives rotation. Finished messages are written at every
    idle poll, and the position is saved with them. On stop, messages still in flight are stored
    as they stand (deferred recipients ``deferred``), and the position saved is the first line of
    the oldest of them: the next follow reads them again and completes the same rows, so the
    store ends as one ingest of all the lines would have left it."""
    from inboxtrace.logs.stats import LogStats
    from inboxtrace.store import rollup
    from inboxtrace.store.checkpoints import FileCheckpoints
    from inboxtrace.store.logs import LogWriter
    from inboxtrace.timeline import read_logs

    started = time.monotonic()
    summary = IngestSummary(store=store.url)
    checkpoints = FileCheckpoints(store)
    name = os.path.abspath(path)
    saved = checkpoints.load_follow(name)
    stats = LogStats()
    writer = LogWriter(store, batch_size=500)
    writer.on_write = rollup.record_batch
    stop = should_stop or (lambda: False)
    holder: dict[str, Any] = {}

    def position() -> Position | None:
        reader = holder.get("reader")
        return reader.resume_position() if reader is not None else None

    def checkpoint() -> None:
        """Save the position when no rows are pending (idle, stopped): nothing to commit it with."""
        pos = position()
        if pos is not None:
            checkpoints.save_follow(name, pos)

    def with_batch() -> Callable[[Connection], None] | None:
        """The position that covers the batch being written, saved in its transaction."""
        pos = position()
        return None if pos is None else (lambda conn: checkpoints.save_follow(name, pos, conn))

    def idle() -> bool:
        if writer.pending:
            writer.flush()
            if on_batch is not None:
                _fill(summary, stats, writer)
                summary.duration = time.monotonic() - started
                on_batch(summary)
        checkpoint()
        return stop()

    writer.on_flush = with_batch
    reader = read_logs(
        [path],
        format=format,
        stats=stats,
        follow=True,
        positions=[saved] if saved is not None else [],
        should_stop=idle,
        poll_interval=poll_interval,
        tz=_zone(tz),
        host=host,
    )
    holder["reader"] = reader
    try:
        for msg in reader:
            writer.add(msg)
    except KeyboardInterrupt:
        # what is still in flight is stored as it stands (deferred, not yet removed); the saved
        # position stays at its first line, so the next follow reads it again and completes it
        for msg in reader.flush_open():
            writer.add(msg)
    finally:
        writer.on_flush = None
        writer.close()
        checkpoint()
    summary.duration = time.monotonic() - started
    _fill(summary, stats, writer)
    return summary


def _clean_scratch(store: Store) -> None:
    """Remove the scratch folders a killed bulk ingest left beside a SQLite store."""
    from inboxtrace.store.log_chunks import remove_stale_scratch

    database = store.sqlite_file
    if database is not None:
        remove_stale_scratch(os.path.dirname(os.path.abspath(database)))


def _zone(name: str | None) -> tzinfo:
    """The zone called ``name`` (``UTC`` when None); an unknown name is an input error."""
    if not name or name.upper() == "UTC":
        return UTC
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"unknown time zone {name!r} (use an IANA name like Europe/Berlin)") from None


def _unread_bytes(paths: Sequence[str], positions: Sequence[Position]) -> int:
    """The bytes of ``paths`` still to read (plain files; stdin and compressed ones count by their
    size on disk, or nothing), less what earlier reads saved ``positions`` for."""
    total = 0
    for p in paths:
        if p != "-":
            with contextlib.suppress(OSError):
                total += os.path.getsize(p)
    done = sum(pos.offset for pos in positions)
    return max(0, total - done)


def _bytes_per_line(paths: Sequence[str]) -> float:
    """Average line length of the first plain input (from its first 64 KiB), for progress estimates."""
    for p in paths:
        try:
            with open(p, "rb") as f:
                head = f.read(1 << 16)
        except OSError:
            continue
        if head[:2] == b"\x1f\x8b" or head[:3] == b"BZh" or head[:6] == b"\xfd7zXZ\x00":
            continue
        if head.count(b"\n"):
            return len(head) / head.count(b"\n")
    return 150.0


def _fill(summary: IngestSummary, stats: Any, writer: Any) -> None:
    d = stats.to_dict()
    summary.lines = int(d.get("lines", 0))
    summary.events = int(d.get("events", 0))
    summary.ignored = int(d.get("ignored", 0))
    summary.ignored_by_kind = dict(d.get("ignored_by_kind", {}))
    summary.unknown = int(d.get("unknown", 0))
    summary.unknown_samples = list(d.get("unknown_samples", []))
    summary.truncated = int(d.get("truncated", 0))
    summary.recoded = int(d.get("recoded", 0))
    summary.formats = dict(d.get("formats", {}))
    summary.sources = list(d.get("sources", [])) or summary.sources
    summary.damaged = list(d.get("damaged", []))
    c = writer.counts
    summary.messages = c.messages
    summary.new_messages = c.new_messages
    summary.deliveries = c.deliveries
    summary.new_deliveries = c.new_deliveries
    summary.new_attempts = c.attempts


__all__ = ["IngestSummary", "Progress", "ProgressCallback", "follow", "ingest"]
