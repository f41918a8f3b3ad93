"""Four first ingests at once into a store that does not exist yet: the store is created exactly
once (no "already exists", no duplicate pg_type key), every ingest succeeds, and the rows are
those of one ingest (issue 15's first defect, on the real PostgreSQL rig and on SQLite)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from inboxtrace.ingest import ingest
from inboxtrace.store import open_store
from inboxtrace.store.log_queries import grouped_counts
from tests.conftest import generated_log

CODE = "import sys; from inboxtrace.cli import main; sys.argv[0] = 'inboxtrace'; main()"


def _states(url: str) -> dict[str, int]:
    with open_store(url) as store:
        return {g.key: g.total for g in grouped_counts(store, "final_state")}


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated_log(tmp_path_factory.mktemp("log") / "mail.log", 3_000)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database nothing was ever created in."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'new' / 'store.db'}"
    pg = request.getfixturevalue("postgres")
    return str(pg.create_database(f"race{abs(hash(tmp_path)) % 10**8}"))


def test_four_first_ingests_at_once_create_the_store_once(empty_url: str, log: Path, tmp_path: Path) -> None:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CODE, "ingest", "--db", empty_url, "--quiet", str(log)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(4)
    ]
    errors = [p.communicate(timeout=180)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
    ref = f"sqlite:///{tmp_path / 'ref.db'}"
    with open_store(ref) as store:
        ingest([str(log)], store)
    assert _states(empty_url) == _states(ref)


def test_a_store_another_connection_is_creating_is_waited_for(tmp_path: Path) -> None:
    """A new file another connection is still writing in rollback mode (a store being created by
    another process): opening it waits for that write instead of failing at once with "database
    is locked" (SQLite calls no busy handler when the switch to WAL upgrades a read transaction)."""
    path = tmp_path / "store.db"
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("CREATE TABLE someone_elses (x)")
    outcome: list[object] = []

    def opener() -> None:
        try:
            with open_store(f"sqlite:///{path}") as store, store.connect() as conn:
                outcome.append(conn.exec_driver_sql("PRAGMA journal_mode").scalar())
        except Exception as exc:  # the failure is the finding
            outcome.append(exc)

    thread = threading.Thread(target=opener)
    started = time.monotonic()
    thread.start()
    time.sleep(0.5)
    assert not outcome, f"finished while the other write was open: {outcome}"
    other.execute("COMMIT")
    thread.join(timeout=60)
    assert outcome == ["wal"]
    assert time.monotonic() - started >= 0.5
    other.close()
    with open_store(f"sqlite:///{path}") as store:
        assert "someone_elses" in sa.inspect(store.engine).get_table_names()
