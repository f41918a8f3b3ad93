"""The knowledge files are complete and consistent with their references."""

from __future__ import annotations

import csv
import tomllib
from pathlib import Path

import pytest

from inboxtrace.codes import code_info, reasons, status_info
from inboxtrace.codes.knowledge import LazyPattern, basic_codes, enhanced_registry, load_toml
from inboxtrace.codes.rules import all_patterns, phrase_table, provider_rules, special_rules
from inboxtrace.errors import DataFileError
from inboxtrace.i18n import catalog, has_message

RFC5321_CODES = {
    211,
    214,
    220,
    221,
    250,
    251,
    252,
    354,
    421,
    450,
    451,
    452,
    455,
    500,
    501,
    502,
    503,
    504,
    550,
    551,
    552,
    553,
    554,
    555,
}


def test_every_basic_code_of_rfc5321_and_rfc7504() -> None:
    assert RFC5321_CODES | {521, 556} <= set(basic_codes())
    for code in basic_codes():
        info = code_info(code)
        assert info.standard and info.meaning and info.when and info.todo, code
        vi = code_info(code, "vi")
        assert vi.meaning != info.meaning, code


def test_unknown_code_is_explained_by_class_only() -> None:
    info = code_info(599)
    assert not info.standard
    assert "Permanent" in info.class_meaning


def test_whole_iana_registry(shared_dir: Path) -> None:
    with (shared_dir / "reference" / "smtp-enhanced-status-codes.csv").open(encoding="utf-8") as fh:
        iana = {row["Code"].strip() for row in csv.DictReader(fh)}
    ours = {entry.code for entry in enhanced_registry().values()}
    assert iana == ours
    entry = status_info("5.7.26")
    assert entry is not None and "authentication" in entry.title.lower()
    assert status_info("5.9.999") is None
    assert status_info("nonsense") is None


def test_reason_vocabulary_matches_the_reference(shared_dir: Path) -> None:
    with (shared_dir / "reference" / "bounce-reasons.tsv").open(encoding="utf-8") as fh:
        names = {row["reason"] for row in csv.DictReader(fh, delimiter="\t")}
    merged = {"speeding", "toomanyconn", "mesgtoobig", "exceedlimit"}
    assert set(reasons()) == names - merged


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_every_reason_and_action_has_a_message(lang: str) -> None:
    for reason in reasons():
        assert has_message(f"reason.{reason}", lang), reason
    actions = {entry.get("action") for entry in load_toml("reasons.toml").values()}
    actions |= {r.action for r in provider_rules() + special_rules() if r.action}
    for action in actions:
        assert has_message(f"action.{action}", lang), action


def test_catalogs_have_the_same_keys() -> None:
    assert set(catalog("en")) == set(catalog("vi"))


def test_rules_compile_and_name_known_reasons() -> None:
    assert len(provider_rules()) >= 60
    assert {r.provider for r in provider_rules()} >= {
        "gmail",
        "microsoft",
        "yahoo",
        "apple",
        "comcast",
        "cox",
    }
    assert all(r.source for r in provider_rules())
    assert len({reason for reason, _, _ in phrase_table()}) >= 25
    assert len(phrase_table()) >= 300


def test_data_files_are_valid_toml() -> None:
    folder = Path(__file__).resolve().parents[2] / "src" / "inboxtrace" / "codes" / "data"
    for path in folder.glob("*.toml"):
        tomllib.loads(path.read_text(encoding="utf-8"))


def test_every_rule_and_phrase_pattern_compiles() -> None:
    patterns = all_patterns()
    assert len(patterns) >= len(provider_rules()) + len(special_rules()) + 25
    for pattern in patterns:
        pattern.validate()  # compiled lazily in normal use: a bad one must still be caught here


def test_a_bad_pattern_names_its_data_file_when_first_used() -> None:
    broken = LazyPattern("unclosed (group", "phrases.toml [example]")
    with pytest.raises(DataFileError, match=r"phrases\.toml \[example\]"):
        broken.search("any text")
    assert LazyPattern("user unknown", "x").search("550 USER UNKNOWN") is not None
