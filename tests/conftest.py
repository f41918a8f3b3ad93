"""Shared test helpers: where the repository and its test corpus (``tests/data``) are."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

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
