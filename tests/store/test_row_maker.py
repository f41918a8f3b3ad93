"""The store's rows made straight from the parser's compact records (what the parallel workers
do) equal the rows made from the model objects, on every real log of the shared corpus."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path
from typing import Any

import pytest

from inboxtrace.errors import InputError
from inboxtrace.logs import LogStats
from inboxtrace.logs.clock import Clock
from inboxtrace.sources import iter_blocks
from inboxtrace.store.logs import RowMaker
from inboxtrace.timeline import read_logs, reader
from inboxtrace.timeline.records import Builder
from tests.conftest import SHARED, generated_log

LOGS = sorted(
    [
        *(p for p in (SHARED / "corpus" / "logs" / "fail2ban").glob("*.log") if "qmail" not in p.name),
        *(SHARED / "corpus" / "logs" / "small").glob("*.log"),
        SHARED / "corpus" / "logs" / "postfix-real-run" / "postfix.log",
    ]
)


def _records(path: Path) -> tuple[list[Any], list[Any], Builder]:
    """The compact records of ``path`` as a worker makes them, with its verdict table."""
    opts = reader._Options(None, None, "localhost", UTC, None)
    scanner, asm = reader._make(opts, False, LogStats())
    asm.source = str(path)
    asm.clock = Clock(reader._reference_date(str(path), UTC).date(), UTC)
    builder = Builder(UTC)
    builder.set_reference(str(path), asm.clock.reference)
    with path.open("rb") as f:
        for block in iter_blocks(f):
            scanner.scan(block)
    asm.flush()
    return asm.out, asm.verdicts, builder


@pytest.mark.parametrize("path", LOGS, ids=lambda p: p.name)
def test_rows_from_records_equal_rows_from_messages(path: Path) -> None:
    records, verdicts, builder = _records(path)
    assert records, f"{path.name}: no messages"
    maker = RowMaker()
    for rec in records:
        assert maker.from_record(rec, verdicts, builder) == maker(builder.build(rec, verdicts))


def test_parallel_rows_equal_serial_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the reader: rows made in two workers (pieces cut by the chunk boundary merged in
    the parent) equal the rows of the one-process read."""
    log = generated_log(tmp_path / "gen.log", 20000)
    monkeypatch.setattr(reader, "PARALLEL_MIN_BYTES", 0)
    maker = RowMaker()
    serial = [maker(m) for m in read_logs([log], jobs=1)]
    parallel = list(read_logs([log], jobs=2, transform=RowMaker()))
    assert len(parallel) == len(serial) > 1000

    def key(p: Any) -> str:
        return repr(p)

    assert sorted(map(key, parallel)) == sorted(map(key, serial))


class _Tag(str):
    """A str subclass: marshal cannot carry it, the workers fall back to pickle."""


def test_parallel_transform_results_marshal_cannot_carry(monkeypatch: pytest.MonkeyPatch) -> None:
    log = SHARED / "corpus" / "logs" / "postfix-real-run" / "postfix.log"
    monkeypatch.setattr(reader, "PARALLEL_MIN_BYTES", 0)

    def tag(m: Any) -> tuple[_Tag, int]:
        return _Tag(m.queue_id), len(m.deliveries)

    serial = sorted(tag(m) for m in read_logs([log], jobs=1))
    parallel = list(read_logs([log], jobs=2, transform=tag))
    assert all(type(t) is _Tag for t, _ in parallel)
    assert sorted(parallel) == serial
    assert len(serial) > 5


def test_failing_transform_in_a_worker_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    log = SHARED / "corpus" / "logs" / "postfix-real-run" / "postfix.log"
    monkeypatch.setattr(reader, "PARALLEL_MIN_BYTES", 0)

    def boom(m: Any) -> None:
        raise RuntimeError(f"cannot store {m.queue_id}")

    with pytest.raises(InputError, match="RuntimeError: cannot store"):
        list(read_logs([log], jobs=2, transform=boom))


def test_compact_json_is_what_json_dumps_makes() -> None:
    """``attempts`` and ``facts`` are written by an encoder made once (log_rows.compact_json): the
    same text as ``json.dumps`` with the stored settings, on what log lines can carry (quotes,
    backslashes, control bytes, non-ASCII, bytes read as lone surrogates, floats of every size)."""
    import json
    import math

    from inboxtrace.store.log_rows import compact_json

    values: list[Any] = [
        [1741910401.25, "deferred", "mx.example.net", "192.0.2.1", 25, '451 4.7.1 "try" \\later\\'],
        ["tab\there", "nl\nand cr\r", "bell\x07 nul\x00 del\x7f", "é 日本 \u2028", "lone \udcff \ud800"],
        [0.1, 1e16, 1.5e-7, -0.0, 123456789012345678901234567890, True, False, None, [], [[]]],
        [math.inf, -math.inf, ["nested", [1, 2.5, None]]],
        "a bare string \x1f",
        [],
    ]
    for value in values:
        assert compact_json(value) == json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    assert compact_json([math.nan]) == "[NaN]"
