"""COPY bulk loads into PostgreSQL (issue 15): :meth:`Store.bulk` streams big batches into a staging
table and moves them in with one ``INSERT ... SELECT ... ON CONFLICT``; every table it writes ends
exactly as the row-by-row ``executemany`` path leaves it (the real PostgreSQL rig, real logs)."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from inboxtrace.ingest import ingest
from inboxtrace.store import Store, open_store
from inboxtrace.store.logs import log_deliveries, log_messages
from inboxtrace.store.pg_copy import COPY_MIN_ROWS, CopyPlan
from tests.conftest import generated_log
from tests.rigs.postgres import PostgresRig

pytestmark = pytest.mark.postgres

_extra = sa.MetaData()
kv = sa.Table(
    "copy_kv",
    _extra,
    sa.Column("k", sa.String(64), primary_key=True),
    sa.Column("n", sa.BigInteger),
    sa.Column("x", sa.Float),
    sa.Column("flag", sa.Boolean),
    sa.Column("text", sa.Text),
    sa.Column("other", sa.Text),
)


def dump(store: Store, tables: list[sa.Table]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of ``tables``, every column, in key order."""
    out = {}
    with store.connect() as conn:
        for t in tables:
            out[t.name] = [tuple(r) for r in conn.execute(sa.select(t).order_by(*t.primary_key.columns))]
    return out


def _store(pg: PostgresRig, name: str, copy: bool) -> Store:
    store = open_store(pg.create_database(name))
    store.copy = copy
    return store


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """One generated log cut in three overlapping parts: the second and third ingests merge into
    rows the earlier ones wrote (DO UPDATE), and re-read lines already stored."""
    base = tmp_path_factory.mktemp("copy")
    lines = generated_log(base / "all.log", 12_000, "--seed", "5").read_text().splitlines(keepends=True)
    a, b = len(lines) // 3, 2 * len(lines) // 3
    parts = [lines[:b], lines[a - 500 : b + 300], lines[b - 200 :]]
    out = []
    for i, part in enumerate(parts):
        out.append(base / f"part{i}.log")
        out[-1].write_text("".join(part))
    return out


def test_ingests_through_copy_leave_the_rows_of_row_by_row_inserts(
    postgres: PostgresRig, logs: list[Path]
) -> None:
    tables = [log_messages, log_deliveries]
    dumps, summaries = [], []
    for copy in (False, True):
        with _store(postgres, f"copy_ingest_{int(copy)}", copy) as store:
            counts = []
            for path in logs:  # separate ingests: later ones update rows of earlier ones
                s = ingest([str(path)], store, batch_size=700, resume=False)
                counts.append((s.messages, s.new_messages, s.deliveries, s.new_deliveries, s.new_attempts))
            dumps.append(dump(store, tables))
            summaries.append(counts)
    assert len(dumps[0]["log_messages"]) > 1000 and len(dumps[0]["log_deliveries"]) > 1000
    assert dumps[1] == dumps[0]
    assert summaries[1] == summaries[0]


# Values the text COPY format must carry exactly: its own delimiters and escapes, NULL versus the
# empty string and the text "\N", non-ASCII, extreme numbers.
NASTY = ["", "\\N", "tab\there", "new\nline", "cr\rlf", "back\\slash", "quote'\"", "é ü 漢字 🙂", "NULL", " "]


def _rows(n: int) -> list[dict[str, Any]]:
    floats = [0.1, -0.0, 1e-300, 1.7976931348623157e308, math.pi, 1773463192.123, math.inf, -math.inf]
    return [
        {
            "k": f"k{i % (n // 2)}",  # every key twice: conflicts inside one batch
            "n": [0, -1, 2**62, None][i % 4],
            "x": floats[i % len(floats)] if i % 9 else None,
            "flag": [True, False, None][i % 3],
            "text": NASTY[i % len(NASTY)] if i % 11 else None,
            "other": f"row {i}",
        }
        for i in range(n)
    ]


def _statements(store: Store) -> dict[str, Any]:
    ins = store.insert(kv)
    return {
        "plain": store.insert(kv),
        "nothing": ins.on_conflict_do_nothing(index_elements=["k"]),
        "nothing-any": ins.on_conflict_do_nothing(),
        "update": ins.on_conflict_do_update(index_elements=["k"], set_={"text": ins.excluded.text}),
        "update-all": ins.on_conflict_do_update(
            index_elements=["k"], set_={c.name: ins.excluded[c.name] for c in kv.c if c.name != "k"}
        ),
        "update-where": ins.on_conflict_do_update(
            index_elements=["k"],
            set_={"other": ins.excluded.other, "n": ins.excluded.n},
            where=ins.excluded.flag.is_(True),
        ),
    }


@pytest.mark.parametrize("name", ["plain", "nothing", "nothing-any", "update", "update-all", "update-where"])
def test_bulk_statements_give_the_same_rows_and_counts(postgres: PostgresRig, name: str) -> None:
    results = []
    for copy in (False, True):
        with _store(postgres, f"copy_{name.replace('-', '_')}_{int(copy)}", copy) as store:
            _extra.create_all(store.engine)
            stmt = _statements(store)[name]
            rows = _rows(400)
            if name == "plain":  # no conflict clause: unique keys only
                rows = [r for i, r in enumerate(rows) if i < 200]
            counts = []
            with store.begin() as conn:
                counts.append(store.bulk(conn, stmt, rows))
                # twice in one transaction: the staging table is reused, and emptied between
                if name != "plain":
                    counts.append(store.bulk(conn, stmt, list(reversed(rows))))
            results.append((dump(store, [kv]), counts))
    assert results[0][1][0] > 0
    assert results[1] == results[0]


