"""One table-driven harness over the labeled bounce corpus (sisimai's set-of-emails).

Per file and recipient (in the order the bounce lists them): the reason in the December-2025
vocabulary, hard/soft and the reply code where labeled. Disagreements that were reviewed and kept
are listed in ``known_disagreements.txt`` (with what inboxtrace says instead); they are checked too,
so a change in behaviour on them shows up. CR and CRLF copies must read exactly like the LF file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from inboxtrace.bounces import iter_path, parse_bounce, read_bounces
from inboxtrace.model.bounce import BounceKind, BounceRecipient
from tests.bounces.conftest import CORPUS, corpus_labels, known_disagreements

LABELS = corpus_labels()
KNOWN = known_disagreements()
FILES = sorted(LABELS)


def _recipients(path: Path) -> list[BounceRecipient]:
    out: list[BounceRecipient] = []
    for report in read_bounces(iter_path(path)):
        assert report.kind is not BounceKind.ERROR, f"{path.name}: {report.error}"
        out.extend(report.recipients)
    return out


def test_corpus_is_there() -> None:
    assert len(FILES) > 400, f"labels missing at {CORPUS}"


@pytest.mark.parametrize("name", FILES)
def test_file(name: str) -> None:
    got = _recipients(CORPUS / "emails" / name)
    labels: list[dict[str, Any]] = LABELS[name]
    # labels that repeat an index: their order in labels.jsonl is the recipient order
    repeated = len({label["recipient_index"] for label in labels}) < len(labels)
    for position, label in enumerate(labels, start=1):
        i = position if repeated else int(label["recipient_index"])
        key = f"{name}#{i}"
        have = got[i - 1].verdict.reason if i <= len(got) else "(none)"
        want = label["reason_dec2025"]
        if (key, "reason") in KNOWN:
            assert have == KNOWN[(key, "reason")], f"{key}: known disagreement changed: now {have}"
            continue
        assert i <= len(got), f"{key}: only {len(got)} recipients read"
        verdict = got[i - 1].verdict
        assert verdict.reason == want, f"{key}: reason {verdict.reason}, label {want}"
        if want not in ("feedback", "vacation", "delivered", "onhold", "undefined"):
            hard = str(verdict.hard_bounce)
            assert hard == KNOWN.get((key, "hard"), str(bool(label["hardbounce"]))), f"{key}: hard_bounce"
        if label["replycode"] and verdict.reply_code is not None:
            code = str(verdict.reply_code)
            assert code == KNOWN.get((key, "code"), str(label["replycode"])), f"{key}: reply code"


def _variants(raw: bytes) -> dict[str, bytes]:
    lf = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return {"crlf": lf.replace(b"\n", b"\r\n"), "cr": lf.replace(b"\n", b"\r")}


def _shape(raw: bytes) -> list[tuple[str, str, bool]]:
    report = parse_bounce(raw, "x")
    return [(r.recipient, r.verdict.reason, r.verdict.hard_bounce) for r in report.recipients]


@pytest.mark.parametrize("ending", ["crlf", "cr"])
def test_line_endings_read_the_same(ending: str) -> None:
    differ = []
    for path in sorted((CORPUS / "emails").iterdir()):
        raw = path.read_bytes()
        if _shape(_variants(raw)[ending]) != _shape(raw):
            differ.append(path.name)
    assert differ == []


def test_not_bounces_are_never_bounces() -> None:
    paths = sorted((CORPUS / "not-bounces").iterdir())
    assert paths
    for path in paths:
        for raw in (path.read_bytes(), *_variants(path.read_bytes()).values()):
            report = parse_bounce(raw, path.name)
            assert report.kind is not BounceKind.ERROR, f"{path.name}: {report.error}"
            assert not report.is_bounce, f"{path.name} read as a bounce ({report.format})"


def test_every_corpus_file_reads_without_error() -> None:
    errors = []
    for path in sorted((CORPUS / "emails").iterdir()):
        for report in read_bounces(iter_path(path)):
            if report.kind is BounceKind.ERROR:
                errors.append(f"{path.name}: {report.error}")
    assert errors == []
