"""Fixtures for the bounce tests: the labeled corpus in tests/data."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "data" / "corpus" / "bounces"
HERE = Path(__file__).resolve().parent


def corpus_labels() -> dict[str, list[dict[str, Any]]]:
    """labels.jsonl grouped by file, each list in recipient order."""
    by_file: dict[str, list[dict[str, Any]]] = defaultdict(list)
    path = CORPUS / "labels.jsonl"  # missing: collection fails loudly instead of an empty parameter set
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            label = json.loads(line)
            by_file[label["file"]].append(label)
    for labels in by_file.values():
        labels.sort(key=lambda x: int(x["recipient_index"]))
    return dict(by_file)


def known_disagreements() -> dict[tuple[str, str], str]:
    """(``file#index``, field) -> what inboxtrace says where it disagrees with the label (reviewed).

    Fields: ``reason``, ``hard`` (True/False), ``code`` (reply code).
    """
    out: dict[tuple[str, str], str] = {}
    for raw in (HERE / "known_disagreements.txt").read_text(encoding="utf-8").splitlines():
        line = raw.split("#!", 1)[0].strip()
        if line:
            key, field, got = line.split()
            out[(key, field)] = got
    return out


@pytest.fixture(scope="session")
def corpus() -> Path:
    assert (CORPUS / "emails").is_dir(), f"the bounce corpus is missing at {CORPUS}"
    return CORPUS
