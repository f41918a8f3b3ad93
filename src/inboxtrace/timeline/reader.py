"""``read_logs``: MTA log files in, :class:`~inboxtrace.model.Message` timelines out.

Big plain files are cut into pieces at line boundaries and parsed as tasks of
:mod:`inboxtrace.execution`: local processes forked from this one (one per core by default), or
the workers of a Dask cluster (``cluster=``, for backfills). Either way a piece gives the same
partial result (:func:`parse_piece`), and the pieces of messages that straddle a cut are merged
per (host, queue id) here, by one merge. Compressed files are parsed whole, each one a piece.
Small inputs, stdin and ``follow`` are parsed in-process.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import io
import itertools
import lzma
import marshal
import os
import pickle
import stat
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol, cast

from inboxtrace import native
from inboxtrace.errors import InputError
from inboxtrace.logs.clock import Clock
from inboxtrace.logs.registry import LogParser, all_parsers, parser_named
from inboxtrace.logs.scanner import FAST, Scanner
from inboxtrace.logs.stats import LogStats
from inboxtrace.model.log import Message
from inboxtrace.model.reply import Verdict
from inboxtrace.sources import (
    FileIdentity,
    Position,
    identify,
    iter_blocks,
    open_binary,
    order_rotated,
    same_file,
)
from inboxtrace.sources import (
    follow as follow_file,
)
from inboxtrace.timeline.assembler import Assembler
from inboxtrace.timeline.records import (
    Builder,
    MessageRec,
    verdict_from_tuple,
    verdict_to_tuple,
)
from inboxtrace.timeline.tails import (
    Carry,
    Packed,
    continues,
    merge,
    pack_open,
    pack_partials,
    pack_state,
    renumber,
    unpack_state,
    unpacked,
)
from inboxtrace.timeline.verdicts import Classifier
from inboxtrace.workers import GC_THRESHOLDS, relaxed_gc

if TYPE_CHECKING:
    from inboxtrace.execution import Runner

PARALLEL_MIN_BYTES = 8 << 20  # below this a file is parsed in-process
# The first piece of one big file read into messages, which the reading process takes itself
# while it also makes the messages of every other piece, relative to a worker's piece: the two
# ends then take about as long. Chosen by wall time on a quiet 2-core machine (load 1, 1M-line
# generated logs, two runs each): 0.3 -> 1.14-1.15 s (classic) and 1.28-1.31 s (RFC 3339), 0.5 ->
# 1.00-1.06 / 1.16, 0.6 -> 0.96-0.97 / 1.03-1.06, 0.7 -> 1.11-1.12 (RFC 3339). (Measured under
# load 5-10, where the reader gets less than its core, 0.25-0.3 had looked even.) With a caller
# that reads every delivery and attempt (bench_logs.py's parse only): 0.3 -> 1.20-1.23 / 1.41-1.45 s,
# 0.6 -> 1.20-1.22 / 1.23-1.34 s.
PARENT_SHARE = 0.6
# The first piece a process reads itself straight into a sink (a bulk load: into the store, where a
# worker writes a file of its own), relative to a worker's piece. Measured on a 1M-line log into a
# new SQLite store, three runs each: at 1.0 the worker's piece was done 0.40-0.55 s before this
# process's (idle while this one read on), at 0.85 from 0.21 s before to 0.40 s after, at 0.75 up
# to 1.2 s after.
SINK_PARENT_SHARE = 0.85
# In a bulk load the workers' pieces are copied into the store one after another once the first
# piece (this process's) is in, while nothing else runs: ~0.8 s for the worker's half of a 1M-line
# log. A big file therefore gets one more piece at its end, this share of each worker's piece (the
# first worker done takes it): a piece is copied in while a worker reads that last one, and
# only the small last copy is left at the end. The copy runs ~6x as fast as a worker reads the same
# part of the log, hence 1/6. Measured on a 1M-line log into a new SQLite store, three runs each
# alternating: the last copy ended at 7.61-8.28 s, the load at 10.05-10.72 s without it; at
# 7.54-8.03 and 10.00-10.27 s with it.
SINK_TAIL_SHARE = 0.17
# ... for a file whose workers' pieces would be at least this big (the extra piece costs its
# worker a count of the lines before it, and one more boundary to merge)
SINK_TAIL_MIN_BYTES = 16 << 20
PIECES_PER_WORKER = 2  # pieces of each big file per cluster worker (``cluster``): keeps all busy
# bytes read at a time: a block's bytes, text and lines (~6x its size) are alive at once in each
# process; 1 MiB blocks cost ~5 MB more per process than these, for no measurable speed
BLOCK_SIZE = 1 << 18
_DEFAULT_IDLE = 7 * 86400.0


@dataclass
class _Unit:
    """A piece of input for one worker: a byte range of a plain file, or a whole compressed file."""

    index: int
    path: str
    start: int
    end: int | None
    compressed: bool
    size: int
    # lines of the file before ``start``: counted by the reader as it hands pieces out, or (-1)
    # where the piece is read, by the worker that reads it
    line: int = 0
    local: bool = False  # read by the process that consumes its payloads (records handed over as they are)
    # (a local piece) the consumer's clock of ``path``, which its assembler then shares
    clock: Clock | None = None


@dataclass
class _Records:
    """A block's finished message records from a piece read in the consuming process itself: what
    a ``b"M"`` payload carries, without its :mod:`marshal` round trip (the verdicts as objects)."""

    records: list[MessageRec]
    done: int
    verdicts: list[Verdict]


@dataclass
class _Tail:
    """The end of a piece read in the consuming process itself: what a ``b"P"`` payload carries,
    without its :mod:`pickle` round trip (its unfinished messages packed one by one, as a worker
    packs them)."""

    stats: LogStats
    opened: list[Packed]
    partials: list[bytes]
    verdicts: list[Verdict]
    result: Any


def _compressed(path: str) -> bool:
    from inboxtrace.sources import sniff_compression

    with open(path, "rb") as f:
        return sniff_compression(f.read(8)) is not None


def _first_timestamp(path: str) -> datetime | None:
    from inboxtrace.logs.envelope import first_timestamp

    return first_timestamp(path)


def order_inputs(paths: list[str]) -> list[str]:
    """Oldest first: rotation order for one rotated set, else by each file's first timestamp."""
    ordered = order_rotated(paths)
    if ordered != list(paths) or len(paths) < 2:
        return ordered
    keyed = [(_first_timestamp(p), i, p) for i, p in enumerate(paths)]
    if all(k[0] is not None for k in keyed):
        keyed.sort(key=lambda k: (k[0], k[1]))
        return [k[2] for k in keyed]
    return list(paths)


