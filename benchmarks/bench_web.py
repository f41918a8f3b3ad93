"""The web app under load: activity search, message page, overview and concurrent clients.

Usage: .venv/bin/python benchmarks/bench_web.py [--deliveries N] [--store-dir DIR] [--no-postgres]
                                                 [--samples N] [--clients C] [--requests R]

A Postfix log from ``tests/data/tools/gen_postfix_log.py`` with at least N recipients (default
1,000,000) is ingested into a SQLite store (kept in ``--store-dir`` to reuse between runs), then
copied into a real PostgreSQL 15 started for the run. For each backend a real ``inboxtrace serve``
runs on a loopback port and a client measures over HTTP:

- activity search (the HTML page and the JSON API; by recipient, by state, by domain, the next
  page through the cursor, the unfiltered first page): p50 / p95 over ``--samples`` requests each,
- the message page of random deliveries (story, verdicts, diagnosis, postmaster note),
- the overview's rollup: built from scratch, a write batch's deltas and adding them,
- the 30-day overview (all charts and tables) as the page serves it (from the overview cache), and
  computing it (from the rollup, uncached),
- a bounded concurrent load: C clients sending R requests in all (search + message pages + API),
  with throughput and p50 / p95 / p99.

The targets of issue 12 are printed beside the numbers: search and message page p95 < 50 ms,
overview < 300 ms. There is no reference web tool to run beside it; the CLI doing the same lookup
(``inboxtrace trace RCPT``, one process per query) is timed as the scale.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import zlib
from collections.abc import Callable
from pathlib import Path

import httpx
import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[1]
GEN = REPO / "tests" / "data" / "tools" / "gen_postfix_log.py"
sys.path.insert(0, str(REPO))
LINES_PER_DELIVERY = 6.9  # what the generator writes per recipient, on average


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def build_sqlite(store_dir: Path, deliveries: int) -> Path:
    """A SQLite store with at least ``deliveries`` recipients (made once, reused after)."""
    from inboxtrace.store import open_store
    from inboxtrace.store.activity import state_counts

    db = store_dir / f"web-{deliveries}.db"
    if db.exists():
        with open_store(f"sqlite:///{db}") as s:
            have = sum(state_counts(s).values())
        if have >= deliveries:
            return db
        db.unlink()
    log = store_dir / "mail.log"
    lines = int(deliveries * LINES_PER_DELIVERY)
    t = time.perf_counter()
    with log.open("w") as f:
        subprocess.run(
            [sys.executable, str(GEN), str(lines)], stdout=f, stderr=subprocess.DEVNULL, check=True
        )
    print(f"  generated {lines:,} lines in {time.perf_counter() - t:.0f} s", flush=True)
    t = time.perf_counter()
    exe = str(Path(sys.executable).parent / "inboxtrace")
    subprocess.run(
        [exe, "ingest", "-q", "--db", f"sqlite:///{db}", str(log)], stdout=subprocess.DEVNULL, check=True
    )
    print(f"  ingested into SQLite in {time.perf_counter() - t:.0f} s", flush=True)
    log.unlink()
    return db


TOPICS = ("Your invoice", "Weekly newsletter", "Password reset", "Order shipped", "Security alert",
          "Welcome aboard", "Monthly statement")  # fmt: skip


def subject_of(mkey: str) -> str:
    """The Subject the bench gives a message (the generated log has none): one of 7 topics, one of
    1,000 numbers, and a reference of its own."""
    h = zlib.crc32(mkey.encode())
    return f"{TOPICS[h % len(TOPICS)]} no. {h % 1000:03d} ref {h:08x}"


def ensure_subjects(url: str) -> None:
    """Give every logged message of the store its :func:`subject_of` (as Postfix would log with a
    header_checks WARN rule) unless the store has subjects already."""
    from inboxtrace.store import open_store
    from inboxtrace.store.logs import log_messages

    m = log_messages.c
    with open_store(url) as s:
        with s.connect() as conn:
            if conn.execute(sa.select(m.mkey).where(m.subject.is_not(None)).limit(1)).first() is not None:
                return
            keys = list(conn.execute(sa.select(m.mkey)).scalars())
        t = time.perf_counter()
        stmt = sa.update(log_messages).where(m.mkey == sa.bindparam("k")).values(subject=sa.bindparam("s"))
        for i in range(0, len(keys), 20_000):
            with s.begin() as conn:
                conn.execute(stmt, [{"k": k, "s": subject_of(k)} for k in keys[i : i + 20_000]])
        with s.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    print(f"  gave {len(keys):,} messages a subject in {time.perf_counter() - t:.0f} s", flush=True)


def copy_to_postgres(sqlite_db: Path, url: str) -> None:
    """Every row of the SQLite store into the (empty) PostgreSQL store, with COPY."""
    import sqlalchemy as sa

    from inboxtrace.store import open_store
    from inboxtrace.store.core import metadata

    t = time.perf_counter()
    with open_store(f"sqlite:///{sqlite_db}") as src, open_store(url) as dst:
        for table in metadata.sorted_tables:
            if table.name == "inboxtrace_meta":
                continue
            cols = [c.name for c in table.columns]
            bools = {i for i, c in enumerate(table.columns) if isinstance(c.type, sa.Boolean)}
            raw = dst.engine.raw_connection()
            try:
                cur = raw.cursor()
                with (
                    src.connect() as conn,
                    cur.copy(f"COPY {table.name} ({', '.join(cols)}) FROM STDIN") as cp,  # type: ignore[attr-defined]
                ):
                    result = conn.execution_options(stream_results=True).execute(sa.select(table))
                    for row in result:
                        values = list(row)
                        for i in bools:
                            if values[i] is not None:
                                values[i] = bool(values[i])
                        cp.write_row(values)
                raw.commit()
            finally:
                raw.close()
        with dst.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    print(f"  copied into PostgreSQL in {time.perf_counter() - t:.0f} s", flush=True)


class Server:
    def __init__(self, url: str) -> None:
        from tests.rigs.knot import free_port

        self.port = free_port()
        exe = str(Path(sys.executable).parent / "inboxtrace")
        self.proc = subprocess.Popen(
            [exe, "serve", "--db", url, "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        end = time.monotonic() + 60
        while True:
            try:
                if httpx.get(self.base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > end:
                raise RuntimeError("inboxtrace serve did not start")
            time.sleep(0.2)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _samples(url: str, n: int) -> tuple[list[str], list[str], list[str]]:
    """Random recipients, message ids (their keys' :func:`message_ref`) and receiving domains."""
    import sqlalchemy as sa

    from inboxtrace.store import open_store
    from inboxtrace.store.activity import message_ref
    from inboxtrace.store.logs import log_deliveries

    d = log_deliveries.c
    with open_store(url) as s, s.connect() as conn:
        q = sa.select(d.recipient, d.mkey, d.rcpt_domain).order_by(sa.func.random()).limit(n)
        rows = list(conn.execute(q))
    rcpts = [r.recipient for r in rows if "@" in r.recipient]
    ids = [message_ref(r.mkey) for r in rows]
    domains = sorted({r.rcpt_domain for r in rows if r.rcpt_domain})
    return rcpts, ids, domains


def _time(client: httpx.Client, path: str) -> float:
    t = time.perf_counter()
    r = client.get(path, headers={"accept": "text/html"})
    took = time.perf_counter() - t
    if r.status_code != 200:
        raise RuntimeError(f"{path}: HTTP {r.status_code} {r.text[:200]}")
    return took


def rollup_times(name: str, url: str) -> None:
    """The overview's rollup: built from scratch when missing, then what keeping it costs a
    writer (the deltas of a batch of 2,000 messages rewritten) and a reader (adding them)."""
    from inboxtrace.store import open_store, rollup
    from inboxtrace.store.logs import BatchChanges, log_deliveries, log_messages

    with open_store(url) as s:
        t = time.perf_counter()
        done = rollup.refresh(s)
        took = time.perf_counter() - t
        if done == -1:
            print(f"  {name}: rollup built from scratch in {took:.1f} s")
        t = time.perf_counter()
        rollup.rebuild(s)
        print(f"  {name}: rollup rebuilt on demand in {time.perf_counter() - t:.1f} s")
        with s.connect() as conn:
            keys = list(
                conn.execute(sa.select(log_messages.c.mkey).order_by(sa.func.random()).limit(6000)).scalars()
            )
        spent, sql, folded = [], [], []
        for i in range(0, len(keys), 2000):
            part = keys[i : i + 2000]
            with s.connect() as conn:
                rows = {(r["mkey"], r["recipient"]): dict(r) for r in conn.execute(
                    sa.select(log_deliveries).where(log_deliveries.c.mkey.in_(part))).mappings()}  # fmt: skip
            changed = [
                {**r, "final_state": "bounced" if r["final_state"] != "bounced" else "delivered"}
                for r in rows.values()
            ]
            senders = dict.fromkeys(part, ("x", "x", "Q"))
            t = time.perf_counter()
            with s.begin() as conn:  # the log writer's way: from the rows it holds
                rollup.record_batch(conn, BatchChanges(rows, changed, senders))
            spent.append((time.perf_counter() - t) * 1000)
            back = {(r["mkey"], r["recipient"]): r for r in changed}
            with s.begin() as conn:  # and back: the rows did not change
                rollup.record_batch(conn, BatchChanges(back, list(rows.values()), senders))
            t = time.perf_counter()
            with s.begin() as conn, rollup.counting(conn, part):  # the ESP writer's way: SQL
                pass  # the rows stay as they are: a minus and a plus of each group
            sql.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            rollup.refresh(s)
            folded.append((time.perf_counter() - t) * 1000)
        print(
            f"  {name}: deltas of a 2,000-message batch: log writer {', '.join(f'{x:.0f}' for x in spent)} ms, "
            f"by SQL (ESP, retention) {', '.join(f'{x:.0f}' for x in sql)} ms; adding them to the rollup "
            f"{', '.join(f'{x:.0f}' for x in folded)} ms"
        )


def _overview_computes(url: str, n: int) -> list[float]:
    """Milliseconds to compute the 30-day overview (what the server does when its cache is stale)."""
    from inboxtrace.report.overview import build_overview
    from inboxtrace.store import open_store

    out = []
    with open_store(url) as s:
        for _ in range(n):
            t = time.perf_counter()
            build_overview(s, days=30)
            out.append((time.perf_counter() - t) * 1000)
    return out


def _tree_cpu(pids: list[int]) -> float:
    """CPU seconds (user + system) of these processes and their children: those alive now, and
    those that ended (a PostgreSQL backend per connection), counted in their parent's totals."""
    import psutil

    total = 0.0
    for pid in pids:
        try:
            root = psutil.Process(pid)
            t = root.cpu_times()
            total += t.user + t.system + t.children_user + t.children_system
            for p in root.children(recursive=True):
                c = p.cpu_times()
                total += c.user + c.system
        except psutil.Error:
            continue
    return total


def _listener_pid(url: str) -> int | None:
    """The process listening on a PostgreSQL URL's port (the postmaster), to count its CPU."""
    import psutil

    port = sa.engine.make_url(url).port
    for c in psutil.net_connections(kind="tcp"):
        if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port and c.pid:
            return int(c.pid)
    return None


def measure(name: str, url: str, samples: int, clients: int, requests: int) -> dict[str, object]:
    from inboxtrace.store.activity import message_key

    rollup_times(name, url)
    rcpts, ids, domains = _samples(url, samples)
    crcs = [zlib.crc32(message_key(i).encode()) for i in ids]
    server = Server(url)
    db_pid = _listener_pid(url) if url.startswith("postgresql") else None
    pids = [server.proc.pid, *([db_pid] if db_pid else [])]
    out: dict[str, object] = {}
    try:
        with httpx.Client(base_url=server.base, timeout=60) as c:
            for p in ("/activity", "/overview", f"/messages/{ids[0]}"):
                _time(c, p)  # warm
            kinds: dict[str, Callable[[int], str]] = {
                "activity page, by recipient": lambda i: (
                    "/activity?" + urllib.parse.urlencode({"q": rcpts[i % len(rcpts)]})
                ),
                "API deliveries, by recipient": lambda i: (
                    "/api/v1/deliveries?" + urllib.parse.urlencode({"recipient": rcpts[i % len(rcpts)]})
                ),
                "API deliveries, by state": lambda i: (
                    "/api/v1/deliveries?state="
                    + ("deferred", "bounced", "expired", "delivered", "rejected")[i % 5]
                ),
                "activity page, by domain": lambda i: "/activity?domain=" + domains[i % len(domains)],
                "activity page, first page": lambda i: "/activity",
                "message page": lambda i: f"/messages/{ids[i % len(ids)]}",
                # logged subjects (substring, case ignored): one message, ~1/1,000, ~1/7 of them
                "subject, 1 message": lambda i: "/activity?subject=" + f"REF {crcs[i % len(crcs)]:08x}",
                "subject, ~0.1%": lambda i: (
                    "/activity?subject=" + urllib.parse.quote(f"no. {crcs[i % len(crcs)] % 1000:03d} ref")
                ),
                "subject, ~14%": lambda i: "/activity?subject=" + urllib.parse.quote(TOPICS[i % 7].lower()),
            }
            print(f"  {name}: latency over {samples} requests each (ms); CPU per request of the server")
            print(f"  (and of PostgreSQL, whole process trees); load average {os.getloadavg()[0]:.1f}")
            for label, make in kinds.items():
                cpu0 = _tree_cpu(pids)
                times = [_time(c, make(i)) * 1000 for i in range(samples)]
                cpu = (_tree_cpu(pids) - cpu0) / samples * 1000
                p95 = _pct(times, 95)
                out[label] = p95
                print(
                    f"    {label:<30} p50 {statistics.median(times):7.1f}  p95 {p95:7.1f}  {'ok' if p95 < 50 else 'OVER 50'}"
                    f"  CPU {cpu:5.1f} ms/req  load {os.getloadavg()[0]:.1f}"
                )
            first = c.get("/api/v1/deliveries?limit=50").json()
            cursor = first["next_cursor"]
            times = []
            for _ in range(min(samples, 100)):
                t = time.perf_counter()
                page = c.get("/api/v1/deliveries", params={"limit": 50, "cursor": cursor}).json()
                times.append((time.perf_counter() - t) * 1000)
                cursor = page["next_cursor"] or first["next_cursor"]
            print(
                f"    {'API deliveries, next pages':<30} p50 {statistics.median(times):7.1f}  p95 {_pct(times, 95):7.1f}"
            )
            ov = [_time(c, "/overview?days=30") * 1000 for _ in range(5)]
            out["overview"] = max(ov)
            computed = _overview_computes(url, 7)
            out["overview_compute"] = max(computed)
            print(
                f"    {'overview, computing it':<30} p50 {statistics.median(computed):7.1f}  max {max(computed):7.1f} "
                f"ms (from the rollup, no cache){'' if max(computed) < 300 else '  OVER 300'}"
            )
            print(
                f"    {'overview, 30 days':<30} p50 {statistics.median(ov):7.1f}  max {max(ov):7.1f}  {'ok' if max(ov) < 300 else 'OVER 300'}"
            )
        # concurrent load
        lat: list[float] = []
        lock = threading.Lock()
        per = requests // clients
        errors = [0]

        def worker(k: int) -> None:
            rng = random.Random(k)
            mine = []
            with httpx.Client(base_url=server.base, timeout=60) as cl:
                for i in range(per):
                    j = rng.randrange(1 << 30)
                    path = (
                        f"/messages/{ids[j % len(ids)]}"
                        if i % 3 == 0
                        else "/activity?" + urllib.parse.urlencode({"q": rcpts[j % len(rcpts)]})
                        if i % 3 == 1
                        else "/api/v1/deliveries?"
                        + urllib.parse.urlencode({"recipient": rcpts[j % len(rcpts)]})
                    )
                    t = time.perf_counter()
                    r = cl.get(path)
                    mine.append((time.perf_counter() - t) * 1000)
                    if r.status_code != 200:
                        errors[0] += 1
            with lock:
                lat.extend(mine)

        t0 = time.perf_counter()
        cpu0 = _tree_cpu(pids)
        threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        wall = time.perf_counter() - t0
        cpu = _tree_cpu(pids) - cpu0
        rps = len(lat) / wall
        print(
            f"    concurrent: {clients} clients, {len(lat):,} requests in {wall:.1f} s = {rps:,.0f} req/s; "
            f"p50 {statistics.median(lat):.0f} ms  p95 {_pct(lat, 95):.0f} ms  p99 {_pct(lat, 99):.0f} ms; "
            f"{errors[0]} errors; server{'+PostgreSQL' if db_pid else ''} CPU {cpu:.1f} s; load {os.getloadavg()[0]:.1f}"
        )
        out.update(rps=rps, p95=_pct(lat, 95), p99=_pct(lat, 99))
    finally:
        server.stop()
    return out


def cli_scale(url: str, rcpts: list[str]) -> None:
    exe = str(Path(sys.executable).parent / "inboxtrace")
    times = []
    for r in rcpts[:5]:
        t = time.perf_counter()
        subprocess.run([exe, "trace", "--db", url, r], stdout=subprocess.DEVNULL, check=False)
        times.append((time.perf_counter() - t) * 1000)
    print(
        f"  scale: `inboxtrace trace RCPT` (one process per query) median {statistics.median(times):.0f} ms"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--deliveries", type=int, default=1_000_000)
    ap.add_argument("--store-dir", type=Path, default=None, help="keep the generated store here (reused)")
    ap.add_argument("--no-postgres", action="store_true")
    ap.add_argument("--no-sqlite", action="store_true")
    ap.add_argument(
        "--postgres-url", default=None, help="a PostgreSQL store already holding the same rows (no copy)"
    )
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--requests", type=int, default=2000)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-web-"))
    store_dir = args.store_dir or tmp
    store_dir.mkdir(parents=True, exist_ok=True)
    try:
        print(
            f"machine: {os.cpu_count()} CPUs; load {os.getloadavg()[0]:.2f} (compare only on an idle machine)"
        )
        db = build_sqlite(store_dir, args.deliveries)
        sqlite_url = f"sqlite:///{db}"
        ensure_subjects(sqlite_url)
        from inboxtrace.store import open_store
        from inboxtrace.store.activity import state_counts

        with open_store(sqlite_url) as s:
            counts = state_counts(s)
        print(
            f"  store: {sum(counts.values()):,} deliveries {json.dumps(counts)}; SQLite file {db.stat().st_size / 2**20:.0f} MB"
        )
        results = {}
        if not args.no_sqlite:
            results["sqlite"] = measure("SQLite", sqlite_url, args.samples, args.clients, args.requests)
            rcpts, _, _ = _samples(sqlite_url, 10)
            cli_scale(sqlite_url, rcpts)
        if args.postgres_url:
            ensure_subjects(args.postgres_url)
            results["postgresql"] = measure(
                "PostgreSQL", args.postgres_url, args.samples, args.clients, args.requests
            )
        elif not args.no_postgres:
            from tests.rigs.postgres import PostgresRig

            with PostgresRig.start() as pg:
                copy_to_postgres(db, pg.url)
                results["postgresql"] = measure(
                    "PostgreSQL", pg.url, args.samples, args.clients, args.requests
                )
        print("  side by side (p95 ms / req/s):")
        for name, r in results.items():
            print(
                f"    {name:<11} search {r['activity page, by recipient']:.1f}  message {r['message page']:.1f}  "
                f"subject {r['subject, 1 message']:.1f}/{r['subject, ~0.1%']:.1f}/{r['subject, ~14%']:.1f}  "
                f"overview {r['overview']:.0f} (computing {r['overview_compute']:.0f})  load {r['rps']:.0f} req/s p95 {r['p95']:.0f} p99 {r['p99']:.0f}"
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
