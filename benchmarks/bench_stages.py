"""CPU seconds per 1M log lines for each stage of ingest, compiled and plain Python, in one run.

Usage: .venv/bin/python benchmarks/bench_stages.py [--lines N] [--repeat N] [--log FILE]

On a generated Postfix log (``tests/data/tools/gen_postfix_log.py N``, 200,000 lines by default,
scaled to 1M), each stage is run in a fresh child process on one core (``jobs=1``: no workers),
once with the compiled hot paths (``inboxtrace.native``) and once with ``INBOXTRACE_PURE=1``.
The stages are cumulative, each includes the ones before it, so the difference between two rows
is the cost of one stage:

- ``read``: read the file and split it into line blocks (``sources.lines.iter_blocks``);
- ``scan``: + envelopes, dispatch and the Postfix parser, into a sink that does nothing;
- ``assemble``: + timelines and records (``LogReader`` to ``Message`` objects);
- ``store``: ``ingest`` into a new SQLite file with ``jobs=1`` (rows made and written).

Printed: CPU seconds (user + system of the child) per 1M lines, fastest of ``--repeat``, and the
compiled/pure ratio. Wall time on the shared machine is in bench_logs.py (against pflogsumm).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GEN = REPO / "tests" / "data" / "tools" / "gen_postfix_log.py"

_STAGES = {
    "read": r"""
import sys
from inboxtrace.sources.lines import iter_blocks
with open(sys.argv[1], "rb") as f:
    n = sum(len(b.lines) for b in iter_blocks(f))
""",
    "scan": r"""
import sys
from inboxtrace.logs import LogStats
from inboxtrace.logs.registry import all_parsers
from inboxtrace.logs.scanner import Scanner
from inboxtrace.sources.lines import iter_blocks

class Nothing:
    mta = ""
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
n = sum(1 for _ in LogReader([sys.argv[1]], jobs=1))
""",
    "store": r"""
import sys, tempfile, os
from inboxtrace.ingest import ingest
from inboxtrace.store import open_store
with tempfile.TemporaryDirectory() as tmp:
    store = open_store("sqlite:///" + os.path.join(tmp, "x.db"))
    ingest([sys.argv[1]], store, jobs=1)
""",
}


def _cpu(code: str, log: Path, pure: bool) -> float:
    env = {k: v for k, v in os.environ.items() if k != "INBOXTRACE_PURE"}
    if pure:
        env["INBOXTRACE_PURE"] = "1"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", code, str(log)], check=True, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--log", type=Path, help="use this log instead of generating one")
    args = parser.parse_args()
    base = _cpu("import inboxtrace", Path(os.devnull), False)  # interpreter start-up, subtracted
    with tempfile.TemporaryDirectory() as tmp:
        log = args.log
        if log is None:
            log = Path(tmp) / "postfix.log"
            with log.open("w") as out:
                subprocess.run([sys.executable, str(GEN), str(args.lines)], stdout=out, check=True)
        lines = sum(1 for _ in log.open("rb"))
        scale = 1_000_000 / lines
        print(f"{lines} lines, CPU seconds per 1M lines (one core, start-up {base:.2f} s subtracted)")
        print(f"{'stage':<10}{'compiled':>10}{'pure':>10}{'ratio':>8}{'stage alone (compiled / pure)':>34}")
        prev = {False: 0.0, True: 0.0}
        for name, code in _STAGES.items():
            got = {
                pure: (min(_cpu(code, log, pure) for _ in range(args.repeat)) - base) * scale
                for pure in (False, True)
            }
            alone = {pure: got[pure] - prev[pure] for pure in got} if name != "store" else None
            extra = f"{alone[False]:>16.2f} / {alone[True]:.2f}" if alone else f"{'(all stages, SQLite)':>28}"
            print(f"{name:<10}{got[False]:>10.2f}{got[True]:>10.2f}{got[True] / got[False]:>7.2f}x{extra}")
            prev = got


if __name__ == "__main__":
    main()
