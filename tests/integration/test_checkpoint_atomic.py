"""The resume checkpoint is committed with the rows it covers (issue 15): an ingest SIGKILLed in the
middle of a batch's transaction, just before or just after its checkpoint is written, leaves the
store with the rows and the checkpoint of the batches before it, both or neither; the next ingest
resumes from that checkpoint and the store ends as one uninterrupted ingest leaves it. The same
for a follow (an agent). On SQLite and on the real PostgreSQL rig."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from inboxtrace.ingest import follow, ingest
from inboxtrace.store import open_store
from inboxtrace.store.logs import log_messages, log_sources
from tests.conftest import BACKENDS, backend_url, generated_log
from tests.integration.test_split_ingests import rows

BATCH = 300
KILL_AT = 6  # the batch whose transaction is killed (its checkpoint is past the first 1 MiB block)

# Runs one ingest (or follow) with a hook in the checkpoint: each call writes (call, offset,
# messages visible to it) to a record file, and the call that saves batch KILL_AT's checkpoint kills
# the process with SIGKILL, before or after the checkpoint row is written (inside the transaction).
HOOK = """
import json, os, signal, sys
from inboxtrace.ingest import follow, ingest
from inboxtrace.store import open_store
from inboxtrace.store.checkpoints import FileCheckpoints

url, log, record, when, kill_at, batch, how = sys.argv[1:8]
name = "save_position" if how == "ingest" else "save_follow"
original = getattr(FileCheckpoints, name)
batches = []

def hooked(self, *args):
    conn = args[-1] if len(args) == (2 if how == "ingest" else 3) else None
    if conn is not None:
        batches.append(1)
        seen = conn.exec_driver_sql("SELECT count(*) FROM log_messages").scalar()
    else:  # a follow's idle checkpoint, with no rows: its own transaction
        with self.store.connect() as own:
            seen = own.exec_driver_sql("SELECT count(*) FROM log_messages").scalar()
    with open(record, "a") as f:
        f.write(json.dumps([len(batches), args[-2 if conn is not None else -1].offset, seen]) + "\\n")
    kill = conn is not None and len(batches) == int(kill_at)
    if kill and when == "before":
        os.kill(os.getpid(), signal.SIGKILL)
    original(self, *args)
    if kill and when == "after":
        os.kill(os.getpid(), signal.SIGKILL)

setattr(FileCheckpoints, name, hooked)
with open_store(url) as store:
    if how == "ingest":
        ingest([log], store, jobs=1, batch_size=int(batch))
    else:
        first = iter([False])  # go on at the first idle check (before reading), stop at the next
        follow(log, store, should_stop=lambda: next(first, True))
"""


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return backend_url(request, tmp_path, "atomic")


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated_log(tmp_path_factory.mktemp("atomic") / "mail.log", 20_000, "--seed", "11")


@pytest.mark.parametrize("when", ["before", "after"])
@pytest.mark.parametrize("how", ["ingest", "follow"])
def test_a_kill_inside_a_batch_keeps_rows_and_checkpoint_together(
    url: str, log: Path, tmp_path: Path, when: str, how: str
) -> None:
    record = tmp_path / "record.jsonl"
    res = subprocess.run(
        [sys.executable, "-c", HOOK, url, str(log), str(record), when, str(KILL_AT), str(BATCH), how],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert res.returncode == -9, res.stderr  # killed where the hook said
    calls = [json.loads(line) for line in record.read_text().splitlines()]
    assert calls[-1][0] == KILL_AT
    _, committed_offset, committed_messages = calls[-2]  # the last checkpoint that committed
    assert calls[-1][2] > committed_messages  # the killed batch had written its rows
    assert committed_offset > 0
    with open_store(url) as store, store.connect() as conn:
        stored = conn.execute(sa.select(sa.func.count()).select_from(log_messages)).scalar()
        positions = conn.execute(sa.select(log_sources.c.position)).scalars().all()
    assert stored == committed_messages  # the killed batch's rows are gone with its checkpoint
    assert positions == [committed_offset]  # and the checkpoint is the one of the rows kept

    with open_store(url) as store:
        if how == "ingest":
            again = ingest([str(log)], store, jobs=1, batch_size=BATCH)
        else:
            first = iter([False])
            again = follow(str(log), store, should_stop=lambda: next(first, True))
        got = rows(store)
    total = len(log.read_text().splitlines())
    assert 0 < again.lines < total, again.to_dict()  # resumed from the checkpoint, not from the start
    with open_store(f"sqlite:///{tmp_path / 'one.db'}") as store:
        ingest([str(log)], store, jobs=1)
        expected = rows(store)
    assert got == expected
