"""A first ingest into an empty SQLite store, where the parallel workers write their own rows
(``store.log_chunks``), stores exactly the rows a one-process ingest stores: on the real Postfix
run's log, on a generated log with many messages cut by the piece boundary, and on a log made so
that the pieces collide (queue ids reused across the cut, identical rejections in the same second
on both sides of it)."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import pytest

from inboxtrace.ingest import IngestSummary, ingest
from inboxtrace.store import Store, open_store
from inboxtrace.store.log_chunks import ChunkTables
from inboxtrace.store.logs import write_messages
from inboxtrace.store.subjects import logged_subject_matches
from inboxtrace.timeline import read_logs
from tests.conftest import SHARED, generated_log

REAL = SHARED / "corpus" / "logs" / "postfix-real-run" / "postfix.log"


def _stored(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the two log tables, and the tables' indexes (name, SQL)."""
    with store.connect() as conn:
        rows = {
            t: [tuple(r) for r in conn.exec_driver_sql(f"SELECT * FROM {t} ORDER BY 1, 2")]
            for t in ("log_messages", "log_deliveries")
        }
        rows["indexes"] = sorted(
            conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name LIKE 'ix_log%'"
            )
        )
        # the subject search: its triggers back, its index sound (FTS5's integrity check) with an
        # entry for each subject (none for a row without one), and what a search finds
        rows["triggers"] = sorted(
            conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        )
        conn.exec_driver_sql("INSERT INTO log_subjects(log_subjects) VALUES ('integrity-check')")
        rows["indexed"] = [
            tuple(conn.exec_driver_sql("SELECT count(*) FROM log_subjects_docsize").one()),
            tuple(conn.exec_driver_sql("SELECT count(*) FROM log_messages WHERE subject IS NOT NULL").one()),
        ]
        rows["found"] = sorted(logged_subject_matches(conn, "invoice", 10_000))
    return rows


def _with_subjects(log: Path, every: int = 3) -> Path:
    """``log`` with a ``header_checks`` WARN line (the Subject) after every ``every``-th
    message-id line, one in an RFC 2047 word, one holding markup."""
    out = log.with_name("subjects-" + log.name)
    n = 0
    with log.open() as src, out.open("w") as dst:
        for line in src:
            dst.write(line)
            if "/cleanup[" in line and ": message-id=" in line:
                n += 1
                if n % every == 0:
                    head, _, _ = line.partition(": message-id=")
                    title = ("=?UTF-8?B?SW52b2ljZSBuw7M=?=", "<b>invoice</b> %d", "Order %d")[n % 3]
                    subject = title % n if "%d" in title else title
                    dst.write(
                        f"{head}: warning: header Subject: {subject} from app1.example.com[10.0.0.11]; "
                        "from=<news@shop.example.com> to=<bob@example.org> proto=ESMTP helo=<app1>\n"
                    )
    return out


def _ingest(
    log: Path | list[Path], db: Path, jobs: int
) -> tuple[dict[str, list[tuple[Any, ...]]], IngestSummary]:
    logs = log if isinstance(log, list) else [log]
    with open_store(f"sqlite:///{db}") as store:
        summary = ingest([str(p) for p in logs], store, jobs=jobs)
        return _stored(store), summary


def _one_message_at_a_time(log: Path, db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """The plainest way to the store: the model objects, each message keyed, matched and written
    in a transaction of its own, with every index in place all along (no bulk path, no deferred
    indexes, rows not made by the readers' workers)."""
    with open_store(f"sqlite:///{db}") as store:
        write_messages(store, read_logs([str(log)], jobs=1), batch_size=1)
        return _stored(store)


def _counts(s: IngestSummary) -> dict[str, Any]:
    d = s.to_dict()
    for volatile in ("duration", "lines_per_second", "store"):
        d.pop(volatile)
    return d


def _same_both_ways(
    log: Path | list[Path], tmp_path: Path, pieces: list[int], n_pieces: int = 2
) -> dict[str, list[tuple[Any, ...]]]:
    serial, s1 = _ingest(log, tmp_path / "serial.db", jobs=1)
    assert pieces == []  # one process: no pieces
    parallel, s2 = _ingest(log, tmp_path / "parallel.db", jobs=2)
    assert pieces == list(range(1, n_pieces + 1)), "the bulk path was not taken (or not piece by piece)"
    assert parallel["log_messages"] == serial["log_messages"]
    assert parallel["log_deliveries"] == serial["log_deliveries"]
    assert parallel["indexes"] == serial["indexes"]
    assert _counts(s2) == _counts(s1)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".inboxtrace-ingest.")]
    return serial


