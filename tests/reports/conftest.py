"""Reports tests run their store on SQLite and on a real PostgreSQL (the store tests' rig)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from inboxtrace.store import Store, open_store
from tests.rigs.postgres import PostgresRig

_names = itertools.count(1)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresRig]:
    with PostgresRig.start() as pg:
        yield pg


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
    else:
        pg: PostgresRig = request.getfixturevalue("postgres")
        url = pg.create_database(f"rep{next(_names)}")
    with open_store(url) as s:
        yield s
