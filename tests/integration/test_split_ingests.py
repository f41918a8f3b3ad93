"""Any split of the same log lines into ingests gives the rows of one pass.

Split points are drawn by hypothesis over a generated Postfix log (deferrals that expire minutes
of log later, DSNs, rejections): the lines are appended to one file in several steps with an
ingest after each (resume), cut into a rotated pair ingested by two commands (in either order),
or tailed by ``follow`` stopped at each step, with a rotation in the middle. The store must then
hold exactly the rows of one ingest of all the lines: same messages, same recipients, same
states, same attempts. Only where each piece of evidence sits (which file, which line number)
may differ, since the files differ.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from inboxtrace.ingest import follow, ingest
from inboxtrace.store import Store, open_store
from inboxtrace.store.logs import log_deliveries, log_messages
from tests.conftest import generated_log

LINES = 14_000  # two messages expire at lines 11,747 and 12,041 after deferrals at 1,884 and 4,813

Rows = frozenset[tuple[Any, ...]]


def rows(store: Store) -> Rows:
    """Every stored message and delivery, keyed by what they are (not by the surrogate key)."""
    out: set[tuple[Any, ...]] = set()
    with store.connect() as conn:
        msgs = {r.mkey: r for r in conn.execute(sa.select(log_messages))}
        for m in msgs.values():
            msg = (m.host, m.queue_id, m.received, m.completed, m.sender, m.message_id, m.size, m.nrcpt)
            out.add(("M", *msg, m.client_host, m.dsn_of, m.next_hops, m.first_time, m.last_time))
        for d in conn.execute(sa.select(log_deliveries)):
            m = msgs[d.mkey]
            attempts = json.loads(d.attempts)
            for a in attempts:
                a[13] = a[14] = None  # the evidence's file and line number
            state = (d.final_state, d.status, d.reply, d.reason, d.n_attempts, d.dsn_queue_id)
            times = (d.remote_queue_id, d.first_time, d.last_time, json.dumps(attempts))
            out.add(("D", m.host, m.queue_id, m.received, d.recipient, *state, *times))
    return frozenset(out)


@pytest.fixture(scope="module")
def lines(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    path = generated_log(tmp_path_factory.mktemp("log") / "mail.log", LINES)
    return path.read_text().splitlines(keepends=True)


@pytest.fixture(scope="module")
def one_pass(lines: list[str], tmp_path_factory: pytest.TempPathFactory) -> Rows:
    d = tmp_path_factory.mktemp("one")
    (d / "mail.log").write_text("".join(lines))
    with open_store(f"sqlite:///{d / 'db.sqlite'}") as store:
        ingest([str(d / "mail.log")], store, jobs=1)
        found = rows(store)
    states = {r[5] for r in found if r[0] == "D"}
    assert {"expired", "deferred", "delivered", "bounced", "rejected"} <= states
    return found


def _fresh(base: Path) -> Path:
    d = base / f"run{len(os.listdir(base))}"
    d.mkdir()
    return d


_cuts = st.lists(st.integers(1, LINES - 1), min_size=1, max_size=3, unique=True).map(sorted)
_settings = settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_settings
@given(cuts=_cuts)
@example(cuts=[9000])  # between the deferrals and their expiry
def test_resumed_ingests_of_a_growing_file(
    cuts: list[int], lines: list[str], one_pass: Rows, tmp_path: Path
) -> None:
    d = _fresh(tmp_path)
    log = d / "mail.log"
    with open_store(f"sqlite:///{d / 'db.sqlite'}") as store:
        prev = 0
        for cut in [*cuts, len(lines)]:
            with log.open("a") as f:
                f.writelines(lines[prev:cut])
            prev = cut
            ingest([str(log)], store, jobs=1)
        assert rows(store) == one_pass


@_settings
@given(cut=st.integers(1, LINES - 1), newest_first=st.booleans())
@example(cut=9000, newest_first=False)
@example(cut=9000, newest_first=True)
def test_rotated_pair_ingested_by_two_commands(
    cut: int, newest_first: bool, lines: list[str], one_pass: Rows, tmp_path: Path
) -> None:
    d = _fresh(tmp_path)
    old, new = d / "mail.log.1", d / "mail.log"
    old.write_text("".join(lines[:cut]))
    new.write_text("".join(lines[cut:]))
    with open_store(f"sqlite:///{d / 'db.sqlite'}") as store:
        for path in (new, old) if newest_first else (old, new):
            ingest([str(path)], store, jobs=1)
        assert rows(store) == one_pass
        again = ingest([str(new), str(old)], store, resume=False, jobs=1)  # both again, one command
        assert again.new_messages == 0 and again.new_deliveries == 0
        assert rows(store) == one_pass


def _stop_after_reading() -> Callable[[], bool]:
    """A ``should_stop`` for a follow that has read what the file holds now: the tailer reads
    all there is before asking again, so it stops once a few idle polls went by."""
    calls = [0]

    def stop() -> bool:
        calls[0] += 1
        return calls[0] >= 6

    return stop


@_settings
@given(cuts=_cuts, rotate=st.integers(0, 3))
@example(cuts=[9000], rotate=1)
def test_follow_stopped_and_restarted_with_a_rotation(
    cuts: list[int], rotate: int, lines: list[str], one_pass: Rows, tmp_path: Path
) -> None:
    d = _fresh(tmp_path)
    log = d / "mail.log"
    log.touch()
    with open_store(f"sqlite:///{d / 'db.sqlite'}") as store:
        prev = 0
        for i, cut in enumerate([*cuts, len(lines)]):
            if i == rotate and i > 0:  # logrotate between two follows: the rest goes to a new file
                log.rename(d / "mail.log.1")
                log.touch()
            with log.open("a") as f:
                f.writelines(lines[prev:cut])
            prev = cut
            follow(str(log), store, should_stop=_stop_after_reading(), poll_interval=0.01)
        assert rows(store) == one_pass


def test_follow_stopped_by_ctrl_c_stores_what_is_in_flight(
    lines: list[str], one_pass: Rows, tmp_path: Path
) -> None:
    """Ctrl-C (SIGINT) on ``ingest --follow``: messages still in flight are stored as they stand,
    the next follow completes them, and the store ends as one pass over all the lines."""
    import signal
    import subprocess
    import sys
    import time

    log = tmp_path / "mail.log"
    log.write_text("".join(lines[:9000]))
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    open_store(url).close()
    code = "import sys; from inboxtrace.cli import main; sys.argv[0] = 'inboxtrace'; main()"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "ingest", "--follow", "--quiet", "--db", url, str(log)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        seen, steady = -1, 0
        while steady < 10:  # the follow has read everything: the store stops growing
            time.sleep(0.2)
            with open_store(url) as store, store.connect() as conn:
                n = conn.exec_driver_sql("SELECT count(*) FROM log_messages").scalar_one()
            steady = steady + 1 if n == seen and n > 0 else 0
            seen = n
            assert proc.poll() is None, proc.communicate()[1]
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err.decode()
    with open_store(url) as store:
        with store.connect() as conn:
            deferred = conn.exec_driver_sql(
                "SELECT count(*) FROM log_deliveries WHERE final_state = 'deferred'"
            ).scalar_one()
        assert deferred > 0  # stored as in flight, not dropped
        with log.open("a") as f:
            f.writelines(lines[9000:])
        follow(str(log), store, should_stop=_stop_after_reading(), poll_interval=0.01)
        assert rows(store) == one_pass