_STAMP = 15  # "Mar 14 00:01:00", or the head of "2025-03-14T00:01:00...": shared by one second's lines


def _second_boundary(f: BinaryIO, limit: int = 1 << 20) -> int:
    """From the start of a line, the offset of the first later line whose timestamp differs
    (within ``limit`` bytes; else where it started): a parallel read cuts there, so that the
    identical lines of one second (repeated rejections, numbered by occurrence) are all counted
    by one worker."""
    start = f.tell()
    head = None
    while f.tell() - start < limit:
        at = f.tell()
        line = f.readline()
        if not line:
            return at
        if head is None:
            head = line[:_STAMP]
        elif line[:_STAMP] != head:
            return at
    return start


# What reading a damaged input raises: a truncated or corrupt .gz (EOFError, BadGzipFile, zlib.error),
# .xz (LZMAError, EOFError), .bz2 (OSError, EOFError), or a read error of the disk (OSError).
_DAMAGE = (EOFError, OSError, lzma.LZMAError, zlib.error)


@contextlib.contextmanager
def _damage(path: str, stats: LogStats) -> Iterator[None]:
    """Stop reading ``path`` at damage, keeping what came before it: the file and the cause go to
    ``stats.damaged`` (the caller stores what was read and says so), never a traceback."""
    lines = stats.lines
    try:
        yield
    except _DAMAGE as exc:
        cause = str(exc) or type(exc).__name__
        if isinstance(exc, EOFError) or "end-of-stream" in cause or "truncated" in cause.lower():
            what = "truncated"
        else:
            what = "unreadable after this point"
        stats.damaged.append(f"{path}: {what} ({cause}); read {stats.lines - lines:,} lines before it")


def _count_newlines(path: str, upto: int, start: int = 0) -> int:
    """Newlines in bytes ``start`` to ``upto`` of ``path`` (compiled, counted by ``memchr``: a
    worker counts those before its piece before it starts, ~45 MB for the second of two pieces
    of 1M lines)."""
    n = 0
    buf = bytearray(1 << 20)  # one reused buffer: no big allocation left behind in the heap
    view = memoryview(buf)
    fast = native.extension(FAST)
    with open(path, "rb", buffering=0) as f:
        f.seek(start)
        left = upto - start
        while left > 0:
            got = f.readinto(view[: min(left, len(buf))])
            if not got:
                break
            n += fast.count_newlines(view[:got]) if fast is not None else buf.count(b"\n", 0, got)
            left -= got
    return n


@dataclass
class _Options:
    format: str | None
    idle_seconds: float | None
    default_host: str
    tz: tzinfo
    classify: Classifier | None
    transform: Callable[[Message], Any] | None = None
    sink: WorkerSink | None = None


def _make(opts: _Options, orphans_partial: bool, stats: LogStats) -> tuple[Scanner, Assembler]:
    parsers: list[LogParser] = all_parsers()
    forced = parser_named(opts.format) if opts.format and opts.format != "auto" else None
    asm = Assembler(classify=opts.classify, idle_seconds=opts.idle_seconds, orphans_partial=orphans_partial)
    scanner = Scanner(parsers, asm, stats, forced=forced, default_host=opts.default_host)
    return scanner, asm


def _reference_date(path: str | None, tz: tzinfo) -> datetime:
    if path is not None:
        try:
            return datetime.fromtimestamp(os.stat(path).st_mtime, tz)
        except OSError:
            pass
    return datetime.now(tz)


def _work(unit: _Unit, opts: _Options) -> Iterator[bytes | _Records | _Tail]:
    """Parse one unit: the payloads for the parent (finished messages, block by block, then the
    unfinished pieces)."""
    stats = LogStats()
    scanner, asm = _make(opts, unit.index > 0 and not unit.compressed, stats)
    asm.source = unit.path
    clock = unit.clock
    asm.clock = clock if clock is not None else Clock(_reference_date(unit.path, opts.tz).date(), opts.tz)
    base = unit.line if unit.line >= 0 else _count_newlines(unit.path, unit.start)
    sent_verdicts = 0
    transform = opts.transform
    # a transform may offer ``from_record(record, verdicts, builder)``, the same result
    # made straight from the compact record (no model objects in between)
    from_record = getattr(transform, "from_record", None)
    builder = Builder(opts.tz)
    builder.use_clock(unit.path, asm.clock)
    # with a sink, what the transform makes stays in this worker (e.g. written to a file of
    # its own): the parent gets progress, the unfinished pieces and the sink's result only
    sink = opts.sink.open(unit.index) if opts.sink is not None and transform is not None else None
    partials: list[bytes] = []  # messages begun in an earlier piece ended here: packed until merged
    stream, _ = open_binary(unit.path)
    with stream, _damage(unit.path, stats):
        if unit.start:
            stream.seek(unit.start)
        for block in iter_blocks(
            stream, start=unit.start, end=unit.end, first_line_no=base + 1, block_size=BLOCK_SIZE
        ):
            scanner.scan(block)
            if scanner.last_ts:
                asm.flush_idle(scanner.last_ts)
            pack_partials(asm.partials, partials)
            if asm.out and transform is not None:  # made into the caller's rows here, in parallel
                stats.messages += len(asm.out)
                done = block.end - unit.start
                if from_record is not None:
                    items = [from_record(rec, asm.verdicts, builder) for rec in asm.out]
                else:
                    items = [transform(builder.build(rec, asm.verdicts)) for rec in asm.out]
                if sink is not None:
                    for item in items:
                        sink.add(item)
                    items = []
                try:
                    payload = b"R" + marshal.dumps((items, done))
                except ValueError:  # a value marshal cannot carry (e.g. a str subclass)
                    payload = b"Q" + pickle.dumps((items, done), pickle.HIGHEST_PROTOCOL)
                yield payload
                asm.out = []
            elif asm.out:
                stats.messages += len(asm.out)
                if unit.local:
                    yield _Records(asm.out, block.end - unit.start, asm.verdicts[sent_verdicts:])
                else:
                    new_verdicts = [verdict_to_tuple(v) for v in asm.verdicts[sent_verdicts:]]
                    yield b"M" + marshal.dumps((asm.out, block.end - unit.start, new_verdicts))
                sent_verdicts = len(asm.verdicts)
                asm.out = []
    result = sink.close() if sink is not None else None
    pack_partials(asm.partials, partials)
    opened = pack_open(asm.open.values())
    if unit.local:
        yield _Tail(stats, opened, partials, asm.verdicts[sent_verdicts:], result)
        return
    new_verdicts = [verdict_to_tuple(v) for v in asm.verdicts[sent_verdicts:]]
    tail = ("t", stats, opened, partials, new_verdicts, result)
    yield b"P" + pickle.dumps(tail, pickle.HIGHEST_PROTOCOL)


