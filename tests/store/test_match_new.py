"""A batch none of whose messages the store has is keyed and written without the general matching
(``BatchMatcher._match_new``): the rows, the counts and the rollup's deltas are exactly those of
the general matching, batch by batch, and a batch that is not of that kind (a queue id met twice
in it or already stored, a never-queued key already stored) still takes the general way."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from inboxtrace.store import Store, open_store
from inboxtrace.store.log_match import BatchMatcher
from inboxtrace.store.logs import LogWriter, RowMaker, WriteCounts
from inboxtrace.store.rollup import record_batch, refresh
from inboxtrace.timeline.reader import LogReader
from tests.conftest import SHARED, generated_log

REAL = SHARED / "corpus" / "logs" / "postfix-real-run" / "postfix.log"
TABLES = ("log_messages", "log_deliveries", "delivery_rollup", "message_rollup")


def _dump(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    with store.connect() as conn:
        return {
            t: [tuple(r) for r in conn.exec_driver_sql(f"SELECT * FROM {t} ORDER BY 1, 2, 3")] for t in TABLES
        }


def _write(
    logs: list[Path], db: Path, batch_size: int, passes: int, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[str, Any], WriteCounts, int]:
    """The logs' rows written ``passes`` times, by a writer each time that counts the rollup;
    (tables, counts, batches that took the new-rows way)."""
    taken = 0
    original = BatchMatcher._match_new

    def counted(self: BatchMatcher, *args: Any) -> Any:
        nonlocal taken
        out = original(self, *args)
        taken += out is not None
        return out

    monkeypatch.setattr(BatchMatcher, "_match_new", counted)
    counts = WriteCounts()
    with open_store(f"sqlite:///{db}") as store:
        for _ in range(passes):  # (each pass a writer of its own, as each ingest has)
            writer = LogWriter(store, batch_size=batch_size)
            writer.on_write = record_batch
            for prepared in LogReader([str(p) for p in logs], jobs=1, transform=RowMaker()):
                writer.add_prepared(prepared)
            writer.close()
            counts.messages += writer.counts.messages
            counts.new_messages += writer.counts.new_messages
            counts.deliveries += writer.counts.deliveries
            counts.new_deliveries += writer.counts.new_deliveries
            counts.attempts += writer.counts.attempts
        refresh(store)
        return _dump(store), counts, taken


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    tmp = tmp_path_factory.mktemp("logs")
    gen = generated_log(tmp / "gen.log", 12_000, "--rfc3339", "--long-ids")
    # the same lines read again as the next file of a rotation: every queue id met twice
    again = tmp / "gen-again.log"
    shutil.copy(gen, again)
    return {"real": [REAL], "generated": [gen], "overlap": [gen, again]}


@pytest.mark.parametrize("name", ["real", "generated", "overlap"])
@pytest.mark.parametrize("batch_size", [1, 50, 2000, 1_000_000])
def test_new_rows_way_gives_what_the_general_matching_gives(
    logs: dict[str, list[Path]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, batch_size: int
) -> None:
    passes = 2  # the second pass re-reads what is stored: every batch takes the general way
    fast, fast_counts, taken = _write(logs[name], tmp_path / "fast.db", batch_size, passes, monkeypatch)
    monkeypatch.setattr(BatchMatcher, "_match_new", lambda self, *args: None)  # the general way only
    slow, slow_counts, none = _write(logs[name], tmp_path / "slow.db", batch_size, passes, monkeypatch)
    assert none == 0
    assert fast == slow
    assert fast_counts == slow_counts
    assert len(fast["log_messages"]) > 10
    assert 0 < sum(r[-1] for r in fast["message_rollup"]) <= len(fast["log_messages"])
    batches = -(-fast_counts.messages // passes // batch_size)  # of one pass
    if name == "overlap" and batch_size >= 2000:
        assert taken == 0  # batches holding the end of one file and the start of its copy
    else:
        assert 0 < taken <= batches  # the first pass's new batches, none of the second's
    if name == "generated" and batch_size in (50, 2000):
        assert taken >= batches - 2  # a generated log reuses no queue id


def test_the_counts_of_a_new_batch_read_by_position_equal_those_of_its_rows_as_mappings(
    logs: dict[str, list[Path]],
) -> None:
    """What the rollup counts of a batch of new messages from its rows as lists (the new-rows way
    hands them over as written) equals the general counting of the same rows as mappings, batch
    by batch, on logs with never-queued rejections and null-sender notices."""
    from inboxtrace.store.log_match import BatchChanges
    from inboxtrace.store.log_rows import DELIV_COLUMNS, M_KEY, M_QID, M_SENDER
    from inboxtrace.store.rollup import _changed_counts, _new_counts

    seen = {"noqueue": 0, "notice": 0, "batches": 0}
    for name in ("real", "generated"):
        matcher = BatchMatcher(RowMaker().provider_of)
        matcher.track = True
        prepared = list(LogReader([str(p) for p in logs[name]], jobs=1, transform=RowMaker()))
        for i in range(0, len(prepared), 300):
            msg_rows, deliv_rows, _ = matcher.match(
                prepared[i : i + 300], {}, lambda keys: set(), lambda keys: {}
            )
            assert matcher.changes.new is not None
            as_maps = BatchChanges(
                {},
                [dict(zip(DELIV_COLUMNS, d, strict=True)) for d in deliv_rows],
                {m[M_KEY]: (None, m[M_SENDER], m[M_QID]) for m in msg_rows},
            )
            assert _new_counts(msg_rows, deliv_rows) == _changed_counts(as_maps)
            seen["batches"] += 1
            seen["noqueue"] += sum(m[M_QID].upper().startswith("NOQUEUE") for m in msg_rows)
            seen["notice"] += sum(m[M_SENDER] == "" for m in msg_rows)
    assert all(seen.values()), seen


def test_one_attempt_logged_twice_in_a_file_keeps_the_earlier_line_whichever_read_comes_first(
    tmp_path: Path,
) -> None:
    """A file that repeats its own lines gives the same delivery twice; a parallel read hands the
    two over in whichever order its pieces make them. The merge keeps the earlier line's evidence
    either way, so the stored row does not depend on the order (it did: the first one met won)."""
    from inboxtrace.store.log_match import _LINE_NO, _merge_delivery
    from inboxtrace.store.log_rows import D_ATTEMPTS

    block = [
        "Mar 14 00:00:01 mx postfix/qmgr[3]: 4ABCDE: from=<s@example.org>, size=10, nrcpt=1 (queue active)",
        "Mar 14 00:00:02 mx postfix/smtp[4]: 4ABCDE: to=<r@example.net>, relay=mx.example.net[192.0.2.9]:25,"
        " delay=1, delays=0.1/0/0.4/0.5, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as X1)",
        "Mar 14 00:00:02 mx postfix/qmgr[3]: 4ABCDE: removed",
    ]
    log = tmp_path / "twice.log"
    log.write_text("\n".join([*block, *block]) + "\n")
    prepared = list(LogReader([str(log)], jobs=1, transform=RowMaker()))
    (first,), (second,) = (p[2] for p in prepared)  # one delivery row each
    assert first[D_ATTEMPTS] != second[D_ATTEMPTS]  # the same attempt, at lines 2 and 5
    one, other = _merge_delivery(list(first), list(second)), _merge_delivery(list(second), list(first))
    assert one == other
    (attempt,) = json.loads(one[D_ATTEMPTS])
    assert attempt[_LINE_NO] == 2
