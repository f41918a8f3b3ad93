"""MTA log ingest speed and memory against Debian's pflogsumm, on the same generated logs.

Usage: .venv/bin/python benchmarks/bench_logs.py [--lines N] [--keep DIR] [--no-ingest] [--repeat N]

For each of two logs made by ``tests/data/tools/gen_postfix_log.py N`` (classic syslog, short queue
ids) and ``... --rfc3339 --long-ids``, it runs, as child processes in this same run:

- ``pflogsumm FILE`` (the reference: totals only),
- ``inboxtrace ingest --db sqlite:///TMP/x.db --json FILE`` (full timelines stored),
- the parse alone: ``read_logs`` to Message objects, nothing stored (workers send compact
  records, the parent makes the frozen records with the Cython ``timeline/_frozen.pyx``),

and prints wall time, lines/s, CPU seconds (child and workers), peak memory of the whole process tree (workers included, sampled
every 50 ms from /proc: RSS, and PSS, which does not count pages shared by forked workers twice)
and the ratios to pflogsumm. It then compares the totals: pflogsumm's
delivered / deferred / bounced / rejected with inboxtrace's per-recipient final states, and
explains where they differ on purpose (pflogsumm does not count an expired message as bounced).

How ingest is made fast: big plain files are cut at line boundaries into one piece per core;
each piece's envelopes and frequent Postfix lines are read byte by byte by a Cython extension
(``logs/_fastscan.pyx``; the rest with plain string tests before any regex), its messages are assembled and
turned into the store's rows where they are read (``RowMaker.from_record``, straight from the
compact records, no model objects). Into an empty SQLite store (the bulk case) the pieces are
also keyed, matched and written where they are read: the parent reads the first piece straight
into the store while a worker process writes the next one into a scratch SQLite file, which the
parent then copies in with one ``INSERT ... SELECT`` (``store.log_chunks``) while the worker reads
a small last piece (the copy is then not alone at the end); only what the
pieces share (messages cut by a piece boundary, queue ids met in both) goes through the parent's
writer. Otherwise (PostgreSQL, a store that already holds logs) the workers send their rows to
the parent, which matches them against the store and writes them. Workers freeze the heap they
inherit (no copy-on-write by the collector) and both sides collect garbage less often. On a first
ingest the trace-only indexes are built once at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from bytecode_ready import ensure_bytecode

REPO = Path(__file__).resolve().parents[1]
# Memory is sampled this often. The sampler competes for the CPU with what it measures (a
# multi-process run has no idle core to hide it on, pflogsumm has one): 50 ms keeps that small.
SAMPLE_EVERY = 0.05
GEN = REPO / "tests" / "data" / "tools" / "gen_postfix_log.py"

_PARSE_ONLY = r"""
import json, sys
from collections import Counter
from inboxtrace.logs import LogStats
from inboxtrace.timeline import read_logs
stats = LogStats()
states = Counter()
deferred_once = 0
deferrals = 0
for m in read_logs([sys.argv[1]], stats=stats):
    for d in m.deliveries:
        states[d.final_state.value] += 1
        n = sum(1 for a in d.attempts if a.status == "deferred")
        deferrals += n
        deferred_once += n > 0
print(json.dumps({"stats": stats.to_dict(), "states": states, "deferred_once": deferred_once,
                  "deferrals": deferrals}))
"""


@dataclass
class Run:
    name: str
    wall: float
    cpu: float
    peak_rss_kb: int
    peak_pss_kb: int
    stdout: str
    returncode: int
    # each process's own peak (RSS, PSS) in KiB, in the order they were first seen
    per_process: list[tuple[int, int]] = dataclasses.field(default_factory=list)


def _pss_kb(pid: int) -> int:
    """Proportional set size of one process (shared pages split between their users), KiB."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree_pids(root: int) -> list[int] | None:
    """``root`` and its descendants from /proc/PID/task/TID/children (None where the kernel lacks it)."""
    out, stack = [], [root]
    while stack:
        pid = stack.pop()
        out.append(pid)
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tids:
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as f:
                    stack.extend(int(c) for c in f.read().split())
            except FileNotFoundError:
                if not os.path.exists(f"/proc/{pid}/task/{tid}"):
                    continue
                return None  # no children files: scan all of /proc instead
            except OSError:
                continue
    return out


