"""An ingest into a SQLite store that already holds logs (the daily case): when it is expected to add
a large share of the stored messages (``store.logs.DEFER_SHARE``), the trace indexes and the subject
triggers are off while it writes and rebuilt after; the store then holds exactly what one ingest of
both logs stores, and what the same second ingest with the indexes kept stores: rows, indexes,
subject search and the overview's rollup."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from inboxtrace.ingest import Progress, ingest
from inboxtrace.store import Store, logs, open_store
from tests.conftest import generated_log
from tests.store.test_bulk_ingest import _stored, _with_subjects

ROLLUPS = ("delivery_rollup", "message_rollup")


def _everything(store: Store) -> dict[str, Any]:
    out: dict[str, Any] = _stored(store)
    with store.connect() as conn:
        for t in ROLLUPS:
            out[t] = sorted(tuple(r) for r in conn.exec_driver_sql(f"SELECT * FROM {t}"))
    return out


def _trace_indexes(store: Store) -> set[str]:
    with store.connect() as conn:
        return {
            n
            for (n,) in conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'ix_log%'"
            )
        }


def _every() -> set[str]:
    """The names of all trace indexes (after a store was opened: other modules add some)."""
    return {str(ix.name) for ix in logs.deferrable_indexes()} | set(logs.WRITER_INDEXES)


def _load(db: Path, *rounds: list[Path]) -> tuple[dict[str, Any], list[set[str]]]:
    """Each round's logs ingested in turn into a new store at ``db``; (what it then holds, the
    trace indexes present at each progress report of the last round: the last one is made after
    the ingest's end)."""
    seen: list[set[str]] = []
    with open_store(f"sqlite:///{db}") as store:
        for n, paths in enumerate(rounds, 1):

            def look(_: Progress, last: bool = n == len(rounds)) -> None:
                if last:
                    seen.append(_trace_indexes(store))

            ingest([str(p) for p in paths], store, jobs=1, progress=look, progress_interval=0)
        return _everything(store), seen


@pytest.fixture(scope="module")
def two_logs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("daily")
    first = _with_subjects(generated_log(d / "first.log", 10000))
    second = _with_subjects(generated_log(d / "second.log", 10000, "--rfc3339", "--long-ids"))
    return first, second


def test_a_large_second_ingest_defers_the_indexes_and_stores_what_one_ingest_of_both_does(
    two_logs: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = two_logs
    together, _ = _load(tmp_path / "together.db", [first, second])
    every = _every()
    daily, seen = _load(tmp_path / "daily.db", [first], [second])
    # the second log is as big as the first: its rows were written without the trace indexes
    assert len(seen) > 2 and all(s == set(logs.WRITER_INDEXES) for s in seen[:-1])
    assert seen[-1] == every  # rebuilt
    monkeypatch.setattr(logs, "DEFER_SHARE", float("inf"))  # today's way: indexes kept
    kept, seen_kept = _load(tmp_path / "kept.db", [first], [second])
    assert len(seen_kept) > 2 and all(s == every for s in seen_kept)
    assert daily["log_messages"] and daily["found"]
    assert {n for n, _ in daily["indexes"]} == every
    assert daily == together
    assert daily == kept


def test_a_small_ingest_into_a_big_store_keeps_the_indexes(
    two_logs: tuple[Path, Path], tmp_path: Path
) -> None:
    small = generated_log(tmp_path / "small.log", 1900, "--rfc3339", "--long-ids")
    stored, seen = _load(tmp_path / "s.db", list(two_logs), [small])
    every = _every()
    held = len(stored["log_messages"])
    added = sum(1 for _ in _load(tmp_path / "alone.db", [small])[0]["log_messages"])
    # what the store held before, against what the small log adds, and the estimate from its size
    assert small.stat().st_size // logs.MESSAGE_BYTES < logs.DEFER_SHARE * (held - added)
    assert added > 256  # (progress is reported every 256 messages)
    assert len(seen) > 1 and all(s == every for s in seen)
    assert {n for n, _ in stored["indexes"]} == every


def test_into_a_store_holding_logs_fewer_bigger_transactions_with_more_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each transaction rewrites every index page it touches: into a SQLite store that already holds
    logs, an ingest writes ``GROWING_BATCH`` messages per transaction with a bigger page cache
    (given back after); a first ingest keeps ``BATCH``, and an explicit batch size is kept."""
    import inboxtrace.ingest as ingest_module
    from inboxtrace.store.core import CACHE_KIB
    from inboxtrace.store.logs import LogWriter

    monkeypatch.setattr(ingest_module, "GROWING_BATCH", 300)  # (a small log: several batches of each size)
    seen: list[tuple[int, int]] = []  # (batch size, cache size) of each transaction
    original = LogWriter.write_batch

    def write_batch(self: LogWriter, batch: Any, last: bool = True) -> None:
        with self.store.connect() as conn:
            cache = int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())
        seen.append((self.batch_size, cache))
        original(self, batch, last)

    monkeypatch.setattr(LogWriter, "write_batch", write_batch)
    first = generated_log(tmp_path / "first.log", 3000)
    second = generated_log(tmp_path / "second.log", 3000, "--rfc3339", "--long-ids")
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store:
        ingest([str(first)], store, jobs=1)
        assert seen and {size for size, _ in seen} == {ingest_module.BATCH}
        seen.clear()
        ingest([str(second)], store, jobs=1)
        assert seen and set(seen) == {(300, -ingest_module.GROWING_CACHE_KIB)}
        seen.clear()
        ingest([str(second)], store, jobs=1, batch_size=50, resume=False)
        assert seen and {size for size, _ in seen} == {50}
        with store.connect() as conn:  # (back to the store's own size)
            assert int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one()) == -CACHE_KIB
