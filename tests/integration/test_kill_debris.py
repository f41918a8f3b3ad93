"""``kill -9`` of a bulk ingest leaves no live worker behind, and the next ingest removes the
scratch folder it left beside the database; the store then holds what one ingest makes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from inboxtrace.ingest import ingest
from inboxtrace.store import open_store
from inboxtrace.store.log_queries import grouped_counts
from tests.conftest import generated_log


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        ppid = next((line.split()[1] for line in status.splitlines() if line.startswith("PPid:")), "")
        if ppid == str(pid):
            out.append(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait(predicate: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return True
        time.sleep(0.05)
    return False


def _states(url: str) -> dict[str, int]:
    with open_store(url) as store:
        return {g.key: g.total for g in grouped_counts(store, "final_state")}


def test_kill_during_a_bulk_ingest_leaves_no_worker_and_no_scratch(tmp_path: Path) -> None:
    log = generated_log(tmp_path / "mail.log", 150_000)  # 18 MB: pieces in workers, scratch files
    data = tmp_path / "data"
    data.mkdir()
    url = f"sqlite:///{data / 'store.db'}"
    code = "import sys; from inboxtrace.cli import main; sys.argv[0] = 'inboxtrace'; main()"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "ingest", "--db", url, "--quiet", str(log)], stderr=subprocess.PIPE
    )
    try:
        assert _wait(lambda: list(data.glob(".inboxtrace-ingest.*/piece*.db")), 60), "no bulk ingest began"
        workers = _children(proc.pid)
        assert workers
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        assert _wait(lambda: not any(_alive(w) for w in workers), 10), "a worker outlived its parent"
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    left = list(data.glob(".inboxtrace-ingest.*"))
    assert left  # what the kill left ...
    with open_store(url) as store:
        ingest([str(log)], store)
    assert not list(data.glob(".inboxtrace-ingest.*"))  # ... the next run removed
    ref = f"sqlite:///{tmp_path / 'ref.db'}"
    with open_store(ref) as store:
        ingest([str(log)], store, jobs=1)
    assert _states(url) == _states(ref)
    assert os.path.exists(data / "store.db")
