"""A message's rows made in C (``store._rows``, what :meth:`RowMaker.from_record` uses when built)
against the method's own code, record by record: real and generated logs, the same records moved
to a second source with broken timestamps, and reworded with every kind of text a log line can
carry. Values it does not write itself are left to the method, with the same rows as the result."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from inboxtrace import native
from inboxtrace.store.log_rows import RowMaker
from inboxtrace.timeline.records import A_DELAY, A_LINE, A_RELAY_PORT, A_REPLY, Builder
from tests.conftest import SHARED, generated_log
from tests.store.test_row_maker import _records as worker_records

LOGS = sorted(
    [
        *(SHARED / "corpus" / "logs" / "small").glob("*.log"),
        SHARED / "corpus" / "logs" / "postfix-real-run" / "postfix.log",
    ]
)
OTHER = "/var/log/other.log"

# texts that test the JSON escape: quotes, backslashes, every control byte, DEL, non-ASCII of each
# width, the line separators JSON allows raw, an emoji (outside the BMP)
TEXTS = [
    'say "hi" \\ back\\slash',
    "".join(map(chr, range(0x20))) + "\x7f",
    "é ß 日本語 \u2028 \u2029 😀 end",
    "",
]


@pytest.fixture
def rows() -> Any:
    module = native.extension("inboxtrace.store._rows")
    if native.pure_requested():
        assert module is None and RowMaker()._c is None
        pytest.skip("INBOXTRACE_PURE=1: the plain method makes the rows (the compiled run covers the C ones)")
    assert module is not None, "store._rows is not built (build-essential and Cython)"
    return module


def _records(path: Path) -> tuple[list[Any], list[Any], Builder]:
    """The compact records of ``path`` as a worker makes them, with its verdict table, and a
    builder that also reads the timestamps of :data:`OTHER` (with another reference year)."""
    records, verdicts, builder = worker_records(path)
    builder.set_reference(OTHER, builder.clock(str(path)).reference.replace(year=2020))
    return records, verdicts, builder


def _attempts(rec: Any, change: Callable[[int, tuple[Any, ...]], tuple[Any, ...]]) -> Any:
    """``rec`` with each attempt changed by ``change(n, attempt)``."""
    n = 0
    deliveries = []
    for addr, state, orig, dsn_qid, attempts in rec[14]:
        changed = []
        for a in attempts:
            changed.append(change(n, a))
            n += 1
        deliveries.append((addr, state, orig, dsn_qid, changed))
    return (*rec[:14], deliveries, *rec[15:])


def _variants(rec: Any, n: int) -> Iterator[Any]:
    yield rec
    # every other attempt from a second source (its own clock), some times that are no time
    yield _attempts(
        rec,
        lambda i, a: ("Feb 30 25:61:99" if i % 5 == 3 else a[0], *a[1:14], OTHER if (n + i) % 2 else a[14]),
    )
    # the texts reworded, and floats of every kind as the delay
    floats = [0.1, 1e16, 1.5e-7, -0.0, 0.0, math.inf, -math.inf, math.nan, 1e-310, 123456789.125]

    def reworded(i: int, a: tuple[Any, ...]) -> tuple[Any, ...]:
        text = TEXTS[(n + i) % len(TEXTS)]
        out = list(a)
        out[A_REPLY] = f"550 5.1.1 {text}" if a[A_REPLY] is not None else None
        out[A_LINE] = a[A_LINE] + text
        out[A_DELAY] = floats[(n + i) % len(floats)]
        return tuple(out)

    yield _attempts(rec, reworded)
    yield (*rec[:5], 'sender "quoted" é', *rec[6:16], "Subject: ünïcode \x00")


def _plain() -> RowMaker:
    maker = RowMaker()
    maker._c = None  # the method's own code
    return maker


def _same(a: Any, b: Any) -> bool:
    """Rows equal, NaN included (compared as their JSON text)."""
    return json.dumps(a, default=str) == json.dumps(b, default=str)


@pytest.mark.parametrize("path", [*LOGS, "generated"], ids=lambda p: getattr(p, "name", p))
def test_rows_made_in_c_are_those_the_plain_method_makes(rows: Any, path: Path | str, tmp_path: Path) -> None:
    if path == "generated":
        path = generated_log(tmp_path / "mail.log", 20_000)
    assert isinstance(path, Path)
    records, verdicts, builder = _records(path)
    assert records
    maker, plain = RowMaker(), _plain()
    assert isinstance(maker._c, rows.Rows)
    made_in_c = 0
    for n, rec in enumerate(records):
        for variant in _variants(rec, n):
            c_made = maker._c(variant, verdicts, builder)
            assert c_made is not None, variant  # (every value here is one it writes)
            made_in_c += 1
            expected = plain.from_record(variant, verdicts, builder)
            assert _same(c_made, expected), variant
            assert _same(maker.from_record(variant, verdicts, builder), expected)
    assert made_in_c == 4 * len(records)


def test_the_escape_is_json_dumps_escape_for_every_character(rows: Any, tmp_path: Path) -> None:
    """Each character of the Basic Multilingual Plane but the surrogates, and some beyond, in a
    reply and a log line: the stored ``attempts`` text is what ``json.dumps`` makes."""
    records, verdicts, builder = _records(generated_log(tmp_path / "mail.log", 2_000))
    rec = next(r for r in records if r[14] and r[14][0][4])
    chars = [chr(c) for c in [*range(0xD800), *range(0xE000, 0x10000), *range(0x10000, 0x110000, 4099)]]
    maker, plain = RowMaker(), _plain()
    for start in range(0, len(chars), 4096):
        text = "".join(chars[start : start + 4096])
        variant = _attempts(
            rec, lambda i, a, t=text: (*a[:A_REPLY], t, *a[A_REPLY + 1 : A_LINE], t, *a[A_LINE + 1 :])
        )
        c_made = maker._c(variant, verdicts, builder)
        assert c_made is not None
        assert c_made == plain.from_record(variant, verdicts, builder)
        stored = json.loads(c_made[2][0][-1])
        assert stored[0][5] == text


class _Text(str):
    pass


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda a: (*a[:A_REPLY], f"{a[A_REPLY]} \udcff", *a[A_REPLY + 1 :]), id="lone surrogate"
        ),
        pytest.param(lambda a: (*a[:A_REPLY], _Text("550 5.1.1 no"), *a[A_REPLY + 1 :]), id="str subclass"),
        pytest.param(lambda a: (*a[:A_RELAY_PORT], 2**64, *a[A_RELAY_PORT + 1 :]), id="beyond 64 bits"),
        pytest.param(list, id="attempt as a list"),
    ],
)
def test_values_it_does_not_write_are_left_to_the_plain_method(
    rows: Any, change: Callable[[tuple[Any, ...]], Any], tmp_path: Path
) -> None:
    records, verdicts, builder = _records(generated_log(tmp_path / "mail.log", 2_000))
    maker, plain = RowMaker(), _plain()
    left = 0
    for rec in records[:300]:
        if not any(d[4] for d in rec[14]):
            continue
        variant = _attempts(rec, lambda i, a: change(a))
        assert maker._c(variant, verdicts, builder) is None
        left += 1
        assert maker.from_record(variant, verdicts, builder) == plain.from_record(variant, verdicts, builder)
    assert left > 100


def test_it_is_used_only_for_the_records_layout_it_was_built_for(
    rows: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from inboxtrace.timeline import records

    assert {name: getattr(records, name) for name in rows.LAYOUT} == rows.LAYOUT
    assert len(rows.LAYOUT) == len([n for n in dir(records) if n.startswith("A_")])
    assert RowMaker()._c is not None
    monkeypatch.setattr(rows, "LAYOUT", {**rows.LAYOUT, "A_LINE": 99})  # (records.py moved a field)
    assert RowMaker()._c is None
