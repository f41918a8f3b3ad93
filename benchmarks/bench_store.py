"""The store alone: how fast timelines are written, re-written (idempotent) and queried.

Usage: .venv/bin/python benchmarks/bench_store.py [--lines N] [--no-postgres]

A log of N lines from ``tests/data/tools/gen_postfix_log.py`` is parsed once into Message records
(not timed); then, for SQLite (a temp file) and a real PostgreSQL 15 started for the run:

- fresh write: every message into an empty store (messages/s, and the log's lines/s equivalent),
- re-write: the same messages again (must add nothing; the cost of idempotency),
- report (all groupings) and one trace by recipient, and the store size.

For scale it runs Debian's ``pflogsumm`` on the same file and prints the store's lines/s as a
ratio to pflogsumm's whole run (pflogsumm stores nothing: the ratio shows what storage costs).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GEN = REPO / "tests" / "data" / "tools" / "gen_postfix_log.py"
sys.path.insert(0, str(REPO))


def _timed(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t


def bench_backend(name: str, url: str, messages: list, lines: int, pfl_lps: float | None) -> None:  # type: ignore[type-arg]
    from inboxtrace.report import build_report, build_trace
    from inboxtrace.store import open_store
    from inboxtrace.store.logs import write_messages

    with open_store(url) as store:
        counts, fresh = _timed(write_messages, store, messages)
        again, rewrite = _timed(write_messages, store, messages)
        report, t_report = _timed(build_report, store)
        rcpt = next(d.recipient for m in messages for d in m.deliveries if "@" in d.recipient)
        view, t_trace = _timed(build_trace, store, rcpt)
    assert again.new_messages == 0 and again.new_deliveries == 0 and again.attempts == 0, again
    assert view.found
    n = len(messages)
    lps = lines / fresh
    ratio = f"{lps / pfl_lps:5.2f}x" if pfl_lps else "   - "
    print(
        f"  {name:<11} fresh {fresh:6.2f} s {n / fresh:9,.0f} msg/s {lps:10,.0f} lines/s {ratio} | "
        f"re-write {rewrite:6.2f} s (adds {again.new_messages}) | report {t_report * 1000:6.0f} ms | "
        f"trace {t_trace * 1000:4.0f} ms"
    )
    print(
        f"  {'':<11} {counts.messages:,} messages, {counts.deliveries:,} recipients, "
        f"{counts.attempts:,} attempts; totals {report.to_dict()['totals']}"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=300_000)
    ap.add_argument("--no-postgres", action="store_true")
    args = ap.parse_args()
    from inboxtrace.timeline import read_logs

    tmp = Path(tempfile.mkdtemp(prefix="bench-store-"))
    try:
        log = tmp / "mail.log"
        with log.open("w") as f:
            subprocess.run([sys.executable, str(GEN), str(args.lines)], stdout=f, check=True)
        lines = sum(1 for _ in log.open("rb"))
        print(
            f"machine: {os.cpu_count()} CPUs; {lines:,} lines, {log.stat().st_size / 2**20:.0f} MB; "
            f"load {os.getloadavg()[0]:.2f} (compare only on an idle machine)"
        )
        pfl_lps = None
        if shutil.which("pflogsumm"):
            _, t = _timed(subprocess.run, ["pflogsumm", str(log)], stdout=subprocess.DEVNULL, check=True)
            pfl_lps = lines / t
            print(f"  pflogsumm   {t:6.2f} s {pfl_lps:,.0f} lines/s (whole run, nothing stored)")
        messages, t_parse = _timed(lambda: list(read_logs([str(log)])))
        print(f"  parse       {t_parse:6.2f} s {lines / t_parse:,.0f} lines/s ({len(messages):,} messages)")
        sqlite_db = tmp / "store.db"
        bench_backend("sqlite", f"sqlite:///{sqlite_db}", messages, lines, pfl_lps)
        print(f"  {'':<11} SQLite file {sqlite_db.stat().st_size / 2**20:.0f} MB")
        if not args.no_postgres:
            from tests.rigs.postgres import PostgresRig

            with PostgresRig.start() as pg:
                bench_backend("postgresql", pg.url, messages, lines, pfl_lps)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
