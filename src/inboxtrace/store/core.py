"""The store's engine, shared metadata and dialect-neutral upserts.

* :data:`metadata` — every table of every store module is declared on it.
* :func:`default_url` — ``$INBOXTRACE_DB`` or a SQLite file under the user's data directory.
* :func:`open_store` — opens (and creates) a store from a URL; ``postgresql://`` URLs use psycopg 3.
* :meth:`Store.insert` — an ``INSERT`` that knows ``ON CONFLICT`` on both SQLite and PostgreSQL.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import operator
import os
import pkgutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, ParamSpec, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from inboxtrace.errors import StoreError
from inboxtrace.store.pg_copy import COPY_MIN_ROWS, CopyPlan
from inboxtrace.store.sqlite_binding import executemany, use_fast_binding

metadata = sa.MetaData()

# The schema version of each group of tables as inboxtrace 0.1.0 recorded them in ``inboxtrace_meta``
# (the release before Alembic migrations): :mod:`inboxtrace.store.migrate` uses them and
# :data:`UPGRADES` to bring a 0.1.0 store to the baseline revision. Frozen: a schema change now
# is a revision in ``inboxtrace/store/migrations/versions/``.
SCHEMAS: dict[str, int] = {}

inboxtrace_meta = sa.Table(
    "inboxtrace_meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.String(255), nullable=False),
)


P = ParamSpec("P")
R = TypeVar("R")


def db_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn database failures inside ``func`` (locked file, lost server, disk full) into a one-line
    :class:`~inboxtrace.errors.StoreError` instead of a driver traceback."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except sa.exc.SQLAlchemyError as exc:
            orig = getattr(exc, "orig", None)
            reason = str(orig) if orig is not None else str(exc)
            first = (reason.strip().splitlines() or ["database error"])[0]
            raise StoreError(f"database error: {first}") from exc

    return wrapper


def register_schema(name: str, version: int) -> None:
    """Declare that the tables of ``name`` were at ``version`` in 0.1.0 (frozen: see :data:`SCHEMAS`)."""
    SCHEMAS[name] = version


# The in-place upgrades of 0.1.0: (group, version) -> the step that brings its tables from
# ``version`` to the next (for stores older than the baseline revision).
UPGRADES: dict[tuple[str, int], Callable[[Connection], None]] = {}


def register_upgrade(name: str, from_version: int, step: Callable[[Connection], None]) -> None:
    """Declare how a pre-0.1.0 store whose ``name`` tables are at ``from_version`` is upgraded in
    place to ``from_version + 1`` (run by :mod:`inboxtrace.store.migrate` before the baseline)."""
    UPGRADES[(name, from_version)] = step


ENV_VAR = "INBOXTRACE_DB"
_SUPPORTED = ("sqlite", "postgresql")


def default_url() -> str:
    """The store used when no ``--db`` is given: ``$INBOXTRACE_DB`` or ``<user data dir>/inboxtrace.db``."""
    env = os.environ.get(ENV_VAR)
    if env:
        return env
    import platformdirs

    path = Path(platformdirs.user_data_dir("inboxtrace", appauthor=False)) / "inboxtrace.db"
    return f"sqlite:///{path}"


def normalize_url(url: str) -> str:
    """Accept a bare file path, ``sqlite:///...``, ``postgres://`` or ``postgresql://`` URLs."""
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    scheme, rest = url.split("://", 1)
    if scheme in ("postgres", "postgresql"):
        return f"postgresql+psycopg://{rest}"
    return url


def _import_store_modules() -> None:
    """Import every module of the ``inboxtrace.store`` package so all tables are declared."""
    package = importlib.import_module("inboxtrace.store")
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"inboxtrace.store.{info.name}")


# The page size of a new SQLite store (before its first write; an existing file keeps its own).
# SQLite's default, 4 KiB, made a 1M-line first ingest read and write ~600,000 pages one system
# call each (a bulk load's closing index builds scan the tables once per index): with 16 KiB pages
# the same load spends ~0.7 CPU-s less in the kernel, and the file is 4% smaller.
PAGE_SIZE = 16384
WAL_CHECKPOINT_BYTES = 64 << 20


CACHE_KIB = 8192  # each SQLite connection's page cache: enough for the key lookups, keeps RSS low


BUSY_SECONDS = 30  # how long a connection waits for another one's lock before "database is locked"


