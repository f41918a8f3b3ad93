"""Past one machine: ingest throughput into SQLite and PostgreSQL, and a Dask backfill on 1 and 2
workers, with a paper estimate of the cluster that backfills one billion lines in an hour.

Usage: .venv/bin/python benchmarks/bench_scale.py [--lines N] [--hosts H]

A log of N lines per host from ``tests/data/tools/gen_postfix_log.py`` (host names rewritten, so
the H hosts are distinct) is written once. Then, in the same run:

- pflogsumm (Debian's) over one host's log: the reference (it stores nothing);
- one-process ``ingest`` of one host's log into SQLite and into a real PostgreSQL 15 (lines/s),
  into PostgreSQL twice: big batches through COPY (the default) and row by row (executemany);
- ``ingest --cluster`` (inboxtrace.backfill) of all H hosts into PostgreSQL on a Dask
  LocalCluster of 1, then 2 worker processes (one thread each): lines/s and the 2/1 speed-up;
  one task per host (rotated set);
- the same for one host's log alone: one big plain file, cut into pieces parsed by the workers
  and merged and written by the backfilling process;
- the estimate: workers (and 8-worker machines) for 10^9 lines/hour at the measured 1-worker rate.

Each line also gives the CPU seconds of the whole process tree in that phase (this process, the
Dask workers, the PostgreSQL server; user + system, ended children included) and the load average.
On a shared, busy machine the numbers move from run to run; the ratios in one run are what count.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GEN = REPO / "tests" / "data" / "tools" / "gen_postfix_log.py"
sys.path.insert(0, str(REPO))


def _logs(base: Path, lines: int, hosts: int) -> list[Path]:
    out = []
    for i in range(hosts):
        d = base / f"mx{i}"
        d.mkdir()
        text = subprocess.run(
            [sys.executable, str(GEN), str(lines), "--seed", str(40 + i)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        (d / "mail.log").write_text(text.replace(" mx1 postfix/", f" mx{i} postfix/"))
        out.append(d / "mail.log")
    return out


_TICK = os.sysconf("SC_CLK_TCK")


SERVERS: list[int] = []  # the PostgreSQL server's main process (started apart by pg_ctl)


def tree_cpu() -> dict[str, float]:
    """CPU seconds of this process and every process under it (with their ended children): this
    process ("here"), the PostgreSQL server ("postgres", from :data:`SERVERS`) and the others
    (Dask's scheduler and workers: "workers")."""
    children: dict[int, list[int]] = {}
    used: dict[int, tuple[str, float]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                head, _, rest = f.read().rpartition(")")
        except OSError:
            continue
        fields = rest.split()
        children.setdefault(int(fields[1]), []).append(int(entry))
        cpu = sum(int(x) for x in fields[11:15]) / _TICK  # utime stime cutime cstime
        used[int(entry)] = ("postgres" if "postgres" in head else "workers", cpu)
    me = os.getpid()
    total = {"here": used.get(me, ("", 0.0))[1], "postgres": 0.0, "workers": 0.0}
    stack = list(children.get(me, [])) + [pid for pid in SERVERS if pid in used]
    while stack:
        pid = stack.pop()
        kind, cpu = used.get(pid, ("workers", 0.0))
        total[kind] += cpu
        stack.extend(children.get(pid, []))
    return total


class Phase:
    """Wall and tree CPU of a ``with`` block."""

    def __enter__(self) -> Phase:
        self.parts, self.wall = tree_cpu(), time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.parts = {k: v - self.parts[k] for k, v in tree_cpu().items()}
        self.cpu = sum(self.parts.values())
        self.load = os.getloadavg()[0]

    def __str__(self) -> str:
        parts = ", ".join(f"{k} {v:.1f}" for k, v in self.parts.items() if v >= 0.05)
        return f"(CPU {self.cpu:6.2f} s: {parts}; load {self.load:.1f})"


def _ingest(url: str, paths: list[Path], copy: bool = True, cluster: str | None = None) -> Phase:
    from inboxtrace.ingest import ingest
    from inboxtrace.store import open_store

    with open_store(url) as store:
        store.copy = copy
        with Phase() as phase:
            ingest([str(p) for p in paths], store, cluster=cluster)
        return phase


def _warm_up(url: str) -> None:
    import inboxtrace.backfill  # noqa: F401
    from inboxtrace import codes
    from inboxtrace.store import open_store

    codes.classify("550 5.1.1 no such user")
    open_store(url).close()


def _backfill(url: str, paths: list[Path], workers: int) -> Phase:
    from distributed import Client, LocalCluster

    from inboxtrace.backfill import backfill

    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        client.run(_warm_up, url)  # imports and knowledge loaded in every worker, not timed
        with Phase() as phase:
            backfill([str(p) for p in paths], url, cluster=cluster.scheduler_address)
        return phase


def main() -> None:
    import logging

    logging.getLogger("distributed").setLevel(logging.ERROR)
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=100_000, help="lines per host")
    ap.add_argument("--hosts", type=int, default=4)
    args = ap.parse_args()
    from tests.rigs.postgres import PostgresRig

    from inboxtrace.timeline.reader import PARALLEL_MIN_BYTES

    base = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    try:
        logs = _logs(base, args.lines, args.hosts)
        one = logs[:1]
        print(f"{args.hosts} hosts x {args.lines:,} lines; load average {os.getloadavg()[0]:.1f}")
        if shutil.which("pflogsumm"):
            with Phase() as ref:
                subprocess.run(["pflogsumm", str(one[0])], stdout=subprocess.DEVNULL, check=True)
            print(
                f"  pflogsumm, one host           {ref.wall:6.2f} s {args.lines / ref.wall:10,.0f} lines/s "
                f"{ref} (stores nothing)"
            )
        sq = _ingest(f"sqlite:///{base / 'one.db'}", one)
        print(f"  ingest, one host, SQLite      {sq.wall:6.2f} s {args.lines / sq.wall:10,.0f} lines/s {sq}")
        with PostgresRig.start() as pg:
            SERVERS.append(int((pg.data_dir / "postmaster.pid").read_text().split()[0]))
            for copy, label in ((True, "COPY"), (False, "row by row")):
                t_pg = _ingest(pg.create_database(f"one{int(copy)}"), one, copy)
                print(
                    f"  ingest, one host, PostgreSQL  {t_pg.wall:6.2f} s {args.lines / t_pg.wall:10,.0f} lines/s "
                    f"{t_pg} ({sq.wall / t_pg.wall:.2f}x SQLite's speed; {label})"
                )
            total = args.lines * args.hosts
            rates = {}
            phases = {}
            for workers in (1, 2):
                t = phases[workers] = _backfill(pg.create_database(f"dask{workers}"), logs, workers)
                rates[workers] = total / t.wall
                print(
                    f"  backfill, Dask, {workers} worker(s)     {t.wall:6.2f} s {rates[workers]:10,.0f} lines/s {t}"
                )
            print(f"  speed-up 1 -> 2 workers: {rates[2] / rates[1]:.2f}x")
            if one[0].stat().st_size >= PARALLEL_MIN_BYTES:
                cut = {}
                for workers in (1, 2):
                    t = _backfill(pg.create_database(f"pieces{workers}"), one, workers)
                    cut[workers] = args.lines / t.wall
                    print(
                        f"  one file in pieces, {workers} worker(s) {t.wall:6.2f} s {cut[workers]:10,.0f} lines/s {t}"
                    )
                print(f"  speed-up 1 -> 2 workers, one file in pieces: {cut[2] / cut[1]:.2f}x")
        per_worker = rates[1]
        need = math.ceil(1e9 / 3600 / per_worker)
        print(
            f"  estimate: 10^9 lines in one hour = {1e9 / 3600:,.0f} lines/s = {need} workers at "
            f"{per_worker:,.0f} lines/s each (~{math.ceil(need / 8)} machines of 8 workers), if the "
            "PostgreSQL server keeps up with the writes"
        )
        # the same from CPU seconds, which a busy machine does not distort: a worker with a core of
        # its own, and the cores the PostgreSQL server needs for the rows
        one_w = phases[1].parts
        core_rate = total / max(one_w["workers"], 1e-9)
        pg_cores = 1e9 / 3600 * one_w["postgres"] / total
        print(
            f"  from CPU: a worker with a core of its own parses and writes {core_rate:,.0f} lines/s: "
            f"{math.ceil(1e9 / 3600 / core_rate)} worker cores, and {pg_cores:.1f} cores for the "
            f"PostgreSQL server, the backfilling process {1e9 / 3600 * one_w['here'] / total:.1f}"
        )
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
