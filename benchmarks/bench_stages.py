"""CPU seconds and peak memory per stage of ingest, compiled and plain Python, against pflogsumm.

Usage: .venv/bin/python benchmarks/bench_stages.py [--lines N] [--repeat N] [--log FILE] [--no-pure]

On a generated Postfix log (``tests/data/tools/gen_postfix_log.py N``, 200,000 lines by default;
numbers scaled to 1M lines), each stage runs in a fresh child process on one core (``jobs=1``: no
workers), once with the compiled hot paths (``inboxtrace.native``) and once with
``INBOXTRACE_PURE=1``; ``pflogsumm`` reads the same file in the same run. The stages are
cumulative, each includes the ones before it, so the difference between two rows is the cost of
one stage (the "alone" columns):

- ``read``: read the file and split it into line blocks (``sources.lines.iter_blocks``);
- ``parse``: + envelopes, timestamps checked, dispatch and the Postfix parser, into a sink that
  does nothing (one Python call per event);
- ``assemble``: + timelines, as the compact records ingest uses (no model objects). Compiled, the
  fast path hands the frequent events to the assembler's C side (``timeline/_assemble.pyx``)
  without the Python call per event that ``parse`` makes, so "alone" is the assembly's cost less
  those calls (one per event: ~730k per 1M generated lines);
- ``messages``: + the :class:`~inboxtrace.model.Message` objects made of the records (what
  ``read_logs`` gives; "alone" is its cost over ``assemble``, and ``rows`` does not include it);
- ``rows``: + the store's rows made of each record (``RowMaker.from_record``);
- ``insert``: + keyed, matched and written into a new SQLite store (``LogWriter``), without the
  trace-only indexes;
- ``index``: + those indexes built once at the end (what a first ingest does);
- ``ingest``: the real ``ingest(jobs=1)`` (all of the above, with checkpoints), for reference.

Printed: CPU seconds (user + system of the child, from ``wait4``) per 1M lines, fastest of
``--repeat``, less the same stage's CPU on an empty file (its imports and set-up), and the
child's peak RSS (MB, not scaled; pflogsumm's too). Wall times of the parallel ingest are in
bench_logs.py; on this shared machine CPU seconds are the steadier measure.
"""

from __future__ import annotations

import argparse
import functools
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GEN = REPO / "tests" / "data" / "tools" / "gen_postfix_log.py"

_STORE = r"""
import os, sys, tempfile
from inboxtrace.store import open_store
from inboxtrace.store.logs import LogWriter, RowMaker, deferred_indexes
from inboxtrace.timeline.reader import LogReader
with tempfile.TemporaryDirectory(dir=os.path.dirname(sys.argv[1])) as tmp:
    store = open_store("sqlite:///" + os.path.join(tmp, "x.db"))
    with deferred_indexes(store):
        with LogWriter(store) as writer:
            for prepared in LogReader([sys.argv[1]], jobs=1, transform=RowMaker()):
                writer.add_prepared(prepared)
        if INDEXES_LATER:
            import shutil
            shutil.rmtree(tmp, ignore_errors=True)  # os._exit skips the context's clean-up
            os._exit(0)  # leave without building the deferred indexes
"""

_STAGES = {
    "read": r"""
import sys
from inboxtrace.sources.lines import iter_blocks
with open(sys.argv[1], "rb") as f:
    n = sum(len(b.lines) for b in iter_blocks(f))
""",
    "parse": r"""
import sys
from inboxtrace.logs import LogStats
from inboxtrace.logs.clock import Clock
from inboxtrace.logs.registry import all_parsers
from inboxtrace.logs.scanner import Scanner
from inboxtrace.sources.lines import iter_blocks

class Nothing:
    mta = ""
    clock = Clock()  # the scanner checks each timestamp with the sink's clock, as in a real read
    def __getattr__(self, name):
        return lambda *args: None

stats = LogStats()
scanner = Scanner(all_parsers(), Nothing(), stats)
with open(sys.argv[1], "rb") as f:
    for block in iter_blocks(f):
        scanner.scan(block)
""",
    "assemble": r"""
import sys
from inboxtrace.timeline.reader import LogReader

class Records:  # a transform that keeps the compact record: no model objects, no rows
    def from_record(self, rec, verdicts, builder):
        return rec
    def __call__(self, message):
        return message

n = sum(1 for _ in LogReader([sys.argv[1]], jobs=1, transform=Records()))
""",
    "messages": r"""
import sys
from inboxtrace.timeline.reader import LogReader
n = sum(1 for _ in LogReader([sys.argv[1]], jobs=1))
""",
    "rows": r"""
import sys
from inboxtrace.store.logs import RowMaker
from inboxtrace.timeline.reader import LogReader
n = sum(1 for _ in LogReader([sys.argv[1]], jobs=1, transform=RowMaker()))
""",
    "insert": "INDEXES_LATER = True" + _STORE,
    "index": "INDEXES_LATER = False" + _STORE,
    "ingest": r"""
import sys, tempfile, os
from inboxtrace.ingest import ingest
from inboxtrace.store import open_store
with tempfile.TemporaryDirectory(dir=os.path.dirname(sys.argv[1])) as tmp:
    store = open_store("sqlite:///" + os.path.join(tmp, "x.db"))
    ingest([sys.argv[1]], store, jobs=1)
""",
}


