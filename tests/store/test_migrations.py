"""Stores written by inboxtrace 0.1.0 (the last release before Alembic) are upgraded in place when
opened, keep every row, and keep working; stores from a newer release are refused untouched.

The 0.1.0 stores are real: ``tests/data/stores/`` holds dumps of stores that release's own CLI
filled (SQLite and PostgreSQL; ``make_0.1.0_stores.py`` there says how).
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from inboxtrace.errors import StoreError
from inboxtrace.ingest import ingest
from inboxtrace.store import migrate, open_store
from inboxtrace.store.log_queries import grouped_counts
from inboxtrace.store.logs import log_messages
from tests.conftest import BACKENDS
from tests.rigs.postgres import PostgresRig

STORES = Path(__file__).resolve().parents[1] / "data" / "stores"
EXAMPLE_LOG = Path(__file__).resolve().parents[2] / "examples" / "postfix" / "maillog"


@pytest.fixture(params=BACKENDS)
def old_store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a store exactly as inboxtrace 0.1.0 left it."""
    if request.param == "sqlite":
        path = tmp_path / "old.db"
        with sqlite3.connect(path) as conn:
            conn.executescript((STORES / "inboxtrace-0.1.0.sqlite.sql").read_text(encoding="utf-8"))
        return f"sqlite:///{path}"
    pg: PostgresRig = request.getfixturevalue("postgres")
    url = pg.create_database(f"old{tmp_path.name[-12:].replace('-', '_')}")
    pg.psql_file(STORES / "inboxtrace-0.1.0.postgresql.sql", url.rsplit("/", 1)[1])
    return url


