"""Checkpoints of a SQLite store's write-ahead log in a thread of their own, for the end of a bulk load.

In WAL mode (the store's, :mod:`inboxtrace.store.core`) a commit appends pages to the ``-wal`` file
and does not wait for the disk (``synchronous=NORMAL``). Once the log passes a size, the commit
that crosses it also copies the log into the database file and waits for both to reach the disk
(the auto-checkpoint). At the end of a bulk load those waits were on the critical path: the copy
of the last piece (~0.5 s of its ~1.2 s was its commit), the commit after the index builds, and
the close (a 1M-line load spent 1.4-1.9 s less with ``synchronous=OFF``, which skips the waits at
the price of a database a power cut can break).

:class:`CheckpointsAside` keeps the same checkpoints, with the same waits for the disk, in a daemon
thread with a connection of its own (SQLite runs them without the GIL), so they overlap the CPU
work of the end (the copy, the index builds). From :meth:`CheckpointsAside.begin` the store's
connections have their auto-checkpoint off; every :data:`EVERY_SECONDS` the thread runs a
``PASSIVE`` checkpoint, which never waits for the writer or for readers: it copies what is
committed. What it has not copied when it stops is copied when the store's last connection
closes, as before.

Begun at the end of the read only: while the parent still writes a batch every few milliseconds,
a checkpoint beside it rarely finds the log all copied, so the log could not start over and grew
(to 170-280 MB at 1M lines, against 95 MB), and the close had more to copy.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading

from inboxtrace.store.core import BUSY_SECONDS, Store
from inboxtrace.store.logs import sqlite_setting

# How often the thread copies what was committed since its last run.
EVERY_SECONDS = 0.2


class CheckpointsAside:
    """The WAL checkpoints of ``store`` (a SQLite file; for any other store this does nothing) in a
    thread, from :meth:`begin` to :meth:`end`. A context manager: leaving it ends them."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.runs = 0  # checkpoints the thread has run
        self.error: sqlite3.Error | None = None  # what stopped it early (the store's close copies the rest)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._setting = contextlib.ExitStack()

    def __enter__(self) -> CheckpointsAside:
        return self

    def __exit__(self, *exc: object) -> None:
        self.end()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def begin(self) -> None:
        """Turn the store's auto-checkpoints off and start the thread (once; later calls do nothing)."""
        path = self.store.sqlite_file
        if self._thread is not None or path is None or self._stop.is_set():
            return
        with self.store.connect() as conn:  # (what the store's connections have: it depends on the page size)
            usual = str(conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one())
        self._setting.enter_context(sqlite_setting(self.store, "wal_autocheckpoint", "0", usual))
        self._thread = threading.Thread(target=self._run, args=(path,), name="wal-checkpoints", daemon=True)
        self._thread.start()

    def end(self) -> None:
        """Stop the thread (after the checkpoint it may be running) and give the store's
        connections their auto-checkpoint back."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._setting.close()

    def _run(self, path: str) -> None:
        try:
            conn = sqlite3.connect(path, timeout=BUSY_SECONDS, isolation_level=None)
        except sqlite3.Error as exc:
            self.error = exc
            return
        try:
            while not self._stop.wait(EVERY_SECONDS):
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                self.runs += 1
        except sqlite3.Error as exc:
            self.error = exc
        finally:
            conn.close()


__all__ = ["EVERY_SECONDS", "CheckpointsAside"]
