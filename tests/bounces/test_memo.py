"""The verdict memo (codes/memo.py) gives exactly the verdicts of the plain computation.

Every bounce corpus the tests use (the labeled corpus with its not-bounces, flufl.bounce's test
bounces from Debian's python3-flufl.bounce) and copies of the labeled corpus varied as the
benchmark mailbox varies them (other addresses, queue ids and days) are read with the memo and
without it; every field of every report, verdicts with their text and explanation included, must
be equal.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import random
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

import inboxtrace.bounces.classify as bounce_classify
from inboxtrace.bounces import parse_bounce
from inboxtrace.bounces.classify import VERDICT_MEMO
from inboxtrace.codes.memo import TemplateMemo, template
from inboxtrace.model.bounce import BounceReport

from .conftest import CORPUS, REPO

FLUFL = Path("/usr/lib/python3/dist-packages/flufl/bounce/tests/data")


def _mailbox_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "make_bounce_mailbox", REPO / "benchmarks" / "make_bounce_mailbox.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _blobs() -> list[tuple[str, bytes]]:
    tool = _mailbox_tool()
    files = tool.sources(CORPUS)
    assert len(files) > 400, f"the bounce corpus is missing at {CORPUS}"
    assert FLUFL.is_dir(), "python3-flufl.bounce is not installed (it is in .ci/apt-packages.txt)"
    originals = [(f.name, f.read_bytes()) for f in files]
    rng = random.Random(14)
    varied = [(f"{name}~{n}", tool.vary(data, rng)) for n in (1, 2) for name, data in originals]
    flufl = [(f"flufl/{f.name}", f.read_bytes()) for f in sorted(FLUFL.iterdir()) if f.is_file()]
    return originals + varied + flufl


@pytest.fixture
def memo_switch() -> Iterator[None]:
    yield
    bounce_classify.memo_enabled = True
    VERDICT_MEMO.clear()


def _read(blobs: list[tuple[str, bytes]], memo: bool) -> list[BounceReport]:
    bounce_classify.memo_enabled = memo
    VERDICT_MEMO.clear()
    return [parse_bounce(data, name) for name, data in blobs]


def test_every_record_of_every_corpus_is_the_same_with_and_without_the_memo(memo_switch: None) -> None:
    blobs = _blobs()
    plain = _read(blobs, memo=False)
    assert VERDICT_MEMO.hits == VERDICT_MEMO.misses == 0
    memoized = _read(blobs, memo=True)
    recipients = sum(len(r.recipients) for r in plain)
    # the varied copies are answered from the memo: the comparison covers restored verdicts
    assert VERDICT_MEMO.hits > recipients // 3, (VERDICT_MEMO.hits, VERDICT_MEMO.misses)
    differing = [
        (a.source, field.name)
        for a, b in zip(plain, memoized, strict=True)
        for field in dataclasses.fields(BounceReport)
        if getattr(a, field.name) != getattr(b, field.name)
    ]
    assert differing == []
    assert plain == memoized


def test_a_copy_with_another_recipient_gets_its_own_address_in_the_verdict(memo_switch: None) -> None:
    from .samples import dsn

    first = dsn("kijitora@example.org", diagnostic="smtp; 550 5.1.1 <kijitora@example.org>: User unknown")
    second = dsn("nekonyan@example.org", diagnostic="smtp; 550 5.1.1 <nekonyan@example.org>: User unknown")
    VERDICT_MEMO.clear()
    a = parse_bounce(first).recipients[0].verdict
    b = parse_bounce(second).recipients[0].verdict
    assert VERDICT_MEMO.hits == VERDICT_MEMO.misses >= 1  # what the first copy computed, the second found
    assert "nekonyan@example.org" in b.text and "kijitora" not in b.text
    assert dataclasses.replace(b, text=a.text) == a


def test_a_verdict_that_never_read_the_text_around_holds_for_any_text_around(memo_switch: None) -> None:
    from .samples import dsn

    diagnostic = (
        "smtp; 550 5.1.1 <kijitora@example.org>: Recipient address rejected (in reply to RCPT TO command)"
    )
    first = dsn(
        "kijitora@example.org", diagnostic=diagnostic, extra_text="The mail system could not deliver it."
    )
    second = dsn(
        "kijitora@example.org", diagnostic=diagnostic, extra_text="Another text around: mailbox is full."
    )
    VERDICT_MEMO.clear()
    a = parse_bounce(first).recipients[0].verdict
    assert (VERDICT_MEMO.hits, VERDICT_MEMO.misses, len(VERDICT_MEMO)) == (0, 1, 1)  # keyed on the diagnostic
    b = parse_bounce(second).recipients[0].verdict
    assert (VERDICT_MEMO.hits, VERDICT_MEMO.misses) == (1, 1)
    bounce_classify.memo_enabled = False
    assert a == b == parse_bounce(second).recipients[0].verdict


def test_a_verdict_that_read_the_text_around_is_keyed_on_it_too(memo_switch: None) -> None:
    from .samples import dsn

    first = dsn(
        "kijitora@example.org",
        diagnostic="smtp; 550 5.1.1 User unknown",
        extra_text="Host said at RCPT TO: no.",
    )
    second = dsn(
        "kijitora@example.org", diagnostic="smtp; 550 5.1.1 User unknown", extra_text="Another text."
    )
    VERDICT_MEMO.clear()
    parse_bounce(first)
    assert len(VERDICT_MEMO) == 2  # the diagnostic alone says "read the text", and both texts
    b = parse_bounce(second).recipients[0].verdict
    assert VERDICT_MEMO.misses == 3
    bounce_classify.memo_enabled = False
    assert b == parse_bounce(second).recipients[0].verdict


def test_role_names_and_short_texts_stay_in_the_key() -> None:
    keys, tokens = template(("550 <postmaster@example.org> unknown", "550 <abc1xyz@example.org> unknown"))
    assert "postmaster@example.org" in keys[0]
    assert "abc1xyz" not in keys[1] and tokens == ("abc1xyz",)
    # same template, another recipient of the same shape: the same key
    assert template(("550 <zzz9qqq@example.org> unknown",))[0][0] == keys[1]
    # another length is another key (a regex window could see the difference)
    assert template(("550 <zzz9qqqq@example.org> unknown",))[0][0] != keys[1]
    days = template(("received at Thu, 15 Apr 2011 23:34:10", "received at Thu, 25 Apr 2011 23:34:10"))[0]
    assert days[0].replace("\x000", "\x001") == days[1].replace("\x000", "\x001")


def _strings(maxsize: int) -> TemplateMemo[str]:
    return TemplateMemo(maxsize, lambda value: (value,), lambda value, fields: fields[0])


@pytest.mark.parametrize("quoted", ["(seen: abc1xyz)", "(seen: ABC1XYZ)"])
def test_a_token_quoted_where_no_pattern_finds_it_is_computed_again(quoted: str) -> None:
    calls: list[str] = []

    def compute(text: str) -> str:
        calls.append(text)
        return f"{text} {quoted}"  # quotes the input's token (or its upper case) outside an address

    memo = _strings(8)
    memo.get(("<abc1xyz@example.org>",), None, lambda: compute("<abc1xyz@example.org>"))
    again = memo.get(("<qqq2rrr@example.org>",), None, lambda: compute("<qqq2rrr@example.org>"))
    assert again == f"<qqq2rrr@example.org> {quoted}"
    assert len(calls) == 2  # not filled in: computed


def test_a_hit_fills_the_new_tokens_in() -> None:
    memo = _strings(8)
    text = "550 <abc1xyz@example.org> queued as 4F1A2B3C4D on Thu, 15 Apr 2011 23:34:10"
    assert memo.get((text,), None, lambda: "said: " + text) == "said: " + text
    other = "550 <qqq2rrr@example.org> queued as 9E8D7C6B5A on Thu, 25 Apr 2011 23:34:10"
    assert memo.get((other,), None, lambda: "computed") == "said: " + other
    assert memo.hits == 1


def test_the_memo_is_bounded() -> None:
    memo = _strings(3)
    for n in range(10):
        memo.get((f"text {n}",), None, lambda n=n: str(n))  # type: ignore[misc]
    assert len(memo) == 3
    assert memo.get(("text 9",), None, lambda: "computed") == "9"
    assert memo.get(("text 0",), None, lambda: "computed") == "computed"


def test_the_key_separator_in_an_input_bypasses_the_memo() -> None:
    memo = _strings(8)
    assert memo.get(("a\x00b",), None, lambda: "x") == "x"
    assert len(memo) == 0 and memo.misses == 0


def test_emptying_the_package_caches_empties_the_verdict_memo(memo_switch: None) -> None:
    from inboxtrace.codes.memo import clear_input_caches

    from .samples import dsn

    parse_bounce(dsn())
    assert len(VERDICT_MEMO) >= 1 and VERDICT_MEMO.cache_info().currsize == len(VERDICT_MEMO)
    assert clear_input_caches() >= 2  # the memo and the lru_caches of codes/
    assert len(VERDICT_MEMO) == 0


def test_the_memo_is_bounded_in_characters_too() -> None:
    memo = TemplateMemo(1000, lambda value: (value,), lambda value, fields: fields[0], max_chars=10_000)
    for n in range(50):
        text = f"{n:04d} " + "y" * 995  # 1000 characters of key, 1000 of result (twice: its slots)
        memo.get((text,), None, lambda text=text: text)  # type: ignore[misc]
    assert 1 <= len(memo) <= 4
    assert memo.get((f"{49:04d} " + "y" * 995,), None, lambda: "computed") != "computed"
