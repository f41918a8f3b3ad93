"""Storage: one small layer over SQLAlchemy Core (SQLite by default, PostgreSQL by URL).

Each module in this package declares its tables on the shared :data:`inboxtrace.store.core.metadata`;
:func:`open_store` imports every module of the package before creating the tables, so a new table
is one new module. Log timelines live in :mod:`inboxtrace.store.logs`.

The names below are loaded on first use: the modules of the package that need no database
(the rows a log reader's workers make, :mod:`~inboxtrace.store.log_rows`; a parallel ingest's
scratch pieces, :mod:`~inboxtrace.store.piece_file`) are imported without SQLAlchemy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from inboxtrace.store.core import Store, default_url, metadata, open_store

__all__ = ["Store", "default_url", "metadata", "open_store"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from inboxtrace.store import core

        return getattr(core, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
