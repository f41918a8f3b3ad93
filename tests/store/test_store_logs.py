"""The log store: idempotent writes, rotation merges, queue id reuse, NOQUEUE keys, trace, report."""

from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from inboxtrace.errors import StoreError
from inboxtrace.model import FinalState, Message
from inboxtrace.store import Store, open_store
from inboxtrace.store.log_queries import grouped_counts, suppressions, trace
from inboxtrace.store.logs import log_deliveries, log_messages, write_messages
from tests.store.factory import DEFER, SENT, UNKNOWN_USER, attempt, delivery, message


def counts(store: Store) -> tuple[int, int, int]:
    with store.connect() as conn:
        m = conn.execute(sa.select(sa.func.count()).select_from(log_messages)).scalar_one()
        d = conn.execute(sa.select(sa.func.count()).select_from(log_deliveries)).scalar_one()
        a = conn.execute(sa.select(sa.func.sum(log_deliveries.c.n_attempts))).scalar_one()
    return int(m), int(d), int(a or 0)


def state_of(store: Store, rcpt: str) -> list[str]:
    with store.connect() as conn:
        q = sa.select(log_deliveries.c.final_state).where(log_deliveries.c.recipient == rcpt)
        return sorted(r[0] for r in conn.execute(q))


def full_message() -> Message:
    return message(
        "A1B2C3",
        delivery(
            "bob@example.org",
            FinalState.DELIVERED,
            attempt(5, "deferred", DEFER, dsn="4.2.0", line_no=3),
            attempt(600, "sent", SENT.format(qid="R9"), dsn="2.0.0", line_no=9, queued_as="R9"),
        ),
        delivery(
            "eve@example.org",
            FinalState.BOUNCED,
            attempt(5, "bounced", UNKNOWN_USER.format(rcpt="eve@example.org"), dsn="5.1.1", line_no=4),
            dsn_qid="D5E6F7",
        ),
        completed=601,
        message_id="<m1@sender.example>",
        next_hops=("R9",),
    )


def test_rewriting_the_same_messages_adds_nothing(store: Store) -> None:
    first = write_messages(store, [full_message()])
    assert (first.new_messages, first.new_deliveries, first.attempts) == (1, 2, 3)
    again = write_messages(store, [full_message(), full_message()])
    assert (again.new_messages, again.new_deliveries, again.attempts) == (0, 0, 0)
    assert counts(store) == (1, 2, 3)
    assert state_of(store, "bob@example.org") == ["delivered"]


@pytest.mark.parametrize("order", ["in-order", "reversed"])
def test_a_message_cut_by_rotation_is_merged_and_its_final_state_recomputed(store: Store, order: str) -> None:
    # mail.log.1 ends while bob is deferred; mail.log has the retry that succeeded, no arrival lines
    part1 = message(
        "Q77", delivery("bob@example.org", FinalState.DEFERRED, attempt(5, "deferred", DEFER, line_no=3))
    )
    part2 = message(
        "Q77",
        delivery(
            "bob@example.org",
            FinalState.DELIVERED,
            attempt(900, "sent", SENT.format(qid="R1"), line_no=1, queued_as="R1"),
        ),
        received=None,
        completed=901,
        next_hops=("R1",),
    )
    parts = [part1, part2] if order == "in-order" else [part2, part1]
    for p in parts:
        write_messages(store, [p])
    assert counts(store) == (1, 1, 2)
    assert state_of(store, "bob@example.org") == ["delivered"]
    hits = trace(store, "bob@example.org")
    (story,) = hits.stories
    (d,) = story.messages[0].message.deliveries
    assert [a.status for a in d.attempts] == ["deferred", "sent"]
    assert story.messages[0].message.received is not None
    assert story.messages[0].message.completed is not None


def test_overlapping_rotation_in_one_batch_counts_once(store: Store) -> None:
    whole = full_message()
    tail = message("A1B2C3", whole.deliveries[0], received=None, completed=601, next_hops=("R9",))
    w = write_messages(store, [whole, tail])
    assert counts(store) == (1, 2, 3)
    assert w.new_messages == 1


