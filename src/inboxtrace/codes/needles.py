"""Cheap substring gates for regular expressions.

Most replies match none of the ~100 provider and special rules, yet a regex search per rule costs
far more than a substring test. For each rule we work out, from its parsed form, literal strings one
of which must appear in any text the rule matches (its "needles"), and skip the regex when none is
in the lower-cased text. Rules whose form gives no such literal are always searched.

:class:`Gates` looks for the needles of a whole table at once (Aho-Corasick), and
:class:`FirstMatch` is an ordered table of regexes answering the first that matches, behind them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any, Generic, TypeVar

import ahocorasick

from inboxtrace.loadcache import derived

_MIN_NEEDLE = 3
T = TypeVar("T")


def needles_of(pattern: str, flags: int = re.IGNORECASE) -> tuple[str, ...]:
    """Lower-case literals of which at least one occurs in every match of ``pattern`` (or ``()``).

    Worked out once per pattern and kept between processes (:mod:`inboxtrace.loadcache`)."""
    return derived("needles", (pattern, int(flags)), lambda: _needles_of(pattern, flags))


def _needles_of(pattern: str, flags: int) -> tuple[str, ...]:
    try:
        parsed = sre_parse.parse(pattern, flags)
    except re.error:
        return ()
    found = _required(list(parsed))
    return tuple(sorted(found)) if found else ()


_SPECIAL = frozenset("\\.^$*+?{}[]|()")


def needles_of_any(alternatives: list[str], flags: int = re.IGNORECASE) -> tuple[str, ...]:
    """The needles of the alternation ``(?:a)|(?:b)|...`` of ``alternatives``: the same result as
    :func:`needles_of` on it, but a plain-text alternative is its own needle (no regex parse)."""
    return derived(
        "needles-any", (tuple(alternatives), int(flags)), lambda: _needles_of_any(alternatives, flags)
    )


def _needles_of_any(alternatives: list[str], flags: int) -> tuple[str, ...]:
    needles: set[str] = set()
    for alternative in alternatives:
        if not _SPECIAL.intersection(alternative):
            if len(alternative) < _MIN_NEEDLE:
                return ()
            needles.add(alternative.lower())
            continue
        try:
            parsed = sre_parse.parse(alternative, flags)
        except re.error:
            return ()
        found = _required(list(parsed))
        if not found:
            return ()
        needles |= found
    return tuple(sorted(needles))


def _required(items: list[tuple[Any, Any]]) -> set[str] | None:
    """A set of needles, one of which every match of this sequence contains; None if unknown."""
    if len(items) == 1 and items[0][0] is sre_constants.BRANCH:
        return _branch(items[0][1])
    best: set[str] | None = None
    run: list[str] = []

    def consider(candidate: set[str] | None) -> None:
        nonlocal best
        if candidate and (best is None or min(map(len, candidate)) > min(map(len, best))):
            best = candidate

    for op, av in items:
        if op is sre_constants.LITERAL:
            run.append(chr(av).lower())
            continue
        if len(run) >= _MIN_NEEDLE:
            consider({"".join(run)})
        run = []
        if op is sre_constants.SUBPATTERN:
            consider(_required(list(av[-1])))
        elif op is sre_constants.BRANCH:
            consider(_branch(av))
        elif (
            op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT)
            and av[0] >= 1
        ):
            consider(_required(list(av[2])))
    if len(run) >= _MIN_NEEDLE:
        consider({"".join(run)})
    return best


def _branch(av: Any) -> set[str] | None:
    needles: set[str] = set()
    for alternative in av[1]:
        sub = _required(list(alternative))
        if not sub:
            return None
        needles |= sub
    return needles


class Gates:
    """Which of a list of gated items can match a text, found in one pass over the text.

    ``needles[i]`` are item i's needles (``()``: no gate, always a candidate). :meth:`candidates`
    gives the indexes, in order, of the items whose gate lets the lower-cased text through: the
    same items as testing each item's needles in turn, but all needles are looked for at once
    (an Aho-Corasick automaton: about 1 µs per reply instead of one substring test per needle).
    """

    __slots__ = ("_always", "_automaton")

    def __init__(self, needles: list[tuple[str, ...]]) -> None:
        self._always: frozenset[int] = frozenset(i for i, n in enumerate(needles) if not n)
        by_needle: dict[str, set[int]] = {}
        for i, item_needles in enumerate(needles):
            for needle in item_needles:
                by_needle.setdefault(needle, set()).add(i)
        automaton: Any = None
        if by_needle:
            automaton = ahocorasick.Automaton()
            for needle, items in by_needle.items():
                automaton.add_word(needle, frozenset(items))
            automaton.make_automaton()
        self._automaton = automaton

    def candidates(self, low: str) -> list[int]:
        if self._automaton is None:
            return sorted(self._always)
        hits = [items for _end, items in self._automaton.iter(low)]
        if not hits:  # the common answer: no needle in the text
            return sorted(self._always)
        found = set(self._always).union(*hits)
        return sorted(found)

    def any(self, low: str) -> bool:
        """Whether :meth:`candidates` would give any item (stops at the first needle found)."""
        if self._always:
            return True
        return self._automaton is not None and next(self._automaton.iter(low), None) is not None


class FirstMatch(Generic[T]):
    """Ordered ``(regex, value)`` pairs: the value of the first regex that searches a text.

    Each regex is gated by its needles (:class:`Gates`), so a text that holds none of a regex's
    literals never runs it; the answer is the one the plain loop over the pairs would give.
    """

    __slots__ = ("_entries", "_gates")

    def __init__(self, entries: Iterable[tuple[re.Pattern[str], T]]) -> None:
        self._entries = tuple(entries)
        self._gates = Gates([needles_of(p.pattern, p.flags) for p, _ in self._entries])

    @property
    def entries(self) -> tuple[tuple[re.Pattern[str], T], ...]:
        return self._entries

    def first(self, text: str) -> T | None:
        entries = self._entries
        for i in self._gates.candidates(text.lower()):
            pattern, value = entries[i]
            if pattern.search(text):
                return value
        return None