def _into_wal(cur: Any) -> None:
    """``PRAGMA journal_mode=WAL``, waiting for other connections as long as the busy timeout.

    A file not yet in WAL mode (a store being created) is switched by upgrading a read transaction
    to a write one, and SQLite calls no busy handler for such an upgrade: when several processes
    open a new store at once, one of them could fail at once with "database is locked" (seen in a
    CI run's four simultaneous first ingests). Once the file is in WAL mode the pragma writes
    nothing."""
    deadline = time.monotonic() + BUSY_SECONDS
    pause = 0.005
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}")
    cur.execute(f"PRAGMA page_size={PAGE_SIZE}")  # (before WAL: a WAL file fixes the page size)
    _into_wal(cur)
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
    cur.execute("PRAGMA temp_store=MEMORY")
    # the WAL is copied into the database once it holds 64 MiB (in pages of this file's size)
    page = int(cur.execute("PRAGMA page_size").fetchone()[0]) or 4096
    cur.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_BYTES // page}")
    cur.close()


# Column types whose values go to the driver as they are (no bind processing in SQLAlchemy).
_PLAIN_TYPES = (sa.String, sa.Integer, sa.Float, sa.Boolean)


def file_database(database: str | None) -> str | None:
    """``database`` (a SQLite URL's database part) when it names a plain file: not in memory, not
    a ``file:`` URI; else None."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return database


_TAKEN = "inboxtrace_checkout_taken"  # (a pooled connection's info: what on_checkout must give back)


class Store:
    """An open database: ``.engine``, ``.url``, ``.dialect``; use as a context manager or ``close()``."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url
        self._compiled: dict[
            tuple[int, tuple[str, ...]], tuple[Any, str, list[str] | None, CopyPlan | None]
        ] = {}
        # big batches into PostgreSQL go through COPY (False: row by row, e.g. to compare the two)
        self.copy = True
        # what :func:`on_checkout` runs as connections are handed out and returned: the engine's
        # listeners are registered once, here. Adding and removing them later, while another thread
        # checks a connection out (a web request during a background ingest), broke that checkout
        # ("deque mutated during iteration"); the hooks are an immutable tuple, replaced whole.
        self._checkout_hooks: tuple[
            tuple[Callable[[Any, Any, Any], None], Callable[[Any, Any], None]], ...
        ] = ()
        self._hooks_lock = threading.Lock()
        sa.event.listen(engine, "checkout", self._on_checkout)
        sa.event.listen(engine, "checkin", self._on_checkin)

    def _on_checkout(self, dbapi_conn: Any, record: Any, proxy: Any) -> None:
        hooks = self._checkout_hooks
        if hooks:
            for take, _ in hooks:
                take(dbapi_conn, record, proxy)
            # given back as this connection returns, even when the block has ended meanwhile
            record.info.setdefault(_TAKEN, []).extend(give_back for _, give_back in hooks)

    def _on_checkin(self, dbapi_conn: Any, record: Any) -> None:
        taken = record.info.pop(_TAKEN, None) if record is not None else None
        for give_back in reversed(taken or ()):
            give_back(dbapi_conn, record)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @property
    def sqlite_file(self) -> str | None:
        """The file of a SQLite store kept in a plain file (None: PostgreSQL, in memory, a URI)."""
        return file_database(self.engine.url.database) if self.dialect == "sqlite" else None

    def connect(self) -> Connection:
        return self.engine.connect()

    def begin(self) -> Any:
        """A connection inside a transaction (``with store.begin() as conn: ...``)."""
        return self.engine.begin()

    def insert(self, table: sa.Table) -> Any:
        """A dialect-specific ``INSERT`` supporting ``.on_conflict_do_nothing/.on_conflict_do_update``.

        (Each dialect's module is imported when first used: importing SQLAlchemy's PostgreSQL
        dialect cost every command on a SQLite store ~40 ms at start.)"""
        if self.dialect == "postgresql":
            from sqlalchemy.dialects import postgresql

            return postgresql.insert(table)
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(table)

    def insert_ignore(
        self,
        conn: Connection,
        table: sa.Table,
        rows: Sequence[Mapping[str, Any]],
        index_elements: Iterable[str] | None = None,
    ) -> None:
        """Insert ``rows``, silently skipping rows that violate a unique key (a big batch into
        PostgreSQL goes through COPY, see :meth:`bulk`)."""
        if not rows:
            return
        stmt = self.insert(table).on_conflict_do_nothing(
            index_elements=list(index_elements) if index_elements else None
        )
        if self.dialect == "postgresql" and len(rows) >= COPY_MIN_ROWS and self._plain(table, rows):
            self.bulk(conn, stmt, rows)
        else:
            conn.execute(stmt, list(rows))

    @staticmethod
    def _plain(table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> bool:
        """Whether ``rows`` can skip SQLAlchemy's type processing (see :meth:`bulk`): every row has
        the same keys, each a column whose type takes plain values as they are, and no column
        left out has a default made in Python."""
        keys = set(rows[0])
        for col in table.columns:
            if col.name in keys:
                if isinstance(col.type, sa.Enum) or not isinstance(col.type, _PLAIN_TYPES):
                    return False
            elif col.default is not None or col.onupdate is not None:
                return False
        if not keys <= set(table.columns.keys()):
            return False
        return all(len(r) == len(keys) and keys.issuperset(r) for r in rows)

    def bulk(
        self,
        conn: Connection,
        stmt: Any,
        rows: Sequence[Mapping[str, Any]] | Sequence[Sequence[Any]],
        columns: Sequence[str] | None = None,
    ) -> int:
        """Execute ``stmt`` (an ``INSERT``, with or without ``ON CONFLICT``) once per row, fast.

        The statement is compiled once (cached per statement object) and the rows go to the
        DB-API driver as plain tuples/dicts, skipping SQLAlchemy's per-row type processing: values
        must already be plain Python (str, int, float, bool, None), and every row must have the
        same keys. With ``columns``, the rows are sequences (lists, tuples) of those columns'
        values in that order, handed to the driver as they are when it takes them in that order
        (no dict made or read per row). Into PostgreSQL, a batch of
        :data:`~inboxtrace.store.pg_copy.COPY_MIN_ROWS` or more is streamed with COPY into a
        staging table and moved in by one ``INSERT ... SELECT`` with the statement's own conflict
        clause (:mod:`inboxtrace.store.pg_copy`: the same rows as row by row); smaller ones use
        the driver's ``executemany``. Returns the number of rows inserted/updated where the
        driver tells, else -1.
        """
        if not rows:
            return 0
        keys = tuple(columns) if columns is not None else tuple(rows[0])
        cache_key = (id(stmt), keys)
        cached = self._compiled.get(cache_key)
        if cached is None or cached[0] is not stmt:
            compiled = stmt.compile(dialect=self.engine.dialect, column_keys=list(keys))
            names = list(compiled.positiontup) if compiled.positional else None
            plan = CopyPlan.of(compiled.string, keys) if self.dialect == "postgresql" else None
            cached = (stmt, compiled.string, names, plan)
            self._compiled[cache_key] = cached
        if columns is not None:
            return self._bulk_sequences(conn, cached, keys, rows)
        _, sql, names, plan = cached
        if plan is not None and len(rows) >= COPY_MIN_ROWS and self.copy:
            get = operator.itemgetter(*plan.columns)
            tuples = [get(row) for row in rows] if len(plan.columns) > 1 else [(get(row),) for row in rows]
            return plan.run(conn, tuples)
        params: list[Any]
        if names is not None:
            get = operator.itemgetter(*names)
            params = [get(row) for row in rows] if len(names) > 1 else [(get(row),) for row in rows]
        else:
            params = [dict(row) for row in rows]
        result = conn.exec_driver_sql(sql, params)
        return int(result.rowcount)

    def _bulk_sequences(
        self,
        conn: Connection,
        cached: tuple[Any, str, list[str] | None, CopyPlan | None],
        keys: tuple[str, ...],
        rows: Sequence[Any],
    ) -> int:
        """:meth:`bulk` of rows given as sequences in ``keys`` order."""
        _, sql, names, plan = cached
        if plan is not None and len(rows) >= COPY_MIN_ROWS and self.copy:
            if tuple(plan.columns) != keys:
                get = operator.itemgetter(*(keys.index(c) for c in plan.columns))
                rows = [get(row) if len(plan.columns) > 1 else (get(row),) for row in rows]
            return plan.run(conn, rows)
        params: Sequence[Any]
        if names is not None and tuple(names) == keys and self.dialect == "sqlite" and len(rows) > 1:
            return self._bulk_bound(conn, sql, rows)
        if names is None:
            params = [dict(zip(keys, row, strict=True)) for row in rows]
        elif tuple(names) == keys:
            params = (
                rows if isinstance(rows[0], tuple) else list(map(tuple, rows))
            )  # (SQLAlchemy takes tuples)
        else:
            get = operator.itemgetter(*(keys.index(n) for n in names))
            params = [get(row) if len(names) > 1 else (get(row),) for row in rows]
        result = conn.exec_driver_sql(sql, params)
        return int(result.rowcount)

    @staticmethod
    def _bulk_bound(conn: Connection, sql: str, rows: Sequence[Any]) -> int:
        """Rows in statement order into SQLite: the first through SQLAlchemy (the driver begins its
        transaction at it), the others bound with SQLite's C API in that transaction
        (:func:`inboxtrace.store.sqlite_binding.executemany`: the same rows, less work per value)."""
        first = conn.exec_driver_sql(sql, [tuple(rows[0])])
        try:
            return int(first.rowcount) + executemany(conn.connection.dbapi_connection, sql, rows[1:])  # type: ignore[arg-type]
        except sqlite3.Error as exc:  # as SQLAlchemy raises the driver's errors (db_errors reads them)
            raise sa.exc.DBAPIError.instance(sql, None, exc, sqlite3.Error) from exc

    def in_params(self, values: Sequence[Any], chunk: int = 900) -> Iterable[tuple[str, Any]]:
        """``(sql, params)`` pieces for ``column IN (...)`` over ``values``, in driver paramstyle.

        For raw ``exec_driver_sql`` lookups of many keys (SQLAlchemy's expanding IN costs more
        than the query itself). PostgreSQL gets one ``= ANY(array)``; SQLite chunks of ``?``.
        """
        if not values:
            return
        if self.dialect == "postgresql":
            yield "= ANY(%s)", (list(values),)
            return
        from inboxtrace.store.log_batch import sqlite_in_params

        yield from sqlite_in_params(values, chunk)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.engine.url.render_as_string(hide_password=True)!r})"


