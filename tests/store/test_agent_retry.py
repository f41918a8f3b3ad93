"""The agent's retry policy: a database that is not there is waited for with growing pauses; a
store refused for another reason ends the agent at once."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from inboxtrace.agent import run_agent
from inboxtrace.errors import StoreError


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_database_is_retried_with_growing_pauses(tmp_path: Path) -> None:
    log = tmp_path / "mail.log"
    log.touch()
    waits: list[float] = []
    url = f"postgresql://postgres@127.0.0.1:{_closed_port()}/none"
    with pytest.raises(StoreError, match="cannot open the store"):
        run_agent(
            str(log),
            url,
            should_stop=lambda: len(waits) >= 5,
            on_retry=lambda exc, wait: waits.append(wait),
            first_delay=0.01,
            max_delay=0.08,
            sleep=lambda s: None,
        )
    assert len(waits) == 5
    assert waits[0] < waits[2] < waits[4] <= 0.08 * 1.2  # doubling, capped, with jitter


def test_a_store_refused_for_another_reason_is_not_retried(tmp_path: Path) -> None:
    waits: list[float] = []
    with pytest.raises(StoreError, match="unsupported database"):
        run_agent(str(tmp_path / "mail.log"), "mysql://x/y", on_retry=lambda e, w: waits.append(w))
    assert waits == []