def test_big_batches_use_copy_and_small_ones_do_not(postgres: PostgresRig) -> None:
    """Small batches go row by row through SQLAlchemy; big ones bypass it into a staging table
    that lives only in the transaction."""
    with _store(postgres, "copy_route", True) as store:
        _extra.create_all(store.engine)
        stmt = _statements(store)["nothing"]
        seen: list[str] = []

        def spy(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            seen.append(statement.split(maxsplit=1)[0])

        sa.event.listen(store.engine, "before_cursor_execute", spy)
        with store.begin() as conn:
            store.bulk(conn, stmt, _rows(COPY_MIN_ROWS - 2))  # executemany, through SQLAlchemy
        assert seen == ["INSERT"]
        with store.begin() as conn:
            store.bulk(conn, stmt, _rows(COPY_MIN_ROWS * 4))  # straight on the driver: COPY
            assert seen == ["INSERT"]
            # the staging table is temporary and dropped at commit
            staging = conn.exec_driver_sql(
                "SELECT count(*) FROM pg_class WHERE relname LIKE 'inboxtrace_copy_%%'"
            )
            assert staging.scalar() == 1
        with store.connect() as conn:
            left = conn.exec_driver_sql(
                "SELECT count(*) FROM pg_class WHERE relname LIKE 'inboxtrace_copy_%%'"
            )
            assert left.scalar() == 0
            assert conn.execute(sa.select(sa.func.count()).select_from(kv)).scalar() == COPY_MIN_ROWS * 2


def test_insert_ignore_goes_through_copy_for_plain_rows(postgres: PostgresRig) -> None:
    results = []
    for copy in (False, True):
        with _store(postgres, f"copy_ignore_{int(copy)}", copy) as store:
            _extra.create_all(store.engine)
            with store.begin() as conn:
                store.insert_ignore(conn, kv, _rows(300), index_elements=["k"])
            results.append(dump(store, [kv]))
    assert results[1] == results[0]
    assert len(results[0]["copy_kv"]) == 150


def test_statements_it_cannot_stage_are_left_to_executemany() -> None:
    keys = ["k", "v"]
    plain = "INSERT INTO t (k, v) VALUES (%(k)s::VARCHAR, %(v)s)"
    assert CopyPlan.of(plain, keys) is not None
    upd = plain + " ON CONFLICT (k) DO UPDATE SET v = excluded.v"
    plan = CopyPlan.of(upd, keys)
    assert plan is not None and plan.conflict == [0]
    assert plan.rounds([("a", 1), ("b", 2), ("a", 3), ("a", 4)]) == [
        [("a", 1), ("b", 2)],
        [("a", 3)],
        [("a", 4)],
    ]
    refused: list[Callable[[], Any]] = [
        lambda: CopyPlan.of(plain, ["k"]),  # rows without a column the statement inserts
        lambda: CopyPlan.of(plain + " ON CONFLICT (k) DO UPDATE SET v = %(v_1)s", keys),
        lambda: CopyPlan.of(plain + " ON CONFLICT ON CONSTRAINT t_pkey DO UPDATE SET v = excluded.v", keys),
        lambda: CopyPlan.of("UPDATE t SET v = 1", keys),
    ]
    assert [f() for f in refused] == [None, None, None, None]


def test_bounces_stored_through_copy_equal_row_by_row(
    postgres: PostgresRig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch of bounce reports (insert_ignore of message and recipient rows, through COPY: the
    staging tables are seen) gives the same tables either way."""
    from inboxtrace.bounces import parse_bounce
    from inboxtrace.store.bounces import bounce_messages, bounce_recipients, ingest_bounces
    from tests.bounces.samples import dsn

    reports = [parse_bounce(dsn(f"user{i}@example.org"), f"b{i}.eml") for i in range(COPY_MIN_ROWS * 2)]
    staged: list[str] = []
    original = CopyPlan.run

    def spy(plan: CopyPlan, conn: Any, params: Any) -> int:
        staged.append(plan.insert.split()[2])
        return original(plan, conn, params)

    monkeypatch.setattr(CopyPlan, "run", spy)
    results = []
    for copy in (False, True):
        with _store(postgres, f"copy_bounces_{int(copy)}", copy) as store:
            staged.clear()
            done = ingest_bounces(store, reports + reports[:10])
            assert staged == (["bounce_messages", "bounce_recipients"] if copy else [])
            with store.connect() as conn:  # all but when it was stored
                tables = {
                    t.name: sorted(
                        tuple(r) for r in conn.execute(sa.select(*[c for c in t.c if c.name != "ingested"]))
                    )
                    for t in (bounce_messages, bounce_recipients)
                }
            results.append(((done.stored, done.recipients, done.duplicates), tables))
    assert results[0][0][0] == COPY_MIN_ROWS * 2
    assert results[1] == results[0]
