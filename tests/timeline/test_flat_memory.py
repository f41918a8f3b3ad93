"""What a read holds as the log grows: the messages still open wait packed, not as objects.

A long log keeps thousands of messages open at any time (most of them bounces' DSNs that wait a
day for a recipient, and deferrals). A parallel read carries those open at each piece's end to the
next piece; held as objects they made the reader's peak grow with the log (+16 MB from 1M to 5M
lines in ``benchmarks/bench_memory.py``). Peak memory itself is measured there, not here.
"""

from __future__ import annotations

import gc
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from inboxtrace.timeline import read_logs, reader, tails
from inboxtrace.timeline.assembler import _MSG_STATE, _RCPT_STATE, _Msg
from tests.conftest import generated_log


@pytest.fixture(scope="module")
def long_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated_log(tmp_path_factory.mktemp("flat") / "mail.log", 30000)


def _open_states(log: Path) -> list[Any]:
    """The states open near the end of a one-pass read of ``log`` (as its assembler holds them:
    the C core's where it is built, else plain ones)."""
    rd = read_logs([str(log)], jobs=1)
    for _ in rd:
        if rd._current is not None and rd._current[2] > 25000:
            break
    return list(rd._asm.open.values())


def _fields(st: Any) -> dict[str, Any]:
    out = {name: getattr(st, name) for name in _MSG_STATE}
    out["rcpts"] = {k: {n: getattr(r, n) for n in _RCPT_STATE} for k, r in st.rcpts.items()}
    return out


def test_an_open_message_packs_and_unpacks_to_the_same_state(long_log: Path) -> None:
    states = _open_states(long_log)
    assert len(states) > 100 and any(st.rcpts for st in states) and any(not st.rcpts for st in states)
    for st in states:
        back = tails.unpack_state(tails.pack_state(st))
        assert type(back) is _Msg
        assert _fields(back) == _fields(st)
    packed = tails.pack_open(states)
    assert [(key, born) for key, born, _ in packed] == [((st.host, st.qid), st.born) for st in states]


class Text(str):
    """A str subclass, as a caller's parser might give (marshal refuses it)."""


def test_a_value_marshal_cannot_carry_is_pickled() -> None:
    st = _Msg("postfix", "mx1", "ABC123", "mail.log", 7, True)
    st.sender = Text("a@example.org")
    blob = tails.pack_state(st)
    assert blob[:1] == b"p"
    back = tails.unpack_state(blob)
    assert back.sender == "a@example.org" and _fields(back) == _fields(st)


def test_open_messages_carried_packed_take_under_half_the_memory_of_their_objects(long_log: Path) -> None:
    states = [tails.unpack_state(tails.pack_state(st)) for st in _open_states(long_log)]
    blobs = [tails.pack_state(st) for st in states]
    del states
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        as_objects = [tails.unpack_state(b) for b in blobs]
        objects = tracemalloc.get_traced_memory()[0] - base
        keys = [(st.host, st.qid) for st in as_objects]
        del as_objects
        gc.collect()
        base = tracemalloc.get_traced_memory()[0]
        carry = tails.Carry()
        for key, blob in zip(keys, blobs, strict=True):
            carry.put(key, bytes(memoryview(blob)))  # (a copy: what the carry holds, counted)
        packed = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    assert len(carry) == len(keys) > 100
    assert packed * 2 < objects, (packed, objects)


def test_the_messages_a_parallel_read_carries_to_its_end_wait_packed(
    long_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At the end of a parallel read the messages still open (carried from every piece) are
    bytes until each is made, and the read still gives what one pass gives, verdicts included
    (the carried messages of later pieces are renumbered into the one table when taken)."""
    monkeypatch.setattr(reader, "PARALLEL_MIN_BYTES", 0)  # a small log cut into pieces all the same
    seen: list[tuple[int, set[type]]] = []
    drain = tails.Carry.drain

    def watched(self: tails.Carry) -> Any:
        seen.append((len(self), {type(v) for v in self._packed.values()}))
        return drain(self)

    monkeypatch.setattr(tails.Carry, "drain", watched)
    rd = read_logs([str(long_log)], jobs=3)  # three pieces: the later two renumbered
    parallel = sorted(map(_message_key, rd))
    assert len(seen) == 1
    carried, kinds = seen[0]
    assert carried > 100
    assert kinds <= {bytes, tuple}
    assert parallel == sorted(map(_message_key, read_logs([str(long_log)], jobs=1)))


def _message_key(m: Any) -> tuple[Any, ...]:
    return (
        m.host,
        m.queue_id,
        m.received,
        sorted(
            (
                d.recipient,
                d.final_state.value,
                tuple((a.status, a.reply, a.verdict.reason if a.verdict else None) for a in d.attempts),
            )
            for d in m.deliveries
        ),
    )


def test_the_last_piece_s_tail_is_held_only_by_its_merge(
    long_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bytes of the last piece's tail (megabytes on a long log) are referred to by nothing
    but the unpacking itself when they are unpacked: they are freed as soon as it is done, not
    kept beside the messages they become for the whole merge."""
    import pickle
    from types import SimpleNamespace

    monkeypatch.setattr(reader, "PARALLEL_MIN_BYTES", 0)  # a small log cut into pieces all the same
    holders: list[list[str]] = []

    def loads(data: Any) -> Any:
        if isinstance(data, memoryview) and bytes(data.obj[:1]) == b"P":
            referrers = [type(r).__name__ for r in gc.get_referrers(data.obj)]
            holders.append([name for name in referrers if name not in ("memoryview", "managedbuffer")])
        return pickle.loads(data)

    monkeypatch.setattr(
        reader, "pickle", SimpleNamespace(loads=loads, dumps=pickle.dumps, HIGHEST_PROTOCOL=5)
    )
    assert sum(1 for _ in read_logs([str(long_log)], jobs=2)) > 1000
    assert len(holders) == 1  # (the reader's own piece hands its tail over unpickled)
    assert holders[-1] == []


def _rejections(path: Path, count: int, repeat_every: int) -> Path:
    """``count`` never-queued rejections, one a second, each ``repeat_every``-th logged twice."""
    lines = []
    for n in range(count):
        ts = f"Mar 14 {n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}"
        line = (
            f"{ts} mx1 postfix/smtpd[{1000 + n % 7}]: NOQUEUE: reject: RCPT from unknown[203.0.113.45]: 450 4.7.1"
            f" Client host rejected: cannot find your hostname, [203.0.113.45]; from=<a@example.com>"
            f" to=<user{n}@example.org> proto=ESMTP helo=<unknown>\n"
        )
        lines.append(line * (2 if n % repeat_every == 0 else 1))
    path.write_text("".join(lines))
    return path


def test_the_window_of_never_queued_rejections_stays_small(tmp_path: Path) -> None:
    """The rejections remembered to number identical lines (the same event twice in one second)
    are the latest few thousand, whatever the log's length; identical lines still count apart."""
    log = _rejections(tmp_path / "mail.log", 12000, 100)
    rd = read_logs([str(log)], jobs=1)
    ids = [m.queue_id for m in rd]
    assert rd._asm is not None
    assert 0 < len(rd._asm._noqueue_seen) <= 2000
    assert len(ids) == 12120 and len(set(ids)) == len(ids)
    assert sum(1 for i in ids if i.endswith("-2")) == 120
