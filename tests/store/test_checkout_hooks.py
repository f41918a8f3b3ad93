"""Connection settings changed for a while (``store.core.on_checkout``, ``sqlite_setting``) by one
thread while others use the same store: a background ingest beside the web app's requests."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from inboxtrace.store import open_store
from inboxtrace.store.core import Store
from inboxtrace.store.logs import sqlite_setting


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(f"sqlite:///{tmp_path / 'x.db'}") as s:
        yield s


def _temp_store(store: Store) -> int:
    with store.connect() as conn:
        return int(conn.exec_driver_sql("PRAGMA temp_store").scalar_one())


def test_a_setting_holds_inside_its_block_only(store: Store) -> None:
    assert _temp_store(store) == 2  # MEMORY, the store's own
    with sqlite_setting(store, "temp_store", "FILE", "MEMORY"):
        assert _temp_store(store) == 1
        with sqlite_setting(store, "cache_size", "-1234", "-2000"):  # (nested: both hold)
            with store.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA cache_size").scalar_one() == -1234
            assert _temp_store(store) == 1
        assert _temp_store(store) == 1
    assert _temp_store(store) == 2
    # a connection handed out inside the block and returned after it is given back too
    with sqlite_setting(store, "temp_store", "FILE", "MEMORY"):
        conn = store.connect()
        raw = conn.connection.dbapi_connection
        assert raw is not None
        assert raw.execute("PRAGMA temp_store").fetchone() == (1,)
    conn.close()
    assert raw.execute("PRAGMA temp_store").fetchone() == (2,)


def test_settings_changed_in_one_thread_do_not_break_checkouts_in_another(store: Store) -> None:
    stop = threading.Event()
    errors: list[BaseException] = []

    def toggle() -> None:
        while not stop.is_set():
            with sqlite_setting(store, "temp_store", "FILE", "MEMORY"):
                pass

    def use() -> None:
        try:
            for _ in range(2000):
                with store.connect() as conn:
                    conn.exec_driver_sql("SELECT 1")
        except BaseException as exc:  # (reported below, with the thread's other errors)
            errors.append(exc)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads switch often: the race shows within a few hundred checkouts
    try:
        togglers = [threading.Thread(target=toggle) for _ in range(2)]
        users = [threading.Thread(target=use) for _ in range(2)]
        for t in (*togglers, *users):
            t.start()
        for t in users:
            t.join()
        stop.set()
        for t in togglers:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []
    assert _temp_store(store) == 2  # every setting given back
