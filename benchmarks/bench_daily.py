"""The daily case: ingesting a log into a store that already holds another one, against pflogsumm.

Usage: .venv/bin/python benchmarks/bench_daily.py [--base LOG] [--next LOG] [--lines N] [--dir DIR]
       [--repeat N] [--no-pflogsumm] [--set MODULE.NAME=NUMBER ...]

A user's store is loaded once and then grows by a log a day, so the second ingest, into a store
whose indexes are already big, is the one users pay for every day. This script:

1. stores ``--base`` (default ``/tmp/s6/logs/classic.log``, 1M lines) into an empty SQLite store
   under ``--dir`` once (kept as ``base.db``, reused by later runs of the script when it exists),
2. for each of ``--repeat`` rounds: copies that store and runs ``inboxtrace ingest`` of ``--next``
   (default ``/tmp/s6/logs/rfc3339-long-ids.log``: another 1M lines, other queue ids) into the
   copy, and ``pflogsumm`` on ``--next`` in the same round,

and prints, for the second ingest and pflogsumm, wall time, CPU seconds of the whole process tree
(user+sys, workers included), user and system apart, peak RSS of the tree, the ratios, and the
load average. ``--lines N`` ingests only the first N lines of ``--next`` (a smaller daily log);
``--set`` runs the ingest with a module constant changed, to compare settings in the same window
(``inboxtrace.store.logs.DEFER_SHARE=inf``: the trace indexes kept, as before they were deferred
for a large daily ingest). Run on a quiet machine and compare CPU-seconds of runs made in the same window.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_logs import Run, count_lines, run

BASE = Path("/tmp/s6/logs/classic.log")
NEXT = Path("/tmp/s6/logs/rfc3339-long-ids.log")
OUT = Path("/tmp/s9/daily")


@dataclass
class Timed:
    run: Run
    user: float  # CPU seconds of the tree in user mode (from this process's reaped children)
    sys: float  # ... in the kernel


def timed(name: str, argv: list[str]) -> Timed:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    r = run(name, argv)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return Timed(r, after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime)


# the command line with module constants changed (--set), to compare settings in the same window
SETTING = "import importlib; setattr(importlib.import_module({!r}), {!r}, {}({!r}))"
CONSOLE = "import sys; from inboxtrace.cli import console; sys.argv[0] = 'inboxtrace'; sys.exit(console())"


def _cli_with(settings: list[str]) -> list[str]:
    lines = []
    for setting in settings:
        name, _, value = setting.partition("=")
        module, _, attr = name.rpartition(".")
        kind = "int" if value.lstrip("-").isdigit() else "float"
        lines.append(SETTING.format(module, attr, kind, value))
    return [sys.executable, "-c", "; ".join([*lines, CONSOLE])]


def _cli() -> list[str]:
    return [str(Path(sys.executable).parent / "inboxtrace")]


def _copy_store(src: Path, dst: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        target = Path(f"{dst}{suffix}")
        target.unlink(missing_ok=True)
        source = Path(f"{src}{suffix}")
        if source.exists():
            shutil.copyfile(source, target)


def _base_store(base: Path, out: Path) -> Path:
    db = out / "base.db"
    stamp = out / "base.json"
    if db.exists() and stamp.exists() and json.loads(stamp.read_text()).get("log") == str(base):
        return db
    _copy_store(out / "missing", db)  # removes a stale one
    first = run("first ingest", [*_cli(), "ingest", "--db", f"sqlite:///{db}", "--json", "-q", str(base)])
    if first.returncode != 0:
        raise SystemExit("the first ingest failed")
    print(f"  base store: {base} in {first.wall:.1f} s wall, {first.cpu:.2f} CPU-s (first ingest)")
    stamp.write_text(json.dumps({"log": str(base)}))
    return db


def _line(name: str, t: Timed, lines: int, ref: Timed | None) -> str:
    r = t.run
    ratio = f"{r.cpu / ref.run.cpu:7.2f}" if ref is not None and ref.run.cpu else "      -"
    return (
        f"  {name:<16} {r.wall:8.2f} {lines / r.wall:10,.0f} {r.cpu:7.2f} {t.user:7.2f} {t.sys:7.2f} "
        f"{r.peak_rss_kb / 1024:8.0f} {ratio}"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=Path, default=BASE)
    ap.add_argument("--next", type=Path, default=NEXT)
    ap.add_argument("--dir", type=Path, default=OUT)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--no-pflogsumm", action="store_true")
    ap.add_argument("--lines", type=int, help="only the first LINES lines of --next (a smaller daily log)")
    ap.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="MODULE.NAME=NUMBER",
        help="run the ingest with this module constant changed, e.g. inboxtrace.store.logs.DEFER_SHARE=inf "
        "(the indexes kept) or inboxtrace.store.core.CACHE_KIB=65536",
    )
    args = ap.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    if args.lines:
        head = args.dir / f"{args.next.stem}-{args.lines}.log"
        if not head.exists():
            with args.next.open("rb") as src, head.open("wb") as dst:
                dst.writelines(itertools.islice(src, args.lines))
        args.next = head
    lines = count_lines(args.next)
    cli = _cli_with(args.set) if args.set else _cli()
    print(
        f"machine: {os.cpu_count()} CPUs; load {os.getloadavg()[0]:.2f}; next log {args.next} ({lines:,} lines)"
        + "".join(f"; {s}" for s in args.set)
    )
    base = _base_store(args.base, args.dir)
    db = args.dir / "daily.db"
    print(
        f"  {'':<16} {'wall s':>8} {'lines/s':>10} {'CPU s':>7} {'user':>7} {'sys':>7} {'RSS MB':>8} {'CPU/pfl':>7}"
    )
    for _ in range(args.repeat):
        ref = None if args.no_pflogsumm else timed("pflogsumm", ["pflogsumm", str(args.next)])
        _copy_store(base, db)
        daily = timed(
            "daily ingest", [*cli, "ingest", "--db", f"sqlite:///{db}", "--json", "-q", str(args.next)]
        )
        if daily.run.returncode != 0:
            return 1
        summary = json.loads(daily.run.stdout)
        if ref is not None:
            print(_line("pflogsumm", ref, lines, None))
        print(_line("daily ingest", daily, lines, ref))
        print(
            f"  {'':<16} {summary.get('messages', '?'):,} messages, {summary.get('new_messages', '?'):,} new; "
            f"load {os.getloadavg()[0]:.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
