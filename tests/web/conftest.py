"""Stores filled from the bundled example log (real Postfix output) for the web tests: SQLite
files, and databases on a real PostgreSQL 15 for the library tests."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from inboxtrace.ingest import ingest
from inboxtrace.store import Store, open_store
from tests.rigs.postgres import PostgresRig

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_LOG = REPO / "examples" / "postfix" / "maillog"
_names = itertools.count(1)


def fill(db: Path | str) -> Path | str:
    url = db if isinstance(db, str) else f"sqlite:///{db}"
    with open_store(url) as store:
        ingest([str(EXAMPLE_LOG)], store)
    return db


@pytest.fixture(scope="session")
def example_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite store holding the example log (read-only use: copy it to write)."""
    db = tmp_path_factory.mktemp("webstore") / "example.db"
    fill(db)
    return db


@pytest.fixture(scope="session")
def web_postgres() -> Iterator[PostgresRig]:
    with PostgresRig.start() as pg:
        yield pg


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh store of the example log that a test may write to (SQLite, then PostgreSQL)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
    else:
        pg: PostgresRig = request.getfixturevalue("web_postgres")
        url = pg.create_database(f"web{next(_names)}")
    fill(url)
    with open_store(url) as s:
        yield s
