"""Peak memory of a log ingest and of the parse alone, at 1M and 5M lines, beside pflogsumm's.

Usage: .venv/bin/python benchmarks/bench_memory.py [--lines 1000000,5000000] [--keep DIR]
       [--repeat N] [--python OTHER_VENV/bin/python]

For each size it generates a classic-syslog Postfix log (``tests/data/tools/gen_postfix_log.py``)
and runs, as child processes of this same run: ``pflogsumm FILE`` (the reference), ``inboxtrace
ingest`` into a new SQLite store (a first, bulk ingest), the same ingest called as a library
(what the command line adds) and the parse alone (``read_logs`` to
Message objects, nothing stored: ``bench_logs``'s parse). For each it prints the peak of the sum
of RSS and the peak of the sum of PSS over the whole process tree (workers included, sampled from
/proc every 50 ms, as ``bench_logs`` does), each process's own peak, the processes that make the
tree's peak (each one's RSS at that moment: the parent and a worker while both read, or the parent
alone), CPU seconds (user + sys of the tree) and wall time, then how each grows from the smallest
log to the largest.

RSS counts the pages a forked worker shares with its parent once in each process; PSS splits
them between their users, so the sum of PSS is the memory the tree holds. Both are reported.
``--python`` adds the same runs with another environment's interpreter (e.g. a build of ``main``)
in the same run, alternating, for a before/after comparison on this shared machine.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_logs import _PARSE_ONLY, SAMPLE_EVERY, Run, _tree_usage, count_lines, generated, run, scratch


@dataclass
class Row:
    lines: int
    name: str
    runs: list[Run]


@contextlib.contextmanager
def composition(found: list[list[int]]) -> Iterator[None]:
    """While in the block, sample this process's descendants as ``run`` does and append to
    ``found`` each one's RSS (KiB) at the moment their sum peaked: which processes make the peak
    (the parent and a worker reading, or the parent alone merging or building indexes)."""
    done = threading.Event()
    best: list[int] = []

    def sample() -> None:
        nonlocal best
        me = os.getpid()
        while not done.is_set():
            usage = [rss for pid, (rss, _) in _tree_usage(me).items() if pid != me]
            if sum(usage) > sum(best):
                best = usage
            done.wait(SAMPLE_EVERY)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield
    finally:
        done.set()
        sampler.join()
        found.append(best)


def _inboxtrace(python: str) -> str:
    script = Path(python).parent / "inboxtrace"
    return str(script) if script.exists() else "inboxtrace"


# The same ingest called as a library (no command line: typer, rich and pydantic not loaded): the
# difference from "ingest" is what the command line costs (in the parent only: a bulk ingest's
# worker is started fresh, it shares nothing with the parent).
_LIBRARY_INGEST = (
    "import sys\nfrom inboxtrace.ingest import ingest\nfrom inboxtrace.store import open_store\n"
    "with open_store(sys.argv[2]) as store:\n    print(ingest([sys.argv[1]], store).messages)"
)


def _commands(python: str, log: Path, db: Path) -> dict[str, list[str]]:
    return {
        "ingest": [_inboxtrace(python), "ingest", "--db", f"sqlite:///{db}", "--json", "-q", str(log)],
        "ingest, library": [python, "-c", _LIBRARY_INGEST, str(log), f"sqlite:///{db}"],
        "parse only": [python, "-c", _PARSE_ONLY, str(log)],
    }


def _remove_store(db: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


def _mb(kb: float) -> str:
    return f"{kb / 1024:6.0f}"


def measure(sizes: list[int], tmp: Path, repeat: int, pythons: dict[str, str]) -> list[Row]:
    rows: list[Row] = []
    for lines in sizes:
        log = generated(tmp / f"classic-{lines}.log", lines)
        n = count_lines(log)
        print(f"\n--- {n:,} lines, {log.stat().st_size / 1e6:.0f} MB; load average {os.getloadavg()[0]:.2f}")
        found: dict[str, list[Run]] = {}
        at_peak: dict[str, list[list[int]]] = {}
        for _ in range(repeat):
            found.setdefault("pflogsumm", []).append(run("pflogsumm", ["pflogsumm", str(log)]))
            for label, python in pythons.items():  # alternating: each sees the same load
                db = tmp / f"store-{label}.db"
                for what, argv in _commands(python, log, db).items():
                    _remove_store(db)
                    with composition(at_peak.setdefault(f"{what} ({label})", [])):
                        found.setdefault(f"{what} ({label})", []).append(run(what, argv))
                _remove_store(db)
        print(
            f"  {'':24} {'wall s':>13} {'CPU s':>13} {'tree RSS MB':>13} {'x pfl':>6}"
            f" {'tree PSS MB':>13} {'x pfl':>6}  per process peak RSS/PSS MB; RSS at the tree's peak"
        )
        ref = found["pflogsumm"]
        ref_rss = max(r.peak_rss_kb for r in ref)
        ref_pss = max(r.peak_pss_kb for r in ref)
        for name, runs in found.items():
            rss = [r.peak_rss_kb for r in runs]
            pss = [r.peak_pss_kb for r in runs]
            procs = max(runs, key=lambda r: r.peak_rss_kb).per_process
            failed = "  (FAILED)" if any(r.returncode for r in runs) else ""
            print(
                f"  {name:24} {_span([r.wall for r in runs])} {_span([r.cpu for r in runs])}"
                f" {_span([x / 1024 for x in rss], 0)} {max(rss) / ref_rss:5.2f}x"
                f" {_span([x / 1024 for x in pss], 0)} {max(pss) / ref_pss:5.2f}x"
                f"  {' + '.join(f'{a / 1024:.0f}/{b / 1024:.0f}' for a, b in procs)};"
                f" {' | '.join(' + '.join(f'{kb / 1024:.0f}' for kb in p) for p in at_peak.get(name, []))}{failed}"
            )
            rows.append(Row(n, name, runs))
    return rows


def _span(values: list[float], digits: int = 2) -> str:
    lo, hi = min(values), max(values)
    text = f"{lo:.{digits}f}" if lo == hi else f"{lo:.{digits}f}-{hi:.{digits}f}"
    return f"{text:>13}"


def growth(rows: list[Row]) -> None:
    sizes = sorted({r.lines for r in rows})
    if len(sizes) < 2:
        return
    small, big = sizes[0], sizes[-1]
    print(f"\n--- growth {small:,} -> {big:,} lines (highest peak of the runs)")
    by = {(r.lines, r.name): r.runs for r in rows}
    for name in dict.fromkeys(r.name for r in rows):
        a, b = by.get((small, name)), by.get((big, name))
        if not a or not b:
            continue
        rss_a, rss_b = max(r.peak_rss_kb for r in a), max(r.peak_rss_kb for r in b)
        pss_a, pss_b = max(r.peak_pss_kb for r in a), max(r.peak_pss_kb for r in b)
        print(
            f"  {name:24} RSS {_mb(rss_a)} -> {_mb(rss_b)} MB ({(rss_b - rss_a) / 1024:+.0f}),"
            f" PSS {_mb(pss_a)} -> {_mb(pss_b)} MB ({(pss_b - pss_a) / 1024:+.0f})"
        )


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--lines", default="1000000,5000000", help="log sizes, comma-separated")
    ap.add_argument("--keep", type=Path, help="directory to generate the logs in and keep them")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each command (ranges are printed)")
    ap.add_argument("--python", help="also run another environment's interpreter, as 'other'")
    args = ap.parse_args(argv)
    if shutil.which("pflogsumm") is None:
        print("pflogsumm is not installed (apt-get install pflogsumm)", file=sys.stderr)
        return 1
    sizes = [int(x) for x in args.lines.split(",") if x.strip()]
    pythons = {"this": sys.executable}
    if args.python:
        pythons = {"other": args.python, **pythons}
    with scratch(args.keep, "bench_memory.") as tmp:
        print(f"machine: {os.cpu_count()} CPUs; python {sys.version.split()[0]}; logs in {tmp}")
        rows = measure(sizes, tmp, max(1, args.repeat), pythons)
        growth(rows)
        print(f"\nload average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
