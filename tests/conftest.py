"""Shared test helpers: where the repository and the read-only shared corpus are."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The read-only ``shared/`` folder beside the repository (corpus, reference data)."""
    assert SHARED.is_dir(), f"the shared corpus is missing at {SHARED}"
    return SHARED


def generated_log(path: Path, lines: int, *args: str) -> Path:
    """Write ``shared/tools/gen_postfix_log.py LINES ARGS...`` (a deterministic Postfix log) to ``path``."""
    with path.open("w") as out:
        subprocess.run(
            [sys.executable, str(SHARED / "tools" / "gen_postfix_log.py"), str(lines), *args],
            stdout=out,
            stderr=subprocess.DEVNULL,
            check=True,
        )
    return path
