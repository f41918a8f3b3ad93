"""DMARC aggregate report ingestion: ``inboxtrace dmarc ingest`` against parsedmarc (PyPI) on the
same generated files.

Writes ``--reports`` aggregate reports (seeded; 70% .xml, 20% .xml.gz, 10% .zip; 1-8 records
each, RFC 7489 and RFC 9990 dialects) into a temporary directory, then runs each tool as a child
process on that directory and prints wall time, reports/s, peak memory (max RSS of the child)
and the ratios (target: inboxtrace ≥ 5× faster, with lower peak memory). inboxtrace parses and
stores into a fresh SQLite store; parsedmarc runs ``--offline`` (no DNS) writing its JSON/CSV
output files. Each tool runs ``--repeat`` times, alternating; the best run of each counts.

parsedmarc is not a dependency of inboxtrace: it is installed on first use into
``benchmarks/.parsedmarc-venv`` (``pip install parsedmarc==PARSEDMARC``), or give ``--parsedmarc PATH``.

    .venv/bin/python benchmarks/bench_reports.py [--reports 10000] [--repeat 1]
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PARSEDMARC = "11.1.0"
VENV = REPO / "benchmarks" / ".parsedmarc-venv"


def _record(rng: random.Random) -> str:
    ip = f"198.51.{rng.randrange(100, 110)}.{rng.randrange(1, 255)}"
    dkim = rng.choice(("pass", "pass", "pass", "fail"))
    spf = rng.choice(("pass", "pass", "fail"))
    disposition = "none" if dkim == "pass" or spf == "pass" else rng.choice(("none", "quarantine", "reject"))
    return (
        f"<record><row><source_ip>{ip}</source_ip><count>{rng.randrange(1, 500)}</count><policy_evaluated>"
        f"<disposition>{disposition}</disposition><dkim>{dkim}</dkim><spf>{spf}</spf></policy_evaluated></row>"
        "<identifiers><header_from>example.com</header_from></identifiers><auth_results>"
        f"<dkim><domain>example.com</domain><selector>s{rng.randrange(1, 3)}</selector><result>{dkim}</result></dkim>"
        f"<spf><domain>bounce.example.com</domain><scope>mfrom</scope><result>{spf}</result></spf>"
        "</auth_results></record>"
    )


def _report(n: int, rng: random.Random) -> bytes:
    ns = ' xmlns="urn:ietf:params:xml:ns:dmarc-2.0"' if n % 4 == 0 else ""
    begin = 1796083200 + 86400 * (n % 60)
    org = rng.choice(("google.com", "Yahoo", "Mail.Ru", "Enterprise Outlook", "receiver.example"))
    records = "".join(_record(rng) for _ in range(rng.randrange(1, 9)))
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<feedback{ns}><version>1.0</version><report_metadata>'
        f"<org_name>{org}</org_name><email>noreply-dmarc@receiver.example</email>"
        f"<report_id>bench-{n}</report_id><date_range><begin>{begin}</begin><end>{begin + 86399}</end>"
        "</date_range></report_metadata><policy_published><domain>example.com</domain><adkim>r</adkim>"
        f"<aspf>r</aspf><p>none</p><sp>none</sp><pct>100</pct></policy_published>{records}</feedback>\n"
    ).encode()


def generate(directory: Path, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    for n in range(count):
        data = _report(n, rng)
        base = f"receiver!example.com!{1796083200 + n}!{1796169599 + n}!bench-{n}"
        kind = n % 10
        if kind < 7:
            (directory / f"{base}.xml").write_bytes(data)
        elif kind < 9:
            (directory / f"{base}.xml.gz").write_bytes(gzip.compress(data))
        else:
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
                zf.writestr(f"{base}.xml", data)
            (directory / f"{base}.zip").write_bytes(buf.getvalue())


def parsedmarc_binary(given: str | None) -> str:
    if given:
        return given
    binary = VENV / "bin" / "parsedmarc"
    if not binary.exists():
        print(f"installing parsedmarc=={PARSEDMARC} into {VENV} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", f"parsedmarc=={PARSEDMARC}"], check=True)
    return str(binary)


def measure(args: list[str], env: dict[str, str] | None = None) -> tuple[float, float, float, bytes]:
    """(wall seconds, CPU seconds, peak RSS in MB, stdout) of one child process."""
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.DEVNULL, env=env)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        data = out.read()
    if proc.returncode != 0:
        raise SystemExit(f"{args[0]} failed with status {proc.returncode}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, data


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--parsedmarc", help="parsedmarc executable (default: benchmarks/.parsedmarc-venv)")
    args = parser.parse_args()
    pdm = parsedmarc_binary(args.parsedmarc)
    inboxtrace = str(Path(sys.executable).with_name("inboxtrace"))
    work = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    try:
        reports = work / "reports"
        reports.mkdir()
        generate(reports, args.reports)
        print(f"{args.reports} aggregate reports in {reports}")
        best: dict[str, tuple[float, float, float]] = {}
        for n in range(args.repeat):
            db = work / f"store{n}.db"
            wall, cpu, rss, out = measure(
                [inboxtrace, "dmarc", "ingest", str(reports), "--db", f"sqlite:///{db}", "--json"]
            )
            counts = json.loads(out)
            assert counts["aggregate"] == args.reports and not counts["rejected"], counts
            best["inboxtrace"] = min(best.get("inboxtrace", (wall, cpu, rss)), (wall, cpu, rss))
            outdir = work / f"parsedmarc{n}"
            wall, cpu, rss, _ = measure([pdm, "--offline", "-s", "-o", str(outdir), str(reports)])
            parsed = json.loads((outdir / "aggregate.json").read_text())
            assert len(parsed) == args.reports, len(parsed)
            best["parsedmarc"] = min(best.get("parsedmarc", (wall, cpu, rss)), (wall, cpu, rss))
        for tool, (wall, cpu, rss) in best.items():
            print(
                f"{tool:11} {wall:8.2f} s wall  {cpu:8.2f} s CPU  {args.reports / wall:9.0f} reports/s"
                f"  peak {rss:7.1f} MB"
            )
        speed = best["parsedmarc"][0] / best["inboxtrace"][0]
        cpu_ratio = best["parsedmarc"][1] / best["inboxtrace"][1]
        memory = best["parsedmarc"][2] / best["inboxtrace"][2]
        print(
            f"inboxtrace is {speed:.1f}x faster in wall time (target >= 5x), {cpu_ratio:.1f}x in CPU time, "
            f"uses {memory:.1f}x less peak memory"
        )
        return 0 if speed >= 5 and memory > 1 else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