def parse_piece(unit: _Unit) -> Iterator[bytes | _Records | _Tail]:
    """One piece of a parallel read, as a task of :mod:`inboxtrace.execution` (a forked local
    process, a Dask worker, or this process): its payloads, in order, streamed as they are made
    (finished messages block by block, then the unfinished ones). The read's options are the
    runner's context."""
    from inboxtrace.execution import context

    try:
        yield from _work(unit, context())
    except Exception as exc:  # reported with the piece's input, never a remote traceback
        yield b"E" + f"{type(exc).__name__}: {exc}".encode("utf-8", "replace")


class LogReader:
    """Read MTA logs and yield one :class:`~inboxtrace.model.Message` per (host, queue id).

    ``inputs``: paths (plain, .gz, .bz2, .xz: sniffed by content), ``"-"`` for stdin, or binary
    streams. Several paths are read oldest first (rotation order ``mail.log.2.gz, mail.log.1,
    mail.log``, else by first timestamp) and messages continue across them.

    - ``format``: ``None``/``"auto"`` picks the parser per line from the syslog program name
      (``postfix/*``, ``exim``, ``sm-mta``...; Exim's own main log is recognised by its shape);
      ``"postfix"``, ``"exim"`` or ``"sendmail"`` forces one. Unknown names raise UnknownFormatError.
    - ``stats``: a :class:`~inboxtrace.logs.LogStats` filled while reading: ``lines``, ``events``,
      ``ignored`` (kind -> count), ``unknown``, ``unknown_samples`` (first 5), ``truncated``,
      ``recoded``, ``messages``. Complete once the iteration has ended.
    - Messages come out when complete (Postfix ``removed``, Exim ``Completed``), when idle for
      ``idle_seconds`` of log time (default 7 days; None: never), and at the end of the input
      (still open: deferred recipients stay ``deferred``). Order is by completion, not arrival.
      A message with no recipient yet (a DSN whose delivery the log lacks, a held message) is
      idle-flushed after one day (or ``idle_seconds`` if less), so that memory stays flat on a
      long log: if its queue id is logged again later, that part is a message of its own (the
      store merges the two by host and queue id).
    - ``follow=True``: one file, tailed forever like ``tail -F`` (rotation, truncation) until
      ``should_stop()`` returns true; messages are yielded as they complete.
    - ``positions``: saved :class:`~inboxtrace.sources.Position` s (from
      :meth:`LogReader.resume_position`); a file whose identity matches one is read from there.
    - ``jobs``: processes for big plain files (default min(2, CPUs)); 1 = in-process. They are
      forked from this one (``local:N`` of :mod:`inboxtrace.execution`), so they inherit the
      loaded knowledge and the options, and stream what they make as they make it. Reading
      one big plain file into messages (no ``transform``), or with a ``sink``, this process is
      one of them: it reads the first piece itself (a smaller one when it also makes the
      messages of the others, :data:`PARENT_SHARE`).
    - ``cluster``: where the pieces of big plain files are parsed instead: a place of
      :func:`inboxtrace.execution.runner` (``tcp://HOST:8786`` for a Dask cluster whose workers
      can read the same paths, ``local:N`` started processes, ``inline``). Each piece is the same
      task (:func:`parse_piece`), its payloads handed back when it is done (made by ``transform``
      there, so the transform must be picklable); the merge of the pieces is the same. ``sink``
      is used only if it is ``portable`` (sent to the workers pickled, e.g.
      :class:`inboxtrace.store.piece_writer.PieceWriter`).
    - ``host``: the host name for logs whose lines carry none (Exim's own main log).
    - ``tz``: the zone of timestamps that have none (classic syslog); default UTC.
    - ``transform``: a function of a Message; the reader then yields ``transform(message)``
      instead. In a parallel read it runs in the worker processes (forked: it need not be
      picklable), so its result must be :mod:`marshal`-able (plain values, lists, dicts, tuples).
      The store's ingest uses it to make its rows in parallel. A transform object may also
      have ``from_record(record, verdicts, builder)`` giving the same result from the compact
      record (:mod:`inboxtrace.timeline.records`); workers then use that, which is faster.
    - ``sink``: with a ``transform``, a :class:`WorkerSink`: in a parallel read each worker hands
      its transform results to ``sink.open(piece)`` (e.g. writes them to a file of its own)
      instead of sending them to the parent (which reads one piece itself meanwhile), and the
      parent calls ``sink.merge(results)`` for the pieces in input order as they end; only the
      messages cut by piece boundaries are then yielded. A read that is not parallel ignores
      the sink (everything is yielded). A sink whose ``fresh_workers`` is true (its pieces need
      nothing this process loaded: :class:`inboxtrace.store.log_chunks.ChunkTables`) has its
      workers started fresh instead of forked (``fresh=True`` of :func:`inboxtrace.execution.runner`):
      the options, the transform and the sink are pickled to them.

    A reader is an iterator with ``.stats``, ``.progress`` (bytes read, bytes total) and
    ``.resume_position()``; ``read_logs`` is this class. Raises :class:`~inboxtrace.errors.InputError` for a
    missing or unreadable input; bad lines inside an input are counted, never raised.
    """

    def __init__(
        self,
        inputs: Iterable[str | os.PathLike[str] | BinaryIO],
        *,
        format: str | None = None,
        stats: LogStats | None = None,
        follow: bool = False,
        positions: Iterable[Position] = (),
        jobs: int | None = None,
        idle_seconds: float | None = _DEFAULT_IDLE,
        host: str | None = None,
        tz: tzinfo = UTC,
        classify: Classifier | None = None,
        poll_interval: float = 0.5,
        should_stop: Any = None,
        transform: Callable[[Message], Any] | None = None,
        sink: WorkerSink | None = None,
        cluster: str | None = None,
    ) -> None:
        if format is not None and format != "auto":
            parser_named(format)  # fail early on a bad name
        self.stats = stats if stats is not None else LogStats()
        self._opts = _Options(format, idle_seconds, host or "localhost", tz, classify, transform, sink)
        self._follow = follow
        self._positions = list(positions)
        self._jobs = max(1, jobs if jobs is not None else min(2, os.cpu_count() or 1))
        self._cluster = cluster
        self._poll = poll_interval
        self._should_stop = should_stop
        self._streams: list[BinaryIO] = []
        self._owned: list[BinaryIO] = []  # streams this reader opened (named pipes): it closes them
        paths: list[str] = []
        for item in inputs:
            if isinstance(item, (str, os.PathLike)):
                s = os.fspath(item)
                if s == "-":
                    self._streams.append(sys.stdin.buffer)
                else:
                    paths.append(s)
            else:
                self._streams.append(item)
        for p in paths:
            if not os.path.exists(p):
                raise InputError(f"{p}: no such file")
            if os.path.isdir(p):
                raise InputError(f"{p}: is a directory, not a log file")
        # a FIFO, a terminal or /dev/stdin can be read once only: read it as a stream, never
        # sniffed or measured first (a second open of a drained FIFO waits forever)
        pipes = [p for p in paths if not stat.S_ISREG(os.stat(p).st_mode)]
        for p in pipes:
            try:
                self._streams.append(open(p, "rb"))  # noqa: SIM115 - closed once read
            except OSError as exc:
                raise InputError(f"{p}: cannot open: {exc.strerror or exc}") from exc
            self._owned.append(self._streams[-1])
        paths = [p for p in paths if p not in pipes]
        self.paths = order_inputs(paths)
        if follow and (len(self.paths) != 1 or self._streams):
            raise InputError("follow reads exactly one file")
        self.bytes_total = sum(os.path.getsize(p) for p in self.paths)
        self.bytes_done = 0
        self._done_by_unit: dict[int, int] = {}
        self._current: tuple[str, FileIdentity | None, int] | None = None  # path, identity, line
        self._asm: Assembler | None = None
        self._builder: Builder | None = None  # of a follow (see flush_open)
        self._block_starts: list[tuple[int, int]] = []  # (first line no, byte offset) of the current file
        self._last_position: Position | None = None
        self._iter: Iterator[Any] | None = None
        self._yielding_from: int | None = None
        self._unit_list: list[_Unit] = []
        # called in a parallel read whenever a worker reports progress (``progress`` changed)
        self.on_progress: Callable[[], None] | None = None

    # --- public ------------------------------------------------------------------------------
    def __iter__(self) -> Iterator[Any]:
        """Messages, or what ``transform`` made of them."""
        if self._iter is None:
            tf = self._opts.transform
            if tf is None:
                self._iter = _flat(self._run())
            else:
                self._iter = (m.value if isinstance(m, _Made) else tf(m) for m in _flat(self._run()))
        return self._iter

    def __next__(self) -> Any:
        return next(iter(self))

    @property
    def progress(self) -> tuple[int, int]:
        """(bytes read, bytes in all input files) for a progress bar; total 0 for streams."""
        return self.bytes_done, self.bytes_total

    def progress_by_source(self) -> dict[str, tuple[int, int]]:
        """Per input file: (bytes read, file size), in reading order."""
        sizes = {p: os.path.getsize(p) if os.path.exists(p) else 0 for p in self.paths}
        if self._unit_list:  # parallel: each chunk reports its own progress
            done_by: dict[str, int] = dict.fromkeys(self.paths, 0)
            for unit in self._unit_list:
                done_by[unit.path] += self._done_by_unit.get(unit.index, 0)
            return {p: (min(done_by[p], sizes[p]), sizes[p]) for p in self.paths}
        out: dict[str, tuple[int, int]] = {}
        left = self.bytes_done
        for p in self.paths:
            done = min(left, sizes[p])
            out[p] = (done, sizes[p])
            left -= done
        return out

    def resume_position(self) -> Position | None:
        """Where to restart after an interruption, for the file being read (plain files only).

        It is the start of the oldest message of that file still being assembled or not yet
        handed out (or the end of what was read when there is none), so a restart from it loses
        nothing. Lines of messages already yielded may be read again after a restart: consumers
        must treat a message as the same when it has the same (host, queue id) and received time,
        and merge attempts by their evidence (source, line number). Messages still open from an
        earlier file of a rotated set are not covered: they complete from the later file's lines.
        During a parallel read (big files, ``jobs`` > 1) pieces of messages are merged only at the
        end, so the position is None until the read is over (restart from the beginning).
        """
        if self._current is None or self._asm is None:
            return self._last_position
        path, ident, next_line = self._current
        if ident is None:
            return None
        oldest = self._asm.oldest_open_line(path)
        line = next_line if oldest is None else min(oldest, next_line)
        if self._yielding_from is not None:  # messages of this block not handed out yet
            line = min(line, self._yielding_from)
        return Position(path, ident, self._offset_of_line(path, line))

    # --- internals ---------------------------------------------------------------------------
    def _emit(self, builder: Builder, rec: MessageRec, verdicts: list[Verdict]) -> Message | _Made:
        """The message of a record, or straight the transform's result when it reads records."""
        from_record = getattr(self._opts.transform, "from_record", None)
        if from_record is not None:
            return _Made(from_record(rec, verdicts, builder))
        return builder.build(rec, verdicts)

    def _offset_of_line(self, path: str, line: int) -> int:
        start_line, offset = 1, 0
        for first, off in self._block_starts:
            if first <= line:
                start_line, offset = first, off
        if start_line == line:
            return offset
        with open(path, "rb") as f:
            f.seek(offset)
            for _ in range(line - start_line):
                chunk = f.readline()
                if not chunk:
                    break
                offset += len(chunk)
        return offset

    def _start_for(self, path: str) -> tuple[int, FileIdentity | None]:
        try:
            ident = identify(path)
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
        for pos in self._positions:
            if (
                pos.identity.dev == ident.dev
                and pos.identity.ino == ident.ino
                and same_file(pos.identity, path)
            ):
                return min(pos.offset, os.path.getsize(path)), ident
        return 0, ident

    def _run(self) -> Iterator[Message | _Made | _Batch]:
        stats = self.stats
        if self._follow:
            yield from self._run_follow(self.paths[0])
            return
        big = [p for p in self.paths if os.path.getsize(p) >= PARALLEL_MIN_BYTES]
        starts = {p: self._start_for(p) for p in self.paths}
        parallel = self._jobs > 1 or self._cluster is not None
        if parallel and big and not self._streams and all(s[0] == 0 for s in starts.values()):
            yield from self._run_parallel()
            return
        scanner, asm = _make(self._opts, False, stats)
        self._asm = asm
        builder = Builder(self._opts.tz)
        for path in self.paths:
            stats.sources.append(path)
            start, ident = starts[path]
            asm.source = path
            asm.clock = Clock(_reference_date(path, self._opts.tz).date(), self._opts.tz)
            builder.use_clock(path, asm.clock)
            stream, kind = open_binary(path)
            base_line = _count_newlines(path, start) if start and kind is None else 0
            self._block_starts = []
            self._current = (path, ident if kind is None else None, base_line + 1)
            with stream, _damage(path, stats):
                if start and kind is None:
                    stream.seek(start)
                raw = getattr(stream, "fileobj", None) or getattr(stream, "_fp", None)
                for block in iter_blocks(
                    stream, start=start, first_line_no=base_line + 1, block_size=BLOCK_SIZE
                ):
                    self._block_starts.append((block.first_line_no, block.offset))
                    self._yielding_from = block.first_line_no
                    scanner.scan(block)
                    self._current = (path, self._current[1], block.first_line_no + len(block))
                    if scanner.last_ts:
                        asm.flush_idle(scanner.last_ts)
                    done = block.end if kind is None else _tell(raw, block.end)
                    self.bytes_done = sum(os.path.getsize(p) for p in stats.sources[:-1]) + min(
                        done, os.path.getsize(path)
                    )
                    if asm.out:
                        out, asm.out = asm.out, []
                        stats.messages += len(out)
                        for rec in out:
                            yield self._emit(builder, rec, asm.verdicts)
                    self._yielding_from = None
            if ident is not None and kind is None:
                self._last_position = Position(path, ident, os.path.getsize(path))
        for stream in self._streams:
            name = getattr(stream, "name", "<stdin>")
            source = name if isinstance(name, str) else "<stream>"
            stats.sources.append(source)
            asm.source = source
            asm.clock = Clock(datetime.now(self._opts.tz).date(), self._opts.tz)
            builder.set_reference(source, asm.clock.reference)
            self._current = (source, None, 1)
            with _damage(source, stats), contextlib.ExitStack() as owned:
                if stream in self._owned:
                    owned.enter_context(stream)
                yield from self._read_stream(stream, scanner, asm, builder)
        asm.flush()
        out, asm.out = asm.out, []
        stats.messages += len(out)
        self._current = None
        for rec in out:
            yield self._emit(builder, rec, asm.verdicts)

    def _read_stream(
        self, stream: BinaryIO, scanner: Scanner, asm: Assembler, builder: Builder
    ) -> Iterator[Message | _Made]:
        for block in iter_blocks(_Peekable.wrap(stream)):
            scanner.scan(block)
            if scanner.last_ts:
                asm.flush_idle(scanner.last_ts)
            if asm.out:
                out, asm.out = asm.out, []
                self.stats.messages += len(out)
                for rec in out:
                    yield self._emit(builder, rec, asm.verdicts)

    def _run_follow(self, path: str) -> Iterator[Message | _Made]:
        stats = self.stats
        scanner, asm = _make(self._opts, False, stats)
        self._asm = asm
        builder = self._builder = Builder(self._opts.tz)
        stats.sources.append(path)
        asm.source = path
        position = None
        if self._positions:
            position = self._positions[-1]
        stop = self._should_stop or (lambda: False)
        for fb in follow_file(path, position=position, poll_interval=self._poll, should_stop=stop):
            if fb is None:
                if asm.out:
                    out, asm.out = asm.out, []
                    stats.messages += len(out)
                    for rec in out:
                        yield self._emit(builder, rec, asm.verdicts)
                continue
            asm.source = fb.path
            if asm.source not in builder._reference:
                asm.clock = Clock(datetime.now(self._opts.tz).date(), self._opts.tz)
                builder.set_reference(fb.path, asm.clock.reference)
            was = self._current[1] if self._current is not None else None
            if was is not None and (was.dev, was.ino) != (fb.identity.dev, fb.identity.ino):
                # rotated (another inode): the old file is read to its end. What is still open from
                # it is handed out now, as a stop would, so the resume position moves into the new
                # file without losing it to a crash; its later lines are merged in by the store.
                yield from self._flush_open()
            if self._current is None or self._current[1] != fb.identity:
                self._block_starts = []
            self._block_starts.append((fb.block.first_line_no, fb.block.offset))
            scanner.scan(fb.block)
            self._current = (fb.path, fb.identity, fb.block.first_line_no + len(fb.block))
            self.bytes_done = fb.block.end
            if scanner.last_ts:
                asm.flush_idle(scanner.last_ts)
            if asm.out:
                out, asm.out = asm.out, []
                stats.messages += len(out)
                for rec in out:
                    yield self._emit(builder, rec, asm.verdicts)
        yield from self._flush_open()

    def flush_open(self) -> list[Any]:
        """Stop following: the messages still being assembled, handed out as they are now (open:
        deferred recipients stay ``deferred``, a message not yet removed has no completion),
        while :meth:`resume_position` stays at the first line of the oldest of them, so that the
        next follow reads them again and completes them. Call it after a Ctrl-C; a follow that
        ends by ``should_stop`` does it itself."""
        tf = self._opts.transform
        made = self._flush_open()
        return [m.value if isinstance(m, _Made) else tf(m) if tf is not None else m for m in made]

    def _flush_open(self) -> list[Message | _Made]:
        asm, builder = self._asm, self._builder
        if asm is None or builder is None:
            return []
        position = self.resume_position()
        asm.flush()
        out, asm.out = asm.out, []
        self.stats.messages += len(out)
        self._last_position, self._current = position, None
        return [self._emit(builder, rec, asm.verdicts) for rec in out]

    def _units(self, pieces: int, first: float = 1.0, tail: float = 0.0) -> list[_Unit]:
        """The inputs as pieces of work: each compressed or small file whole, each big plain file
        cut at line (and second) boundaries into ``pieces``, the first of them ``first`` times
        the size of each other one; with ``tail``, a file whose other pieces would be at least
        :data:`SINK_TAIL_MIN_BYTES` gets one more at its end, ``tail`` times the total of the pieces
        after the first."""
        units: list[_Unit] = []
        weights = [first] + [1.0] * (pieces - 1)
        for path in self.paths:
            size = os.path.getsize(path)
            compressed = _compressed(path)
            if compressed or size < PARALLEL_MIN_BYTES:
                units.append(_Unit(len(units), path, 0, None, compressed, size))
                continue
            tailed = tail > 0 and pieces > 1 and size / sum(weights) >= SINK_TAIL_MIN_BYTES
            bounds = list(
                itertools.accumulate([*weights, tail * (pieces - 1)] if tailed else weights, initial=0.0)
            )
            cuts = [0]
            with open(path, "rb") as f:
                for k in range(1, len(bounds) - 1):
                    f.seek(int(size * bounds[k] / bounds[-1]))
                    f.readline()
                    cut = _second_boundary(f)
                    if cut > cuts[-1] and cut < size:
                        cuts.append(cut)
            cuts.append(size)
            for a, b in itertools.pairwise(cuts):
                units.append(_Unit(len(units), path, a, b, False, b - a))
        return units

    @staticmethod
    def _numbered(units: list[_Unit], where_read: bool = False) -> Iterator[_Unit]:
        """The units, each with the number of lines before it in its file, counted here as they are
        handed out (one pass over each file, while the workers parse the pieces before), or
        (``where_read``) left to the worker that reads it: a local worker counts them itself, so
        that it need not wait for this process to count them before it starts (~40 ms of 1M lines
        for the second of two pieces)."""
        counted: tuple[str, int, int] = ("", 0, 0)  # path, offset, lines before it
        for unit in units:
            if unit.start and not unit.compressed and where_read:
                unit.line = -1
            elif unit.start and not unit.compressed:
                _, offset, lines = counted if counted[0] == unit.path else (unit.path, 0, 0)
                unit.line = lines + _count_newlines(unit.path, unit.start, offset)
                counted = (unit.path, unit.start, unit.line)
            yield unit

    def _run_parallel(self) -> Iterator[Message | _Made | _Batch]:
        """Parse the pieces of the inputs as tasks of a runner: forked local processes, or the
        cluster's workers; then merge the pieces of messages cut by piece boundaries."""
        from inboxtrace.execution import runner

        opts = self._opts
        if self._cluster is not None:
            # on a runner of other processes or machines only a sink that travels is used
            portable = opts.transform is not None and bool(getattr(opts.sink, "portable", False))
            opts = dataclasses.replace(opts, sink=opts.sink if portable else None)
            with runner(self._cluster, context=opts) as run:
                units = self._units(max(2, PIECES_PER_WORKER * run.workers_count))
                yield from self._read_pieces(run, units, opts, here=0)
            return
        _warm_up(opts)  # load the knowledge once, before forking: the workers inherit it
        if opts.transform is None:
            opts = dataclasses.replace(opts, sink=None)
        # With a sink the workers send little (progress, then their unfinished pieces): this
        # process reads the first piece itself, straight into the sink (one process fewer).
        # Without a transform it makes the messages of every piece, which costs about half of
        # reading them: for one plain file it reads a smaller first piece itself too (its records
        # handed over as they are, no marshal), so that both ends finish together. Else (the
        # caller's rows written here, or several files) it takes what the workers send.
        own = opts.transform is None and len(self.paths) == 1 and not _compressed(self.paths[0])
        here = int(opts.sink is not None or own)
        first = PARENT_SHARE if own else SINK_PARENT_SHARE if opts.sink is not None else 1.0
        units = self._units(self._jobs, first=first, tail=SINK_TAIL_SHARE if opts.sink is not None else 0.0)
        if here:
            units[0].local = True
        workers = max(1, min(self._jobs - here, len(units) - here))
        # a sink whose pieces need nothing this process loaded has its workers started fresh
        fresh = bool(getattr(opts.sink, "fresh_workers", False))
        if here:  # as in a worker: the heap so far is not scanned again while this process reads
            gc.freeze()
        try:
            # this process decodes the workers' messages: many short-lived objects, few cycles,
            # so it collects as rarely as they do while the read lasts (~13% of its CPU otherwise)
            with (
                relaxed_gc(),
                runner(
                    f"local:{workers}",
                    inherit=not fresh,
                    fresh=fresh,
                    context=opts,
                    gc_thresholds=GC_THRESHOLDS,
                ) as run,
            ):
                yield from self._read_pieces(run, units, opts, here=here)
        finally:
            if here:
                gc.unfreeze()

    def _read_pieces(
        self, run: Runner[Any, Any], units: list[_Unit], opts: _Options, here: int
    ) -> Iterator[Message | _Made | _Batch]:
        stats = self.stats
        stats.sources.extend(self.paths)
        self._unit_list = units
        builder = Builder(opts.tz)
        for path in self.paths:
            builder.set_reference(path, _reference_date(path, opts.tz).date())
        for unit in units:  # a piece read here: its assembler and the builder share one clock
            if unit.local and run.kind == "local":
                unit.clock = builder.clock(unit.path)
        # each piece's tail (its unfinished messages, counts and sink result) as it came, compact,
        # until those of every piece before it are in: then it is unpacked, handed over and merged
        waiting: dict[int, bytes | _Tail] = {}
        tables: dict[int, list[Verdict]] = {u.index: [] for u in units}
        error: str | None = None
        sink = opts.sink
        merged_table: list[Verdict] = []
        carry = Carry()
        merged = 0  # pieces taken in so far (in input order, as soon as every one before is done)
        held: list[Message | _Made] = []

        def handle(unit: _Unit, data: bytes | _Records | _Tail) -> Iterator[Message | _Made | _Batch]:
            nonlocal error, merged
            table = tables[unit.index]
            kind = b"T" if isinstance(data, _Tail) else b"L" if isinstance(data, _Records) else data[:1]
            if kind in (b"M", b"L"):
                if isinstance(data, _Records):  # a piece read here: its records as they are
                    records, done = data.records, data.done
                    table.extend(data.verdicts)
                else:  # (a view: no copy of the payload)
                    assert isinstance(data, bytes)
                    records, done, new_verdicts = marshal.loads(memoryview(data)[1:])
                    table.extend(verdict_from_tuple(t) for t in new_verdicts)
                self._done_by_unit[unit.index] = done
                self.bytes_done = sum(self._done_by_unit.values())
                yield _Batch(map(builder.maker(), records, itertools.repeat(table)))
                return
            if kind in (b"R", b"Q"):
                assert isinstance(data, bytes)
                items, done = (marshal.loads if kind == b"R" else pickle.loads)(memoryview(data)[1:])
                self._done_by_unit[unit.index] = done
                self.bytes_done = sum(self._done_by_unit.values())
                if self.on_progress is not None:
                    self.on_progress()
                for item in items:
                    yield _Made(item)
                return
            if kind == b"E":
                assert isinstance(data, bytes)
                error = f"{unit.path}: {data[1:].decode('utf-8', 'replace')}"
                return
            assert isinstance(data, (bytes, _Tail))  # the piece's tail: b"P" + its pickle, or as it is
            waiting[unit.index] = data
            data = b""  # (the tail held once, in waiting: its bytes freed as soon as it is unpacked)
            self._done_by_unit[unit.index] = unit.size
            self.bytes_done = sum(self._done_by_unit.values())
            # a piece is handed over once every piece before it is (the parent copies the first
            # piece in while a worker still reads the next one), and its unfinished messages merged
            while merged < len(units) and units[merged].index in waiting:
                taken = units[merged]
                if isinstance(waiting[taken.index], _Tail):  # (a piece read here)
                    tail = waiting.pop(taken.index)
                    assert isinstance(tail, _Tail)
                    piece_stats, opened, partials, result = (
                        tail.stats,
                        tail.opened,
                        tail.partials,
                        tail.result,
                    )
                    tables[taken.index].extend(tail.verdicts)
                    del tail
                else:  # (its bytes held by nothing but the unpickling: freed as soon as it is done)
                    _, piece_stats, opened, partials, verdicts, result = pickle.loads(
                        memoryview(cast(bytes, waiting.pop(taken.index)))[1:]
                    )
                    tables[taken.index].extend(verdict_from_tuple(t) for t in verdicts)
                merged += 1
                stats.merge(piece_stats)
                if sink is not None:
                    sink.merge([result])
                joined = join(taken, opened, partials)
                if sink is None:
                    yield from joined
                else:  # after everything the pieces kept (which these may complete)
                    held.extend(joined)
                del opened, partials

        # The pieces of messages cut by chunk (or file) boundaries are merged in input order. Their
        # verdict numbers point into each worker's table: renumbered into one table first.

        def join(unit: _Unit, opened: list[Packed], partials: list[bytes]) -> Iterator[Message | _Made]:
            """Merge a piece's unfinished messages into those carried from the pieces before it:
            what that completes (or what a new message of the same queue id ends), each made as
            it is taken. The carried messages stay packed but for those the piece continues."""
            offset = len(merged_table)
            merged_table.extend(tables.pop(unit.index))
            for st in unpacked(partials):  # closed in this unit, started earlier
                if offset:
                    renumber(st, offset)
                prev = carry.take((st.host, st.qid))
                both = merge(prev, st) if prev is not None else st
                closed = both.completed_ts is not None  # else flushed as idle
                stats.messages += 1
                yield self._emit(builder, Assembler.finish(both, closed=closed), merged_table)
            opened.reverse()
            while opened:  # (each dropped from the list as it is carried)
                key, born, blob = opened.pop()
                prev = carry.take(key)
                if prev is not None and continues(prev, born):
                    st = unpack_state(blob)
                    if offset:
                        renumber(st, offset)
                    both = merge(prev, st)
                    if both.completed_ts is not None:  # (completed by the join: a Sendmail message)
                        stats.messages += 1
                        yield self._emit(builder, Assembler.finish(both, closed=True), merged_table)
                        continue
                    carry.put(key, pack_state(both))
                    continue
                carry.put(key, blob, offset)
                if prev is not None:
                    stats.messages += 1
                    yield self._emit(builder, Assembler.finish(prev, closed=False), merged_table)

        # The last piece to end is taken in (its unfinished messages, and the copies that wait for
        # it) once the workers have ended: a worker done with its piece holds its heap until then.
        tails_in = 0
        last_tail: tuple[_Unit, bytes | _Tail] | None = None
        numbered = self._numbered(units, where_read=run.kind == "local")
        for index, data in run.stream(parse_piece, numbered, here=here):
            if isinstance(data, _Tail) or (not isinstance(data, _Records) and data[:1] == b"P"):
                tails_in += 1
                if tails_in == len(units):
                    last_tail = (units[index], data)
                    del data
                    continue
            yield from handle(units[index], data)
            if error is not None:
                raise InputError(error)
        run.close()  # the workers' memory is freed before the last messages are made
        if last_tail is not None:
            taking = handle(*last_tail)
            last_tail = None  # (its bytes held by the merge alone, until they are unpacked)
            yield from taking
            if error is not None:
                raise InputError(error)
        # what the pieces kept is all handed over before the messages below (which may complete it)
        assert merged == len(units)
        stats.messages += len(carry)
        yield from held
        held.clear()
        # then the messages still open at the end, each made as it is taken (not all at once: on a
        # long log they are thousands, most of the queue) and its state dropped
        for st in carry.drain():
            yield self._emit(builder, Assembler.finish(st, closed=False), merged_table)
        last = self.paths[-1]
        if not units[-1].compressed:
            try:
                self._last_position = Position(last, identify(last), os.path.getsize(last))
            except OSError:
                self._last_position = None


