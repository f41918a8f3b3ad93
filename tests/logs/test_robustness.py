"""Arbitrary input never stops a read and every line is accounted for; stdin and follow work."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from inboxtrace.logs import LogStats, Scanner, all_parsers
from inboxtrace.model import FinalState
from inboxtrace.sources import LineBlock
from inboxtrace.timeline import Assembler, read_logs
from tests.conftest import SHARED

REAL = SHARED / "corpus" / "logs" / "postfix-real-run" / "postfix.log"
PREFIXES = [
    "",
    "Nov 25 16:24:02 mx postfix/smtp[1]: ",
    "Nov 25 16:24:02 mx postfix/qmgr[1]: 1A2B3C4D: ",
    "Nov 25 16:24:02 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from ",
    "2025-03-14T00:00:00+01:00 mx postfix/cleanup[2]: 1A2B3C4D: ",
    "2025-03-14 10:00:00 1tsxYz-0001aB-Cd ",
    "Mar 14 10:00:00 mta sm-mta[1]: 2AEA0000012345: to=",
    "<22>1 ",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(PREFIXES), st.text(max_size=120)), max_size=30))
def test_any_lines_are_accounted(items: list[tuple[str, str]]) -> None:
    lines = [(p + t).replace("\n", " ").replace("\r", " ") for p, t in items]
    stats = LogStats()
    asm = Assembler(classify=lambda text, host: None)
    scanner = Scanner(all_parsers(), asm, stats)
    scanner.scan(LineBlock(0, 1, lines, [len(x) + 1 for x in lines], 0))
    asm.flush()
    assert stats.lines == len(lines)
    assert stats.lines == stats.events + sum(stats.ignored.values()) + stats.unknown


def test_gzip_on_stdin_like_stream() -> None:
    data = gzip.compress(REAL.read_bytes())
    stats = LogStats()
    messages = list(read_logs([io.BytesIO(data)], stats=stats))
    assert stats.unknown == 0 and stats.lines == REAL.read_text().count("\n")
    assert any(d.final_state is FinalState.EXPIRED for m in messages for d in m.deliveries)


def test_follow_yields_messages_as_they_complete(tmp_path: Path) -> None:
    lines = REAL.read_text().splitlines(keepends=True)
    log = tmp_path / "mail.log"
    log.write_text("".join(lines[:12]))
    polls = {"n": 0}

    def tick() -> bool:  # called on every idle poll: write more, then stop
        polls["n"] += 1
        if polls["n"] == 1:
            with log.open("a") as f:
                f.write("".join(lines[12:]))
        return polls["n"] >= 3

    reader = read_logs([log], follow=True, should_stop=tick, poll_interval=0.0)
    got = list(reader)
    whole = list(read_logs([REAL]))
    assert sorted(m.queue_id for m in got) == sorted(m.queue_id for m in whole)
    pos = reader.resume_position()
    assert pos is not None and pos.offset == log.stat().st_size


def test_progress_reaches_total(tmp_path: Path) -> None:
    reader = read_logs([REAL])
    assert reader.progress == (0, REAL.stat().st_size)
    list(reader)
    done, total = reader.progress
    assert done == total == REAL.stat().st_size
    assert reader.progress_by_source() == {str(REAL): (total, total)}


def test_sizes_and_counts_that_fit_no_column_are_no_numbers(tmp_path: Path) -> None:
    # a damaged size (too many digits for a 64-bit column, or a superscript digit) must not reach
    # the store as a number (it raised OverflowError in SQLite) nor stop the line
    log = tmp_path / "mail.log"
    log.write_text(
        "Mar 14 00:00:01 mx postfix/qmgr[3]: 4ABCDE: from=<a@b>, size=99999999999999999999999, nrcpt=1\n"
        "Mar 14 00:00:01 mx postfix/qmgr[3]: 4ABCDF: from=<a@b>, size=\u00b2, nrcpt=123456789012345678\n"
        "Mar 14 00:00:02 mx postfix/qmgr[3]: 4ABCDE: removed\n"
        "Mar 14 00:00:02 mx postfix/qmgr[3]: 4ABCDF: removed\n",
        "utf-8",
    )
    stats = LogStats()
    got = {m.queue_id: (m.size, m.nrcpt) for m in read_logs([log], stats=stats)}
    assert got == {"4ABCDE": (None, 1), "4ABCDF": (None, 123456789012345678)}
    assert stats.unknown == 0
