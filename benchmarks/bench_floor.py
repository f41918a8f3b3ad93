"""What CPython cannot go below on the log benchmark, beside pflogsumm on the same file.

Usage: .venv/bin/python benchmarks/bench_floor.py [--lines N] [--log FILE]

The log issue asks for 3x pflogsumm's lines/s with full timelines stored. This script measures,
on the same generated log and in the same run, the cost of steps every Python implementation
has to take, each done in the cheapest way CPython offers, with no parsing logic at all:

- read the file and split it into str lines,
- visit each line once with a single substring search and a dict update (the least a dispatch
  can do; a real Postfix parser does several such steps per line),
- store one row per message and one per recipient with ``sqlite3.executemany`` from tuples that
  already exist (as many rows as ``inboxtrace ingest`` stores for this log; the columns of the
  two tables, short text values),

and prints their sum in CPU seconds (and, beside it, what inboxtrace's own parse of the same lines
costs, to compare with the per-line floor: the compiled fast path does all of a Postfix line's
parsing in under twice what plain CPython needs for one substring test and one dict update) against pflogsumm's time divided by 3: the budget the target
leaves for two cores. The floors are lower bounds: real work (parsing the fields, assembling
messages, classifying replies, making the JSON of the attempts) comes on top, and so do the costs
of using two cores (handing rows between processes, merging messages cut by a chunk boundary).
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GEN = REPO / "tests" / "data" / "tools" / "gen_postfix_log.py"


def read_and_split(path: Path) -> list[str]:
    with path.open("rb") as f:
        return f.read().decode("ascii", "surrogateescape").split("\n")


def one_dispatch(lines: list[str]) -> int:
    seen: dict[str, int] = {}
    for line in lines:
        i = line.find(": ", 30)
        if i > 0:
            key = line[i - 11 : i]
            seen[key] = seen.get(key, 0) + 1
    return len(seen)


class _NoSink:
    """An event sink that keeps nothing: what the parse alone costs."""

    mta = ""

    def __init__(self) -> None:
        from inboxtrace.logs.clock import Clock

        self.clock = Clock()  # the scanner checks each timestamp, as in a real read

    def client(self, *args: object) -> None: ...
    def pickup(self, *args: object) -> None: ...
    def message_id(self, *args: object) -> None: ...
    def queued(self, *args: object) -> None: ...
    def arrival(self, *args: object) -> None: ...
    def delivery(self, *args: object) -> None: ...
    def note(self, *args: object) -> None: ...
    def expired(self, *args: object) -> None: ...
    def removed(self, *args: object) -> None: ...
    def notification(self, *args: object) -> None: ...
    def reject(self, *args: object) -> None: ...
    def tls(self, *args: object) -> None: ...


def real_parse(lines: list[str]) -> str:
    """Parse the lines as ``inboxtrace`` does (envelopes, dispatch, the Postfix parser) into a
    sink that keeps nothing, in blocks of 8192 lines; returns which implementation ran."""
    from inboxtrace.logs import LogStats
    from inboxtrace.logs.registry import all_parsers
    from inboxtrace.logs.scanner import Scanner
    from inboxtrace.native import implementation
    from inboxtrace.sources.lines import LineBlock

    scanner = Scanner(all_parsers(), _NoSink(), LogStats())  # type: ignore[arg-type]
    for i in range(0, len(lines), 8192):
        part = lines[i : i + 8192]
        scanner.scan(LineBlock(0, i + 1, part, [], 0))
    return implementation()


Row = tuple[object, ...]


def make_rows(messages: int, recipients: int) -> tuple[list[Row], list[Row]]:
    """Rows shaped like the two log tables (17 and 19 columns), with short realistic values."""
    m_rows: list[Row] = [
        (f"mx1:{i:011X}", "postfix", "mx1", f"{i:011X}", 1.7e9, 1.7e9, 1.7e9, 1.7e9, "s@example.com",
         "<id@example.com>", 48300, 1, "app1.example.com", "10.0.0.11", None, None, "/var/log/mail.log")
        for i in range(messages)
    ]  # fmt: skip
    d_rows: list[Row] = [
        (f"mx1:{i:011X}", f"user{i}@example.net", None, "example.net", "delivered", 1.7e9, 1.7e9,
         "2025-03-14", "sent", "250 2.0.0 OK  fc4a15544d - gsmtp", "2.0.0", "mx.example.net",
         "delivered", 0, "gmail", None, "fc4a15544d", 1, "[[1.7e9,'sent']]")
        for i in range(recipients)
    ]  # fmt: skip
    return m_rows, d_rows


def store_rows(db: Path, m_rows: list[Row], d_rows: list[Row]) -> None:
    con = sqlite3.connect(db)
    con.execute("pragma journal_mode=off")
    con.execute("pragma synchronous=off")
    con.execute("create table m (k text primary key, " + ", ".join(f"c{i}" for i in range(16)) + ")")
    cols = ", ".join(f"c{i}" for i in range(17))
    con.execute(f"create table d (k text, r text, {cols}, primary key (k, r))")
    con.executemany(f"insert into m values ({', '.join('?' * 17)})", m_rows)
    con.executemany(f"insert into d values ({', '.join('?' * 19)})", d_rows)
    con.commit()
    con.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--log", type=Path, help="an existing log instead of a generated one")
    parser.add_argument("--messages", type=int, default=150_825, help="rows inboxtrace stores (1M lines)")
    parser.add_argument("--recipients", type=int, default=146_567)
    args = parser.parse_args()
    pflogsumm = shutil.which("pflogsumm")
    if pflogsumm is None:
        sys.exit("pflogsumm is not installed (apt-get install pflogsumm)")
    with tempfile.TemporaryDirectory() as tmp:
        log = args.log
        if log is None:
            log = Path(tmp) / "maillog"
            with log.open("wb") as out:
                subprocess.run([sys.executable, str(GEN), str(args.lines)], stdout=out, check=True)
        start = time.perf_counter()
        subprocess.run([pflogsumm, str(log)], stdout=subprocess.DEVNULL, check=True)
        reference = time.perf_counter() - start
        t0 = time.process_time()
        lines = read_and_split(log)
        t1 = time.process_time()
        one_dispatch(lines)
        t2 = time.process_time()
        which = real_parse(lines)
        t_parse = time.process_time() - t2
        t_read, t_loop = t1 - t0, t2 - t1
        n = len(lines) - (lines[-1] == "")
        del lines
        m_rows, d_rows = make_rows(args.messages, args.recipients)
        db = Path(tmp) / "floor.db"
        t3 = time.process_time()
        store_rows(db, m_rows, d_rows)
        t_store = time.process_time() - t3
    total = t_read + t_loop + t_store
    budget = reference / 3
    print(f"log: {n:,} lines; pflogsumm {reference:.2f} s = {n / reference:,.0f} lines/s")
    print(f"  read + split into lines          {t_read:6.2f} CPU s")
    print(f"  one substring test + dict a line {t_loop:6.2f} CPU s")
    print(
        f"  executemany of the stored rows   {t_store:6.2f} CPU s  ({args.messages:,} + {args.recipients:,} rows)"
    )
    print(f"  floor, summed                    {total:6.2f} CPU s")
    print(f"beside the floor: inboxtrace's whole parse of these lines (no assembly) {t_parse:.2f} CPU s")
    print(f"  ({which})")
    print(f"target 3x pflogsumm leaves {budget:.2f} s of wall time = {2 * budget:.2f} CPU s on 2 cores")
    print(f"the floor alone uses {100 * total / (2 * budget):.0f}% of it, with perfect use of both cores")


if __name__ == "__main__":
    main()
