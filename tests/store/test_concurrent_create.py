"""Four first ingests at once into a store that does not exist yet: the store is created exactly
once (no "already exists", no duplicate pg_type key), every ingest succeeds, and the rows are
those of one ingest (issue 15's first defect, on the real PostgreSQL rig and on SQLite)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

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