def _snapshot(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table as a dict, in a stable order."""
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            found: dict[str, list[dict[str, Any]]] = {}
            inspector = sa.inspect(conn)
            for name in inspector.get_table_names():
                table = sa.table(name, *(sa.column(c["name"]) for c in inspector.get_columns(name)))
                rows = [dict(row._mapping) for row in conn.execute(sa.select(table))]
                found[name] = sorted(rows, key=lambda r: repr(sorted(r.items())))
            return found
    finally:
        engine.dispose()


def _revision(url: str) -> str | None:
    with open_store(url, create=False) as store, store.connect() as conn:
        return migrate.current_revision(conn)


def test_the_revision_files_read_without_alembic_agree_with_alembic() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate._config())
    assert script.get_heads() == [migrate.head()]
    assert {r.revision: r.down_revision for r in script.walk_revisions()} == migrate.revisions()
    assert migrate.revisions()[migrate.BASELINE] is None


def test_a_new_store_is_stamped_at_the_newest_revision(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    open_store(url).close()
    assert _revision(url) == migrate.head()


def test_a_new_store_is_stamped_as_alembic_stamps_it_without_loading_alembic(tmp_path: Path) -> None:
    """The stamp of a new store is written by hand (no Alembic import on a first ingest): the same
    table, constraint and row Alembic's own ``stamp`` gives, and Alembic reads it back."""
    import subprocess
    import sys

    from alembic.migration import MigrationContext

    code = (
        "import sys\nfrom inboxtrace.store import open_store\nopen_store(sys.argv[1]).close()\n"
        "print(any(m == 'alembic' or m.startswith('alembic.') for m in sys.modules))"
    )
    ours = f"sqlite:///{tmp_path / 'ours.db'}"
    done = subprocess.run([sys.executable, "-c", code, ours], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
    theirs = f"sqlite:///{tmp_path / 'theirs.db'}"
    with open_store(theirs, create=False) as store, store.connect() as conn:
        migrate._run(conn, "stamp", "head")
        conn.commit()

    def shape(url: str) -> tuple[object, ...]:
        with open_store(url, create=False) as store, store.connect() as conn:
            sql = conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = 'alembic_version'"
            ).scalar()
            return " ".join(str(sql).split()), MigrationContext.configure(conn).get_current_revision()

    assert shape(ours) == shape(theirs) == (shape(theirs)[0], migrate.head())


def test_a_0_1_0_store_is_upgraded_and_keeps_every_row(old_store: str) -> None:
    before = _snapshot(old_store)
    assert sum(map(len, before.values())) > 150 and "alembic_version" not in before
    assert len(before["log_deliveries"]) > 30 and len(before["bounce_recipients"]) > 30

    open_store(old_store).close()

    after = _snapshot(old_store)
    assert after["alembic_version"] == [{"version_num": migrate.head()}]
    marks = {r["key"]: r["value"] for r in after["inboxtrace_meta"] if r["key"].startswith("schema:")}
    assert len(marks) == 6 and set(marks.values()) == {f"alembic:{migrate.head()}"}
    for name, rows in before.items():
        if name != "inboxtrace_meta":
            old_columns = set(rows[0]) if rows else set()
            kept = [{k: v for k, v in row.items() if k in old_columns} for row in after[name]]
            assert sorted(kept, key=lambda r: repr(sorted(r.items()))) == rows, name


def test_an_upgraded_store_keeps_working(old_store: str, tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'fresh.db'}") as fresh:
        ingest([str(EXAMPLE_LOG)], fresh, jobs=1)
        from_log = {g.key: g.total for g in grouped_counts(fresh, "final_state")}
    with open_store(old_store) as store:
        expected = {g.key: g.total for g in grouped_counts(store, "final_state")}
        # the log's recipients and the ESP events' recipients, all read back from the 0.1.0 rows
        assert all(expected.get(state, 0) >= n for state, n in from_log.items())
        assert sum(expected.values()) > sum(from_log.values())
        ingest([str(EXAMPLE_LOG)], store, jobs=1)  # the same log again: recognised, nothing doubled
        assert {g.key: g.total for g in grouped_counts(store, "final_state")} == expected
    out = subprocess.run(
        [
            str(Path(sys.executable).with_name("inboxtrace")),
            "trace",
            "--db",
            old_store,
            "tempfail@example.com",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert "expired" in out.stdout


def test_opening_a_store_at_the_newest_revision_writes_nothing_and_needs_no_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    open_store(url).close()
    before = _snapshot(url)
    code = (
        "import sys; from inboxtrace.store import open_store; "
        f"open_store({url!r}).close(); print(any(m.startswith('alembic') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    assert _snapshot(url) == before


def test_a_store_from_a_newer_release_is_refused_untouched(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'future.db'}"
    open_store(url).close()
    with sa.create_engine(url).begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    before = _snapshot(url)
    with pytest.raises(StoreError, match=r"revision 9999.*newer release"):
        open_store(url)
    assert _snapshot(url) == before


def test_a_0_1_0_store_with_a_table_version_no_step_leads_from_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "odd.db"
    with sqlite3.connect(path) as conn:
        conn.executescript((STORES / "inboxtrace-0.1.0.sqlite.sql").read_text(encoding="utf-8"))
        conn.execute("UPDATE inboxtrace_meta SET value = '0' WHERE key = 'schema:logs'")
    with pytest.raises(StoreError, match="schema version 0"):
        open_store(f"sqlite:///{path}")
    assert "alembic_version" not in _snapshot(f"sqlite:///{path}")


def _at_baseline(url: str) -> None:
    """Bring a 0.1.0 store to revision 0001 exactly as the release before 0002 left it: the
    0.1.0 steps, stamped at the baseline (its tables have no ``subject``)."""
    with open_store(url, create=False) as store, migrate._transaction(store) as conn:
        migrate._upgrade_legacy(store, conn)
        migrate._run(conn, "stamp", migrate.BASELINE)


SUBJECT_LOG = (
    "Dec  7 00:47:14 mta postfix/cleanup[14939]: 7A53921E536: message-id=<s1@sender.test>\n"
    "Dec  7 00:47:14 mta postfix/cleanup[14939]: 7A53921E536: warning: header Subject: =?utf-8?b?"
    "R3LDvMOfZSBhdXMgS8O2bG4=?= from localhost[127.0.0.1]; from=<a@sender.test> to=<x@dest.test> "
    "proto=ESMTP helo=<client.rig.test>\n"
    "Dec  7 00:47:14 mta postfix/qmgr[14920]: 7A53921E536: from=<a@sender.test>, size=420, nrcpt=1 (queue active)\n"
    "Dec  7 00:47:15 mta postfix/smtp[14941]: 7A53921E536: to=<x@dest.test>, relay=127.0.0.1[127.0.0.1]:2525, "
    "delay=0.1, delays=0.05/0.01/0.02/0.02, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4Xk2)\n"
    "Dec  7 00:47:15 mta postfix/qmgr[14920]: 7A53921E536: removed\n"
)


def test_revision_0002_adds_the_logged_subject_to_a_0001_store_keeping_every_row(
    old_store: str, tmp_path: Path
) -> None:
    from inboxtrace.store.activity import ActivityFilter, search_deliveries

    _at_baseline(old_store)
    assert _revision(old_store) == "0001"
    before = _snapshot(old_store)
    assert "subject" not in before["log_messages"][0]

    open_store(old_store).close()

    after = _snapshot(old_store)
    assert after["alembic_version"] == [{"version_num": "0002"}] and migrate.head() == "0002"
    for name, rows in before.items():
        if name not in ("inboxtrace_meta", "alembic_version"):
            old_columns = set(rows[0]) if rows else set()
            kept = [{k: v for k, v in row.items() if k in old_columns} for row in after[name]]
            assert sorted(kept, key=lambda r: repr(sorted(r.items()))) == rows, name
    assert {r["subject"] for r in after["log_messages"]} == {None}
    # the upgraded store records and finds logged subjects (its index is there and kept up to date)
    log = tmp_path / "subjects.log"
    log.write_text(SUBJECT_LOG, encoding="utf-8")
    with open_store(old_store) as store:
        ingest([str(log)], store, jobs=1)
        (row,) = search_deliveries(store, ActivityFilter(subject="grüsse aus köln".replace("ss", "ß"))).rows
        assert (row.queue_id, row.recipient) == ("7A53921E536", "x@dest.test")
        assert search_deliveries(store, ActivityFilter(subject="aus k")).rows == (row,)
        with store.connect() as conn:
            if store.dialect == "postgresql":
                # the search's own condition can use the trigram index (forced: the table is small)
                conn.exec_driver_sql("SET enable_seqscan = off")
                m = log_messages.c
                query = sa.select(m.mkey).where(
                    m.subject.is_not(None), sa.func.lower(m.subject).contains("aus k", autoescape=True)
                )
                compiled = query.compile(conn, compile_kwargs={"literal_binds": True})
                plan = "\n".join(
                    r[0] for r in conn.exec_driver_sql(f"EXPLAIN {str(compiled).replace('%', '%%')}")
                )
                assert "ix_log_messages_subject" in plan, plan
            else:
                assert (
                    conn.exec_driver_sql(
                        "SELECT count(*) FROM log_subjects WHERE log_subjects MATCH '\"köln\"'"
                    ).scalar()
                    == 1
                )
