"""Seed checks at scale: 200 seed mailboxes on a real local Dovecot (TLS verified), checked concurrently.

Measures ``seeds check`` (log in, LIST, roles) and ``placement check`` (find one test copy per seed
across INBOX/Junk/Promotions/Bulk...) for 200 seeds behind one IMAP host, with the per-host cap at
its default and at 1 (sequential, the reference point). Target: under 10 s for 200 seeds.
There is no external reference tool for IMAP placement; the ratio printed is against the sequential run.

Usage: ``python benchmarks/bench_seeds.py [N_SEEDS]`` (needs root and the Debian dovecot packages).
"""

from __future__ import annotations

import smtplib
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.rigs.dovecot import DovecotRig  # noqa: E402

from inboxtrace.seeds import check_seeds, parse_seeds  # noqa: E402
from inboxtrace.seeds.locate import check_placement  # noqa: E402
from inboxtrace.seeds.pool import DEFAULT_PER_HOST  # noqa: E402
from inboxtrace.seeds.token import new_test, stamp  # noqa: E402

DOMAINS = ("inbox.test", "junk.test", "promo.test", "bulk.test")
PASSWORD = "bench-pw"


def main(n: int) -> int:
    users = {f"seed{i:03d}@{DOMAINS[i % len(DOMAINS)]}": PASSWORD for i in range(n)}
    rig = DovecotRig.start(users)
    try:
        test = new_test()
        msg = stamp(
            b"From: bench@sender.test\r\nSubject: bench\r\nMessage-ID: <bench@sender.test>\r\n\r\nHello\r\n",
            test,
        )
        t0 = time.perf_counter()
        with smtplib.LMTP(rig.host, rig.lmtp_port, timeout=60) as lmtp:
            for address in users:  # smtplib's LMTP reads one reply after DATA: one recipient each
                lmtp.sendmail("bench@sender.test", [address], msg)
        print(f"delivered {n} copies over LMTP (Sieve filing) in {time.perf_counter() - t0:.2f} s")
        seeds = parse_seeds(
            {
                "defaults": {
                    "host": rig.host,
                    "port": rig.imaps_port,
                    "ca_file": str(rig.ca_file),
                    "password_env": "BENCH_PW",
                },
                "providers": {"promo.test": {"folders": {"Promotions": "tab:promotions"}}},
                "seed": [{"address": a} for a in users],
            }
        )
        env = {"BENCH_PW": PASSWORD}
        t = time.perf_counter()
        check_seeds(seeds, environ=env)  # first logins create the mailboxes' indexes: not what we measure
        print(f"warm-up (first logins, index creation) {time.perf_counter() - t:.2f} s")
        sent = datetime.now(UTC)
        rows = []
        for label, per_host in ((f"per-host cap {DEFAULT_PER_HOST}", DEFAULT_PER_HOST), ("per-host cap 32", 32),
                                ("sequential (cap 1)", 1)):  # fmt: skip
            t = time.perf_counter()
            checks = check_seeds(seeds, per_host=per_host, environ=env)
            t_check = time.perf_counter() - t
            assert all(c.ok for c in checks), [c.error for c in checks if not c.ok][:3]
            t = time.perf_counter()
            results = check_placement(test, seeds, sent_at=sent, per_host=per_host, environ=env)
            t_place = time.perf_counter() - t
            placements: dict[str, int] = {}
            for r in results:
                placements[r.placement] = placements.get(r.placement, 0) + 1
            assert placements.get("missing", 0) == 0 and placements.get("error", 0) == 0, placements
            rows.append((label, t_check, t_place, placements))
        base = rows[-1]
        print(f"{'run':<24} {'seeds check':>12} {'placement check':>16} {'speed-up':>9}")
        for label, tc, tp, _ in rows:
            print(f"{label:<24} {tc:>10.2f} s {tp:>14.2f} s {base[2] / tp:>8.1f}x")
        print(f"placements: {rows[0][3]}")
        best = min(r[2] for r in rows)
        verdict = "OK" if rows[0][2] < 10 else "SLOW"
        print(f"{n} seeds, placement check with the default cap: {rows[0][2]:.2f} s (target < 10 s: {verdict});"
              f" best {best:.2f} s")  # fmt: skip
        return 0 if rows[0][2] < 10 else 1
    finally:
        rig.stop()


if __name__ == "__main__":
    raise SystemExit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200))