@pytest.mark.parametrize("corpus", ["real", "small/sample", "generated", "subjects"])
def test_bulk_and_batched_stores_equal_one_message_at_a_time(
    tmp_path: Path, pieces: list[int], corpus: str
) -> None:
    """The same rows, byte for byte, and the same indexes, whichever way they were written: one
    message per transaction (model objects), batches in one process, or the bulk load's pieces."""
    if corpus == "generated":
        log = generated_log(tmp_path / "gen.log", 20000, "--rfc3339", "--long-ids")
    elif corpus == "subjects":
        log = _with_subjects(generated_log(tmp_path / "gen.log", 20000))
    else:
        log = REAL if corpus == "real" else SHARED / "corpus" / "logs" / f"{corpus}.log"
    single = _one_message_at_a_time(log, tmp_path / "single.db")
    assert pieces == []
    both = _same_both_ways(log, tmp_path, pieces)
    assert both == single
    assert len(single["log_deliveries"]) >= 2
    assert len(single["indexes"]) == 10  # deferred in the bulk load, built at its end: the same
    assert len(single["triggers"]) == 3
    assert single["indexed"][0] == single["indexed"][1]
    if corpus == "subjects":
        assert len(single["found"]) > 500  # taken off in the bulk load, the subjects indexed at its end


def test_real_postfix_log(tmp_path: Path, pieces: list[int]) -> None:
    rows = _same_both_ways(REAL, tmp_path, pieces)
    assert len(rows["log_deliveries"]) > 10


def test_generated_log_with_messages_across_the_cut(tmp_path: Path, pieces: list[int]) -> None:
    log = generated_log(tmp_path / "gen.log", 20000, "--rfc3339", "--long-ids")
    rows = _same_both_ways(log, tmp_path, pieces)
    assert len(rows["log_messages"]) > 2000


def test_rotated_set_with_a_compressed_file(tmp_path: Path, pieces: list[int]) -> None:
    """``mail.log.2.gz mail.log.1 mail.log``: the compressed file is one piece, each plain file
    two; messages continue from file to file."""
    gen = generated_log(tmp_path / "gen.log", 15000)
    lines = gen.read_text().splitlines(keepends=True)
    third = len(lines) // 3
    rotated = [tmp_path / "mail.log.2.gz", tmp_path / "mail.log.1", tmp_path / "mail.log"]
    with gzip.open(rotated[0], "wt") as z:
        z.writelines(lines[:third])
    rotated[1].write_text("".join(lines[third : 2 * third]))
    rotated[2].write_text("".join(lines[2 * third :]))
    rows = _same_both_ways(rotated[::-1], tmp_path, pieces, n_pieces=5)
    assert len(rows["log_messages"]) > 1500


def test_pieces_that_collide(tmp_path: Path, pieces: list[int]) -> None:
    """The real run's log a day earlier, then the same log: every queue id of the second piece is
    already stored by the first (distinct messages, new keys); between them identical rejections
    in one second, cut in the middle (their repeat numbers must continue across the cut)."""
    text = REAL.read_text()
    earlier = text.replace("Nov 25 ", "Nov 24 ")
    reject = next(line for line in text.splitlines() if "NOQUEUE: reject" in line)
    burst = "".join(
        reject.replace("Nov 25 ", "Nov 24 ").replace("16:24:13", "23:59:59") + "\n" for _ in range(40)
    )
    log = tmp_path / "collide.log"
    log.write_text(earlier + burst + text)
    half = log.stat().st_size / 2  # where the two pieces are cut (at the next line)
    assert len(earlier) + len(reject) < half < len(earlier) + len(burst) - len(reject)
    rows = _same_both_ways(log, tmp_path, pieces)
    keys = [r[0] for r in rows["log_messages"]]
    assert len(keys) == len(set(keys))
    per_second: dict[float, int] = {}
    per_qid: dict[str, int] = {}
    for r in rows["log_messages"]:
        if "|NOQUEUE|" in r[0]:
            per_second[r[6]] = per_second.get(r[6], 0) + 1
        else:
            per_qid[r[3]] = per_qid.get(r[3], 0) + 1
    assert max(per_second.values()) == 40  # the burst: 40 rejections, none lost, none doubled
    assert min(per_qid.values()) == 2  # every queue id: once a day, two messages


def test_interrupted_bulk_ingest_completes_on_the_next_run(
    tmp_path: Path, pieces: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stopped after the first piece was copied in: the next run (a store no longer empty, so the
    one-writer path) completes it, nothing lost, nothing twice, and no scratch files left."""
    log = generated_log(tmp_path / "gen.log", 20000)
    serial, s1 = _ingest(log, tmp_path / "serial.db", jobs=1)
    original = ChunkTables.merge

    def merge_then_stop(self: ChunkTables, results: list[Any]) -> None:
        original(self, results)
        raise KeyboardInterrupt

    monkeypatch.setattr(ChunkTables, "merge", merge_then_stop)
    db = tmp_path / "resumed.db"
    with pytest.raises(KeyboardInterrupt), open_store(f"sqlite:///{db}") as store:
        ingest([str(log)], store, jobs=2)
    with open_store(f"sqlite:///{db}") as store, store.connect() as conn:
        stored = conn.exec_driver_sql("SELECT count(*) FROM log_messages").scalar_one()
    assert 0 < stored < len(serial["log_messages"])
    monkeypatch.setattr(ChunkTables, "merge", original)
    resumed, s2 = _ingest(log, db, jobs=2)
    assert resumed["log_messages"] == serial["log_messages"]
    assert resumed["log_deliveries"] == serial["log_deliveries"]
    assert resumed["indexes"] == serial["indexes"]
    assert s2.lines == s1.lines
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".inboxtrace-ingest.")]
