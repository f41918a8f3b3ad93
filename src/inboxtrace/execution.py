"""Where parallel work runs: in this process, in local processes, or on a Dask cluster.

The work is always "one piece in → one partial result out" with a plain, picklable function
defined at module level (so any of the three can run it). :func:`runner` picks the place:

* ``None`` / ``"inline"`` — here, one piece after another (tests, tiny inputs, debugging);
* ``"local"`` or ``"local:N"`` — N local processes (default: one per CPU), started fresh, or
  forked from this one with ``inherit=True`` (they inherit what it loaded: POSIX only), or
  started fresh with ``fresh=True`` as plain interpreters that load only what the work and the
  context need (:class:`_Fresh`: streamed like forked ones, none of this process's memory);
* ``"tcp://HOST:8786"`` (or any Dask scheduler address) — the workers of that Dask cluster.

``$INBOXTRACE_CLUSTER`` names the cluster when the caller gives none (see :func:`cluster_address`).
:meth:`Runner.map` yields ``(index, result)`` pairs as pieces finish; the caller merges them (the
merge is written once, by the caller, whatever ran the pieces). :meth:`Runner.imap` gives the
results in input order. Both read the pieces lazily and keep only a few in flight (memory stays
flat on a huge input, and every worker has its next piece ready). A piece that fails raises its
error in the caller, after the other pieces already submitted are cancelled; a worker process that
dies raises :class:`~inboxtrace.errors.InboxtraceError`. A runner left by an error (or a consumer
that stopped early) ends its local workers at once instead of waiting for their pieces.

What every piece needs but should not travel with each one (loaded knowledge, options, a writer
of the caller's) is the runner's ``context``: the work reads it with :func:`context`. Forked local
workers inherit it (it need not be picklable); started and fresh ones and Dask tasks get a pickled copy.
Forked and fresh workers also die with the process that started them (:func:`~inboxtrace.workers.die_with_parent`),
leave the heap they inherited to the collector's frozen generation (no copy-on-write of its
pages), and collect with ``gc_thresholds`` when given. ``here=N`` runs the first N pieces in the
calling process while the workers take the next ones (the caller works too: one process fewer).
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import fcntl
import functools
import gc
import itertools
import os
import pickle
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as wait_for
from types import TracebackType
from typing import Any, Generic, TypeVar

from inboxtrace.cluster_env import ENV_VAR, cluster_address
from inboxtrace.errors import ConfigError, InboxtraceError
from inboxtrace.workers import WORKER_DIED, die_with_parent, release_memory

In = TypeVar("In")
Out = TypeVar("Out")
R = TypeVar("R")

_shared: Any = None  # the context of the runner this process works for (a worker, or the caller)
_task = threading.local()  # ... or of the Dask task running in this thread


def context() -> Any:
    """The ``context`` of the runner whose piece is being worked on (see the module docstring)."""
    return getattr(_task, "context", _shared)


_END = "end of piece"  # what a piece streamed by a forked worker sends last
_channel: Connection | None = None  # a forked worker's pipe to the caller, for what it streams


@dataclasses.dataclass
class _Pipes:
    """One pipe per forked worker, for what :meth:`Runner.stream` sends: a worker that dies is seen
    as the end of its pipe (with one shared pipe, one dying half-way through a message would leave
    the caller waiting for the rest for ever)."""

    ends: list[tuple[Connection, Connection]]  # (reading end, writing end)
    taken: Any  # a shared counter: the next worker takes the next pipe


PIPE_BYTES = 1 << 20  # a streaming worker's pipe: room for a few blocks' items (Linux's default cap)


def _wide(conn: Connection) -> Connection:
    """``conn``, whose pipe holds :data:`PIPE_BYTES` (where the system allows): a worker whose
    items are bigger than the default 64 KiB would otherwise wait, at each one, until this process
    has read it, and work only as fast as this process (which may read a piece of its own too)."""
    with contextlib.suppress(AttributeError, OSError):  # not Linux, or above the system's cap
        fcntl.fcntl(conn.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    return conn


def _start_worker(
    parent: int, shared: Any, thresholds: tuple[int, int, int] | None, pipes: _Pipes | None
) -> None:
    """First thing in a local worker process."""
    global _shared, _channel
    die_with_parent(parent)
    _shared = shared
    if pipes is not None:
        with pipes.taken.get_lock():
            mine = pipes.taken.value
            pipes.taken.value += 1
        for i, (recv, send) in enumerate(pipes.ends):  # only its own writing end stays open
            recv.close()
            if i == mine:
                _channel = send
            else:
                send.close()
    gc.freeze()  # what was inherited stays out of the collector's scans (no copy-on-write)
    if thresholds is not None:
        gc.set_threshold(*thresholds)


def _send_items(work: Callable[[In], Iterable[Out]], index: int, piece: In, last: bool = False) -> None:
    """A piece streamed by a forked worker: each item sent to the caller as soon as it is made.
    After the ``last`` piece handed out the worker ends (it frees nothing first: the caller may be
    waiting for it to end)."""
    assert _channel is not None
    for item in work(piece):
        _channel.send((index, item))
    _channel.send((index, _END))
    if not last:
        release_memory()  # what the piece held, while the worker waits for another (or the end)


def _one_item(work: Callable[[In], Out], piece: In) -> Iterator[Out]:
    """``work(piece)`` as a stream of one item."""
    yield work(piece)


def _all_items(work: Callable[[In], Iterable[Out]], piece: In) -> list[Out]:
    """A piece streamed elsewhere (a Dask worker, a started process): its items, when it is done."""
    return list(work(piece))


class _Failed:
    """What a fresh worker sends instead of a piece's next item when the piece raised."""

    def __init__(self, error: BaseException) -> None:
        try:
            self.error = pickle.loads(pickle.dumps(error))
        except Exception:  # not picklable: its text
            self.error = InboxtraceError(f"{type(error).__name__}: {error}")


