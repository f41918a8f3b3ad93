"""A bulk ingest's scratch piece written with the stdlib sqlite3 (``store.piece_file``) holds exactly
what the store's own :class:`LogWriter` writes on such a file: the same tables and index (their SQL
rendered from the store's definitions), the same rows in the same order, the same counts, also when
the messages must be matched and merged with the rows already in the piece."""

from __future__ import annotations

import copy
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from inboxtrace.store import open_store
from inboxtrace.store.core import Store, metadata
from inboxtrace.store.log_chunks import piece_schema
from inboxtrace.store.logs import (
    LogWriter,
    PreparedMessage,
    RowMaker,
    deferrable_indexes,
    log_deliveries,
    log_messages,
)
from inboxtrace.store.piece_file import PieceFile, PieceFiles, PieceSchema
from inboxtrace.store.subjects import drop_subject_triggers
from inboxtrace.timeline.reader import LogReader
from tests.conftest import SHARED, generated_log

REAL = SHARED / "corpus" / "logs" / "postfix-real-run" / "postfix.log"
SAMPLE = SHARED / "corpus" / "logs" / "small" / "sample.log"


def _reference_piece(path: Path, batch_size: int, prepared: list[PreparedMessage]) -> tuple[int, ...]:
    """The piece as a worker wrote it before: a LogWriter (SQLAlchemy) on a file with the log
    tables made by ``create_all``, the deferred indexes and the subject triggers taken off."""
    engine = sa.create_engine(f"sqlite:///{path}")
    store = Store(engine, str(path))
    metadata.create_all(engine, tables=[log_messages, log_deliveries])
    with store.begin() as conn:
        for ix in deferrable_indexes():
            conn.execute(sa.schema.DropIndex(ix, if_exists=True))
        drop_subject_triggers(conn)
    writer = LogWriter(store, batch_size=batch_size)
    for item in prepared:
        writer.add_prepared(item)
    writer.close()
    store.close()
    c = writer.counts
    return c.messages, c.new_messages, c.deliveries, c.new_deliveries, c.attempts


def _contents(path: Path) -> dict[str, Any]:
    """Every row of both tables with its rowid and each value's type; the tables' and indexes' SQL."""
    with sqlite3.connect(path) as conn:
        rows = {
            t: [
                tuple((type(v).__name__, v) for v in r)
                for r in conn.execute(f"SELECT rowid, * FROM {t} ORDER BY rowid")
            ]
            for t in ("log_messages", "log_deliveries")
        }
        schema = conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master "
            "WHERE tbl_name IN ('log_messages', 'log_deliveries') ORDER BY type, name"
        ).fetchall()
    conn.close()
    return {"rows": rows, "schema": schema}


def _prepared(logs: list[Path]) -> list[PreparedMessage]:
    return list(LogReader([str(p) for p in logs], jobs=1, transform=RowMaker()))


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> PieceSchema:
    with open_store(f"sqlite:///{tmp_path_factory.mktemp('store') / 's.db'}") as store:
        return piece_schema(LogWriter(store))


@pytest.mark.parametrize("batch_size", [1, 7, 2000])
@pytest.mark.parametrize("corpus", ["real", "sample", "generated twice", "real and sample, twice"])
def test_a_piece_holds_what_the_log_writer_writes(
    tmp_path: Path, schema: PieceSchema, batch_size: int, corpus: str
) -> None:
    logs = {
        "real": [REAL],
        "sample": [SAMPLE],
        # the second pass meets every message in the piece: matched and merged, nothing new
        "generated twice": [generated_log(tmp_path / "g.log", 3000)] * 2,
        "real and sample, twice": [REAL, SAMPLE, REAL, SAMPLE],
    }[corpus]
    prepared = [item for log in logs for item in _prepared([log])]
    assert prepared
    reference = _reference_piece(tmp_path / "reference.db", batch_size, copy.deepcopy(prepared))

    piece = PieceFiles(str(tmp_path), batch_size, schema).open(3)
    assert isinstance(piece, PieceFile) and piece.path == str(tmp_path / "piece3.db")
    for item in prepared:
        piece.add(item)
    path, counts = piece.close()

    assert counts == reference
    if len(logs) > 1 and logs[0] == logs[1]:
        assert counts[1] < counts[0] * 0.6  # the second pass was matched to the first, mostly
    ours, theirs = _contents(Path(path)), _contents(tmp_path / "reference.db")
    assert ours["schema"] == theirs["schema"]
    assert [name for _, name, _, _ in ours["schema"]] == [
        "ix_log_messages_qid",
        "sqlite_autoindex_log_deliveries_1",
        "sqlite_autoindex_log_messages_1",
        "log_deliveries",
        "log_messages",
    ]
    assert ours["rows"] == theirs["rows"] and len(ours["rows"]["log_deliveries"]) > 0


def test_a_piece_is_a_scratch_file_and_its_files_travel_without_the_store(
    tmp_path: Path, schema: PieceSchema
) -> None:
    import pickle
    import subprocess
    import sys

    from inboxtrace.store.log_chunks import ChunkTables

    piece = PieceFiles(str(tmp_path), 100, schema).open(1)
    settings = {p: piece._conn.execute(f"PRAGMA {p}").fetchone()[0] for p in ("journal_mode", "synchronous")}
    assert settings == {"journal_mode": "off", "synchronous": 0}
    piece.close()

    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store:
        writer = LogWriter(store)
        with ChunkTables(writer) as sink:
            sent = pickle.dumps(sink)
    # unpickled where no store was opened: its pieces' side only, and SQLAlchemy never imported
    code = (
        "import pickle, sys\nfiles = pickle.loads(sys.stdin.buffer.read())\n"
        "print(type(files).__name__, files.batch_size, 'sqlalchemy' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], input=sent, capture_output=True, check=True, timeout=60
    )
    assert done.stdout.decode().split() == ["PieceFiles", str(sink.pieces.batch_size), "False"]
