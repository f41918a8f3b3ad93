"""A store filled from the bundled example log (real Postfix output) for the web tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from inboxtrace.ingest import ingest
from inboxtrace.store import Store, open_store

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_LOG = REPO / "examples" / "postfix" / "maillog"


def fill(db: Path) -> Path:
    with open_store(f"sqlite:///{db}") as store:
        ingest([str(EXAMPLE_LOG)], store)
    return db


@pytest.fixture(scope="session")
def example_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite store holding the example log (read-only use: copy it to write)."""
    return fill(tmp_path_factory.mktemp("webstore") / "example.db")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A fresh store of the example log that a test may write to."""
    db = fill(tmp_path / "store.db")
    with open_store(f"sqlite:///{db}") as s:
        yield s