# The PostgreSQL advisory lock that makes creating (or upgrading) the tables one process's job.
_SCHEMA_LOCK = 0x1B0C_7ACE


@contextlib.contextmanager
def on_checkout(
    store: Store, take: Callable[[Any, Any, Any], None], give_back: Callable[[Any, Any], None]
) -> Iterator[None]:
    """While in the block, ``take(dbapi_conn, record, proxy)`` runs as each connection of ``store``
    is handed out and ``give_back(dbapi_conn, record)`` as that connection returns to the pool,
    even after the block (to change a setting of the connections for a while and restore it).
    Safe while other threads use the store."""
    pair = (take, give_back)
    with store._hooks_lock:
        store._checkout_hooks = (*store._checkout_hooks, pair)
    try:
        yield
    finally:
        with store._hooks_lock:
            hooks = list(store._checkout_hooks)
            hooks.remove(pair)
            store._checkout_hooks = tuple(hooks)


@contextlib.contextmanager
def schema_lock(store: Store) -> Iterator[None]:
    """Hold the store's schema lock: on PostgreSQL an advisory lock, so that table and index DDL
    of concurrent processes (creating a store, a bulk load's deferred indexes) runs one at a time
    (concurrent ``CREATE ... IF NOT EXISTS`` collide in PostgreSQL's catalogs). SQLite runs DDL
    under its own database lock: nothing to do."""
    if store.dialect != "postgresql":
        yield
        return
    with store.engine.connect() as conn:
        conn.exec_driver_sql(f"SELECT pg_advisory_lock({_SCHEMA_LOCK})")
        conn.commit()
        try:
            yield
        finally:
            conn.exec_driver_sql(f"SELECT pg_advisory_unlock({_SCHEMA_LOCK})")
            conn.commit()