class WorkerSink(Protocol):
    """Where the workers of a parallel read put what ``transform`` made, instead of sending it
    to the parent (see :func:`read_logs`)."""

    def open(self, index: int) -> WorkerSinkPart:
        """Called where input piece ``index`` (0, 1, ... in input order) is read: a worker
        process, or the parent, which then reads the first piece left itself."""
        ...

    def merge(self, results: list[Any]) -> None:
        """Called in the parent with what pieces' ``close()`` returned: every piece once, in
        input order, as soon as it and all pieces before it have ended (so maybe while later
        pieces are still being read); all before the messages cut by piece boundaries are
        yielded."""
        ...


class WorkerSinkPart(Protocol):
    def add(self, item: Any) -> None: ...

    def close(self) -> Any:
        """Finish the piece; the result (picklable) goes to :meth:`WorkerSink.merge`."""
        ...


class _Batch:
    """The messages of a block's records, made one by one as they are taken (``map``), passed out
    through the reader's generators as one item: ``_flat`` hands them out one by one, so that a
    message does not resume every generator on the way (a few % of a parallel read's parent)."""

    __slots__ = ("items",)

    def __init__(self, items: Iterator[Message]) -> None:
        self.items = items


def _flat(items: Iterator[Message | _Made | _Batch]) -> Iterator[Message | _Made]:
    """``items`` with each batch's messages in its place."""
    return itertools.chain.from_iterable(x.items if isinstance(x, _Batch) else (x,) for x in items)


