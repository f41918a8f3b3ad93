"""Reports tests run their store on SQLite and on a real PostgreSQL (the store tests' rig)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from inboxtrace.store import Store, open_store
from tests.conftest import BACKENDS, backend_url


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    with open_store(backend_url(request, tmp_path, "rep")) as s:
        yield s
