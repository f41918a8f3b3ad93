"""The adapters that make ``sqlite3`` bind ``None`` and ``bool`` without its adaptation search
(``store.sqlite_binding``): registered by every way the store opens SQLite, storing exactly what the
driver stores without them, and never replacing an application's own adapter.

Each case runs in a fresh interpreter: the adapter registry is the ``sqlite3`` module's, shared
by the whole process."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

_ROWS = "[(None, True, False, 1, 2.5, 'x'), (None, False, True, 0, None, None)]"


def _run(code: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=True
    ).stdout
    return dict(json.loads(out))


def _stored(with_adapters: bool, path: Path) -> list[list[object]]:
    """The values and SQLite types of ``_ROWS`` written by ``executemany`` into a new file."""
    register = "from inboxtrace.store.sqlite_binding import use_fast_binding; use_fast_binding()"
    return list(
        _run(
            f"""
            import json, sqlite3
            {register if with_adapters else ""}
            c = sqlite3.connect({str(path)!r})
            c.execute("CREATE TABLE t (a, b, c, d, e, f)")
            c.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)", {_ROWS})
            rows = c.execute(
                "SELECT a, typeof(a), b, typeof(b), c, typeof(c), d, e, typeof(e), f FROM t ORDER BY rowid"
            ).fetchall()
            print(json.dumps({{"rows": rows}}))
            """
        )["rows"]  # type: ignore[arg-type]
    )


def test_the_adapters_store_what_the_driver_stores_without_them(tmp_path: Path) -> None:
    plain = _stored(False, tmp_path / "plain.db")
    fast = _stored(True, tmp_path / "fast.db")
    assert fast == plain
    # None is NULL, a bool the integer 1 or 0
    assert fast[0][:6] == [None, "null", 1, "integer", 0, "integer"]


def test_opening_a_store_and_a_piece_file_registers_them(tmp_path: Path) -> None:
    seen = _run(
        f"""
        import json, sqlite3
        key = lambda t: (t, sqlite3.PrepareProtocol)
        before = [key(type(None)) in sqlite3.adapters, key(bool) in sqlite3.adapters]
        from inboxtrace.store import open_store
        open_store("sqlite:///" + {str(tmp_path / "x.db")!r}).close()
        after_store = [key(type(None)) in sqlite3.adapters, key(bool) in sqlite3.adapters]
        sqlite3.adapters.clear()
        from inboxtrace.store.piece_file import PieceFile, PieceSchema
        PieceFile({str(tmp_path / "piece.db")!r}, 10, PieceSchema((), "", "")).close()
        after_piece = [key(type(None)) in sqlite3.adapters, key(bool) in sqlite3.adapters]
        print(json.dumps({{"before": before, "store": after_store, "piece": after_piece}}))
        """
    )
    assert seen == {"before": [False, False], "store": [True, True], "piece": [True, True]}


def test_an_adapter_the_application_registered_is_kept() -> None:
    seen = _run(
        """
        import json, sqlite3
        sqlite3.register_adapter(bool, lambda b: "yes" if b else "no")
        from inboxtrace.store.sqlite_binding import use_fast_binding
        use_fast_binding()
        c = sqlite3.connect(":memory:")
        print(json.dumps({"value": c.execute("SELECT ?", (True,)).fetchone()[0]}))
        """
    )
    assert seen == {"value": "yes"}
