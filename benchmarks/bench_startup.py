"""Start-up time of a command typed by hand: ``inboxtrace explain 550`` (target: under 0.15 s).

Each command runs as a fresh process, as a user runs it; the fastest of ``--repeat`` runs is kept
(a shared machine adds noise, never speed). The reference in the same run is the interpreter's own
start-up (``python -c pass``): the ratio says how much inboxtrace adds to what no Python tool can
avoid. ``explain --help`` (the whole typer app) is shown for comparison.

Usage: ``python benchmarks/bench_startup.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from bytecode_ready import ensure_bytecode

BIN = Path(sys.executable).parent
TARGET = 0.15


def fastest(argv: list[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - t)
    return best


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args(argv)
    cli = str(BIN / "inboxtrace")
    ensure_bytecode()  # as an installed package has it (see bytecode_ready.py)
    fastest([cli, "explain", "550"], 2)  # warm the page cache and the .pyc files
    bare = fastest([sys.executable, "-c", "pass"], args.repeat)
    rows = [
        ("python -c pass (reference)", bare),
        ("inboxtrace explain 550", fastest([cli, "explain", "550"], args.repeat)),
        (
            "inboxtrace explain '550 5.1.1 User unknown'",
            fastest([cli, "explain", "550 5.1.1 User unknown"], args.repeat),
        ),
        (
            "inboxtrace explain --json 421 4.7.0 ...",
            fastest([cli, "explain", "--json", "421 4.7.0 Try again later"], args.repeat),
        ),
        ("inboxtrace explain --help (whole app)", fastest([cli, "explain", "--help"], args.repeat)),
    ]
    for name, secs in rows:
        print(f"{name:48} {secs * 1000:7.0f} ms   x{secs / bare:5.1f} of the interpreter start-up")
    explain = rows[1][1]
    verdict = "meets" if explain < TARGET else "misses"
    print(f"explain 550: {explain * 1000:.0f} ms, {verdict} the {TARGET * 1000:.0f} ms target")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