def open_store(url: str | None = None, *, create: bool = True, must_exist: bool = False) -> Store:
    """Open the store at ``url`` (default: :func:`default_url`), creating missing tables.

    ``must_exist``: for commands that only read, a SQLite file that does not exist yet is an error
    (instead of silently creating an empty store).

    Raises :class:`~inboxtrace.errors.StoreError` with a one-line reason when the database cannot
    be opened (bad URL, unreachable server, unwritable file).
    """
    raw = url or default_url()
    full = normalize_url(raw)
    try:
        parsed = sa.engine.make_url(full)
    except sa.exc.ArgumentError as exc:
        raise StoreError(f"not a database URL: {raw!r}") from exc
    backend = parsed.get_backend_name()
    if backend not in _SUPPORTED:
        raise StoreError(f"unsupported database {backend!r}: use sqlite:///FILE or postgresql://...")
    kwargs: dict[str, Any] = {}
    if backend == "sqlite":
        database = parsed.database or ""
        if must_exist and database and database != ":memory:" and not Path(database).exists():
            raise StoreError(f"no store at {database}: run `inboxtrace ingest FILE...` first (or give --db)")
        if file_database(database):
            try:
                Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the directory for {database}: {exc.strerror}") from exc
    else:
        kwargs["pool_pre_ping"] = True
    try:
        engine = sa.create_engine(parsed, **kwargs)
    except (sa.exc.ArgumentError, ImportError) as exc:
        raise StoreError(f"cannot open {raw!r}: {exc}") from exc
    if backend == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        use_fast_binding()
    store = Store(engine, parsed.render_as_string(hide_password=True))
    if create:
        _import_store_modules()
        from inboxtrace.store.migrate import prepare

        try:
            prepare(store)
        except sa.exc.SQLAlchemyError as exc:
            engine.dispose()
            orig = getattr(exc, "orig", None)
            reason = str(orig) if orig is not None else str(exc)
            raise StoreError(f"cannot open the store {store.url}: {reason.strip().splitlines()[0]}") from exc
        except StoreError:
            engine.dispose()
            raise
    return store


__all__ = [
    "ENV_VAR",
    "SCHEMAS",
    "Store",
    "default_url",
    "metadata",
    "normalize_url",
    "open_store",
    "register_schema",
    "register_upgrade",
    "schema_lock",
]