class _Made:
    """What a worker's ``transform`` made of a message (handed out as is)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def _warm_up(opts: _Options) -> None:
    """Import and load everything a worker needs in the parent, so forked workers inherit it
    (no imports in a child forked from a process that may have other threads)."""
    from inboxtrace.codes import classify, remote_queue_id
    from inboxtrace.logs.knowledge import ignore_table

    ignore_table("postfix")
    if opts.classify is None:
        for probe in ("550 5.1.1 <a@b.example>: user unknown", "250 2.0.0 Ok: queued as 4ABCDEF"):
            with contextlib.suppress(ValueError):
                classify(probe)
    remote_queue_id("250 2.0.0 Ok: queued as 4ABCDEF")


def _tell(raw: Any, fallback: int) -> int:
    try:
        return int(raw.tell()) if raw is not None else fallback
    except (OSError, ValueError, AttributeError):
        return fallback


class _Peekable:
    """Give a non-seekable stream (stdin) transparent decompression by sniffing its first bytes."""

    @staticmethod
    def wrap(stream: BinaryIO) -> BinaryIO:
        import bz2
        import gzip
        import lzma

        from inboxtrace.sources import sniff_compression
        from inboxtrace.sources.compression import salvaging

        head = stream.read(8)
        rest = io.BufferedReader(_Prepend(head, stream))
        kind = sniff_compression(head)
        if kind == "gzip":
            return salvaging(gzip.GzipFile(fileobj=rest))
        if kind == "bzip2":
            return salvaging(bz2.BZ2File(rest))
        if kind == "xz":
            return salvaging(lzma.LZMAFile(rest))
        return rest


class _Prepend(io.RawIOBase):
    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        self._head = head
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        if self._head:
            n = min(len(b), len(self._head))
            b[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._stream.read(len(b))
        n = len(data)
        b[:n] = data
        return n


# The public entry point: ``read_logs(paths, **options)`` makes a LogReader (one signature, kept
# in one place).
read_logs = LogReader


__all__ = ["LogReader", "WorkerSink", "WorkerSinkPart", "order_inputs", "read_logs"]
