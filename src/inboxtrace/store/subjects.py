"""Search of the Subject an MTA logged (``log_messages.subject``): a substring, case ignored.

The match is a substring ("invoice" finds "Your invoice #12" and "Re: invoices"), the same as
the ESP events' and the bounces' subjects are searched, and it is fast through an index of the
subject's trigrams on each database:

* **PostgreSQL**: a ``pg_trgm`` GIN index on ``lower(subject)``, which ``LIKE '%words%'`` uses;
* **SQLite**: an FTS5 table with the trigram tokenizer over the column (external content, kept up
  to date by triggers on ``log_messages``), queried with a phrase: a phrase of trigrams is a
  substring.

Text shorter than three characters has no trigram: it is looked for by reading the subjects.
Both are created with the table on a new store and by revision 0002 on an older one.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from inboxtrace.store.logs import log_deliveries, log_messages

FTS_TABLE = "log_subjects"
_TRIGGERS = ("log_subjects_insert", "log_subjects_delete", "log_subjects_update")

_SQLITE = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(subject, content='log_messages', "
    "content_rowid='rowid', tokenize='trigram')",
    f"CREATE TRIGGER IF NOT EXISTS {_TRIGGERS[0]} AFTER INSERT ON log_messages "
    f"WHEN new.subject IS NOT NULL BEGIN INSERT INTO {FTS_TABLE}(rowid, subject) "
    "VALUES (new.rowid, new.subject); END",
    f"CREATE TRIGGER IF NOT EXISTS {_TRIGGERS[1]} AFTER DELETE ON log_messages "
    f"WHEN old.subject IS NOT NULL BEGIN INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, subject) "
    "VALUES ('delete', old.rowid, old.subject); END",
    f"CREATE TRIGGER IF NOT EXISTS {_TRIGGERS[2]} AFTER UPDATE OF subject ON log_messages "
    "WHEN old.subject IS NOT new.subject BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, subject) SELECT 'delete', old.rowid, old.subject "
    "WHERE old.subject IS NOT NULL; "
    f"INSERT INTO {FTS_TABLE}(rowid, subject) SELECT new.rowid, new.subject WHERE new.subject IS NOT NULL; "
    "END",
)
_POSTGRESQL_INDEX = (
    "CREATE INDEX IF NOT EXISTS ix_log_messages_subject ON log_messages "
    "USING gin (lower(subject) gin_trgm_ops) WHERE subject IS NOT NULL"
)


def create_subject_search(conn: Connection) -> None:
    """Create the subject index of this database if it is not there (idempotent)."""
    if conn.dialect.name == "sqlite":
        for statement in _SQLITE:
            conn.exec_driver_sql(statement)
    elif conn.dialect.name == "postgresql":
        # pg_trgm ships with PostgreSQL and is a trusted extension: the store's owner may create it.
        # Where that is not allowed, subjects are still found, by reading them all.
        try:
            with conn.begin_nested():
                conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                conn.exec_driver_sql(_POSTGRESQL_INDEX)
        except sa.exc.DBAPIError:
            pass


def drop_subject_triggers(conn: Connection) -> None:
    """Take the SQLite triggers off: off a scratch copy of the tables (a parallel ingest's piece:
    its rows are indexed when they are copied into the store), and off the store during a bulk
    load into empty tables (:func:`restore_subject_triggers` indexes every row at its end: a
    trigger per row cost a quarter of the ``log_messages`` inserts, subject or not)."""
    if conn.dialect.name == "sqlite":
        for name in _TRIGGERS:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")


def subject_triggers_present(conn: Connection) -> bool:
    """Whether the subject search's triggers are all there (always true but on SQLite)."""
    if conn.dialect.name != "sqlite":
        return True
    have = {n for (n,) in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    return have.issuperset(_TRIGGERS)


def restore_subject_triggers(conn: Connection) -> bool:
    """Put back the SQLite triggers a bulk load took off (:func:`drop_subject_triggers`, see
    :func:`inboxtrace.store.logs.deferred_indexes`), and then index the subjects of every row
    anew (the rows written meanwhile were not indexed). Nothing to do when they are
    all there. Returns whether anything was rebuilt."""
    if subject_triggers_present(conn):
        return False
    create_subject_search(conn)
    # what the triggers would have made: the rows with a subject (FTS5's 'rebuild' would also
    # make an entry for each row without one)
    conn.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('delete-all')")
    conn.exec_driver_sql(
        f"INSERT INTO {FTS_TABLE}(rowid, subject) SELECT rowid, subject FROM log_messages WHERE subject IS NOT NULL"
    )
    return True


def _created(target: sa.Table, connection: Connection, **_: Any) -> None:
    create_subject_search(connection)


sa.event.listen(log_messages, "after_create", _created)


def logged_subject_matches(
    conn: Connection, text: str, limit: int, *, upto: float | None = None
) -> list[str]:
    """Keys of the (at most ``limit``, newest first) logged messages whose Subject contains
    ``text``, case ignored.

    ``upto`` (epoch seconds): only messages that may have a delivery at or before that time (their
    first event is not later), so that a search paging back in time, or bounded by a date, looks
    at the newest matches *before* that point instead of the newest of all."""
    words = text.strip().lower()
    if not words:
        return []
    m = log_messages.c
    bound = [] if upto is None else [sa.or_(m.first_time <= upto, m.first_time.is_(None))]
    if conn.dialect.name == "sqlite" and len(words) >= 3:
        phrase = '"' + words.replace('"', '""') + '"'
        fts = sa.table(FTS_TABLE)
        rowid: sa.ColumnClause[Any] = sa.literal_column(f"{FTS_TABLE}.rowid")
        matches = sa.literal_column(FTS_TABLE).op("MATCH")(phrase)
        if not bound:
            rowids: sa.Select[tuple[Any]] = (
                sa.select(rowid).select_from(fts).where(matches).order_by(rowid.desc()).limit(limit)
            )
            query = sa.select(m.mkey).where(
                sa.literal_column("log_messages.rowid").in_(rowids.scalar_subquery())
            )
        else:
            query = (
                sa.select(m.mkey)
                .select_from(fts.join(log_messages, sa.literal_column("log_messages.rowid") == rowid))
                .where(matches, *bound)
                .order_by(rowid.desc())
                .limit(limit)
            )
        return [str(k) for (k,) in conn.execute(query)]
    if conn.dialect.name == "postgresql" and len(words) >= 3:
        walked = _walk_newest(conn, words, limit, upto)
        if walked is not None:
            return walked
    query = (
        sa.select(m.mkey)
        .where(m.subject.is_not(None), sa.func.lower(m.subject).contains(words, autoescape=True), *bound)
        .order_by(m.last_time.desc())
        .limit(limit)
    )
    return [str(k) for (k,) in conn.execute(query)]


# Common text is looked for in the newest deliveries, BATCH at a time, at most WALK of them; text in
# fewer than COMMON subjects of the newest PROBE deliveries is rare.
BATCH, WALK, PROBE, COMMON = 2000, 60_000, 300, 3


def _walk_newest(conn: Connection, words: str, limit: int, upto: float | None) -> list[str] | None:
    """On PostgreSQL, the newest messages whose subject contains ``words`` when they are common,
    found by reading the newest deliveries' messages (an index walk, a few batches); None when
    the text is rare (in fewer than COMMON of the newest PROBE) or when WALK deliveries gave fewer
    than ``limit`` matches (older ones may lie further back): the trigram index finds them then.
    With ``upto``, the walk starts at the newest delivery at or before that time.

    PostgreSQL's planner has no statistics of trigrams: for common text it would take every match
    from the index and sort them all by time (a second for a word in 14% of a million subjects)."""
    d, m = log_deliveries.c, log_messages.c
    found: dict[str, None] = {}
    after: tuple[Any, ...] | None = None
    walked = 0
    while len(found) < limit and walked < WALK:
        q = sa.select(d.mkey, d.recipient, d.last_time).where(d.last_time.is_not(None))
        if upto is not None:
            q = q.where(d.last_time <= upto)
        if after is not None:  # strictly older than the last row read (keyset: time, key, recipient)
            q = q.where(
                d.last_time <= after[0], sa.tuple_(d.last_time, d.mkey, d.recipient) < sa.tuple_(*after)
            )
        order = (d.last_time.desc(), d.mkey.desc(), d.recipient.desc())
        size = min(PROBE, BATCH) if walked == 0 else BATCH
        rows = conn.execute(q.order_by(*order).limit(size)).all()
        keys = list(dict.fromkeys(str(r.mkey) for r in rows))
        subjects = sa.select(m.mkey, m.subject).where(m.mkey.in_(keys), m.subject.is_not(None))
        hits = {str(k) for k, subject in conn.execute(subjects) if words in subject.lower()}
        if walked == 0 and len(hits) < COMMON:
            return None
        found.update((k, None) for k in keys if k in hits)
        walked += len(rows)
        if len(rows) < size:
            break
        after = (rows[-1].last_time, rows[-1].mkey, rows[-1].recipient)
    else:
        if len(found) < limit:
            # WALK deliveries read and still fewer than ``limit`` matches: older ones may exist
            # past what was read; the index search finds them all (slower, but nothing missed)
            return None
    return list(found)[:limit]


__all__ = [
    "FTS_TABLE",
    "create_subject_search",
    "drop_subject_triggers",
    "logged_subject_matches",
    "restore_subject_triggers",
    "subject_triggers_present",
]
