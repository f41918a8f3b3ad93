"""The execution layer's streaming: forked workers send a piece's items as they make them, with a
context they inherit (not pickled), the caller can take pieces itself, a worker that dies is an
error (never a hang), and a consumer that stops early leaves no worker behind."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from inboxtrace.errors import InboxtraceError
from inboxtrace.execution import context, runner


def _count(n: int) -> Iterator[tuple[int, int, int]]:
    """Items of piece ``n``: (piece, k, pid), each after waiting for the context's event."""
    step = context()["step"]
    for k in range(3):
        time.sleep(step)
        yield n, k, os.getpid()


def test_items_come_as_they_are_made_with_an_inherited_context() -> None:
    # a lock cannot be pickled: a forked worker inherits it with the rest of the context
    shared = {"step": 0.2, "lock": threading.Lock()}
    with runner("local:2", inherit=True, context=shared) as run:
        started = time.monotonic()
        stream = run.stream(_count, range(2))
        first = next(stream)
        waited = time.monotonic() - started
        rest = list(stream)
    assert waited < 0.5  # one item's time, not the piece's (0.6 s) or all pieces'
    items = [first, *rest]
    for piece in (0, 1):  # every item once, a piece's in order, each piece in one worker
        mine = [item for index, item in items if index == piece]
        assert [(n, k) for n, k, _ in mine] == [(piece, 0), (piece, 1), (piece, 2)]
        assert len({pid for _, _, pid in mine}) == 1 and mine[0][2] != os.getpid()


