"""Table-driven: real reply strings (bounce corpus, real Postfix/Sendmail logs, parser cases, provider
documentation) each classified to the expected reason, class and hard/soft."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from inboxtrace.codes import classify

TABLE = Path(__file__).parent / "data" / "replies.tsv"


def _rows() -> list[tuple[str, str, str, str, bool]]:
    with TABLE.open(encoding="utf-8") as fh:
        reader = csv.DictReader(fh, delimiter="\t")
        return [
            (r["source"], r["reply"], r["reason"], r["class"], r["hard_bounce"] == "true") for r in reader
        ]


ROWS = _rows()


def test_table_is_large_and_varied() -> None:
    assert len(ROWS) >= 300
    sources = {source.split(":")[0] for source, *_ in ROWS}
    assert {"bounce-corpus", "postfix-log", "sendmail-log", "grok", "provider-doc"} <= sources
    assert len({reason for _, _, reason, _, _ in ROWS}) >= 25


@pytest.mark.parametrize(
    ("source", "reply", "reason", "klass", "hard"), ROWS, ids=[f"{i}" for i in range(len(ROWS))]
)
def test_reply_classification(source: str, reply: str, reason: str, klass: str, hard: bool) -> None:
    verdict = classify(reply)
    assert (verdict.reason, verdict.reply_class.value, verdict.hard_bounce) == (reason, klass, hard), source
    assert verdict.explanation
    assert verdict.action