class _Fresh:
    """A local worker started fresh (``fresh=True``): a plain interpreter running
    :func:`fresh_worker`, which imports what the work and the context need and nothing else (no
    memory shared with, or copied from, this process). Two pipes: pieces go one way, as
    ``(work, index, piece, last)`` and then None for the end, and the items come back as a forked
    worker's do. No ``multiprocessing`` pool: its queues' named semaphores would also start
    ``multiprocessing``'s resource tracker, one more process (~12 MB) for the whole run."""

    def __init__(self, shared: Any, thresholds: tuple[int, int, int] | None) -> None:
        to_child, from_child = os.pipe(), os.pipe()
        for fd in (to_child[0], from_child[1]):
            os.set_inheritable(fd, True)
        # (this package found first where it is found here: installed, or a source tree on the path)
        home = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        code = (
            f"import sys; sys.path.insert(0, {home!r}); from inboxtrace.execution import fresh_worker; "
            f"fresh_worker({to_child[0]}, {from_child[1]})"
        )
        args = [sys.executable, *subprocess._args_from_interpreter_flags(), "-c", code]  # type: ignore[attr-defined]
        try:
            self.proc = subprocess.Popen(
                args, pass_fds=(to_child[0], from_child[1]), stdin=subprocess.DEVNULL
            )
        finally:
            os.close(to_child[0])
            os.close(from_child[1])
        self.outbox = Connection(to_child[1], readable=False)
        self.inbox = _wide(Connection(from_child[0], writable=False))
        self.ended = False
        try:  # sent now, read when the worker has started (this process goes on meanwhile)
            self.outbox.send_bytes(pickle.dumps(list(sys.path)))
            self.outbox.send((os.getpid(), shared, thresholds))
        except BaseException:  # (a context that cannot be pickled, a worker that could not start)
            self.stop()
            self.close()
            raise

    def give(self, work: Callable[[Any], Any], index: int, piece: Any, last: bool) -> None:
        try:
            self.outbox.send((work, index, piece, last))
        except (BrokenPipeError, ConnectionResetError):  # it ended (the pipe's other end is closed)
            raise InboxtraceError(WORKER_DIED) from None

    def end(self) -> None:
        """No more pieces: it ends when its last one is done."""
        if not self.ended:
            self.ended = True
            with contextlib.suppress(OSError):
                self.outbox.send(None)

    def stop(self) -> None:
        self.proc.kill()

    def close(self) -> None:
        """Wait for it to end: when its pieces are done (a caller that stopped reading in the
        middle of one closes the pipe it is sending on, and it ends then)."""
        self.end()
        self.inbox.close()
        self.proc.wait()
        self.outbox.close()