def _rss_kb(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[21]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
    except (OSError, IndexError, ValueError):
        return None


def _tree_usage(root: int) -> dict[int, tuple[int, int]]:
    """(RSS, PSS) in KiB of ``root`` and each of its descendants, by pid (from /proc)."""
    tree = _tree_pids(root)
    if tree is None:  # no children files: scan all of /proc instead
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
        tree, stack = [], [root]
        while stack:
            pid = stack.pop()
            tree.append(pid)
            stack.extend(children.get(pid, []))
    usage = {}
    for pid in tree:
        rss = _rss_kb(pid)
        if rss is not None:
            usage[pid] = (rss, _pss_kb(pid))
    return usage


def _tree_rss_kb(root: int) -> tuple[int, int]:
    """(RSS, PSS) of ``root`` and all its descendants, in KiB (from /proc).

    RSS counts pages a forked worker shares with its parent once per process; PSS splits them,
    so it is the memory the tree really holds.
    """
    usage = _tree_usage(root).values()
    return sum(u[0] for u in usage), sum(u[1] for u in usage)


def run(name: str, argv: Sequence[str], env: dict[str, str] | None = None) -> Run:
    """Run ``argv``; wall time and peak RSS of its process tree (sampled, and wait4's max)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    peak = peak_pss = 0
    done = threading.Event()
    each: dict[int, tuple[int, int]] = {}

    def sample() -> None:
        nonlocal peak, peak_pss
        while not done.is_set():
            usage = _tree_usage(proc.pid)
            for pid, (rss, pss) in usage.items():
                was = each.get(pid, (0, 0))
                each[pid] = (max(was[0], rss), max(was[1], pss))
            peak = max(peak, sum(u[0] for u in usage.values()))
            peak_pss = max(peak_pss, sum(u[1] for u in usage.values()))
            done.wait(SAMPLE_EVERY)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    streams: dict[str, str] = {}
    readers = [
        threading.Thread(target=lambda k=k, f=f: streams.__setitem__(k, f.read()), daemon=True)
        for k, f in (("out", proc.stdout), ("err", proc.stderr))
    ]
    for t in readers:
        t.start()
    _, status, usage = os.wait4(proc.pid, 0)  # CPU of the child and the workers it waited for
    wall = time.perf_counter() - start
    for t in readers:
        t.join()
    done.set()
    sampler.join()
    returncode = os.waitstatus_to_exitcode(status)
    proc.returncode = returncode
    if returncode != 0:
        print(f"  {name} failed ({returncode}): {streams.get('err', '').strip()[-500:]}", file=sys.stderr)
    cpu = usage.ru_utime + usage.ru_stime
    return Run(name, wall, cpu, peak, peak_pss, streams.get("out", ""), returncode, list(each.values()))


def pflogsumm_totals(text: str) -> dict[str, int]:
    """Grand totals from pflogsumm's report."""
    totals: dict[str, int] = {}
    for key in ("received", "delivered", "deferred", "bounced", "rejected"):
        m = re.search(rf"^\s*(\d+)\s+{key}\b", text, re.M)
        if m:
            totals[key] = int(m.group(1))
    m = re.search(r"deferred\s+\((\d+)\s+deferrals\)", text)
    if m:
        totals["deferrals"] = int(m.group(1))
    return totals


def count_lines(path: Path) -> int:
    n = 0
    with path.open("rb") as f:
        while chunk := f.read(1 << 22):
            n += chunk.count(b"\n")
    return n


def best_of(repeat: int, name: str, argv: Sequence[str], before: Callable[[], None] | None = None) -> Run:
    """The fastest of ``repeat`` runs (each tool gets the same treatment), with the highest
    memory peak seen in any of them."""
    runs = []
    for _ in range(repeat):
        if before is not None:
            before()
        runs.append(run(name, argv))
    best = min(runs, key=lambda r: (r.returncode != 0, r.wall))
    best.peak_rss_kb = max(r.peak_rss_kb for r in runs)
    best.peak_pss_kb = max(r.peak_pss_kb for r in runs)
    return best


def bench_one(path: Path, tmp: Path, ingest: bool, repeat: int = 1) -> None:
    lines = count_lines(path)
    print(f"\n--- {path.name}: {lines:,} lines, {path.stat().st_size / 1e6:.0f} MB")
    ref = best_of(repeat, "pflogsumm", ["pflogsumm", str(path)])
    runs = [ref]
    inboxtrace = shutil.which("inboxtrace") or str(Path(sys.executable).parent / "inboxtrace")
    if ingest:
        db = tmp / f"{path.stem}.db"
        runs.append(
            best_of(
                repeat,
                "inboxtrace ingest",
                [inboxtrace, "ingest", "--db", f"sqlite:///{db}", "--json", "-q", str(path)],
                before=lambda: db.unlink(missing_ok=True),  # a first ingest, into a new store
            )
        )
    parse = best_of(repeat, "parse only (read_logs)", [sys.executable, "-c", _PARSE_ONLY, str(path)])
    runs.append(parse)
    print(
        f"  {'':26} {'wall s':>8} {'lines/s':>12} {'x pflogsumm':>12} {'CPU s':>7} {'RSS MB':>8} {'ratio':>7}"
        f" {'PSS MB':>8} {'ratio':>7}"
    )
    for r in runs:
        speed = lines / r.wall if r.wall else 0.0
        ratio = ref.wall / r.wall if r.wall else 0.0
        rss_ratio = r.peak_rss_kb / ref.peak_rss_kb if ref.peak_rss_kb else 0.0
        pss_ratio = r.peak_pss_kb / ref.peak_pss_kb if ref.peak_pss_kb else 0.0
        flag = "" if r.returncode == 0 else "  (FAILED)"
        print(
            f"  {r.name:26} {r.wall:8.2f} {speed:12,.0f} {ratio:11.2f}x {r.cpu:7.2f} {r.peak_rss_kb / 1024:8.0f}"
            f" {rss_ratio:6.2f}x"
            f" {r.peak_pss_kb / 1024:8.0f} {pss_ratio:6.2f}x{flag}"
        )
    if ingest and runs[1].returncode == 0:
        try:
            summary = json.loads(runs[1].stdout)
            print(f"  ingest summary: lines={summary.get('lines')} events={summary.get('events')} "
                  f"unknown={summary.get('unknown')}")  # fmt: skip
        except json.JSONDecodeError:
            pass
    if parse.returncode != 0:
        return
    ours = json.loads(parse.stdout)
    theirs = pflogsumm_totals(ref.stdout)
    st = ours["states"]
    print("  totals                      pflogsumm   inboxtrace")
    rows = [
        ("delivered (status=sent)", theirs.get("delivered"), st.get("delivered", 0)),
        ("bounced", theirs.get("bounced"), st.get("bounced", 0)),
        ("expired", None, st.get("expired", 0)),
        ("bounced + expired", None, st.get("bounced", 0) + st.get("expired", 0)),
        ("rejected (NOQUEUE)", theirs.get("rejected"), st.get("rejected", 0)),
        ("deferred at least once", theirs.get("deferred"), ours["deferred_once"]),
        ("deferrals (attempts)", theirs.get("deferrals"), ours["deferrals"]),
        ("still deferred at end", None, st.get("deferred", 0)),
    ]
    for label, a, b in rows:
        mark = "" if a is None else ("  =" if a == b else f"  differs by {b - a:+d}")
        print(f"  {label:26} {'-' if a is None else a:>10} {b:>12}{mark}")
    print(
        "  note: pflogsumm counts 'bounced' from status=bounced lines only; a message that expired "
        "(qmgr 'status=expired, returned to sender') is a bounce to its sender but pflogsumm does "
        "not count it, so inboxtrace shows it apart as 'expired'. 'delivered' counts the recipients "
        "whose last attempt was status=sent (DSNs Postfix sent included, as pflogsumm does). "
        "'rejected' counts refused recipients plus refused transactions that named none (a MAIL- "
        "or EHLO-stage reject, one each with the empty recipient), like pflogsumm's reject lines; "
        "CONNECT rejects are an ignored kind."
    )
    print(f"  lines: {ours['stats']['lines']:,} = events {ours['stats']['events']:,} + ignored "
          f"{ours['stats']['ignored']:,} + unknown {ours['stats']['unknown']:,}")  # fmt: skip


def generated(path: Path, lines: int, extra: Sequence[str] = ()) -> Path:
    """``gen_postfix_log.py LINES EXTRA...`` written to ``path`` (kept if it is there already)."""
    if not path.exists():
        with path.open("w") as out:
            subprocess.run(
                [sys.executable, str(GEN), str(lines), *extra],
                stdout=out,
                stderr=subprocess.DEVNULL,
                check=True,
            )
    return path


@contextlib.contextmanager
def scratch(keep: Path | None, prefix: str) -> Iterator[Path]:
    """``keep`` (made if missing), else a temporary directory removed afterwards."""
    tmp = keep or Path(tempfile.mkdtemp(prefix=prefix))
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        yield tmp
    finally:
        if keep is None:
            shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--keep", type=Path, help="directory to generate the logs in and keep them")
    ap.add_argument("--no-ingest", action="store_true", help="measure the parse only")
    ap.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run every command N times and keep each one's fastest run (a shared machine is noisy)",
    )
    args = ap.parse_args(argv)
    if shutil.which("pflogsumm") is None:
        print("pflogsumm is not installed (apt-get install pflogsumm)", file=sys.stderr)
        return 1
    if not GEN.exists():
        print(f"generator not found: {GEN}", file=sys.stderr)
        return 1
    # every run is a fresh process: measure an installed package, not one that compiles its
    # modules at each start (an editable install under PYTHONDONTWRITEBYTECODE: ~0.07 CPU-s a run)
    ensure_bytecode()
    with scratch(args.keep, "bench_logs.") as tmp:
        print(f"machine: {os.cpu_count()} CPUs; python {sys.version.split()[0]}; logs in {tmp}")
        print(
            f"load average before: {os.getloadavg()[0]:.2f} (wall times are only comparable on an idle machine)"
        )
        for name, extra in (("classic.log", []), ("rfc3339-long-ids.log", ["--rfc3339", "--long-ids"])):
            path = generated(tmp / name, args.lines, extra)
            bench_one(path, tmp, not args.no_ingest, max(1, args.repeat))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
