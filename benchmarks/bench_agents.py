"""Four ``inboxtrace ingest --follow`` agents into one PostgreSQL: sustained lines/s, and the lag
from a line being written to its message being queryable (p50/p99).

Usage: .venv/bin/python benchmarks/bench_agents.py [--lines N] [--probes K]

Four hosts' logs of N lines each (``tests/data/tools/gen_postfix_log.py``, host names rewritten)
are appended at once to four followed files; the time until the store holds every message of a
one-process ingest of the same lines gives the sustained rate. Then K small complete messages
(one at a time, on the hosts in turn) are appended, and each one's lag is the time until a query
by its queue id finds it. The agents are real subprocesses against a real PostgreSQL 15 started
for the run, on the same cores (the reference for the rate is the one-process ingest, same run).
"""

from __future__ import annotations

import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GEN = REPO / "tests" / "data" / "tools" / "gen_postfix_log.py"
sys.path.insert(0, str(REPO))
CODE = "import sys; from inboxtrace.cli import main; sys.argv[0] = 'inboxtrace'; main()"
HOSTS = 4

PROBE = """\
Mar 14 23:59:59 mta{h} postfix/smtpd[100]: {q}: client=app1.example.com[10.0.0.11]
Mar 14 23:59:59 mta{h} postfix/qmgr[999]: {q}: from=<probe@shop.example.com>, size=1000, nrcpt=1 (queue active)
Mar 14 23:59:59 mta{h} postfix/smtp[102]: {q}: to=<probe{n}@corp.example>, relay=mail.corp.example[198.51.100.7]:25, delay=0.2, delays=0.05/0.01/0.05/0.09, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as P{n}X)
Mar 14 23:59:59 mta{h} postfix/qmgr[999]: {q}: removed
"""


def _count(url: str) -> int:
    from inboxtrace.store import open_store
    from inboxtrace.store.log_queries import message_count

    with open_store(url) as store:
        return int(message_count(store))


def main() -> None:
    import argparse

    import sqlalchemy as sa
    from tests.rigs.postgres import PostgresRig

    from inboxtrace.ingest import ingest
    from inboxtrace.store import open_store
    from inboxtrace.store.logs import log_messages

    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=50_000)
    ap.add_argument("--probes", type=int, default=20)
    args = ap.parse_args()
    base = Path(tempfile.mkdtemp(prefix="bench-agents-"))
    texts = []
    for i in range(HOSTS):
        out = subprocess.run(
            [sys.executable, str(GEN), str(args.lines), "--seed", str(60 + i)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        texts.append(out.replace(" mx1 postfix/", f" mta{i} postfix/"))
        (base / f"all{i}.log").write_text(texts[-1])
    with open_store(f"sqlite:///{base / 'ref.db'}") as store:
        t = time.perf_counter()
        ingest([str(base / f"all{i}.log") for i in range(HOSTS)], store)
        t_ref = time.perf_counter() - t
        want = _count(f"sqlite:///{base / 'ref.db'}")
    total = args.lines * HOSTS
    print(
        f"{HOSTS} hosts x {args.lines:,} lines; one-process ingest into SQLite: {total / t_ref:,.0f} lines/s"
    )
    with PostgresRig.start() as pg:
        url = pg.create_database("agents")
        open_store(url).close()
        logs = []
        for i in range(HOSTS):
            d = base / f"mta{i}"
            d.mkdir()
            (d / "mail.log").touch()
            logs.append(d / "mail.log")
        agents = [
            subprocess.Popen(
                [sys.executable, "-c", CODE, "ingest", "--follow", "--quiet", "--db", url, str(p)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for p in logs
        ]
        try:
            time.sleep(5)  # the agents are up
            t = time.perf_counter()
            for p, text in zip(logs, texts, strict=True):
                p.write_text(text)
            # messages still in flight are stored when an agent stops: wait until the count stops
            # moving (near every finished message of the one-process ingest), timed to its last change
            last, changed = -1, time.perf_counter()
            while time.perf_counter() - changed < 3.0 and time.perf_counter() - t < 300:
                now = _count(url)
                if now != last:
                    last, changed = now, time.perf_counter()
                time.sleep(0.2)
            took = changed - t
            print(f"  stored while following: {last:,} of {want:,} messages (the rest are in flight)")
            print(f"  4 agents into PostgreSQL: {total / took:,.0f} lines/s sustained ({took:.1f} s)")
            lags = []
            with open_store(url) as store:
                for n in range(args.probes):
                    h = n % HOSTS
                    q = f"FFF{n:07X}"
                    with logs[h].open("a") as f:
                        f.write(PROBE.format(h=h, q=q, n=n))
                    t0 = time.perf_counter()
                    while time.perf_counter() - t0 < 60:
                        with store.connect() as conn:
                            hit = conn.execute(
                                sa.select(log_messages.c.mkey).where(log_messages.c.queue_id == q)
                            ).first()
                        if hit is not None:
                            break
                        time.sleep(0.02)
                    lags.append(time.perf_counter() - t0)
            lags.sort()
            p99 = lags[min(len(lags) - 1, int(0.99 * len(lags)))]
            print(
                f"  lag, line written -> message queryable: p50 {statistics.median(lags) * 1000:.0f} ms, "
                f"p99 {p99 * 1000:.0f} ms ({len(lags)} probes; agents poll every 0.5 s)"
            )
        finally:
            for a in agents:
                a.send_signal(signal.SIGTERM)
            for a in agents:
                a.wait(timeout=60)


if __name__ == "__main__":
    main()