def fresh_worker(inbox_fd: int, outbox_fd: int) -> None:
    """The main loop of a worker started fresh (:class:`_Fresh`): the pieces it is given, until
    told to end (or until its parent ends)."""
    global _channel
    # an interrupt (Ctrl-C) is the caller's to handle: it then ends its workers
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    inbox = Connection(inbox_fd, writable=False)
    try:
        sys.path[:] = pickle.loads(inbox.recv_bytes())
        parent, shared, thresholds = inbox.recv()
    except EOFError:  # the caller ended first
        return
    _start_worker(parent, shared, thresholds, None)
    _channel = Connection(outbox_fd, readable=False)
    while True:
        try:
            task = inbox.recv()
        except EOFError:  # the parent is gone
            return
        if task is None:
            return
        work, index, piece, last = task
        try:
            _send_items(work, index, piece, last)
        except (BrokenPipeError, ConnectionResetError):  # the caller stopped reading: nothing more
            return
        except Exception as exc:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                _channel.send((index, _Failed(exc)))


class _Task:
    """A Dask task: ``work(piece)`` with the runner's context (listed, for a streamed piece),
    named after the work in the cluster's task log."""

    def __init__(self, work: Callable[[Any], Any], shared: Any, listed: bool = False) -> None:
        self.work, self.shared, self.listed = work, shared, listed
        self.__name__ = getattr(work, "__name__", "piece")

    def __call__(self, piece: Any) -> Any:
        _task.context = self.shared
        try:
            return list(self.work(piece)) if self.listed else self.work(piece)
        finally:
            del _task.context


