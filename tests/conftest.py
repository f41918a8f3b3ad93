"""Shared test helpers: where the repository and the read-only shared corpus are."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The read-only ``shared/`` folder beside the repository (corpus, reference data)."""
    assert SHARED.is_dir(), f"the shared corpus is missing at {SHARED}"
    return SHARED
