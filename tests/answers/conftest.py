"""The bundled real Postfix log (examples/postfix/maillog, written by a real Postfix run) in a store."""

from __future__ import annotations

from pathlib import Path

import pytest

from inboxtrace.ingest import ingest
from inboxtrace.store import open_store

EXAMPLE_LOG = Path(__file__).resolve().parents[2] / "examples" / "postfix" / "maillog"


@pytest.fixture(scope="module")
def example_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite store URL holding the ingested example log."""
    url = f"sqlite:///{tmp_path_factory.mktemp('example') / 'example.db'}"
    with open_store(url) as store:
        ingest([str(EXAMPLE_LOG)], store)
    return url
