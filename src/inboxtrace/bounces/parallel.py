"""Parse bounces in several forked processes, handing results back in input order.

Messages are independent, so the work splits cleanly: the parent loads the knowledge once and
forks the workers (they inherit it), reads the inputs and gives each idle worker the next small
chunk, so at most one chunk per worker is in flight and memory stays flat on a huge mailbox.
Answers are handed out in chunk order. Plain pipes carry pickled chunks and reports; no executor
threads or queues stand in between.
"""

from __future__ import annotations

import itertools
import multiprocessing
import pickle
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection, wait
from typing import Any, TypeVar

from inboxtrace.errors import InboxtraceError

In = TypeVar("In")
Out = TypeVar("Out")

_CHUNK = 16  # messages per chunk: small enough to keep every core busy to the end


def _serve(conn: Connection, work: Callable[[Any], Any], inherited: list[Connection]) -> None:
    """A worker: answer each pickled chunk with the pickled list of its results, until EOF."""
    for other in inherited:  # the parent's ends, copied by fork: only the parent may hold them
        other.close()
    try:
        while True:
            try:
                data = conn.recv_bytes()
            except EOFError:
                return
            chunk = pickle.loads(data)
            try:
                payload = pickle.dumps(("ok", [work(item) for item in chunk]), pickle.HIGHEST_PROTOCOL)
            except Exception as exc:  # handed to the parent, which raises it
                payload = _pickled_error(exc)
            try:
                conn.send_bytes(payload)
            except OSError:  # the parent stopped reading (its consumer stopped early)
                return
    finally:
        conn.close()


def _pickled_error(exc: Exception) -> bytes:
    try:
        return pickle.dumps(("error", exc), pickle.HIGHEST_PROTOCOL)
    except Exception:  # an exception that does not pickle: its text
        failure = InboxtraceError(f"a bounce parsing worker failed: {type(exc).__name__}: {exc}")
        return pickle.dumps(("error", failure), pickle.HIGHEST_PROTOCOL)


def map_ordered(work: Callable[[In], Out], items: Iterable[In], workers: int) -> Iterator[Out]:
    """``work(item)`` for each item, computed in ``workers`` forked processes, in input order.

    ``work`` runs in the children: what it needs must be loaded before this call (forked
    children share the parent's memory). An exception in ``work`` is raised here; a worker that
    dies raises :class:`~inboxtrace.errors.InboxtraceError`.
    """
    ctx = multiprocessing.get_context("fork")
    conns: list[Connection] = []
    procs = []
    try:
        for _ in range(workers):
            parent_end, child_end = ctx.Pipe(duplex=True)
            conns.append(parent_end)
            proc = ctx.Process(target=_serve, args=(child_end, work, list(conns)), daemon=True)
            proc.start()
            child_end.close()
            procs.append(proc)
        chunks = enumerate(_chunked(iter(items), _CHUNK))
        busy: dict[Connection, int] = {}  # worker -> number of the chunk it is working on
        answers: dict[int, list[Any]] = {}  # answered chunks not yet handed out
        next_out = 0

        def feed(conn: Connection) -> None:
            # only an idle worker gets a chunk: it is reading, so the send never waits on it
            numbered = next(chunks, None)
            if numbered is not None:
                conn.send_bytes(pickle.dumps(numbered[1], pickle.HIGHEST_PROTOCOL))
                busy[conn] = numbered[0]

        for conn in conns:
            feed(conn)
        while busy:
            for ready in wait(list(busy)):
                assert isinstance(ready, Connection)
                answers[busy.pop(ready)] = _answer(ready)
                feed(ready)
            while next_out in answers:
                yield from answers.pop(next_out)
                next_out += 1
    finally:
        for conn in conns:
            conn.close()
        for proc in procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.terminate()
                proc.join()


def _answer(conn: Connection) -> list[Any]:
    try:
        status, value = pickle.loads(conn.recv_bytes())
    except EOFError:
        raise InboxtraceError(
            "a bounce parsing worker ended without an answer (killed, or out of memory?); "
            "--workers 1 parses in this process"
        ) from None
    if status != "ok":
        raise value  # the worker's own exception (an InboxtraceError stays one)
    result: list[Any] = value
    return result


def _chunked(items: Iterator[In], size: int) -> Iterator[list[In]]:
    while chunk := list(itertools.islice(items, size)):
        yield chunk


__all__ = ["map_ordered"]
