"""A short parallel read: the units split once by size, this process reading the first share while
forked copies of it read the others, each answering once through a pipe.

For a run of a few hundred messages, starting a process pool costs more than it saves: importing
``multiprocessing`` and ``concurrent.futures``, a queue thread, a pickled answer per piece. Here a
child is a bare ``os.fork`` of this process after it loaded the knowledge, and its whole share comes
back as one pickle (read after this process has read its own share, so nobody waits on a pipe).
Larger runs use :mod:`inboxtrace.execution`, which streams and balances as it goes.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from inboxtrace.errors import InboxtraceError
from inboxtrace.workers import GC_THRESHOLDS, WORKER_DIED, relaxed_gc

Unit = TypeVar("Unit")
Out = TypeVar("Out")


def shares(units: Sequence[Unit], sizes: Sequence[int], parts: int, first: float = 1.0) -> list[list[Unit]]:
    """``units`` in ``parts`` consecutive shares of about equal total size; the first share's
    target is ``first`` times the others' (this process also gathers the answers)."""
    total = sum(sizes) or 1
    weights = [first] + [1.0] * (parts - 1)
    bounds: list[float] = []
    acc = 0.0
    for w in weights[:-1]:
        acc += w
        bounds.append(total * acc / sum(weights))
    out: list[list[Unit]] = [[] for _ in range(parts)]
    seen = 0
    k = 0
    for unit, size in zip(units, sizes, strict=True):
        while k < parts - 1 and seen + size / 2 > bounds[k]:
            k += 1
        out[k].append(unit)
        seen += size
    return out


def _child(read: Callable[[list[Unit]], list[Out]], share: list[Unit], fd: int) -> None:
    """In the forked process: read the share, write the answer, leave without running the parent's
    clean-up (its buffers, ``atexit``)."""
    import pickle

    status = 1
    try:
        gc.set_threshold(*GC_THRESHOLDS)
        try:
            answer: tuple[bool, object] = (True, read(share))
        except Exception as exc:  # raised in the parent, in this share's turn
            answer = (False, exc)
        data = pickle.dumps(answer, pickle.HIGHEST_PROTOCOL)
        with open(fd, "wb") as pipe:
            pipe.write(data)
        status = 0
    finally:
        os._exit(status)


def _answer(status: int, data: bytes) -> list[Out]:
    """A child's share from what it wrote and how it ended (its error raised here)."""
    import pickle

    if status != 0 or not data:
        raise InboxtraceError(WORKER_DIED)
    ok, value = pickle.loads(data)
    if not ok:
        raise value
    return value  # type: ignore[no-any-return]


def forked_read(
    read: Callable[[list[Unit]], list[Out]], units: Sequence[Unit], sizes: Sequence[int], processes: int
) -> Iterator[Out]:
    """``read`` over ``units``, in order, in ``processes`` processes counting this one (POSIX)."""
    import pickle  # noqa: F401  (loaded once here, not by each child, nor by a run in one process)
    import signal

    parts = shares(units, sizes, processes)
    children: list[tuple[int, int]] = []
    gc.freeze()  # what is loaded stays out of every collection, here and in the children
    try:
        for share in parts[1:]:
            rfd, wfd = os.pipe()
            pid = os.fork()
            if pid == 0:
                for _, earlier in children:  # the other children's pipes are not this one's
                    os.close(earlier)
                os.close(rfd)
                _child(read, share, wfd)
            os.close(wfd)
            children.append((pid, rfd))
        with relaxed_gc():
            mine = read(parts[0])
        yield from mine
        for k, (pid, rfd) in enumerate(children):
            with open(rfd, "rb", closefd=False) as pipe:
                data = pipe.read()
            _, status = os.waitpid(pid, 0)
            children[k] = (0, rfd)  # ended and reaped
            yield from _answer(status, data)
    finally:
        gc.unfreeze()
        for pid, rfd in children:
            if pid:  # left early: end the others
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            os.close(rfd)
