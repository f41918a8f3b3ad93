"""Bring a store's tables to this version of inboxtrace when it is opened: create, stamp, migrate.

Three kinds of database reach :func:`prepare`:

* **empty** (a new SQLite file, a fresh PostgreSQL database): every table is created from the
  definitions in the store modules and the store is stamped at the newest Alembic revision;
* **a 0.1.0 store** (``inboxtrace_meta`` without ``alembic_version``): the in-place steps of that
  release bring each group of tables to its last version, the store is stamped at the baseline
  revision ``0001``, then every later revision runs;
* **a migrated store**: the revisions it lacks run, in one transaction. A store stamped with a
  revision this inboxtrace does not know (written by a newer release) is refused, unchanged.

After that, tables added since (new tables need no revision) and indexes a killed bulk load left
dropped are created. The ``schema:*`` rows of ``inboxtrace_meta`` are set to ``alembic:<revision>``
so that a 0.1.0 inboxtrace refuses a migrated store instead of writing into tables it does not know.

Everything runs exactly once when several processes open a new store at the same moment: under an
advisory lock on PostgreSQL; on SQLite a step that lost the race is done again and finds the work
done (see :func:`inboxtrace.store.core.schema_lock`).

``python -m inboxtrace.store.migrate revision "message"`` writes the skeleton of a new revision.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from inboxtrace.errors import StoreError
from inboxtrace.store.core import SCHEMAS, UPGRADES, Store, inboxtrace_meta, metadata, schema_lock

BASELINE = "0001"
SCRIPTS = Path(__file__).resolve().parent / "migrations"
_MARK = "alembic:"

if TYPE_CHECKING:
    from alembic.config import Config


def _config(connection: Connection | None = None) -> Config:
    # Alembic is imported only when something is to be migrated: opening a store that is at the
    # newest revision (every open but the first after an upgrade) does not pay for its import.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@functools.cache
def revisions() -> dict[str, str | None]:
    """Each revision of ``versions/`` and the one it follows, read from the files' ``revision`` and
    ``down_revision`` assignments without importing Alembic (tests check it against Alembic's own
    reading)."""
    found: dict[str, str | None] = {}
    for path in sorted((SCRIPTS / "versions").glob("[!_]*.py")):
        values: dict[str, object] = {}
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
                continue
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
                values[target.id] = ast.literal_eval(node.value)
        revision, down = values.get("revision"), values.get("down_revision")
        if not isinstance(revision, str) or not (down is None or isinstance(down, str)):
            raise StoreError(f"{path.name}: a revision file needs revision = '...' and one down_revision")
        found[revision] = down
    return found


@functools.cache
def head() -> str:
    """The newest revision this inboxtrace knows: the one no other revision follows."""
    followed = set(revisions().values())
    heads = sorted(rev for rev in revisions() if rev not in followed)
    if len(heads) != 1:
        raise StoreError(f"the store migrations have {len(heads)} heads: {heads} (merge them)")
    return heads[0]


def current_revision(conn: Connection) -> str | None:
    """The revision a store is stamped at (None: not stamped, a new or a 0.1.0 store)."""
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def prepare(store: Store) -> None:
    """Create, upgrade or refuse ``store``'s tables (see the module documentation)."""
    if _complete(store):
        return
    if store.dialect == "postgresql":
        with schema_lock(store):
            _prepare(store)
        return
    for attempt in range(10):
        try:
            _prepare(store)
            return
        except (sa.exc.OperationalError, sa.exc.IntegrityError) as exc:
            text = str(exc)
            lost_race = any(needle in text for needle in ("already exists", "duplicate column"))
            if attempt == 9 or not lost_race:
                raise


_INDEX_NAMES = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'index'",
    "postgresql": "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()",
}


def _complete(store: Store) -> bool:
    """True when the store is at the newest revision with every table and index there: the common
    case, answered by reading only (no lock, no write, no Alembic)."""
    from inboxtrace.store.subjects import subject_triggers_present

    with store.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
        if "alembic_version" not in tables or not {t.name for t in metadata.sorted_tables} <= tables:
            return False
        if conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() != head():
            return False
        indexes = {str(name) for (name,) in conn.exec_driver_sql(_INDEX_NAMES[store.dialect])}
        if not all(str(ix.name) in indexes for t in metadata.sorted_tables for ix in t.indexes):
            return False
        return subject_triggers_present(conn)