def test_a_reused_queue_id_is_another_message(store: Store) -> None:
    old = message(
        "ABC",
        delivery("a@example.org", FinalState.DELIVERED, attempt(1, "sent", SENT.format(qid="X"))),
        completed=2,
    )
    new = message(
        "ABC",
        delivery(
            "b@example.org",
            FinalState.BOUNCED,
            attempt(10 * 86400 + 1, "bounced", UNKNOWN_USER.format(rcpt="b@example.org")),
        ),
        received=10 * 86400,
        completed=10 * 86400 + 2,
    )
    write_messages(store, [old, new])
    assert counts(store)[:2] == (2, 2)
    assert state_of(store, "a@example.org") == ["delivered"]
    assert state_of(store, "b@example.org") == ["bounced"]


def test_noqueue_rejections_repeat_but_rereads_do_not(store: Store) -> None:
    line = "NOQUEUE: reject: RCPT from x[198.51.100.9]: 554 5.7.1 <s@example.org>: Relay access denied"

    def nq(n: int, line_no: int) -> Message:
        a = attempt(50, "rejected", "554 5.7.1 <s@example.org>: Relay access denied", relay=None)
        a = type(a)(
            **{
                **{f: getattr(a, f) for f in a.__slots__},
                "evidence": type(a.evidence)("mail.log", line_no, line),
            }
        )  # type: ignore[union-attr]
        return message(
            f"NOQUEUE-{n}", delivery("s@example.org", FinalState.REJECTED, a), received=50, completed=50
        )

    write_messages(store, [nq(1, 10), nq(2, 11)])  # the same line twice in one second: two events
    write_messages(store, [nq(1, 10), nq(2, 11)])  # read again: nothing new
    assert state_of(store, "s@example.org") == ["rejected", "rejected"]


def test_trace_finds_by_every_key_and_follows_hops_and_dsns(store: Store) -> None:
    first = full_message()
    hop = message(
        "R9",
        delivery(
            "bob@example.org",
            FinalState.DELIVERED,
            attempt(700, "sent", "250 2.0.0 Ok: delivered", relay="mailbox.example.org"),
        ),
        host="mx.example.org",
        received=601,
        completed=701,
        message_id="<m1@sender.example>",
    )
    dsn = message(
        "D5E6F7",
        delivery(
            "news@sender.example",
            FinalState.DELIVERED,
            attempt(6, "sent", SENT.format(qid="Z1"), relay="in.sender.example"),
        ),
        received=5,
        completed=7,
        sender="",
        dsn_of="A1B2C3",
    )
    write_messages(store, [first, hop, dsn])
    for query, kind in [
        ("bob@example.org", "recipient"),
        ("<m1@sender.example>", "message-id"),
        ("m1@sender.example", "message-id"),
        ("A1B2C3", "queue-id"),
        ("NEWS@sender.example", "recipient+sender"),
    ]:
        hits = trace(store, query)
        assert hits.kind == kind, query
        assert hits.stories, query
    (story,) = trace(store, "eve@example.org").stories
    relations = {(lk.relation, lk.message.queue_id) for lk in story.messages}
    assert relations == {("match", "A1B2C3"), ("next-hop", "R9"), ("dsn", "D5E6F7")}
    (story,) = trace(store, "R9").stories
    assert ("previous-hop", "A1B2C3") in {(lk.relation, lk.message.queue_id) for lk in story.messages}
    assert trace(store, "nobody@nowhere.example").kind == "none"
    first_only = message(
        "S1",
        delivery("x@example.org", FinalState.DELIVERED, attempt(1, "sent", "250 ok")),
        sender="solo@sender.example",
    )
    write_messages(store, [first_only])
    assert trace(store, "solo@sender.example").kind == "sender"


def test_report_groups_and_suppressions(store: Store) -> None:
    bounced_then_ok = [
        message(
            "B1",
            delivery(
                "eve@example.org",
                FinalState.BOUNCED,
                attempt(5, "bounced", UNKNOWN_USER.format(rcpt="eve@example.org"), dsn="5.1.1"),
            ),
        ),
        message(
            "B2",
            delivery(
                "ann@example.org",
                FinalState.BOUNCED,
                attempt(6, "bounced", UNKNOWN_USER.format(rcpt="ann@example.org"), dsn="5.1.1"),
            ),
        ),
        message(
            "B3",
            delivery("ann@example.org", FinalState.DELIVERED, attempt(86400, "sent", SENT.format(qid="Q"))),
            received=86399,
        ),
        message("B4", delivery("tom@example.org", FinalState.DEFERRED, attempt(7, "deferred", DEFER))),
    ]
    write_messages(store, bounced_then_ok)
    states = {g.key: g.total for g in grouped_counts(store, "final_state")}
    assert states == {"bounced": 2, "delivered": 1, "deferred": 1}
    days = {g.key: g.counts for g in grouped_counts(store, "day")}
    assert days == {"2026-11-20": {"bounced": 2, "deferred": 1}, "2026-11-21": {"delivered": 1}}
    reasons = {g.key for g in grouped_counts(store, "reason")}
    assert "userunknown" in reasons
    sup = suppressions(store)
    assert [s.address for s in sup] == ["eve@example.org"]  # ann was delivered after her bounce
    assert sup[0].dsn == "5.1.1" and sup[0].bounces == 1


