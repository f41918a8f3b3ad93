"""Store fixtures: every store test runs on SQLite (a temp file) and on a real PostgreSQL 15."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from inboxtrace.store import Store, open_store
from tests.rigs.postgres import PostgresRig

_db_names = itertools.count(1)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresRig]:
    with PostgresRig.start() as pg:
        yield pg


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    pg: PostgresRig = request.getfixturevalue("postgres")
    return pg.create_database(f"t{next(_db_names)}")


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with open_store(store_url) as s:
        yield s
