"""Rows bound with SQLite's C API (the Cython extension ``store._bind``, used by
``store.sqlite_binding.executemany``) are stored exactly as the standard library's driver stores
them, only inside a transaction the caller began, and with the driver's errors; anything it cannot
bind itself is left to the driver, with nothing done."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from inboxtrace import native
from inboxtrace.store.sqlite_binding import executemany

_INSERT = "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)"
# every kind of value a log row holds, and their edges
_ROWS: list[Any] = [
    ["plain", 1, 2.5, None, True, b"\x00bytes\xff"],
    ("é€😀 and a NUL \x00 inside", -(2**63), float("inf"), None, False, b""),
    ["", 2**63 - 1, -0.0, None, None, None],
    ["x" * 100_000, 0, 1e-310, "NULL", 1, "0"],
]
_SELECT = "SELECT a, typeof(a), b, typeof(b), c, typeof(c), d, typeof(d), e, typeof(e), f, typeof(f) FROM t ORDER BY rowid"


@pytest.fixture
def bind() -> ModuleType:
    module = native.extension("inboxtrace.store._bind")
    if native.pure_requested():
        assert module is None
        pytest.skip("INBOXTRACE_PURE=1: the driver binds (the suite's compiled run covers the extension)")
    assert module is not None, "store._bind is not built (build-essential and libsqlite3-dev)"
    assert module.SAME_LIBRARY
    return module


def _connection(path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE TABLE t (a, b, c, d, e, f)")
    yield conn
    conn.close()


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    yield from _connection(tmp_path / "bound.db")


@pytest.fixture
def driver(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    yield from _connection(tmp_path / "driver.db")


def test_bound_rows_are_stored_as_the_driver_stores_them(
    bind: ModuleType, conn: sqlite3.Connection, driver: sqlite3.Connection
) -> None:
    conn.execute("BEGIN")
    assert bind.executemany(conn, _INSERT, _ROWS) == len(_ROWS)  # (bound here, not by the driver)
    conn.execute("COMMIT")
    driver.executemany(_INSERT, _ROWS)
    assert conn.execute(_SELECT).fetchall() == driver.execute(_SELECT).fetchall()


def test_outside_a_transaction_nothing_is_bound_here(bind: ModuleType, conn: sqlite3.Connection) -> None:
    # (each row would be its own transaction: the driver begins one, as it does)
    assert bind.executemany(conn, _INSERT, _ROWS) == -1
    assert conn.execute("SELECT count(*) FROM t").fetchone() == (0,)
    assert executemany(conn, _INSERT, _ROWS) == len(_ROWS)  # the driver, then
    assert conn.execute("SELECT count(*) FROM t").fetchone() == (len(_ROWS),)


@pytest.mark.parametrize(
    "rows",
    [
        [["a", 1, 2.0, None, True, b""], ["b", 1, 2.0, None, True, 3 + 4j]],  # a value the driver refuses
        [["a", 1, 2.0, None, True, b""], ["b", 1, 2.0, None, True, Path("p")]],
        [["a", 1, 2.0, None, True]],  # one value short
        [["a", 1, 2.0, None, True, b"", "extra"]],
        [{"a": 1}],
        [[type("Text", (str,), {})("a str subclass"), 1, 2.0, None, True, b""]],
    ],
)
def test_rows_it_cannot_bind_are_left_to_the_driver_untouched(
    bind: ModuleType, conn: sqlite3.Connection, rows: list[Any]
) -> None:
    conn.execute("BEGIN")
    assert bind.executemany(conn, _INSERT, rows) == -1
    assert conn.execute("SELECT count(*) FROM t").fetchone() == (0,)  # not even the first row
    conn.execute("ROLLBACK")


def test_errors_are_the_drivers(bind: ModuleType, conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE u (k TEXT PRIMARY KEY, n INTEGER NOT NULL)")
    conn.execute("BEGIN")
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        bind.executemany(conn, "INSERT INTO u VALUES (?, ?)", [["k", 1], ["k", 2]])
    with pytest.raises(sqlite3.IntegrityError, match="NOT NULL"):
        bind.executemany(conn, "INSERT INTO u VALUES (?, ?)", [["j", None]])
    with pytest.raises(OverflowError):
        bind.executemany(conn, "INSERT INTO u VALUES (?, ?)", [["i", 2**63]])
    with pytest.raises(UnicodeEncodeError):  # (a lone surrogate has no UTF-8, as the driver says)
        bind.executemany(conn, "INSERT INTO u VALUES (?, ?)", [["\udc80", 1]])
    conn.execute("ROLLBACK")
    assert conn.execute("SELECT count(*) FROM u").fetchone() == (0,)
    assert bind.executemany(conn, "INSERT INTO nowhere VALUES (?)", [[1]]) == -1  # (does not prepare)
    conn.execute("BEGIN")
    assert bind.executemany(conn, "SELECT ?", [[1]]) == -1  # (writes nothing: the driver refuses it)
    assert bind.executemany(conn, "INSERT INTO u VALUES (?, 1); SELECT 1", [["k"]]) == -1  # (two)
    conn.execute("ROLLBACK")
    assert conn.execute("SELECT count(*) FROM u").fetchone() == (0,)


def test_a_connection_of_another_kind_is_left_to_its_driver(bind: ModuleType, tmp_path: Path) -> None:
    class Connection(sqlite3.Connection):
        pass

    sub = sqlite3.connect(tmp_path / "sub.db", isolation_level=None, factory=Connection)
    sub.execute("CREATE TABLE t (a)")
    sub.execute("BEGIN")
    assert bind.executemany(sub, "INSERT INTO t VALUES (?)", [[1]]) == -1
    sub.close()


def test_the_stores_bulk_insert_binds_its_rows_here_and_raises_sqlalchemys_errors(
    bind: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlalchemy as sa

    from inboxtrace.store import open_store, sqlite_binding

    bound: list[int] = []

    class Spy:
        @staticmethod
        def executemany(conn: Any, sql: str, rows: Any) -> int:
            bound.append(bind.executemany(conn, sql, rows))
            return bound[-1]

    monkeypatch.setattr(sqlite_binding, "_BIND", Spy)
    table = sa.Table(
        "bound", sa.MetaData(), sa.Column("k", sa.Text, primary_key=True), sa.Column("n", sa.Integer)
    )
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store:
        with store.begin() as conn:
            table.create(conn)
        rows = [["a", 1], ["b", None], ["c", 3]]
        with store.begin() as conn:
            assert store.bulk(conn, sa.insert(table), rows, ("k", "n")) == 3
        assert bound == [2]  # (the first row through SQLAlchemy: the driver begins the transaction)
        with pytest.raises(sa.exc.IntegrityError, match="UNIQUE"), store.begin() as conn:
            store.bulk(conn, sa.insert(table), [["d", 4], ["e", 5], ["a", 6]], ("k", "n"))
        with store.connect() as conn:  # (the failed transaction rolled back whole)
            assert conn.execute(sa.select(table.c.k, table.c.n).order_by(table.c.k)).all() == [
                ("a", 1),
                ("b", None),
                ("c", 3),
            ]
