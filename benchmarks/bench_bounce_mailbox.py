"""A big bounce mailbox (20,000 messages by default) through inboxtrace and Sisimai 4, in the same run.

Usage: .venv/bin/python benchmarks/bench_bounce_mailbox.py [--messages N] [--repeat N] [--keep DIR] [--pure]

The mailbox is built by ``make_bounce_mailbox.py`` (the labeled corpus, round and round, each copy
with other addresses, queue ids and dates). Each tool reads the whole Maildir folder (its ``cur``) in a fresh
process, one after the other, ``--repeat`` times (the fastest run of each is kept, and each run's
ratio is printed, because the shared machine's speed drifts):

- ``inboxtrace``: ``read_bounces(iter_paths([DIR]))`` with ``workers=0`` (the CLI default: one
  process per CPU on a big mailbox), the compiled implementation when it is built;
- with ``--pure`` also the same with ``INBOXTRACE_PURE=1`` (plain Python);
- ``sisimai``: Debian's libsisimai-perl, ``Sisimai->make(DIR)``.

Printed: wall seconds, messages/s, CPU seconds of the process and its children, recipients found,
and inboxtrace's ratio to Sisimai's messages/s (target >= 3x), and of CPU seconds (Sisimai's over
ours: what the ratio would be on one core, and a steadier figure when the machine is busy).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bytecode_ready import ensure_bytecode
from make_bounce_mailbox import build

_OURS = r"""
import sys
from inboxtrace.bounces import iter_paths, read_bounces
from inboxtrace.native import implementation
n = sum(len(r.recipients) for r in read_bounces(iter_paths([sys.argv[1]]), workers=0))
print(n, implementation(), sep="\t")
"""

_SISIMAI = r"""
use strict; use warnings; use Sisimai;
my $v = Sisimai->make($ARGV[0], 'delivered' => 1, 'vacation' => 1);
print scalar(@$v), "\n";
"""


@dataclass
class Run:
    name: str
    wall: float
    cpu: float
    found: int
    note: str


def _timed(name: str, cmd: list[str], env: dict[str, str] | None = None) -> Run:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, check=False, capture_output=True, text=True, env=env)
    if done.returncode:
        sys.exit(f"{name} failed ({done.returncode}): {done.stderr[-2000:]}")
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    first, _, note = done.stdout.strip().partition("\t")
    return Run(name, wall, cpu, int(first), note)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="build the mailbox here (reused if it has the right size)")
    parser.add_argument("--pure", action="store_true", help="also run inboxtrace with INBOXTRACE_PURE=1")
    args = parser.parse_args()
    ensure_bytecode()  # each run starts a fresh process: measure an installed package (bytecode_ready.py)
    perl = shutil.which("perl")
    if perl is None or subprocess.run([perl, "-MSisimai", "-e", "1"], check=False).returncode:
        sys.exit("sisimai: libsisimai-perl is not installed (apt-get install libsisimai-perl)")
    with tempfile.TemporaryDirectory() as tmp:
        box = args.keep or Path(tmp) / "mailbox"
        cur = box / "cur"
        if not cur.is_dir() or sum(1 for _ in cur.glob("*.eml")) != args.messages:
            build(box, args.messages)
        ours_py = Path(tmp) / "ours.py"
        ours_py.write_text(_OURS)
        theirs_pl = Path(tmp) / "sisimai.pl"
        theirs_pl.write_text(_SISIMAI)
        pure_env = {**os.environ, "INBOXTRACE_PURE": "1"}
        runs: dict[str, list[Run]] = {}
        for round_no in range(1, args.repeat + 1):
            this = [_timed("inboxtrace", [sys.executable, str(ours_py), str(cur)])]
            if args.pure:
                this.append(_timed("inboxtrace pure", [sys.executable, str(ours_py), str(cur)], pure_env))
            this.append(_timed("sisimai 4", [perl, str(theirs_pl), str(cur)]))
            theirs = this[-1]
            for run in this:
                runs.setdefault(run.name, []).append(run)
                ratio = theirs.wall / run.wall
                print(
                    f"round {round_no}  {run.name:<16} {run.wall:7.2f} s wall  {args.messages / run.wall:7.0f} msg/s  "
                    f"{run.cpu:7.2f} CPU-s  {run.found:6d} recipients  {ratio:4.2f}x sisimai "
                    f"(CPU {theirs.cpu / run.cpu:4.2f}x)  {run.note}"
                )
        print()
        best_theirs = min(r.wall for r in runs["sisimai 4"])
        theirs_cpu = [r.cpu for r in runs["sisimai 4"]]
        for name, rs in runs.items():
            best = min(r.wall for r in rs)
            ratios = [t.wall / r.wall for r, t in zip(rs, runs["sisimai 4"], strict=True)]
            print(
                f"{name:<16} fastest {best:6.2f} s = {args.messages / best:6.0f} msg/s;  "
                f"same-run ratio to sisimai {min(ratios):.2f}-{max(ratios):.2f}x  "
                f"(fastest vs fastest {best_theirs / best:.2f}x; target >= 3x)"
            )
            cpus = [r.cpu for r in rs]
            cpu_ratios = [t / c for c, t in zip(cpus, theirs_cpu, strict=True)]
            print(
                f"{'':<16} CPU-s {min(cpus):.2f}-{max(cpus):.2f} = {args.messages / max(cpus):.0f}-"
                f"{args.messages / min(cpus):.0f} msg per CPU-s;  sisimai's CPU-s over this "
                f"{min(cpu_ratios):.2f}-{max(cpu_ratios):.2f}x"
            )
        load = os.getloadavg()
        print(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
