"""Every pattern that sees text a sender or a remote server wrote runs in time linear in its length.

One hostile message must not stall an ingest: a reply, a Diagnostic-Code or a log line eight
times longer may take about eight times as long, never the square of it. Each case is timed at
two sizes (best of several runs, each on a fresh text so no cache answers); a growth of more than
``LIMIT`` for 8x the input fails. Linear code measures about 8, quadratic code about 64.
"""

from __future__ import annotations

import contextlib
import io
import random
import time
from collections.abc import Callable

import pytest

from inboxtrace.bounces import parse_bounce
from inboxtrace.codes import classify, find_reply
from inboxtrace.errors import NotAReplyError
from inboxtrace.explain import explain_reply
from inboxtrace.logs.stats import LogStats
from inboxtrace.timeline import read_logs

SMALL = 6_000
GROWTH = 8
LIMIT = 30.0

_rnd = random.Random(17)
# runs of one character class, which make a backtracking pattern rescan the rest at every position
SHAPES: dict[str, Callable[[int], str]] = {
    "word": lambda n: "a" * n,
    "dotted": lambda n: "a." * (n // 2),
    "at-signs": lambda n: "a@" * (n // 2),
    "spaces": lambda n: "x" + " " * n + "y",
    "parentheses": lambda n: "(" * n,
    "angle brackets": lambda n: "<" * n,
    "digits": lambda n: "1" * n,
    "random token": lambda n: "".join(_rnd.choice("abcdef.-_=+0123456789") for _ in range(n)),
    "phase words": lambda n: "(in reply to " * (n // 13),
}


def _reply(body: str, salt: int) -> str:
    return f"550 5.1.1 <rcpt{salt}@example.org>: {body}"


def _classify(body: str, salt: int) -> None:
    with contextlib.suppress(NotAReplyError):
        classify(_reply(body, salt))


def _explain(body: str, salt: int) -> None:
    with contextlib.suppress(NotAReplyError):
        explain_reply(_reply(body, salt))


def _find(body: str, salt: int) -> None:
    find_reply(f"host mx{salt}.example.org[192.0.2.1] said: " + _reply(body, salt))


def _bounce(body: str, salt: int) -> None:
    raw = (
        f"From: MAILER-DAEMON@mx{salt}.example.com\nTo: a@example.com\nSubject: Undelivered Mail\n"
        'MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary="B"\n\n'
        "--B\nContent-Type: text/plain\n\nDelivery failed: " + body + "\n--B\n"
        "Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.com\n\n"
        f"Final-Recipient: rfc822; bob{salt}@example.org\nAction: failed\nStatus: 5.1.1\n"
        f"Diagnostic-Code: smtp; 550 5.1.1 {body}\n\n--B--\n"
    )
    parse_bounce(raw.encode())


def _log(body: str, salt: int) -> None:
    line = (
        f"Mar 14 00:00:{salt % 60:02d} mx1 postfix/smtp[1]: ABCDEF{salt:05d}: to=<bob@example.org>, "
        "relay=mx.example.org[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced "
        f"(host mx.example.org[192.0.2.1] said: 550 5.1.1 {body} (in reply to RCPT TO command))\n"
    )
    list(read_logs([io.BytesIO(line.encode() * 4)], stats=LogStats()))


TARGETS: dict[str, Callable[[str, int], None]] = {
    "classify": _classify,
    "explain": _explain,
    "find_reply": _find,
    "bounce": _bounce,
    "log line": _log,
}

_salts = iter(range(10**9))


def _best(target: Callable[[str, int], None], body: str, runs: int = 3) -> float:
    """The least CPU time of ``runs`` calls: this process's own CPU, which other processes
    competing for the cores (a loaded CI machine) do not inflate the way they inflate wall time."""
    best = float("inf")
    for _ in range(runs):
        salt = next(_salts)
        started = time.process_time()
        target(body, salt)
        best = min(best, time.process_time() - started)
    return best


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("target", sorted(TARGETS))
def test_time_grows_linearly_with_hostile_text(target: str, shape: str) -> None:
    run = TARGETS[target]
    make = SHAPES[shape]
    small, big = make(SMALL), make(SMALL * GROWTH)
    run(small, next(_salts))  # load the knowledge files first
    floor = 2e-3  # below this, constant costs dominate: take it as the small time
    t_small = max(_best(run, small), floor)
    t_big = _best(run, big)
    assert t_big / t_small < LIMIT, f"{target}, {shape}: {t_small:.4f}s -> {t_big:.4f}s for {GROWTH}x"
