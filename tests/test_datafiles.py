"""Loading the TOML data files shipped in the packages: a bad or missing file is named, never a traceback."""

from __future__ import annotations

import pytest

from inboxtrace.checks.findings import catalog as sender_catalog
from inboxtrace.checks.findings import from_entry, read_catalog
from inboxtrace.content.knowledge import catalog as content_catalog
from inboxtrace.datafiles import load_toml
from inboxtrace.errors import DataFileError


def test_a_shipped_file_is_read() -> None:
    assert "cap" in load_toml("checks", "score.toml")


def test_a_missing_file_is_named() -> None:
    with pytest.raises(DataFileError, match=r"^checks/data/no-such\.toml is missing or malformed"):
        load_toml("checks", "no-such.toml")


def test_a_file_that_is_not_toml_is_named() -> None:
    # the one CSV among the data files: read as TOML it cannot parse
    with pytest.raises(DataFileError, match=r"^codes/data/enhanced-status\.csv is missing or malformed"):
        load_toml("codes", "enhanced-status.csv")


def test_a_catalog_entry_with_no_valid_severity_is_named() -> None:
    with pytest.raises(DataFileError, match=r"^mine\.toml: spf\.odd has no valid severity"):
        read_catalog({"spf": {"odd": {"severity": "fatal", "title": "t", "why": "w"}}}, "mine.toml")
    assert set(read_catalog({"a": {"b": {"severity": "info"}}}, "ok.toml")) == {"a.b"}


def test_texts_are_filled_and_an_unknown_name_shows_a_question_mark() -> None:
    entry = {"severity": "warning", "title": "{subject} has {count} {thing}", "why": "found {found}"}
    made = from_entry(
        entry, "x.y", check="x", penalty=7, found="v=1", subject="a.test", checked=True, values={"count": 3}
    )
    assert (made.title, made.why, made.fix, made.penalty) == ("a.test has 3 ?", "found v=1", "", 7)
    unchecked = from_entry(
        entry, "x.y", check="x", penalty=7, found="", subject="a.test", checked=False, values={}
    )
    assert unchecked.penalty == 0 and not unchecked.checked


def test_the_sender_and_content_catalogs_load() -> None:
    assert sender_catalog()["spf.missing"]["severity"] == "error"
    assert content_catalog() and all(
        e["severity"] in ("error", "warning", "info") for e in content_catalog().values()
    )


def test_a_log_ignore_table_that_is_missing_or_not_toml_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    from inboxtrace.logs import knowledge

    with pytest.raises(DataFileError, match=r"^inboxtrace/logs/data/no-such-mta\.toml: "):
        knowledge.ignore_table("no-such-mta")
    monkeypatch.setattr(knowledge, "read_text", lambda *parts: "[smtpd]\nnot toml = = =\n")
    with pytest.raises(DataFileError, match=r"^inboxtrace/logs/data/broken-mta\.toml: "):
        knowledge.ignore_table("broken-mta")


def test_a_log_ignore_table_is_read_longest_prefix_first() -> None:
    from inboxtrace.logs.knowledge import ignore_table

    table = ignore_table("postfix")
    assert table and all(isinstance(v, tuple) for v in table.values())
    for pairs in table.values():
        lengths = [len(prefix) for prefix, _ in pairs]
        assert lengths == sorted(lengths, reverse=True)
