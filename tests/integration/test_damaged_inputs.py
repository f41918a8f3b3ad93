"""Inputs that are not plain finished files: a named pipe is read once, without hanging; a
truncated .gz/.xz/.bz2 keeps its readable start in the store, and the command names the file
and the cause and exits with status 2 (bad input) instead of "Aborted."."""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from inboxtrace.ingest import ingest
from inboxtrace.store import open_store
from inboxtrace.store.log_queries import grouped_counts
from tests.conftest import generated_log


def _cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    code = "import sys; from inboxtrace.cli import main; sys.argv[0] = 'inboxtrace'; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def _deliveries(url: str) -> int:
    with open_store(url) as store:
        return sum(g.total for g in grouped_counts(store, "final_state"))


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated_log(tmp_path_factory.mktemp("log") / "mail.log", 30_000)  # 3.6 MB: 4 bzip2 blocks


@pytest.fixture(scope="module")
def whole(log: Path, tmp_path_factory: pytest.TempPathFactory) -> int:
    url = f"sqlite:///{tmp_path_factory.mktemp('ref') / 'ref.db'}"
    with open_store(url) as store:
        ingest([str(log)], store)
    return _deliveries(url)


def test_a_named_pipe_is_read_once_without_hanging(log: Path, whole: int, tmp_path: Path) -> None:
    fifo = tmp_path / "mail.fifo"
    os.mkfifo(fifo)

    def feed() -> None:
        with fifo.open("wb") as out:
            out.write(log.read_bytes())

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    url = f"sqlite:///{tmp_path / 'store.db'}"
    done = _cli("ingest", "--db", url, "--json", str(fifo), timeout=60)
    writer.join(timeout=5)
    assert done.returncode == 0, done.stderr
    assert _deliveries(url) == whole


COMPRESSORS: dict[str, Callable[[bytes], bytes]] = {
    "gz": gzip.compress,
    "xz": lzma.compress,
    "bz2": bz2.compress,
}


@pytest.mark.parametrize("suffix", sorted(COMPRESSORS))
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_truncated_compressed_log_keeps_its_readable_start(
    suffix: str, jobs: str, log: Path, whole: int, tmp_path: Path
) -> None:
    packed = COMPRESSORS[suffix](log.read_bytes())
    damaged = tmp_path / f"mail.log.2.{suffix}"
    damaged.write_bytes(packed[: len(packed) * 6 // 10])
    url = f"sqlite:///{tmp_path / 'store.db'}"
    args = ["ingest", "--db", url, "--quiet", str(damaged)]
    if jobs == "2":  # with a big plain file beside it, the compressed one is read by a worker
        big = tmp_path / "mail.log.1"
        big.write_bytes(b"".join([b"Mar 10 00:00:00 mx1 postfix/anvil[1]: statistics: x\n"] * 200_000))
        args.append(str(big))
    done = _cli(*args)
    assert done.returncode == 2, done.stderr
    assert str(damaged) in done.stderr and "truncated" in done.stderr
    assert "Traceback" not in done.stderr
    stored = _deliveries(url)
    assert whole * 0.3 < stored < whole  # the readable start, not nothing and not everything


def test_the_library_reports_damage_in_the_summary(log: Path, tmp_path: Path) -> None:
    packed = gzip.compress(log.read_bytes())
    damaged = tmp_path / "mail.log.1.gz"
    damaged.write_bytes(packed[: len(packed) // 2] + b"\x00garbage")
    with open_store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        summary = ingest([str(damaged)], store)
    assert len(summary.damaged) == 1 and summary.damaged[0].startswith(str(damaged))
    assert summary.to_dict()["damaged"] == summary.damaged
    assert summary.new_deliveries > 0


IMPOSSIBLE = [
    "Feb 30 25:61:99",
    "Foo 14 00:00:00",
    "2025-03-14T00:00:00-25:00",
    "Feb 29 00:00:00",  # the reference year (the file's mtime, below) is not a leap year
]


def test_impossible_timestamps_are_unknown_lines_with_samples(tmp_path: Path) -> None:
    body = " mx1 postfix/qmgr[9]: 4ABC123D{n}: from=<a@example.com>, size=10, nrcpt=1 (queue active)\n"
    log = tmp_path / "mail.log"
    log.write_text("".join(ts + body.format(n=i) for i, ts in enumerate([*IMPOSSIBLE, "Mar 14 00:00:00"])))
    os.utime(log, (1_780_000_000, 1_780_000_000))  # June 2026
    with open_store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        summary = ingest([str(log)], store)
        assert summary.unknown == len(IMPOSSIBLE) and summary.events == 1
        assert [s[: len(ts)] for s, ts in zip(summary.unknown_samples, IMPOSSIBLE, strict=True)] == IMPOSSIBLE
        with store.connect() as conn:
            stored = conn.exec_driver_sql("SELECT queue_id FROM log_messages").fetchall()
        assert stored == [("4ABC123D4",)]


def _dsn(recipients: int, padding: int) -> bytes:
    head = (
        "From: MAILER-DAEMON@mx.example.com\nTo: list@example.com\nSubject: Undelivered Mail\n"
        'MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary="B"\n\n'
        "--B\nContent-Type: text/plain\n\nYour message could not be delivered.\n--B\n"
        "Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.com\n\n"
    )
    blocks = "".join(
        f"Final-Recipient: rfc822; user{i}@example.org\nAction: failed\nStatus: 5.1.1\n"
        f"Diagnostic-Code: smtp; 550 5.1.1 <user{i}@example.org>: User unknown\n\n"
        for i in range(recipients)
    )
    tail = "--B\nContent-Type: text/plain\n\n" + ("x" * 99 + "\n") * (padding // 100) + "--B--\n"
    return (head + blocks + tail).encode()


def test_a_bounce_cut_at_the_size_cap_says_so(tmp_path: Path) -> None:
    """The 8 MiB cap on one message is never silent: the report, the JSON rows and the summary
    name the file and what was left unread."""
    from inboxtrace.bounces import parse_bounce

    small = parse_bounce(_dsn(3, 1000), "small.eml")
    assert small.cut is None and len(small.recipients) == 3
    big = tmp_path / "big.eml"
    big.write_bytes(_dsn(200, 9 << 20))
    report = parse_bounce(big.read_bytes(), str(big))
    assert len(report.recipients) == 200 and report.cut and "8 MiB" in report.cut
    done = _cli("bounces", "--json", str(big))
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(rows) == 200 and all(r["cut"] == report.cut for r in rows)
    assert f"cut {big}" in " ".join(done.stderr.split()) and "1 cut at the size cap" in done.stderr