# The stage each one adds to (its "alone" column is the difference).
_AFTER = {"parse": "read", "assemble": "parse", "messages": "assemble", "rows": "assemble", "insert": "rows"}
_AFTER["index"] = "insert"


def _child(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """(CPU seconds, peak RSS in KiB) of one child process."""
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{argv[:3]} failed ({proc.returncode})")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss


# Every stage collects garbage as seldom as ingest does (many short-lived rows, few cycles).
_GC = "import gc\nfrom inboxtrace.workers import GC_THRESHOLDS\ngc.set_threshold(*GC_THRESHOLDS)\n"


def _stage(code: str, log: Path, pure: bool) -> tuple[float, int]:
    env = {k: v for k, v in os.environ.items() if k != "INBOXTRACE_PURE"}
    if pure:
        env["INBOXTRACE_PURE"] = "1"
    return _child([sys.executable, "-c", _GC + code, str(log)], env)


def _best(repeat: int, run: Callable[[], tuple[float, int]]) -> tuple[float, int]:
    """The least CPU of ``repeat`` runs, and the highest memory peak of any."""
    runs = [run() for _ in range(repeat)]
    return min(r[0] for r in runs), max(r[1] for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--log", type=Path, help="use this log instead of generating one")
    parser.add_argument("--no-pure", action="store_true", help="measure the compiled build only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        empty = Path(tmp) / "empty.log"  # each stage on it: its start-up (imports), subtracted
        empty.write_bytes(b"")
        log = args.log
        if log is None:
            log = Path(tmp) / "postfix.log"
            with log.open("w") as out:
                subprocess.run([sys.executable, str(GEN), str(args.lines)], stdout=out, check=True)
        lines = sum(1 for _ in log.open("rb"))
        scale = 1_000_000 / lines
        kinds = (False,) if args.no_pure else (False, True)
        ref_cpu, ref_rss = _best(args.repeat, lambda: _child(["pflogsumm", str(log)]))
        which = subprocess.run(
            [sys.executable, "-c", "from inboxtrace.native import implementation; print(implementation())"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        print(f"compiled = {which}")
        print(f"{lines:,} lines; CPU seconds per 1M lines (one core; each stage's start-up subtracted);")
        print(f"peak RSS in MB; load average {os.getloadavg()[0]:.1f}")
        head = f"{'stage':<10}{'compiled':>10}{'alone':>8}{'RSS':>7}"
        if not args.no_pure:
            head += f"{'pure':>10}{'alone':>8}{'RSS':>7}{'pure/comp':>11}"
        print(head)
        print(
            f"{'pflogsumm':<10}{ref_cpu * scale:>10.2f}{'':>8}{ref_rss / 1024:>7.0f}   (the reference, same run)"
        )
        done: dict[str, dict[bool, float]] = {}
        for name, code in _STAGES.items():
            prev = done.get(_AFTER.get(name, ""), dict.fromkeys(kinds, 0.0))
            got = {pure: _best(args.repeat, functools.partial(_stage, code, log, pure)) for pure in kinds}
            base = {pure: _stage(code, empty, pure)[0] for pure in kinds}
            cpu = {pure: (got[pure][0] - base[pure]) * scale for pure in kinds}
            cells = []
            for pure in kinds:
                alone = "" if name == "ingest" else f"{cpu[pure] - prev[pure]:.2f}"
                cells.append(f"{cpu[pure]:>10.2f}{alone:>8}{got[pure][1] / 1024:>7.0f}")
            ratio = f"{cpu[True] / cpu[False]:>10.2f}x" if not args.no_pure else ""
            print(f"{name:<10}{''.join(cells)}{ratio}")
            done[name] = cpu
        print(f"pflogsumm / compiled ingest (CPU): {ref_cpu / (got[False][0] - base[False]):.2f}x")


if __name__ == "__main__":
    main()
