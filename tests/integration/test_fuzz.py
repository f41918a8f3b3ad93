"""Fuzzing with a time budget per case: mutated real log lines (read, assembled and made into the
store's rows), SMTP replies (classified, explained) and mutated real bounce messages (parsed)
never raise anything but inboxtrace's own errors, and each case finishes within ``BUDGET``
seconds however hostile: no traceback, no hang."""

from __future__ import annotations

import contextlib
import io
import time
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inboxtrace.bounces import parse_bounce
from inboxtrace.codes import classify
from inboxtrace.errors import NotAReplyError
from inboxtrace.explain import explain_reply
from inboxtrace.logs.stats import LogStats
from inboxtrace.model import BounceKind, BounceReport
from inboxtrace.store.logs import RowMaker
from tests.conftest import SHARED

BUDGET = 3.0  # seconds per case, on a shared 2-core machine (a real case takes milliseconds)

LOG = SHARED / "corpus" / "logs" / "postfix-real-run" / "postfix.log"
LOG_LINES = LOG.read_bytes().splitlines(keepends=True)
BOUNCES = sorted((SHARED / "corpus" / "bounces" / "emails").glob("*.eml"))

_junk = st.binary(max_size=300) | st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass"))
_hostile = st.sampled_from(
    [
        b"\x1b]0;x\x07",
        b"\xc2\x9b",
        b"\x00",
        b"\r",
        b"(" * 5000,
        b"a" * 70_000,
        b"a@" * 20_000,
        b" " * 20_000,
        b"=?utf-8?b?" * 1000,
        b"\n--b\n",
        b"Content-Type: multipart/mixed; boundary=b\n\n",
    ]
)


@st.composite
def _mutated(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` cut, spliced with junk or hostile runs, with a slice repeated or bytes flipped."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(out)))
        op = draw(st.sampled_from(["cut", "insert", "hostile", "repeat", "flip"]))
        if op == "cut":
            del out[at:]
        elif op == "insert":
            out[at:at] = draw(_junk)
        elif op == "hostile":
            out[at:at] = draw(_hostile)
        elif op == "repeat":
            end = draw(st.integers(at, min(len(out), at + 2000)))
            out[at:at] = out[at:end] * draw(st.integers(1, 20))
        elif out:
            i = min(at, len(out) - 1)
            out[i] ^= draw(st.integers(1, 255))
    return bytes(out)


def _timed(work: Callable[[], object]) -> object:
    started = time.perf_counter()
    result = work()
    spent = time.perf_counter() - started
    assert spent < BUDGET, f"{spent:.2f}s for one case"
    return result


_fuzz = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def _log_piece(draw: st.DrawFn) -> bytes:
    start = draw(st.integers(0, len(LOG_LINES) - 1))
    piece = b"".join(LOG_LINES[start : start + draw(st.integers(1, 40))])
    return draw(_mutated(piece))


@_fuzz
@given(data=_log_piece())
def test_mutated_log_lines(data: bytes) -> None:
    from inboxtrace.timeline import read_logs

    stats = LogStats()

    def work() -> list[object]:
        return list(read_logs([io.BytesIO(data)], stats=stats, transform=RowMaker()))

    _timed(work)
    assert stats.lines == stats.events + sum(stats.ignored.values()) + stats.unknown


_reply_text = st.one_of(
    st.text(max_size=400),
    st.builds(
        lambda code, body, hostile: f"{code} {body}{hostile.decode('latin-1')}",
        st.sampled_from(["550 5.1.1", "421-4.7.0", "250 2.0.0", "452", "5.7.1", "host x[1.2.3.4] said: 550"]),
        st.text(max_size=300),
        _hostile,
    ),
)


@_fuzz
@given(text=_reply_text)
def test_replies(text: str) -> None:
    def work() -> None:
        for call in (classify, explain_reply):
            with contextlib.suppress(NotAReplyError):
                call(text)

    _timed(work)


@_fuzz
@given(data=st.sampled_from(BOUNCES).flatmap(lambda p: _mutated(p.read_bytes())))
def test_mutated_bounces(data: bytes) -> None:
    report = _timed(lambda: parse_bounce(data, "fuzz.eml"))
    assert isinstance(report, BounceReport)
    assert report.kind is not BounceKind.ERROR or report.error


@pytest.mark.parametrize("depth", [500, 5000])
def test_deeply_nested_multiparts_are_a_per_message_error(depth: int) -> None:
    head = "From: MAILER-DAEMON@example.com\nTo: a@example.com\nSubject: Undelivered\nMIME-Version: 1.0\n"
    opening = "".join(f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n' for i in range(depth))
    closing = "".join(f"--b{i}--\n" for i in reversed(range(depth)))
    raw = (head + opening + "Content-Type: text/plain\n\nhello\n" + closing).encode()
    report = _timed(lambda: parse_bounce(raw, "nested.eml"))
    assert isinstance(report, BounceReport) and report.kind is BounceKind.ERROR and report.error


def test_the_corpus_is_there() -> None:
    assert len(BOUNCES) > 100 and len(LOG_LINES) > 20
