"""Shared test helpers: where the repository and its test corpus (``tests/data``) are."""

from __future__ import annotations

import itertools
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.rigs.postgres import PostgresRig

if TYPE_CHECKING:
    from inboxtrace.store import Store

REPO = Path(__file__).resolve().parents[1]
# The corpora and reference files the tests read, copied into the repository with their licences
# (tests/data/README.md says where each came from). Nothing at test time reads outside the repository.
SHARED = REPO / "tests" / "data"


@pytest.fixture(autouse=True)
def _forget_registered_secrets() -> Iterator[None]:
    """Every secret inboxtrace reads is registered process-wide and redacted from then on: a test's
    password ("x") must not garble the output of the tests after it."""
    from inboxtrace import secrets

    saved = list(secrets._variants)
    yield
    secrets._variants[:] = saved


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The test corpus in the repository (``tests/data``: corpus, reference data, tools)."""
    assert SHARED.is_dir(), f"the test corpus is missing at {SHARED}"
    return SHARED


def generated_log(path: Path, lines: int, *args: str) -> Path:
    """Write ``tests/data/tools/gen_postfix_log.py LINES ARGS...`` (a deterministic Postfix log) to ``path``."""
    with path.open("w") as out:
        subprocess.run(
            [sys.executable, str(SHARED / "tools" / "gen_postfix_log.py"), str(lines), *args],
            stdout=out,
            stderr=subprocess.DEVNULL,
            check=True,
        )
    return path


# The two store backends a store-writing test runs on: SQLite (a temp file) and a real PostgreSQL.
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
_db_names = itertools.count(1)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresRig]:
    """One real PostgreSQL for the whole session (tests/rigs/postgres.py); a database per test."""
    with PostgresRig.start() as pg:
        yield pg


def backend_url(request: pytest.FixtureRequest, tmp_path: Path, prefix: str) -> str:
    """A fresh, empty store's URL for a fixture parametrized over :data:`BACKENDS`."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / f'{prefix}.db'}"
    pg: PostgresRig = request.getfixturevalue("postgres")
    return pg.create_database(f"{prefix}{next(_db_names)}")


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh, empty store, once on SQLite and once on PostgreSQL (a package's own ``store``
    fixture, where it needs one filled differently, takes its place)."""
    from inboxtrace.store import open_store

    with open_store(backend_url(request, tmp_path, "store")) as s:
        yield s