@contextlib.contextmanager
def _transaction(store: Store) -> Iterator[Connection]:
    """A transaction that holds the database's write lock from its first statement on SQLite
    (``BEGIN IMMEDIATE``: a second process opening a new store waits, then finds it made; without
    it, SQLite's driver commits each DDL statement on its own and the other process could see a
    half-made store), an ordinary one on PostgreSQL (already under the advisory lock)."""
    with store.connect() as conn:
        if store.dialect == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        yield conn
        conn.commit()


def _run(conn: Connection, action: str, target: str) -> None:
    """``alembic stamp|upgrade target`` on ``conn``, inside its transaction."""
    from alembic import command

    getattr(command, action)(_config(conn), target)


def _prepare(store: Store) -> None:
    from inboxtrace.store.subjects import restore_subject_triggers

    with _transaction(store) as conn:
        tables = set(sa.inspect(conn).get_table_names())
        ours = {t.name for t in metadata.sorted_tables}
        if "alembic_version" in tables:
            revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
            if revision != head():
                if revision not in revisions():
                    raise StoreError(
                        f"the store {store.url} is at schema revision {revision}, which this inboxtrace "
                        f"does not know (newest: {head()}): it was written by a newer release; upgrade "
                        "inboxtrace, or ingest into a new store (--db)"
                    )
                _run(conn, "upgrade", "head")
        elif tables & ours:
            _upgrade_legacy(store, conn)
            _run(conn, "stamp", BASELINE)
            _run(conn, "upgrade", "head")
        else:
            metadata.create_all(conn)
            _stamp_new(conn)
            tables |= ours
        if not ours <= tables:
            metadata.create_all(conn)
        for table in metadata.sorted_tables:
            for ix in table.indexes:
                conn.execute(sa.schema.CreateIndex(ix, if_not_exists=True))
        restore_subject_triggers(conn)  # (a bulk load killed before it put them back)
        _mark(store, conn)


def _stamp_new(conn: Connection) -> None:
    """``alembic stamp head`` on a store just created, written without importing Alembic (with
    Mako and Pygments, 12 MB in the process, which the workers of a first bulk ingest would
    inherit): Alembic's own version table (as its ``MigrationContext`` declares it), one row."""
    version = sa.Table(
        "alembic_version",
        sa.MetaData(),
        sa.Column("version_num", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
    )
    version.create(conn)
    conn.execute(version.insert().values(version_num=head()))


def _upgrade_legacy(store: Store, conn: Connection) -> None:
    """Bring a 0.1.0 store to the table versions of the baseline with that release's own steps, or
    refuse it (a version no step leads from)."""
    metadata.create_all(conn, tables=[inboxtrace_meta])
    found = {
        str(k): str(v) for k, v in conn.execute(sa.select(inboxtrace_meta.c.key, inboxtrace_meta.c.value))
    }
    for name, version in SCHEMAS.items():
        have = found.get(f"schema:{name}")
        if have is None or have == str(version):
            continue
        steps = (
            [UPGRADES.get((name, v)) for v in range(int(have), version)]
            if have.isdigit() and int(have) <= version
            else [None]
        )
        if any(step is None for step in steps):
            raise StoreError(
                f"the store {store.url} holds {name} tables of schema version {have}, this inboxtrace "
                f"uses version {version}: ingest into a new store (--db) and re-ingest the logs"
            )
        for step in steps:
            assert step is not None
            step(conn)


def _mark(store: Store, conn: Connection) -> None:
    """Record the revision in ``inboxtrace_meta`` where 0.1.0 looks for its versions (written only
    when it differs: opening a store at the newest revision writes nothing)."""
    value = _MARK + head()
    found = {
        str(k): str(v) for k, v in conn.execute(sa.select(inboxtrace_meta.c.key, inboxtrace_meta.c.value))
    }
    rows = [
        {"key": f"schema:{name}", "value": value} for name in SCHEMAS if found.get(f"schema:{name}") != value
    ]
    if not rows:
        return
    stmt = store.insert(inboxtrace_meta)
    conn.execute(
        stmt.on_conflict_do_update(index_elements=["key"], set_={"value": stmt.excluded.value}), rows
    )


def main(argv: list[str]) -> int:
    """``python -m inboxtrace.store.migrate revision "message"``: write a new revision's skeleton."""
    from alembic import command

    if len(argv) != 2 or argv[0] != "revision":
        print('usage: python -m inboxtrace.store.migrate revision "what the revision does"', file=sys.stderr)
        return 2
    number = f"{len(revisions()) + 1:04d}"
    slug = "_".join(argv[1].lower().split())[:40]
    command.revision(_config(), message=argv[1], rev_id=number)
    print(f"wrote revision {number} ({slug}) in {SCRIPTS / 'versions'}: fill in upgrade() and add its test")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