def test_open_store_errors_are_one_line_store_errors(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="unsupported database"):
        open_store("mysql://u@localhost/x")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError):
        open_store(f"sqlite:///{blocker}/sub/store.db")
    with pytest.raises(StoreError, match="cannot open"):
        open_store("postgresql://nobody@127.0.0.1:1/none")


def test_a_bare_path_is_a_sqlite_store(tmp_path: Path) -> None:
    with open_store(str(tmp_path / "x.db")) as s:
        assert s.dialect == "sqlite"
        write_messages(s, [full_message()])
    assert (tmp_path / "x.db").exists()


def test_database_failures_become_store_errors(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="not a database"):
        open_store(str(garbage))
    with open_store(str(tmp_path / "s.db")) as s:
        with s.begin() as conn:
            conn.execute(sa.text("DROP TABLE log_deliveries"))
        with pytest.raises(StoreError, match=r"database error: .*log_deliveries"):
            write_messages(s, [full_message()])


def _deferrable() -> set[str]:
    from inboxtrace.store.logs import deferrable_indexes

    return {str(ix.name) for ix in deferrable_indexes()}


def _index_names(store: Store, names: set[str] | None = None) -> set[str]:
    names = names or _deferrable()
    # the trace indexes, and those other modules add to the log tables (activity, alerts): all
    # but the one the writer matches with
    assert {"ix_log_deliveries_rcpt", "ix_log_messages_msgid", "ix_log_deliveries_last_time"} <= _deferrable()
    assert "ix_log_messages_qid" not in _deferrable()
    # built in the order writers lock the tables (else a deadlock between first ingests on
    # PostgreSQL: test_concurrent_create)
    from inboxtrace.store.logs import deferrable_indexes

    tables = [ix.table.name for ix in deferrable_indexes()]  # type: ignore[union-attr]
    assert tables == sorted(tables, key=lambda t: t != "log_messages")
    with store.connect() as conn:
        if store.dialect == "sqlite":
            rows = conn.execute(sa.text("SELECT name FROM sqlite_master WHERE type = 'index'"))
        else:
            rows = conn.execute(sa.text("SELECT indexname FROM pg_indexes"))
        return names & {r[0] for r in rows}


def test_bulk_load_defers_trace_indexes_and_always_rebuilds_them(store: Store, store_url: str) -> None:
    from inboxtrace.store.logs import deferred_indexes

    seen: list[tuple[bool, set[str]]] = []

    def interrupted_load() -> None:
        with deferred_indexes(store) as deferred:
            seen.append((deferred, _index_names(store)))
            # the writer's own index stays: it matches each batch with the stored messages
            assert _index_names(store, {"ix_log_messages_qid"}) == {"ix_log_messages_qid"}
            write_messages(store, [full_message()])
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted_load()
    assert seen == [(True, set())]
    assert _index_names(store) == _deferrable()
    with deferred_indexes(store) as deferred:  # not empty any more: indexes stay
        assert not deferred
        assert _index_names(store) == _deferrable()
    # a load killed before the rebuild is repaired when the store is next opened
    with store.begin() as conn:
        conn.execute(sa.text("DROP INDEX ix_log_deliveries_rcpt"))
    with open_store(store_url) as again:
        assert _index_names(again) == _deferrable()
    assert trace(store, "bob@example.org").stories


