"""Content-check speed: one message scored by a real SpamAssassin once ``spamd`` is up.

Starts a private spamd (``inboxtrace.content.spamd.SpamdServer``: loopback, network tests off),
then runs the whole content check (own findings + SpamAssassin, no DNS) on each test message
``--rounds`` times and prints the time of one check (median and worst) per message, next to
``spamc`` (SpamAssassin's own C client) on the same spamd as the reference. Target: under 2 s
per message.

    .venv/bin/python benchmarks/bench_content.py [--rounds 10]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.content.samples import BROKEN_MIME, SPAMMY, html_only, newsletter  # noqa: E402

from inboxtrace.content import ContentOptions, check_content  # noqa: E402
from inboxtrace.content.spamd import SpamdServer  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    messages = {
        "newsletter": newsletter(),
        "html-only": html_only(),
        "spammy": SPAMMY,
        "broken-mime": BROKEN_MIME,
    }
    started = time.monotonic()
    with SpamdServer.start() as server:
        print(f"spamd up in {time.monotonic() - started:.2f} s (127.0.0.1:{server.port})")
        options = ContentOptions(spamd=f"{server.host}:{server.port}", blocklists=False)
        worst_all = 0.0
        for name, raw in messages.items():
            check_content(raw, options)  # warm: spamd's child compiles its rules on first use
            times, spamc_times = [], []
            for _ in range(args.rounds):
                t = time.perf_counter()
                result = check_content(raw, options)
                times.append(time.perf_counter() - t)
                t = time.perf_counter()
                subprocess.run(
                    ["spamc", "-d", server.host, "-p", str(server.port), "-R"],
                    input=raw,
                    capture_output=True,
                    check=False,
                )
                spamc_times.append(time.perf_counter() - t)
            worst_all = max(worst_all, *times)
            print(
                f"{name:12} score {result.spam_total:5.1f}  inboxtrace median {statistics.median(times) * 1000:6.1f} ms"
                f"  worst {max(times) * 1000:6.1f} ms  |  spamc -R median {statistics.median(spamc_times) * 1000:6.1f} ms"
            )
    verdict = "OK" if worst_all < 2.0 else "TOO SLOW"
    print(f"worst content check: {worst_all:.3f} s per message (target < 2 s): {verdict}")
    return 0 if worst_all < 2.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
