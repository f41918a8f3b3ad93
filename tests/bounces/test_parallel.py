"""Parsing in several processes gives what one process gives, in the same order.

The processes are those of :mod:`inboxtrace.bounces.forked` (up to ``_FORK_MAX`` messages) or of
:mod:`inboxtrace.execution` (local, forked: ``Runner.imap``); a Dask cluster runs the same pieces
(tests/integration/test_bounces_dask.py)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from types import GeneratorType
from typing import TypeVar

import pytest

from inboxtrace.bounces import iter_paths, read_bounces, sources
from inboxtrace.bounces.sources import RawMessage
from inboxtrace.errors import InboxtraceError, InputError
from inboxtrace.execution import Runner, runner
from inboxtrace.model.bounce import BounceReport
from tests.bounces.conftest import CORPUS

In = TypeVar("In")
Out = TypeVar("Out")


def _summary(reports: list[BounceReport]) -> list[tuple[object, ...]]:
    return [
        (
            r.source,
            r.format,
            r.kind,
            r.error,
            r.digest,
            tuple((x.recipient, x.verdict.reason, x.verdict.hard_bounce, x.status) for x in r.recipients),
        )
        for r in reports
    ]


@pytest.mark.parametrize("pool", [False, True], ids=["forked", "pool"])
@pytest.mark.parametrize("workers", [0, 2, 3])
def test_workers_give_the_single_process_result_in_order(
    workers: int, pool: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if pool:
        monkeypatch.setattr(sources, "_FORK_MAX", 0)
    paths = sorted((CORPUS / "emails").iterdir()) + sorted((CORPUS / "not-bounces").iterdir())
    one = list(read_bounces(iter_paths(paths), workers=1))
    many = list(read_bounces(iter_paths(paths), workers=workers))
    assert len(one) >= 430
    assert _summary(many) == _summary(one)
    assert many == one  # the whole records, verdicts and returned originals included


def test_workers_read_the_files_themselves_in_order(tmp_path: Path) -> None:
    """iter_paths hands read_bounces the file names: mboxes, a missing path and plain files mixed
    give, from the workers, what one process reading them gives."""
    from tests.bounces.samples import dsn, vacation

    folder = tmp_path / "box"
    folder.mkdir()
    for i in range(60):
        (folder / f"{i:03d}.eml").write_bytes(dsn(f"r{i}@example.org"))
    mbox = tmp_path / "more.mbox"
    parts = [dsn("a@example.org"), vacation(), dsn("b@example.org")]
    mbox.write_bytes(b"".join(b"From MAILER-DAEMON  Thu Jan  1 10:05:00 2026\n" + p + b"\n" for p in parts))
    paths = [folder, tmp_path / "missing.eml", mbox, folder / "007.eml"]
    one = list(read_bounces(iter_paths(paths), workers=1))
    many = list(read_bounces(iter_paths(paths), workers=2))
    assert [r.source for r in one][60:63] == [str(tmp_path / "missing.eml"), f"{mbox}#1", f"{mbox}#2"]
    assert len(one) == 65 and many == one
    assert list(iter_paths(paths)) != [] and [r.source for r in read_bounces(iter_paths(paths))] == [
        r.source for r in one
    ]


def test_unreadable_items_stay_in_place() -> None:
    items = [
        RawMessage("a.eml", b"From: x@example.org\nSubject: hello\n\nhi\n"),
        RawMessage("missing.eml", error="cannot read: No such file"),
        RawMessage("junk.bin", b"\x00\x01\x02 binary"),
    ] * 20
    reports = list(read_bounces(items, workers=2))
    assert [r.source for r in reports] == [i.source for i in items]
    assert reports[1].error == "cannot read: No such file"
    assert reports[2].error is not None and "binary" in reports[2].error


def _slow_for_small(n: int) -> tuple[int, int]:
    time.sleep(0.002 if n % 7 == 0 else 0)  # answers finish out of order
    return n, os.getpid()


def map_ordered(work: Callable[[In], Out], items: Iterable[In], workers: int) -> list[Out]:
    with runner(f"local:{workers}", inherit=True) as run:
        return list(run.imap(work, items))


def test_imap_keeps_the_order_and_uses_the_workers() -> None:
    results = map_ordered(_slow_for_small, range(300), 3)
    assert [n for n, _ in results] == list(range(300))
    pids = {pid for _, pid in results}
    assert len(pids) == 3 and os.getpid() not in pids


def _slow_pid(n: int) -> tuple[int, int]:
    time.sleep(0.004)  # long enough that the caller finds the worker's oldest piece unfinished
    return n, os.getpid()


def test_a_shared_imap_runs_pieces_here_too_and_keeps_the_order() -> None:
    with runner("local:1", inherit=True) as run:
        results = list(run.imap(_slow_pid, range(120), share=True))
    assert [n for n, _ in results] == list(range(120))
    here = [n for n, pid in results if pid == os.getpid()]
    assert 0 < len(here) <= 118  # both sides worked (the worker at least on the two it was sent)
    assert len({pid for _, pid in results}) == 2


_TEST_PID = os.getpid()  # (a forked worker keeps the value: the parent's)


def _fails_here(n: int) -> int:
    time.sleep(0.004)
    if os.getpid() == _TEST_PID:
        raise ValueError(f"piece {n}")
    return n


def test_a_shared_imap_raises_a_failure_here_in_its_turn() -> None:
    seen: list[int] = []
    with runner("local:1", inherit=True) as run, pytest.raises(ValueError, match=r"piece \d+") as failed:
        seen.extend(run.imap(_fails_here, range(100), share=True))
    # the first piece run here failed: every earlier answer (the worker's) came first, in order
    assert seen == list(range(len(seen))) and 0 < len(seen) < 100
    assert str(failed.value) == f"piece {len(seen)}"


def _fails_on_13(n: int) -> int:
    if n == 13:
        raise ValueError("thirteen")
    return n


def test_a_worker_failure_is_raised_in_the_parent() -> None:
    with pytest.raises(ValueError, match="thirteen"):
        map_ordered(_fails_on_13, range(100), 2)


def _refuses_to_read(item: RawMessage) -> BounceReport:
    raise InputError(f"{item.source}: unreadable")


def test_an_inboxtrace_error_keeps_its_type() -> None:
    # the CLI turns InboxtraceErrors into a one-line message: a worker must not make them tracebacks
    with pytest.raises(InputError, match=r"b\.eml: unreadable"):
        map_ordered(_refuses_to_read, [RawMessage("b.eml", b"x")], 2)


def test_stopping_early_ends_the_workers() -> None:
    with runner("local:2", inherit=True) as run:
        gen = run.imap(_slow_for_small, range(10_000))
        assert next(gen)[0] == 0
        gen.close()  # the consumer stops: what was submitted is cancelled, nothing hangs
    # a stop in the middle of a big input
    stream = read_bounces(
        (RawMessage(f"{i}.eml", b"From: x@example.org\n\nhi\n") for i in range(100_000)), workers=2
    )
    assert next(stream).source == "0.eml"
    assert isinstance(stream, GeneratorType)
    stream.close()


def test_auto_parses_a_few_messages_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_processes(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("processes started for five messages")

    monkeypatch.setattr(Runner, "imap", no_processes)
    monkeypatch.setattr(sources, "forked_read", no_processes)
    items = [RawMessage(f"{i}.eml", b"From: x@example.org\nSubject: hi\n\nhello\n") for i in range(5)]
    reports = list(read_bounces(items, workers=0))
    assert [r.source for r in reports] == [i.source for i in items]
    with pytest.raises(AssertionError, match="processes started"):  # and a big input does use them
        list(read_bounces(items * 20, workers=0))


def test_up_to_the_fork_limit_one_fork_and_beyond_it_the_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    used: list[str] = []
    real_forked, real_imap = sources.forked_read, Runner.imap

    def forked(*args: object, **kwargs: object) -> object:
        used.append("forked")
        return real_forked(*args, **kwargs)  # type: ignore[arg-type]

    def imap(*args: object, **kwargs: object) -> object:
        used.append("pool")
        return real_imap(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sources, "forked_read", forked)
    monkeypatch.setattr(Runner, "imap", imap)
    monkeypatch.setattr(sources, "_FORK_MAX", 60)
    items = [RawMessage(f"{i}.eml", b"From: x@example.org\nSubject: hi\n\nhello\n") for i in range(60)]
    assert [r.source for r in read_bounces(items, workers=2)] == [i.source for i in items]
    more = [*items, RawMessage("60.eml", b"From: x@example.org\n\nhi\n")]
    assert [r.source for r in read_bounces(more, workers=2)] == [i.source for i in more]
    assert used == ["forked", "pool"]


def _dies_on_7(n: int) -> int:
    if n == 7:
        os._exit(3)  # as if the kernel had killed it
    return n


def test_a_worker_that_dies_gives_a_clear_error() -> None:
    with pytest.raises(InboxtraceError, match="ended without an answer"):
        map_ordered(_dies_on_7, range(100), 2)


def test_reports_travel_between_processes_by_their_fields_and_arrive_equal() -> None:
    import copyreg
    import pickle

    from inboxtrace.model.bounce import BounceRecipient, ReturnedMessage
    from inboxtrace.model.reply import Verdict

    for cls in (BounceReport, BounceRecipient, ReturnedMessage, Verdict):
        assert cls in copyreg.dispatch_table
    paths = sorted((CORPUS / "emails").iterdir())
    reports = list(read_bounces(iter_paths(paths), workers=1))
    assert sum(1 for r in reports if r.original is not None) > 100
    assert pickle.loads(pickle.dumps(reports, protocol=pickle.HIGHEST_PROTOCOL)) == reports
