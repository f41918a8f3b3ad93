"""``ingest --follow``: tailing a growing real Postfix log, stopping, resuming from the saved position."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from inboxtrace.ingest import follow, ingest
from inboxtrace.store import open_store
from inboxtrace.store.log_queries import grouped_counts
from tests.rigs.scenario import ScenarioRun

pytestmark = pytest.mark.postfix


def _append_slowly(path: Path, lines: list[str], done: threading.Event) -> None:
    with path.open("a") as f:
        for i, line in enumerate(lines):
            f.write(line)
            if i % 20 == 0:
                f.flush()
                time.sleep(0.05)
    done.set()


def _follow_until_quiet(path: Path, db: str, lines: list[str]) -> None:
    done = threading.Event()
    writer = threading.Thread(target=_append_slowly, args=(path, lines, done))
    finished_at: list[float] = []

    def should_stop() -> bool:
        if not done.is_set():
            return False
        if not finished_at:
            finished_at.append(time.monotonic())
        return time.monotonic() - finished_at[0] > 1.5

    writer.start()
    with open_store(db) as store:
        follow(str(path), store, should_stop=should_stop, poll_interval=0.1)
    writer.join()


def _states(db: str) -> dict[str, int]:
    with open_store(db) as store:
        return {g.key: g.total for g in grouped_counts(store, "final_state")}


def test_follow_a_growing_log_then_resume_after_a_stop(postfix_run: ScenarioRun, tmp_path: Path) -> None:
    lines = postfix_run.log.read_text().splitlines(keepends=True)
    live = tmp_path / "mail.log"
    live.touch()
    db = f"sqlite:///{tmp_path / 'follow.db'}"
    half = len(lines) // 2
    _follow_until_quiet(live, db, lines[:half])  # the first run stops in the middle of the log
    middle = _states(db)
    assert middle.get("deferred", 0) > 0
    _follow_until_quiet(live, db, lines[half:])  # restarted: continues where it stopped
    ref = f"sqlite:///{tmp_path / 'ref.db'}"
    with open_store(ref) as store:
        ingest([str(postfix_run.log)], store)
    assert _states(db) == _states(ref)
    with open_store(db) as store:  # nothing is missing or doubled: a full re-read adds nothing
        again = ingest([str(live)], store, resume=False)
    assert again.new_messages == 0 and again.new_attempts == 0