def test_a_streaming_worker_frees_its_memory_after_each_piece_but_the_last_handed_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker frees what a piece held while it waits for another; after the last piece handed
    out it ends instead (the caller may wait for its end), freeing nothing first."""
    from inboxtrace import execution

    freed = tmp_path / "freed"

    def release() -> None:  # (inherited by the forked worker)
        with freed.open("a") as f:
            f.write(f"{os.getpid()}\n")

    monkeypatch.setattr(execution, "release_memory", release)
    with runner("local:1", inherit=True, context={"step": 0.0}) as run:
        items = list(run.stream(_count, range(3)))
    assert sorted({index for index, _ in items}) == [0, 1, 2]
    assert len(freed.read_text().split()) == 2  # after pieces 0 and 1, not after piece 2
    assert {int(pid) for pid in freed.read_text().split()} == {items[0][1][2]}


def test_here_runs_the_first_pieces_in_the_caller() -> None:
    with runner("local:1", inherit=True, context={"step": 0.0}) as run:
        items = list(run.stream(_count, range(3), here=1))
    pids = {index: pid for index, (_, _, pid) in items}
    assert pids[0] == os.getpid() and pids[1] != os.getpid() and pids[2] != os.getpid()
    assert sorted(index for index, _ in items) == [0, 0, 0, 1, 1, 1, 2, 2, 2]


def test_inline_and_a_started_pool_give_the_same_items() -> None:
    with runner("inline", context={"step": 0.0}) as run:
        inline = sorted((i, n, k) for i, (n, k, _) in run.stream(_count, range(4)))
    with runner("local:2", context={"step": 0.0}) as run:  # started (spawn): the context is pickled
        spawned = sorted((i, n, k) for i, (n, k, _) in run.stream(_count, range(4)))
    assert inline == spawned and len(inline) == 12


def _dies_in_piece_3(n: int) -> Iterator[int]:
    yield n
    if n == 3:
        os._exit(3)  # as if the kernel had killed it half-way through the piece
    yield n


def test_a_worker_that_dies_mid_piece_is_an_error_not_a_hang() -> None:
    started = time.monotonic()
    with (
        pytest.raises(InboxtraceError, match="ended without an answer"),
        runner("local:2", inherit=True) as run,
    ):
        list(run.stream(_dies_in_piece_3, range(8)))
    assert time.monotonic() - started < 30


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _slow(n: int) -> Iterator[tuple[int, int]]:
    yield n, os.getpid()
    time.sleep(30)
    yield n, os.getpid()


def _stop_at_first(stream: Iterator[tuple[int, tuple[int, int]]]) -> None:
    for _, (_, pid) in stream:
        raise KeyError(pid)


def _children() -> set[int]:
    return {int(p) for p in os.listdir("/proc") if p.isdigit() and _ppid(int(p)) == os.getpid()}


def test_a_consumer_stopping_early_ends_the_workers_at_once() -> None:
    before = _children()  # (e.g. multiprocessing's resource tracker, which stays)
    started = time.monotonic()
    with pytest.raises(KeyError), runner("local:2", inherit=True) as run:
        _stop_at_first(run.stream(_slow, range(4)))  # in the middle of every worker's 30 s piece
    assert time.monotonic() - started < 15
    assert not [p for p in _children() - before if _alive(p)]


def _ppid(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return -1
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("PPid:")))


# -- workers started fresh (fresh=True): plain interpreters, none of this process's memory ----------


def _modules(n: int) -> Iterator[tuple[int, bool, bool]]:
    """Piece ``n``: whether the process it runs in loaded the work's module, and the test session's
    ``tests.conftest`` (which the work's module does not import)."""
    import sys

    yield n, __name__ in sys.modules, "tests.conftest" in sys.modules


def test_fresh_workers_stream_what_inline_gives_and_load_only_what_they_need() -> None:
    with runner("inline", context={"step": 0.0}) as run:
        inline = sorted((i, n, k) for i, (n, k, _) in run.stream(_count, range(5)))
    with runner("local:2", fresh=True, context={"step": 0.0}) as run:
        items = list(run.stream(_count, range(5), here=1))
    assert sorted((i, n, k) for i, (n, k, _) in items) == inline and len(inline) == 15
    pids = {i: pid for i, (_, _, pid) in items}
    assert pids[0] == os.getpid() and len(set(pids.values()) - {os.getpid()}) == 2
    # a fresh worker imported the work's module (this one), not what this process had loaded
    import sys

    assert "tests.conftest" in sys.modules
    with runner("local:1", fresh=True) as run:
        assert [item for _, item in run.stream(_modules, range(2))] == [(0, True, False), (1, True, False)]


def _square(n: int) -> int:
    return n * n


def test_fresh_workers_map_and_imap() -> None:
    with runner("local:2", fresh=True) as run:
        assert sorted(run.map(_square, range(6))) == [(i, i * i) for i in range(6)]
    with runner("local:2", fresh=True) as run:
        assert list(run.imap(_square, range(6))) == [i * i for i in range(6)]


def _fails_in_piece_2(n: int) -> Iterator[int]:
    yield n
    if n == 2:
        raise LookupError(f"piece {n}")
    yield n


def test_a_fresh_worker_that_dies_or_fails_is_an_error_and_none_is_left() -> None:
    before = _children()
    started = time.monotonic()
    with (
        pytest.raises(InboxtraceError, match="ended without an answer"),
        runner("local:2", fresh=True) as run,
    ):
        list(run.stream(_dies_in_piece_3, range(8)))
    with pytest.raises(LookupError, match="piece 2"), runner("local:2", fresh=True) as run:
        list(run.stream(_fails_in_piece_2, range(8)))
    with pytest.raises(KeyError), runner("local:2", fresh=True) as run:
        _stop_at_first(run.stream(_slow, range(4)))  # in the middle of every worker's 30 s piece
    assert time.monotonic() - started < 25
    assert not [p for p in _children() - before if _alive(p)]


def test_fresh_workers_end_as_soon_as_every_piece_is_handed_out() -> None:
    with runner("local:2", fresh=True, context={"step": 0.0}) as run:
        workers = [w.proc for w in run._fresh]
        stream = run.stream(_count, range(2), here=0)
        items = [next(stream) for _ in range(6)]  # every item; the stream not yet at its end
        for proc in workers:
            proc.wait(timeout=10)  # ended: no piece left for them
        assert list(stream) == []
    assert len(items) == 6


def test_a_context_fresh_workers_cannot_get_is_an_error_and_none_is_left() -> None:
    before = _children()
    with pytest.raises((TypeError, AttributeError)), runner("local:2", fresh=True, context=threading.Lock()):
        pass  # (a lock cannot be pickled)
    assert not [p for p in _children() - before if _alive(p)]
    assert context() is None


def test_a_consumer_leaving_fresh_workers_in_the_middle_of_a_piece_does_not_wait_for_it() -> None:
    started = time.monotonic()
    with runner("local:1", fresh=True) as run:
        for _ in run.stream(_slow, range(2)):  # the worker in the middle of its 30 s piece
            break
    assert time.monotonic() - started < 15
