"""A store of a schema older than 0.1.0's (logs version 2: no ``log_messages.facts``, no Alembic
revision) is upgraded in place when opened, keeps its rows, and then completes a message from the
rest of the log. (0.1.0 stores themselves: test_migrations.py.)"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from inboxtrace.ingest import ingest
from inboxtrace.store import migrate, open_store
from inboxtrace.store.core import SCHEMAS, inboxtrace_meta
from inboxtrace.store.log_queries import grouped_counts
from inboxtrace.store.subjects import FTS_TABLE, drop_subject_triggers
from tests.conftest import generated_log


def _states(url: str) -> dict[str, int]:
    with open_store(url) as store:
        return {g.key: g.total for g in grouped_counts(store, "final_state")}


def _make_version_2(url: str) -> None:
    """Turn a store into what version 2 wrote: the same tables without the facts column (nor the
    subject of revision 0002, nor its index), and the per-group versions of the time instead of
    an Alembic revision."""
    with open_store(url) as store, store.begin() as conn:
        drop_subject_triggers(conn)
        conn.exec_driver_sql("DROP INDEX IF EXISTS ix_log_messages_subject")
        if store.dialect == "sqlite":
            conn.exec_driver_sql(f"DROP TABLE {FTS_TABLE}")
        conn.exec_driver_sql("ALTER TABLE log_messages DROP COLUMN subject")
        conn.exec_driver_sql("ALTER TABLE log_messages DROP COLUMN facts")
        conn.exec_driver_sql("DROP TABLE alembic_version")
        for name, version in {**SCHEMAS, "logs": 2}.items():
            key = inboxtrace_meta.c.key == f"schema:{name}"
            conn.execute(sa.update(inboxtrace_meta).where(key).values(value=str(version)))


def test_a_version_2_store_is_upgraded_in_place_and_keeps_working(store_url: str, tmp_path: Path) -> None:
    lines = generated_log(tmp_path / "all.log", 14_000).read_text().splitlines(keepends=True)
    log = tmp_path / "mail.log"
    log.write_text("".join(lines[:9000]))  # two recipients deferred here expire after line 9,000
    with open_store(store_url) as store:
        ingest([str(log)], store, jobs=1)
    before = _states(store_url)
    _make_version_2(store_url)

    with open_store(store_url) as store:
        with store.connect() as conn:
            version = conn.execute(
                sa.select(inboxtrace_meta.c.value).where(inboxtrace_meta.c.key == "schema:logs")
            ).scalar_one()
            columns = {c["name"] for c in sa.inspect(conn).get_columns("log_messages")}
            revision = migrate.current_revision(conn)
        assert version == f"alembic:{migrate.head()}" and revision == migrate.head() and "facts" in columns
    assert _states(store_url) == before

    with log.open("a") as f:
        f.writelines(lines[9000:])
    with open_store(store_url) as store:
        ingest([str(log)], store, jobs=1)
    ref = f"sqlite:///{tmp_path / 'ref.db'}"
    with open_store(ref) as store:
        ingest([str(tmp_path / "all.log")], store, jobs=1)
    assert _states(store_url) == _states(ref)
    assert _states(store_url)["expired"] == 2
