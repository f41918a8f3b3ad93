"""The end of a bulk load checkpoints the store's WAL in a thread (``store.wal_checkpoints``): from
``begin()`` the store's connections leave it to the thread, which copies the log into the database
file while the load goes on; afterwards everything is as before."""

from __future__ import annotations

import os
import time
from pathlib import Path

from inboxtrace.store import Store, open_store
from inboxtrace.store.core import PAGE_SIZE, WAL_CHECKPOINT_BYTES
from inboxtrace.store.log_chunks import ChunkTables
from inboxtrace.store.logs import LogWriter
from inboxtrace.store.wal_checkpoints import EVERY_SECONDS, CheckpointsAside

_DEFAULT = WAL_CHECKPOINT_BYTES // PAGE_SIZE


def _autocheckpoint(store: Store) -> int:
    with store.connect() as conn:
        return int(conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one())


def _write(store: Store, rows: int) -> None:
    with store.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS filler (b BLOB)")
        conn.exec_driver_sql("INSERT INTO filler VALUES (?)", [(os.urandom(1000),) for _ in range(rows)])


def test_once_begun_the_thread_copies_the_log_into_the_database(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with open_store(f"sqlite:///{path}") as store:
        with CheckpointsAside(store) as aside:
            aside.begin()
            assert aside.running
            assert _autocheckpoint(store) == 0  # the store's commits no longer checkpoint
            before = path.stat().st_size
            _write(store, 3000)  # ~3 MB: only in the -wal file until a checkpoint copies it
            deadline = time.monotonic() + 30
            while path.stat().st_size <= before + 2_000_000 and time.monotonic() < deadline:
                time.sleep(EVERY_SECONDS / 2)
            assert path.stat().st_size > before + 2_000_000  # copied by the thread
            assert aside.error is None
        assert not aside.running and aside.runs > 0
        assert _autocheckpoint(store) == _DEFAULT  # given back to the connections
        with store.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM filler").scalar_one() == 3000
            assert conn.exec_driver_sql("PRAGMA quick_check").scalar_one() == "ok"


def test_not_begun_it_changes_nothing(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store, CheckpointsAside(store) as aside:
        assert _autocheckpoint(store) == _DEFAULT
        assert not aside.running
    assert aside.runs == 0


def test_ended_it_cannot_be_begun_again(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store:
        aside = CheckpointsAside(store)
        aside.end()
        aside.begin()
        assert not aside.running
        assert _autocheckpoint(store) == _DEFAULT


def test_a_store_in_memory_has_no_thread() -> None:
    with open_store("sqlite:///:memory:") as store, CheckpointsAside(store) as aside:
        aside.begin()
        assert not aside.running


def test_a_bulk_load_begins_them_when_its_pieces_are_merged(tmp_path: Path) -> None:
    class Begun:
        calls = 0

        def begin(self) -> None:
            self.calls += 1

    begun = Begun()
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store:
        writer = LogWriter(store)
        with ChunkTables(writer, checkpoints=begun) as sink:  # type: ignore[arg-type]
            assert begun.calls == 0  # (not while the pieces are read)
            sink.merge([None])
            assert begun.calls == 1


def test_a_store_of_smaller_pages_gets_its_own_setting_back(tmp_path: Path) -> None:
    """The auto-checkpoint is a number of pages: a store made with 4 KiB pages (before the store's
    16 KiB) has another one, which is what its connections get back."""
    import sqlite3

    path = tmp_path / "old.db"
    made = sqlite3.connect(path)
    made.execute("PRAGMA page_size=4096")
    made.execute("CREATE TABLE early (x)")
    made.close()
    with open_store(f"sqlite:///{path}") as store:
        usual = _autocheckpoint(store)
        assert usual == WAL_CHECKPOINT_BYTES // 4096
        with CheckpointsAside(store) as aside:
            aside.begin()
            assert _autocheckpoint(store) == 0
        assert _autocheckpoint(store) == usual
