"""A bulk ingest copies each worker's piece into the store in a thread (``store.log_chunks``) while
the parent goes on making the messages cut by the pieces' boundaries; the parent's writer buffers
them and waits for the copy before it writes (``LogWriter.waits_for``). What is stored is the same
(test_bulk_ingest.py, test_bulk_equals_one_pass.py); here: the writer's waiting, a copy that fails
and an ingest stopped while a copy runs."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from inboxtrace.errors import StoreError
from inboxtrace.ingest import ingest
from inboxtrace.model import FinalState, Message
from inboxtrace.store import Store, open_store
from inboxtrace.store.log_chunks import ChunkTables
from inboxtrace.store.logs import LogWriter, PreparedMessage, RowMaker
from tests.conftest import generated_log
from tests.store.factory import SENT, attempt, delivery, message


class _Copying:
    """A stand-in for a copy still running: done once ``end`` is set; hands back ``redo``."""

    def __init__(self, redo: list[PreparedMessage]) -> None:
        self.end = threading.Event()
        self.redo = redo
        self.finished = 0

    def done(self) -> bool:
        return self.end.is_set()

    def finish(self) -> list[Sequence[PreparedMessage]]:
        self.finished += 1
        return [self.redo]


def _sent(n: int) -> Message:
    return message(
        f"Q{n:04d}", delivery(f"u{n}@example.org", FinalState.DELIVERED, attempt(10 + n, "sent", SENT))
    )


def _stored_qids(store: Store) -> list[str]:
    with store.connect() as conn:
        return [q for (q,) in conn.exec_driver_sql("SELECT queue_id FROM log_messages ORDER BY queue_id")]


def test_the_writer_buffers_while_a_copy_runs_then_writes_what_it_hands_back_first(store: Store) -> None:
    rows = RowMaker()
    made = [rows(_sent(n)) for n in range(6)]
    copying = _Copying(made[:1])  # the copy leaves one message to the writer
    positions: list[int] = []
    written: list[int] = []  # messages written so far, after each batch
    writer = LogWriter(store, batch_size=2)
    writer.on_flush = lambda: lambda conn: positions.append(writer.counts.messages)
    writer.on_write = lambda conn, changes: written.append(writer.counts.messages)
    writer.waits_for = copying
    for prepared in made[1:]:
        writer.add_prepared(prepared)
    assert _stored_qids(store) == []  # five messages handed in, batches of two: none written yet
    assert writer.pending == 5
    copying.end.set()
    writer.add_prepared(rows(_sent(6)))
    # the copy's message first, then those handed in meanwhile, in batches of two; the resume
    # position once, with the last batch (it covers everything handed in)
    assert written == [1, 3, 5, 7]
    assert _stored_qids(store) == [f"Q{n:04d}" for n in range(7)]
    assert copying.finished == 1 and writer.waits_for is None
    assert positions == [7]
    assert writer.counts.new_messages == 7


def _serial(log: Path, db: Path) -> list[tuple[Any, ...]]:
    with open_store(f"sqlite:///{db}") as store:
        ingest([str(log)], store, jobs=1)
        return _rows(store)


def _rows(store: Store) -> list[tuple[Any, ...]]:
    with store.connect() as conn:
        return [tuple(r) for r in conn.exec_driver_sql("SELECT * FROM log_deliveries ORDER BY 1, 2")]


def _copy_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "piece-copy"]


def test_a_copy_that_fails_fails_the_ingest_with_a_one_line_error(
    tmp_path: Path, pieces: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker's scratch file damaged before its copy: the copy's thread fails, and the ingest
    stops with the database's reason (no traceback of another thread, no scratch files left)."""
    log = generated_log(tmp_path / "gen.log", 6000)
    original = ChunkTables._copy

    def damaged(self: ChunkTables, path: str, *args: Any) -> Any:
        Path(path).write_bytes(b"not a database" * 1000)
        return original(self, path, *args)

    monkeypatch.setattr(ChunkTables, "_copy", damaged)
    with open_store(f"sqlite:///{tmp_path / 'bulk.db'}") as store, pytest.raises(StoreError) as failed:
        ingest([str(log)], store, jobs=2)
    assert "file is not a database" in str(failed.value)
    assert not _copy_threads()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".inboxtrace-ingest.")]


def test_an_ingest_stopped_while_a_copy_runs_is_completed_by_the_next_run(
    tmp_path: Path, pieces: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C just as the second piece's copy has begun: the copy is stopped with the ingest (no
    thread left writing), and the next run stores what one process stores."""
    log = generated_log(tmp_path / "gen.log", 20000)
    serial = _serial(log, tmp_path / "serial.db")
    original = ChunkTables.merge
    began = threading.Event()
    copy = ChunkTables._copy

    def slow_copy(self: ChunkTables, *args: Any) -> Any:
        began.set()
        return copy(self, *args)

    def merge_then_stop(self: ChunkTables, results: list[Any]) -> None:
        original(self, results)
        if any(r is not None for r in results):
            began.wait(10)
            raise KeyboardInterrupt

    monkeypatch.setattr(ChunkTables, "merge", merge_then_stop)
    monkeypatch.setattr(ChunkTables, "_copy", slow_copy)
    db = tmp_path / "stopped.db"
    with pytest.raises(KeyboardInterrupt), open_store(f"sqlite:///{db}") as store:
        ingest([str(log)], store, jobs=2)
    assert began.is_set()
    assert not _copy_threads()
    monkeypatch.setattr(ChunkTables, "merge", original)
    monkeypatch.setattr(ChunkTables, "_copy", copy)
    with open_store(f"sqlite:///{db}") as store:
        ingest([str(log)], store, jobs=2)
        assert _rows(store) == serial
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".inboxtrace-ingest.")]
