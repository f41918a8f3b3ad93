"""Store fixtures: every store test runs on SQLite (a temp file) and on a real PostgreSQL 15."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from inboxtrace.store import Store, open_store
from inboxtrace.store.log_chunks import ChunkTables
from inboxtrace.timeline import reader
from tests.conftest import BACKENDS, backend_url


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return backend_url(request, tmp_path, "t")


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with open_store(store_url) as s:
        yield s


@pytest.fixture
def pieces(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every input is cut into pieces (small logs too); records how many pieces a bulk ingest
    (``store.log_chunks``) copied in, at each merge."""
    monkeypatch.setattr(reader, "PARALLEL_MIN_BYTES", 0)
    merged: list[int] = []
    original = ChunkTables.merge

    def merge(self: ChunkTables, results: list[Any]) -> None:
        original(self, results)
        merged.append(self.merged)

    monkeypatch.setattr(ChunkTables, "merge", merge)
    return merged
