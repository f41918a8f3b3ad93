"""Matching reply texts against the phrase and provider rules of the data files."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from inboxtrace.codes.knowledge import LazyPattern, load_toml
from inboxtrace.codes.needles import Gates, needles_of, needles_of_any
from inboxtrace.codes.reasons import reason_info
from inboxtrace.errors import DataFileError
from inboxtrace.model.reply import ReplyClass


@dataclass(frozen=True, slots=True)
class Rule:
    """A pattern with the reason (and optionally class, action, note) it implies."""

    pattern: LazyPattern
    reason: str
    provider: str | None = None
    action: str | None = None
    reply_class: ReplyClass | None = None
    when_class: tuple[ReplyClass, ...] = ()
    status: str | None = None
    codes: tuple[int, ...] = ()
    note: str | None = None
    meaning: str | None = None
    source: str | None = None
    needles: tuple[str, ...] = ()  # one of these occurs in the lower-cased text of every match

    def applies(self, text: str, code: int | None, status: str | None, klass: ReplyClass | None) -> bool:
        """Whether the rule matches ``text`` (and its code, status and class conditions hold), for a
        text already let through by the needle gate (:func:`match_rule` gates the whole table)."""
        if self.codes and code is not None and code not in self.codes:
            return False
        if self.status and status is not None and status != self.status:
            return False
        if self.when_class and klass is not None and klass not in self.when_class:
            return False
        return self.pattern.search(text) is not None


def _rule_from(entry: dict[str, object], where: str) -> Rule:
    reason = str(entry["reason"])
    reason_info(reason)  # validates the name
    klass = entry.get("class")
    when = entry.get("when_class", [])
    codes = entry.get("codes", [])
    if not isinstance(when, list) or not isinstance(codes, list):
        raise DataFileError(f"{where}: when_class and codes must be lists")
    return Rule(
        pattern=LazyPattern(str(entry["pattern"]), where),
        needles=needles_of(str(entry["pattern"])),
        reason=reason,
        provider=str(entry["provider"]) if "provider" in entry else None,
        action=str(entry["action"]) if "action" in entry else None,
        reply_class=ReplyClass(str(klass)) if klass else None,
        when_class=tuple(ReplyClass(str(c)) for c in when),
        status=str(entry["status"]) if "status" in entry else None,
        codes=tuple(int(str(c)) for c in codes),
        note=str(entry["note"]) if "note" in entry else None,
        meaning=str(entry["meaning"]) if "meaning" in entry else None,
        source=str(entry["source"]) if "source" in entry else None,
    )


@cache
def special_rules() -> tuple[Rule, ...]:
    """The ``[[rule]]`` entries of phrases.toml (tried before the plain phrases)."""
    data = load_toml("phrases.toml")
    return tuple(_rule_from(entry, "phrases.toml [[rule]]") for entry in data.get("rule", []))


@cache
def phrase_table() -> tuple[tuple[str, LazyPattern, tuple[str, ...]], ...]:
    """(reason, one phrase, its needles) for every phrase, reasons in the file's order."""
    data = load_toml("phrases.toml")
    order = data.get("order")
    if not isinstance(order, list):
        raise DataFileError("phrases.toml: `order` must list the reasons")
    table: list[tuple[str, LazyPattern, tuple[str, ...]]] = []
    for reason in order:
        reason_info(str(reason))
        for phrase in data.get(reason, {}).get("phrases", []):
            compiled = _compile_lowercase(str(phrase), f"phrases.toml [{reason}]")
            table.append((str(reason), compiled, needles_of_any([str(phrase)], 0)))
    missing = [name for name in data if name not in order and name not in {"order", "rule"}]
    if missing:
        raise DataFileError(f"phrases.toml: reasons not in `order`: {', '.join(missing)}")
    return tuple(table)


@cache
def provider_rules() -> tuple[Rule, ...]:
    """The provider rules of providers.toml."""
    data = load_toml("providers.toml")
    return tuple(_rule_from(entry, "providers.toml [[rule]]") for entry in data.get("rule", []))


def all_patterns() -> list[LazyPattern]:
    """Every rule and phrase pattern of the data files (compiled lazily in normal use)."""
    return [r.pattern for r in (*provider_rules(), *special_rules())] + [p for _, p, _ in phrase_table()]


@cache
def _phrase_gates() -> Gates:
    return Gates([needles for _, _, needles in phrase_table()])


def match_phrase(text: str) -> str | None:
    """The first reason (in the vocabulary's order) whose phrases match ``text``.

    Each phrase is its own regex behind its own gate, so a long text runs only the few phrases
    whose literals it holds (phrases are in reason order: the first match is the first reason's).
    """
    low = text.lower()
    table = phrase_table()
    for i in _phrase_gates().candidates(low):
        reason, pattern, _ = table[i]
        if pattern.search(low):
            return reason
    return None


_UPPER_LITERAL_RE = re.compile(r"(?<!\\)[A-Z]")


def _compile_lowercase(pattern: str, where: str) -> LazyPattern:
    """Phrases written in lower case, (lazily) compiled for matching lower-cased text.

    Case-insensitive matching is done by lower-casing the text once instead of ``re.IGNORECASE``:
    the regex engine can then skip ahead on the phrases' first letters (3-4x faster on the ~300
    phrases). An upper-case letter in a phrase (outside an escape like ``\\S``) would never match,
    so it is refused.
    """
    if _UPPER_LITERAL_RE.search(pattern.replace("\\\\", "")):
        raise DataFileError(f"{where}: write phrases in lower case (they match lower-cased text)")
    return LazyPattern(pattern, where, 0)


def match_rule(
    rules: tuple[Rule, ...], text: str, code: int | None, status: str | None, klass: ReplyClass | None
) -> Rule | None:
    """The first rule of ``rules`` that applies."""
    low = text.lower()
    for i in _gates_of(rules).candidates(low):
        rule = rules[i]
        if rule.applies(text, code, status, klass):
            return rule
    return None


_GATES: dict[int, tuple[tuple[Rule, ...], Gates]] = {}


def _gates_of(rules: tuple[Rule, ...]) -> Gates:
    """The gate index of a rule tuple (built once: the rule tables are cached tuples)."""
    known = _GATES.get(id(rules))
    if known is not None and known[0] is rules:
        return known[1]
    gates = Gates([rule.needles for rule in rules])
    if len(_GATES) > 64:
        _GATES.clear()
    _GATES[id(rules)] = (rules, gates)
    return gates
