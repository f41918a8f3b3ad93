"""The substring gates in front of the rule regexes never hide a match."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inboxtrace.codes.knowledge import load_toml
from inboxtrace.codes.needles import needles_of, needles_of_any
from inboxtrace.codes.rules import phrase_table, provider_rules, special_rules

TABLE = Path(__file__).parent / "data" / "replies.tsv"


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("user unknown", ("user unknown",)),
        ("gr[ae]y ?list|greylisted", ("eylisted", "list")),
        (r"\bBL0000\d\d\b", ("bl0000",)),
        ("(?:foo)?ba", ()),  # "ba" is too short and the group is optional
        ("spam(?!haus)|junk mail", ("junk mail", "spam")),
        ("a|b", ()),
    ],
)
def test_needles_of(pattern: str, expected: tuple[str, ...]) -> None:
    assert needles_of(pattern) == expected


def test_gates_agree_with_the_regexes_on_real_replies() -> None:
    with TABLE.open(encoding="utf-8") as fh:
        texts = [row["reply"] for row in csv.DictReader(fh, delimiter="\t")]
    rules = provider_rules() + special_rules()
    for text in texts:
        low = text.lower()
        for rule in rules:
            if rule.pattern.search(text):
                assert not rule.needles or any(n in low for n in rule.needles), (rule.pattern.pattern, text)
        for _, pattern, needles in phrase_table():
            if pattern.search(low):
                assert not needles or any(n in low for n in needles), (pattern.pattern, text)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["ab", "cd", "x", "abc", "dcba", "(?:", ")", "|", "?", "+", "[ac]", r"\d"]),
        max_size=10,
    )
)
def test_needles_are_required_for_generated_patterns(parts: list[str]) -> None:
    import re

    pattern = "".join(parts)
    try:
        compiled = re.compile(pattern, re.IGNORECASE)
    except re.error:
        return
    needles = needles_of(pattern)
    for sample in ("abcd", "xabcdx", "dcba", "ab cd", "a1c", "ccc", "abab", "x", ""):
        if compiled.search(sample):
            assert not needles or any(n in sample.lower() for n in needles), (pattern, sample)


def test_needles_of_any_equals_needles_of_the_joined_alternation() -> None:
    data = load_toml("phrases.toml")
    compared = 0
    for reason in data["order"]:
        phrases = [str(p) for p in data.get(reason, {}).get("phrases", [])]
        if phrases:
            joined = "|".join(f"(?:{p})" for p in phrases)
            assert needles_of_any(phrases, 0) == needles_of(joined, 0), reason
            compared += 1
    assert compared >= 25
    assert needles_of_any(["user unknown", "no such user"]) == ("no such user", "user unknown")
    assert needles_of_any(["user unknown", "ab"]) == ()  # too short to gate on
    assert needles_of_any(["user unknown", r"\d+"]) == ()  # no literal in every match


_ITEMS = [("spam", "junk mail"), (), ("spamhaus",), ("user unknown", "no such user"), ("ham",), ("mail",)]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["spam", "haus", "junk", " mail", "user", " unknown", "no such", " user", "x", "h"]),
        max_size=8,
    )
)
def test_gates_find_the_same_items_as_testing_each_needle(parts: list[str]) -> None:
    from inboxtrace.codes.needles import Gates

    low = "".join(parts)
    naive = [i for i, needles in enumerate(_ITEMS) if not needles or any(n in low for n in needles)]
    assert Gates(list(_ITEMS)).candidates(low) == naive


def test_gates_overlapping_and_nested_needles() -> None:
    from inboxtrace.codes.needles import Gates

    gates = Gates(list(_ITEMS))
    assert gates.candidates("listed at spamhaus") == [0, 1, 2]  # spam inside spamhaus, always, spamhaus
    assert gates.candidates("a shame: junk mail") == [0, 1, 4, 5]  # junk mail, always, ham, mail
    assert gates.candidates("nothing") == [1]
    assert Gates([(), ()]).candidates("x") == [0, 1]  # no needle at all


_TABLE = [
    (r"user (?:unknown|not found)", "userunknown"),
    (r"\bspam\b", "spam"),
    (r"mailbox (?:is )?full|quota", "full"),
    (r"\d{3}", "digits"),  # no needle: always tried
]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["User ", "unknown", " not found", "SPAM", "spammer", " mailbox", " is full", "quota", "42", "7"]
        ),
        max_size=8,
    )
)
def test_first_match_answers_what_the_plain_loop_answers(parts: list[str]) -> None:
    import re

    from inboxtrace.codes.needles import FirstMatch

    table = [(re.compile(p, re.IGNORECASE), v) for p, v in _TABLE]
    text = "".join(parts)
    plain = next((v for p, v in table if p.search(text)), None)
    assert FirstMatch(table).first(text) == plain
