"""The short parallel read (:mod:`inboxtrace.bounces.forked`): the split, the order, the errors and
the children it leaves behind (none)."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from inboxtrace.bounces.forked import forked_read, shares
from inboxtrace.errors import InboxtraceError, InputError
from inboxtrace.workers import WORKER_DIED


def test_shares_are_consecutive_and_about_equal_by_size() -> None:
    units = list(range(10))
    sizes = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
    assert shares(units, sizes, 2) == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
    assert shares(units, sizes, 3) == [[0, 1, 2], [3, 4, 5, 6], [7, 8, 9]]
    # one big unit first: it is a share by itself
    assert shares(units, [9, 1, 1, 1, 1, 1, 1, 1, 1, 1], 2) == [[0], [1, 2, 3, 4, 5, 6, 7, 8, 9]]
    # the first share weighted half of the others'
    assert shares(units, sizes, 2, first=0.5) == [[0, 1, 2], [3, 4, 5, 6, 7, 8, 9]]
    # nothing, or sizes all unknown, still gives every unit once, in order
    assert shares([], [], 2) == [[], []]
    assert [u for share in shares(units, [0] * 10, 2) for u in share] == units


def _pids(share: list[int]) -> list[tuple[int, int]]:
    return [(n, os.getpid()) for n in share]


def _children() -> set[int]:
    """This process's child processes, ended-but-not-reaped ones included (of any thread)."""
    found: set[int] = set()
    for task in Path("/proc/self/task").iterdir():
        with contextlib.suppress(OSError):
            found.update(int(pid) for pid in (task / "children").read_text().split())
    return found


@pytest.fixture
def no_children_left() -> Callable[[], bool]:
    """Whether the read left no child behind (killed and reaped): the processes other tests of
    the session started (servers, pools) are not counted."""
    before = _children()
    return lambda: _children() <= before


@pytest.mark.parametrize("processes", [2, 3])
def test_every_process_reads_a_share_and_the_answers_come_in_order(
    processes: int, no_children_left: Callable[[], bool]
) -> None:
    got = list(forked_read(_pids, list(range(90)), [1] * 90, processes))
    assert [n for n, _ in got] == list(range(90))
    pids = [pid for _, pid in got]
    assert pids[0] == os.getpid() and len(set(pids)) == processes
    assert no_children_left()


def _refuses(share: list[int]) -> list[int]:
    if os.getpid() != _TEST_PID:
        raise InputError(f"unit {share[0]} unreadable")
    return share


_TEST_PID = os.getpid()


def test_a_childs_error_is_raised_here_with_its_type_in_its_turn(
    no_children_left: Callable[[], bool],
) -> None:
    seen: list[int] = []
    with pytest.raises(InputError, match="unit 5 unreadable"):
        seen.extend(forked_read(_refuses, list(range(10)), [1] * 10, 2))
    assert seen == [0, 1, 2, 3, 4]  # this process's share came first
    assert no_children_left()


def _dies(share: list[int]) -> list[int]:
    if os.getpid() != _TEST_PID:
        os.kill(os.getpid(), signal.SIGKILL)  # as if the kernel had killed it
    return share


def test_a_child_that_dies_gives_a_clear_error(no_children_left: Callable[[], bool]) -> None:
    with pytest.raises(InboxtraceError, match="ended without an answer") as failed:
        list(forked_read(_dies, list(range(10)), [1] * 10, 2))
    assert str(failed.value) == WORKER_DIED
    assert no_children_left()


@pytest.mark.parametrize("taken", [1, 50], ids=["in-this-share", "in-a-childs-share"])
def test_stopping_early_ends_the_children(taken: int, no_children_left: Callable[[], bool]) -> None:
    stream = forked_read(_pids, list(range(99)), [1] * 99, 3)
    got = [next(stream) for _ in range(taken)]
    assert [n for n, _ in got] == list(range(taken))
    assert (got[-1][1] == os.getpid()) is (taken == 1)
    stream.close()
    assert no_children_left()