def _triggers(store: Store) -> set[str]:
    with store.connect() as conn:
        return {n for (n,) in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")}


def _subject_hits(store: Store, text: str) -> list[str]:
    from inboxtrace.store.subjects import logged_subject_matches

    with store.connect() as conn:
        return logged_subject_matches(conn, text, 10)


def test_bulk_load_takes_the_subject_triggers_off_and_indexes_the_subjects_at_its_end(tmp_path: Path) -> None:
    """On SQLite the subject search's triggers are off during a bulk load (each fired per row) and
    its index is rebuilt at the end: every subject written meanwhile is found; also when the
    load was interrupted, or killed (repaired when the store is next opened)."""
    from inboxtrace.store.logs import deferred_indexes

    url = f"sqlite:///{tmp_path / 's.db'}"
    titled = dataclasses.replace(full_message(), subject="Your <b>invoice</b> no. 7")
    with open_store(url) as store:
        everything = _triggers(store)
        assert len(everything) == 3
        seen: list[tuple[bool, set[str]]] = []

        def interrupted_load() -> None:
            with deferred_indexes(store) as deferred:
                seen.append((deferred, _triggers(store)))
                write_messages(store, [titled])
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            interrupted_load()
        assert seen == [(True, set())]
        assert _triggers(store) == everything
        assert len(_subject_hits(store, "INVOICE")) == 1
        # a later write is indexed by the triggers again
        other = dataclasses.replace(full_message(), queue_id="B2C3D4", subject="second invoice")
        write_messages(store, [other])
        assert len(_subject_hits(store, "invoice")) == 2
    # killed while they were off: the next open puts them back and indexes what was written
    url2 = f"sqlite:///{tmp_path / 'killed.db'}"
    with open_store(url2) as store:
        from inboxtrace.store.subjects import drop_subject_triggers

        with store.begin() as conn:
            drop_subject_triggers(conn)
        write_messages(store, [titled])
        assert _subject_hits(store, "invoice") == []
    with open_store(url2) as again:
        assert _triggers(again) == everything
        assert len(_subject_hits(again, "invoice")) == 1


def test_a_bulk_loads_closing_sorts_are_made_in_files_then_the_setting_is_restored(tmp_path: Path) -> None:
    """The whole-table sorts a first ingest ends with (building the deferred indexes, counting the
    rollup) keep their temporary data in files: in memory, the peak memory grew with the log.
    The store's connections keep ``temp_store=MEMORY`` before and after."""
    from inboxtrace.ingest import ingest
    from tests.conftest import SHARED

    seen: dict[str, set[int]] = {}

    # every engine: the rollup is counted on a connection of its own (store.rollup.Recount)
    def temp_store(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        text = statement.lstrip()
        for what in ("CREATE INDEX", "SELECT log_deliveries.day", "INSERT INTO log_messages"):
            if text.startswith(what) and (what != "SELECT log_deliveries.day" or "GROUP BY" in text):
                mode = cursor.connection.execute("PRAGMA temp_store").fetchone()[0]
                seen.setdefault(what, set()).add(mode)

    with open_store(str(tmp_path / "s.db")) as store:
        sa.event.listen(sa.engine.Engine, "before_cursor_execute", temp_store)
        try:
            ingest([str(SHARED / "corpus" / "logs" / "postfix-real-run" / "postfix.log")], store, jobs=1)
        finally:
            sa.event.remove(sa.engine.Engine, "before_cursor_execute", temp_store)
        # 1 = FILE for every index built and the rollup's count; 2 = MEMORY for the rest
        assert seen == {
            "CREATE INDEX": {1},
            "SELECT log_deliveries.day": {1},
            "INSERT INTO log_messages": {2},
        }
        with store.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA temp_store").scalar_one() == 2
        assert counts(store)[1] > 10


def test_rows_are_made_in_the_tables_column_order() -> None:
    """The row maker's lists go to the driver as they are: their order is the tables' order (a
    column added to a table without the row maker would shift every value after it)."""
    from inboxtrace.store.log_rows import DELIV_COLUMNS, MSG_COLUMNS, RowMaker

    assert tuple(c.name for c in log_messages.c) == MSG_COLUMNS
    assert tuple(c.name for c in log_deliveries.c) == DELIV_COLUMNS
    row, nq, drows = RowMaker()(full_message())
    assert nq is None
    assert len(row) == len(MSG_COLUMNS)
    assert [len(d) for d in drows] == [len(DELIV_COLUMNS)] * 2
    named = dict(zip(MSG_COLUMNS, row, strict=True))
    assert (named["queue_id"], named["message_id"], named["next_hops"]) == (
        "A1B2C3",
        "<m1@sender.example>",
        "R9",
    )
    deliveries = [dict(zip(DELIV_COLUMNS, d, strict=True)) for d in drows]
    assert [(d["recipient"], d["final_state"], d["dsn_queue_id"], d["n_attempts"]) for d in deliveries] == [
        ("bob@example.org", "delivered", None, 2),
        ("eve@example.org", "bounced", "D5E6F7", 1),
    ]


def test_a_new_sqlite_store_has_big_pages_and_an_old_one_keeps_its_own(tmp_path: Path) -> None:
    """A store made now uses PAGE_SIZE pages (fewer reads and writes for a bulk load); one made
    before with SQLite's default keeps its pages and takes a first ingest the same way."""
    import sqlite3

    from inboxtrace.ingest import ingest
    from inboxtrace.store.core import PAGE_SIZE
    from tests.conftest import generated_log

    log = generated_log(tmp_path / "mail.log", 20000)
    sizes = {}
    for name, preset in (("new", None), ("old", 4096)):
        path = tmp_path / f"{name}.db"
        if preset is not None:  # an existing file: SQLite's default page size, some content
            with sqlite3.connect(path) as raw:
                raw.execute(f"PRAGMA page_size={preset}")
                raw.execute("CREATE TABLE before_us (x)")
        with open_store(str(path)) as store:
            ingest([str(log)], store, jobs=2)
            assert counts(store)[1] > 10
            sizes[name] = (store_page_size(path), counts(store))
    assert sizes["new"][0] == PAGE_SIZE != 4096
    assert sizes["old"][0] == 4096
    assert sizes["new"][1] == sizes["old"][1]


def store_page_size(path: Path) -> int:
    import sqlite3

    with contextlib.closing(sqlite3.connect(path)) as raw:
        return int(raw.execute("PRAGMA page_size").fetchone()[0])


def test_the_wal_is_checkpointed_at_the_same_size_whatever_the_page_size(tmp_path: Path) -> None:
    import sqlite3

    from inboxtrace.store.core import WAL_CHECKPOINT_BYTES

    old = tmp_path / "old.db"
    with contextlib.closing(sqlite3.connect(old)) as raw:
        raw.execute("PRAGMA page_size=4096")
        raw.execute("CREATE TABLE before_us (x)")
        raw.commit()
    for path in (tmp_path / "new.db", old):
        with open_store(str(path)) as store, store.connect() as conn:
            page = conn.exec_driver_sql("PRAGMA page_size").scalar_one()
            pages = conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one()
            assert page * pages == WAL_CHECKPOINT_BYTES, path


def test_an_ingest_into_sqlite_does_not_load_the_postgresql_dialect(tmp_path: Path) -> None:
    """Each dialect's SQLAlchemy module is imported when a store of it first builds an INSERT:
    a command on a SQLite store does not pay for PostgreSQL's at start (nor at all)."""
    import subprocess
    import sys

    from tests.conftest import generated_log

    log = generated_log(tmp_path / "mail.log", 2000)
    code = (
        "import sys; from inboxtrace.store import open_store; from inboxtrace.ingest import ingest; "
        f"s = ingest([{str(log)!r}], open_store({str(tmp_path / 'x.db')!r})); "
        "print(s.new_messages, 'sqlalchemy.dialects.postgresql' in sys.modules, 'sqlalchemy.dialects.sqlite' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert int(out[0]) > 100
    assert out[1:] == ["False", "True"]


def test_the_store_s_window_of_never_queued_rejections_stays_small(store: Store, tmp_path: Path) -> None:
    """The writer numbers identical rejection lines again (their natural key) with the reader's
    window: it stays at the latest few thousand over a long log, and every event is stored once."""
    from inboxtrace.store.logs import LogWriter
    from inboxtrace.timeline import read_logs
    from inboxtrace.timeline.assembler import NOQUEUE_WINDOW

    lines = []
    for n in range(6000):
        ts = f"Mar 14 {n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}"
        line = (
            f"{ts} mx1 postfix/smtpd[{1000 + n % 7}]: NOQUEUE: reject: RCPT from unknown[203.0.113.45]:"
            f" 450 4.7.1 Client host rejected: cannot find your hostname, [203.0.113.45];"
            f" from=<a@example.com> to=<user{n}@example.org> proto=ESMTP helo=<unknown>\n"
        )
        lines.append(line * (2 if n % 100 == 0 else 1))
    log = tmp_path / "mail.log"
    log.write_text("".join(lines))
    for _ in range(2):  # read twice: the second read adds nothing
        with LogWriter(store) as w:
            w.add_many(read_logs([str(log)], jobs=1))
        assert 0 < len(w._match._nq_seen) <= NOQUEUE_WINDOW
    with store.engine.connect() as conn:
        stored = conn.execute(sa.select(sa.func.count()).select_from(log_messages)).scalar()
    assert stored == 6060