class Runner(Generic[In, Out]):
    """Runs ``work(piece)`` for many pieces; see the module docstring. A context manager."""

    def __init__(
        self,
        where: str | None = None,
        *,
        inherit: bool = False,
        fresh: bool = False,
        context: Any = None,
        gc_thresholds: tuple[int, int, int] | None = None,
    ) -> None:
        self.where = where or "inline"
        self.inherit = inherit
        self.fresh = fresh
        self.context = context
        self.gc_thresholds = gc_thresholds
        self._outer: Any = None
        self._readers: list[Connection] = []  # of the forked workers' pipes
        self._pool: ProcessPoolExecutor | None = None
        self._forked: list[Any] = []  # the forked workers' processes
        self._fresh: list[_Fresh] = []  # the workers started fresh
        self._lock: Any = None  # the lock a forked worker takes to send a result
        self._client: Any = None
        if self.where == "inline":
            self.kind = "inline"
        elif self.where == "local" or self.where.startswith("local:"):
            self.kind = "local"
            n = self.where.partition(":")[2]
            if n and (not n.isdigit() or int(n) < 1):
                raise ConfigError(f"not a number of local processes: {self.where!r} (use local:4)")
            self.workers = int(n) if n else (os.cpu_count() or 1)
        elif "://" in self.where:
            self.kind = "dask"
        else:
            raise ConfigError(
                f"not a cluster: {self.where!r} (use tcp://HOST:8786 for Dask, local[:N], or inline)"
            )

    def __enter__(self) -> Runner[In, Out]:
        global _shared
        self._outer, _shared = _shared, self.context  # for the pieces run here
        if self.kind == "local" and self.fresh:
            # started now: each imports what it needs while this process goes on (its own piece)
            try:
                for _ in range(self.workers):
                    self._fresh.append(_Fresh(self.context, self.gc_thresholds))
            except BaseException:  # (e.g. a context that cannot be pickled) none is left behind
                self.__exit__(*sys.exc_info())
                raise
            self._readers = [w.inbox for w in self._fresh]
        elif self.kind == "local":
            import multiprocessing

            method = "fork" if self.inherit and "fork" in multiprocessing.get_all_start_methods() else "spawn"
            ctx = multiprocessing.get_context(method)
            pipes = None
            if method == "fork":  # inherited by the workers: what :meth:`stream` sends through
                ends = [ctx.Pipe(duplex=False) for _ in range(self.workers)]
                pipes = _Pipes([(recv, _wide(send)) for recv, send in ends], ctx.Value("i", 0))
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=ctx,
                initializer=_start_worker,
                initargs=(os.getpid(), self.context, self.gc_thresholds, pipes),
            )
            if pipes is not None:
                self._pool.submit(int).result()  # forks them all (a forking pool starts all at once)
                self._forked = list(getattr(self._pool, "_processes", {}).values())
                self._lock = getattr(getattr(self._pool, "_result_queue", None), "_wlock", None)
                for recv, send in pipes.ends:
                    send.close()  # the workers' now: the end of a pipe is the death of its worker
                    self._readers.append(recv)
        elif self.kind == "dask":
            try:
                from distributed import Client
            except ImportError as exc:  # pragma: no cover - a declared dependency
                raise ConfigError("Dask is not installed: pip install 'dask[distributed]'") from exc
            try:
                self._client = Client(self.where, timeout=30, set_as_default=False)  # type: ignore[no-untyped-call]
            except (OSError, TimeoutError) as exc:
                raise ConfigError(f"cannot reach the Dask scheduler at {self.where}: {exc}") from exc
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        global _shared
        _shared = self._outer
        if self._pool is not None and exc_type is not None:  # stopped early: not waiting for pieces
            _stop_workers(self._forked, self._lock)  # (the pool then fails what was submitted)
            self._pool.shutdown(wait=True, cancel_futures=False)
            self._pool = None
        if exc_type is not None:
            for worker in self._fresh:
                worker.stop()
        self.close()

    def close(self) -> None:
        """End the workers (after the pieces submitted) and free what they hold, before the end
        of the ``with`` block when the caller has more to do without them."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        for proc in self._forked:  # (ended already, or ending: see _last_handed_out)
            proc.join()
        self._forked = []
        for worker in self._fresh:
            worker.close()
        self._fresh = []
        for recv in self._readers:
            recv.close()
        self._readers = []
        if self._client is not None:
            self._client.close()
            self._client = None

    def _last_handed_out(self) -> None:
        """Every piece is handed out: a local pool ends each worker when no piece is left for it
        (its memory freed while this process finishes its own piece or merges), not at :meth:`close`."""
        if self._pool is not None and self._forked:
            self._pool.shutdown(wait=False)
        for worker in self._fresh:
            worker.end()

    @property
    def workers_count(self) -> int:
        """How many pieces run at once."""
        if self.kind == "inline":
            return 1
        if self.kind == "local":
            return self.workers
        return max(1, sum(self._client.nthreads().values())) if self._client is not None else 1

    def _executor(self) -> Any:
        pool: Any = self._pool
        if self.kind == "dask" and self._client is not None:
            pool = self._client.get_executor(pure=False)  # a concurrent.futures executor
        assert pool is not None, "use the runner in a with block"
        return pool

    def _cancel(self, futures: Iterable[Future[Any]]) -> None:
        """Cancel what a consumer that stopped early left in flight on a cluster. Local workers
        are left to the runner's exit instead (which ends them if it is left by an error): a
        local pool that also lost workers would fail cancelled pieces again (Python 3.11)."""
        if self.kind == "dask":
            for fut in futures:
                fut.cancel()

    def _submit(self, pool: Any, work: Callable[[In], R], piece: In) -> Future[R]:
        if self.kind == "dask" and not isinstance(work, _Task):
            work = _Task(work, self.context)
        return pool.submit(work, piece)  # type: ignore[no-any-return]

    def map(
        self, work: Callable[[In], R], pieces: Iterable[In], *, ahead: int = 0, here: int = 0
    ) -> Iterator[tuple[int, R]]:
        """``(index, work(piece))`` for every piece, in the order they finish.

        At most ``ahead`` pieces (default: four per worker) are in flight; the first ``here`` run
        in this process once the workers have theirs."""
        numbered = enumerate(pieces)
        if self.kind == "inline":
            for i, piece in numbered:
                yield i, work(piece)
            return
        if self._fresh:  # (a piece's one result is streamed as its one item)
            one: Any = functools.partial(_one_item, work)
            streamed: Iterator[tuple[int, Any]] = self.stream(one, pieces, here=here)
            yield from streamed
            return
        pool = self._executor()
        limit = ahead or 4 * self.workers_count
        mine = list(itertools.islice(numbered, here))
        flight: dict[Future[R], int] = {}

        def fill() -> None:
            for i, piece in itertools.islice(numbered, max(0, limit - len(flight))):
                flight[self._submit(pool, work, piece)] = i

        try:
            fill()
            for i, piece in mine:
                yield i, work(piece)
            while flight:
                done, _ = wait(flight, return_when=FIRST_COMPLETED)
                for fut in done:
                    yield flight.pop(fut), fut.result()
                fill()
        except BrokenProcessPool:
            raise InboxtraceError(WORKER_DIED) from None
        finally:
            self._cancel(flight)

    def stream(
        self, work: Callable[[In], Iterable[Out]], pieces: Iterable[In], *, ahead: int = 0, here: int = 0
    ) -> Iterator[tuple[int, Out]]:
        """``(index, item)`` for every item of ``work(piece)`` (an iterator), as the items are made:
        a piece's in order, the pieces' interleaved. Forked and fresh workers send each item when it
        is made (and wait while this process is behind: memory stays flat); elsewhere a piece's
        items come when it is done. ``ahead`` and ``here`` as in :meth:`map` (a fresh worker has
        one piece at a time). Forked and fresh workers end as soon as every piece is handed out
        and theirs are done: a runner streams once."""
        if not self._readers:
            listed: Callable[[In], list[Out]] = functools.partial(_all_items, work)
            if self.kind == "dask":
                listed = _Task(work, self.context, listed=True)
            for index, items in self.map(listed, pieces, ahead=ahead, here=here):
                for item in items:
                    yield index, item
            return
        readers = list(self._readers)
        fresh = {w.inbox: w for w in self._fresh}  # a fresh worker by its pipe
        idle = list(self._fresh)  # fresh workers without a piece
        pool = None if fresh else self._executor()
        limit = len(idle) if fresh else (ahead or self.workers_count)
        numbered = enumerate(pieces)
        mine = list(itertools.islice(numbered, here))
        flight: dict[int, Any] = {}  # each piece handed out: its future (a pool's), or its worker
        following = next(numbered, None)  # the next piece to hand out (None: all are)

        def fill() -> None:
            nonlocal following
            while following is not None and len(flight) < limit:
                i, piece = following
                following = next(numbered, None)
                last = following is None  # (its worker ends after it: no need to free memory first)
                if pool is None:
                    worker = idle.pop()
                    worker.give(work, i, piece, last)
                    flight[i] = worker
                else:
                    flight[i] = pool.submit(_send_items, work, i, piece, last)
            if following is None:
                self._last_handed_out()

        busy: dict[Connection, int] = {}  # the piece each worker's pipe is in the middle of

        def take(timeout: float | None) -> Iterator[tuple[int, Out]]:
            """What the workers sent (waiting up to ``timeout`` for something)."""
            for conn in wait_for(readers, timeout):
                assert isinstance(conn, Connection)
                try:
                    index, item = conn.recv()
                except EOFError:  # its worker ended: done (every piece handed out), or died
                    readers.remove(conn)
                    lost = conn in fresh and fresh[conn] in flight.values()  # (before sending anything)
                    if lost or conn in busy or following is not None or (flight and not readers):
                        raise InboxtraceError(WORKER_DIED) from None
                    continue
                if isinstance(item, _Failed):
                    raise item.error
                if item == _END:
                    busy.pop(conn, None)
                    del flight[index]
                    if conn in fresh:
                        idle.append(fresh[conn])
                    fill()
                else:
                    busy[conn] = index
                    yield index, item
            for fut in flight.values() if pool is not None else ():  # a piece that failed ends it all
                if fut.done() and fut.exception() is not None:
                    fut.result()

        try:
            fill()
            for i, piece in mine:
                for item in work(piece):
                    yield i, item
                    # meanwhile: keep the pipes drained (all that is ready, not one item each:
                    # a worker blocked on a full pipe waits for this process), the workers busy
                    while True:
                        ready = list(take(0))
                        if not ready:
                            break
                        yield from ready
            while flight:
                yield from take(1.0)
        except BrokenProcessPool:
            raise InboxtraceError(WORKER_DIED) from None
        finally:
            self._cancel(flight.values())
            if pool is None:  # left with pieces in flight (an error, or a consumer that stopped)
                for worker in set(flight.values()):
                    worker.stop()

    def imap(
        self, work: Callable[[In], Out], pieces: Iterable[In], *, ahead: int = 0, share: bool = False
    ) -> Generator[Out, None, None]:
        """``work(piece)`` for every piece, in input order (see :meth:`map`).

        ``share``: this process runs pieces too, whenever the oldest piece in flight is not done
        (it takes the next piece not sent, so the order holds), instead of waiting for it; the
        workers then have fewer queued (``ahead`` by default two each), so that the two sides end
        together. Its errors are raised in turn, as the workers' are."""
        if self.kind == "inline":
            for piece in pieces:
                yield work(piece)
            return
        if self._fresh:  # in input order, as :meth:`map` ends them
            ended: dict[int, Out] = {}
            following = 0
            for index, result in self.map(work, pieces):
                ended[index] = result
                while following in ended:
                    yield ended.pop(following)
                    following += 1
            return
        pool = self._executor()
        limit = ahead or (2 if share else 4) * self.workers_count
        flight: collections.deque[tuple[Future[Out], bool]] = collections.deque()  # (result, sent)
        it = iter(pieces)
        sent = 0
        more = True
        try:
            while True:
                while more and sent < limit:
                    piece = next(it, _NO_PIECE)
                    if piece is _NO_PIECE:
                        more = False
                    else:
                        flight.append((self._submit(pool, work, piece), True))
                        sent += 1
                if not flight:
                    return
                if share and more and not flight[0][0].done():
                    piece = next(it, _NO_PIECE)
                    if piece is _NO_PIECE:
                        more = False
                    else:
                        flight.append((_run_here(work, piece), False))
                    continue
                fut, was_sent = flight.popleft()
                sent -= was_sent
                yield fut.result()
        except BrokenProcessPool:
            raise InboxtraceError(WORKER_DIED) from None
        finally:
            self._cancel(fut for fut, was_sent in flight if was_sent)


