"""Where parallel work runs: in this process, in local processes, or on a Dask cluster.

The work is always "one piece in → one partial result out" with a plain, picklable function
defined at module level (so any of the three can run it). :func:`runner` picks the place:

* ``None`` / ``"inline"`` — here, one piece after another (tests, tiny inputs, debugging);
* ``"local"`` or ``"local:N"`` — N local processes (default: one per CPU), started fresh, or
  forked from this one with ``inherit=True`` (they inherit what it loaded: POSIX only);
* ``"tcp://HOST:8786"`` (or any Dask scheduler address) — the workers of that Dask cluster.

``$INBOXTRACE_CLUSTER`` names the cluster when the caller gives none (see :func:`cluster_address`).
:meth:`Runner.map` yields ``(index, result)`` pairs as pieces finish; the caller merges them (the
merge is written once, by the caller, whatever ran the pieces). :meth:`Runner.imap` streams: the
results in input order, with only a few pieces in flight, for inputs too big to submit at once. A
piece that fails raises its error in the caller, after the other pieces already submitted are
cancelled; a worker process that dies raises :class:`~inboxtrace.errors.InboxtraceError`.
"""

from __future__ import annotations

import collections
import os
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType
from typing import Any, Generic, TypeVar

from inboxtrace.errors import ConfigError, InboxtraceError

ENV_VAR = "INBOXTRACE_CLUSTER"
_DIED = "a worker process ended without an answer (killed, or out of memory?)"

In = TypeVar("In")
Out = TypeVar("Out")


def cluster_address(given: str | None = None) -> str | None:
    """The cluster to use: ``given``, else ``$INBOXTRACE_CLUSTER``, else None (no cluster)."""
    value = given if given is not None else os.environ.get(ENV_VAR)
    return value.strip() or None if value else None


class Runner(Generic[In, Out]):
    """Runs ``work(piece)`` for many pieces; see the module docstring. A context manager."""

    def __init__(self, where: str | None = None, *, inherit: bool = False) -> None:
        self.where = where or "inline"
        self.inherit = inherit
        self._pool: ProcessPoolExecutor | None = None
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
        if self.kind == "local":
            import multiprocessing

            method = "fork" if self.inherit and "fork" in multiprocessing.get_all_start_methods() else "spawn"
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context(method))
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
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self._client is not None:
            self._client.close()
            self._client = None

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

    def map(self, work: Callable[[In], Out], pieces: Sequence[In]) -> Iterator[tuple[int, Out]]:
        """``(index, work(pieces[index]))`` for every piece, in the order they finish."""
        if self.kind == "inline":
            for i, piece in enumerate(pieces):
                yield i, work(piece)
            return
        pool = self._executor()
        futures: dict[Future[Out], int] = {}
        try:
            futures.update((pool.submit(work, p), i) for i, p in enumerate(pieces))
            for fut in as_completed(futures):
                yield futures[fut], fut.result()
        except BrokenProcessPool:
            raise InboxtraceError(_DIED) from None
        finally:
            for fut in futures:
                fut.cancel()

    def imap(
        self, work: Callable[[In], Out], pieces: Iterable[In], *, ahead: int = 0
    ) -> Generator[Out, None, None]:
        """``work(piece)`` for every piece, in input order, read lazily from ``pieces``.

        At most ``ahead`` pieces (default: four per worker) are submitted and not yet handed out, so
        memory stays flat on a huge input and every worker has the next piece ready."""
        if self.kind == "inline":
            for piece in pieces:
                yield work(piece)
            return
        pool = self._executor()
        limit = ahead or 4 * self.workers_count
        flight: collections.deque[Future[Out]] = collections.deque()
        it = iter(pieces)
        try:
            for piece in it:
                flight.append(pool.submit(work, piece))
                if len(flight) >= limit:
                    yield flight.popleft().result()
            while flight:
                yield flight.popleft().result()
        except BrokenProcessPool:
            raise InboxtraceError(_DIED) from None
        finally:
            for fut in flight:
                fut.cancel()


def runner(where: str | None = None, *, inherit: bool = False) -> Runner[Any, Any]:
    """A :class:`Runner` for ``where`` (see the module docstring)."""
    return Runner(where, inherit=inherit)


__all__ = ["ENV_VAR", "Runner", "cluster_address", "runner"]
