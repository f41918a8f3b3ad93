"""Storage: one small layer over SQLAlchemy Core (SQLite by default, PostgreSQL by URL).

Each module in this package declares its tables on the shared :data:`inboxtrace.store.core.metadata`;
:func:`open_store` imports every module of the package before creating the tables, so a new table
is one new module. Log timelines live in :mod:`inboxtrace.store.logs`.
"""

from inboxtrace.store.core import Store, default_url, metadata, open_store

__all__ = ["Store", "default_url", "metadata", "open_store"]
