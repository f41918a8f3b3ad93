"""One real Postfix run per session (≈30 s), shared by the integration tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.rigs.postgres import PostgresRig
from tests.rigs.scenario import ScenarioRun, run_scenario


@pytest.fixture(scope="session")
def postfix_run(tmp_path_factory: pytest.TempPathFactory) -> ScenarioRun:
    return run_scenario(tmp_path_factory.mktemp("postfix-run"))


@pytest.fixture(scope="session")
def pg() -> Iterator[PostgresRig]:
    with PostgresRig.start() as rig:
        yield rig


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.db'}"
