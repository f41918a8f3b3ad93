"""The console script leaves the collector's objects to the end of the process once a command has
succeeded (no walk over every object loaded during the interpreter's teardown); a failed command
ends the usual way."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from inboxtrace import cli


@pytest.fixture(autouse=True)
def _unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # (this test process goes on: its objects are collected again)


def _ended(monkeypatch: pytest.MonkeyPatch, outcome: BaseException | None) -> int:
    def main(argv: list[str] | None = None, *, end_process: bool = False) -> None:
        assert end_process
        gc.collect()  # (nothing left frozen or collectable from before)
        if outcome is not None:
            raise outcome

    monkeypatch.setattr(cli, "main", main)
    if outcome is None:
        cli.console()
    else:
        with pytest.raises(type(outcome)):
            cli.console()
    return gc.get_freeze_count()


def test_a_command_that_returns_leaves_its_objects_frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _ended(monkeypatch, None) > 0


def test_a_command_that_exits_with_success_leaves_its_objects_frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _ended(monkeypatch, SystemExit(0)) > 0
    assert _ended(monkeypatch, SystemExit(None)) > 0


def test_a_failed_command_ends_the_usual_way(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _ended(monkeypatch, SystemExit(1)) == 0
    assert _ended(monkeypatch, SystemExit(2)) == 0
    assert _ended(monkeypatch, KeyboardInterrupt()) == 0