_NO_PIECE: Any = object()


def _run_here(work: Callable[[In], Out], piece: In) -> Future[Out]:
    """A piece run in this process, as a finished future (its error kept for its turn)."""
    done: Future[Out] = Future()
    try:
        done.set_result(work(piece))
    except Exception as exc:  # raised by .result() in the piece's turn
        done.set_exception(exc)
    return done


def _stop_workers(processes: list[Any], lock: Any) -> None:
    """End a pool's worker ``processes`` now. It is done holding ``lock``, the one a worker takes
    to send a result, so that none is killed half-way through one (the pool's reader would wait
    for the rest for ever). The pool then finds its workers gone and shuts down."""
    # not for ever: a pool that lost a worker ends the others itself, maybe one holding the lock
    held = lock is not None and lock.acquire(timeout=2)
    try:
        for proc in processes:
            proc.terminate()
        for proc in processes:
            proc.join()
    finally:
        if held:
            lock.release()


def runner(
    where: str | None = None,
    *,
    inherit: bool = False,
    fresh: bool = False,
    context: Any = None,
    gc_thresholds: tuple[int, int, int] | None = None,
) -> Runner[Any, Any]:
    """A :class:`Runner` for ``where`` (see the module docstring)."""
    return Runner(where, inherit=inherit, fresh=fresh, context=context, gc_thresholds=gc_thresholds)


__all__ = ["ENV_VAR", "Runner", "cluster_address", "context", "runner"]
