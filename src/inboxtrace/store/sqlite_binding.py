"""Cheaper binding of ``None`` and ``bool`` values by the standard library's ``sqlite3`` driver.

The driver binds an ``int``, ``float`` or ``str`` parameter straight away. Any other value, ``None``
and ``bool`` included, first goes through its adaptation protocol: it builds a ``(type,
protocol)`` key, looks it up among the registered adapters, then looks for ``__adapt__`` on the
protocol and ``__conform__`` on the value, and only then binds the value itself (NULL, or the
``bool`` as the integer 0 or 1). Measured on CPython 3.11 with 19-column rows: ~0.65 µs per
``None`` and ~0.7 µs per ``bool`` against ~0.02 µs per ``int``. A log row holds several ``None``
columns, so this was about a tenth of a bulk load's binding work.

An adapter registered for the type ends that search at the first look-up. The two registered
here bind exactly what the driver binds without them (``None`` gives NULL, a ``bool`` the integer
0 or 1), so any other user of ``sqlite3`` in the process stores the same values; an adapter the
application registered itself for either type is kept.

:func:`executemany` goes further for rows written in bulk: with the Cython extension
:mod:`inboxtrace.store._bind`, every value is bound with SQLite's C API, without the driver.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

from inboxtrace.native import extension

# a function implemented in C that returns None for any one argument (a Python function would
# cost a frame per value): the adapter gives None, which the driver binds as NULL
_EMPTY: dict[object, None] = {}
_NULL: Callable[[object], None] = _EMPTY.get


def use_fast_binding() -> None:
    """Register the two adapters (idempotent; keeps adapters already registered for the types)."""
    adapters = sqlite3.adapters
    adapters.setdefault((type(None), sqlite3.PrepareProtocol), _NULL)
    adapters.setdefault((bool, sqlite3.PrepareProtocol), int)


def executemany(conn: sqlite3.Connection, sql: str, rows: Sequence[Sequence[Any]]) -> int:
    """``conn.executemany(sql, rows)``, inside the transaction the caller began: bound with SQLite's
    C API by the Cython extension :mod:`inboxtrace.store._bind` where it can be (the same rows
    written, without the driver's work per value), else by the driver. The rows changed."""
    changed = -1 if _BIND is None else int(_BIND.executemany(conn, sql, rows))
    if changed < 0:
        changed = conn.executemany(sql, rows).rowcount
    return changed


_BIND = extension("inboxtrace.store._bind")

__all__ = ["executemany", "use_fast_binding"]
