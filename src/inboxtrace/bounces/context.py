"""Bounce-level knowledge that is not a reply phrase (data: ``bounces/data/context.toml``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from inboxtrace.codes.needles import FirstMatch
from inboxtrace.datafiles import read_text
from inboxtrace.errors import DataFileError
from inboxtrace.loadcache import compile_regex, parse_toml
from inboxtrace.model.reply import Phase


@dataclass(frozen=True, slots=True)
class PhaseRule:
    phases: frozenset[Phase]
    reasons: frozenset[str]
    becomes: str
    unless: re.Pattern[str] | None = None
    providers: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class UnknownUserRule:
    status: re.Pattern[str]
    without_evidence: bool
    phases: frozenset[Phase]
    reasons: frozenset[str]
    becomes: str
    looked_up: FirstMatch[bool] | None = None  # gated by its literals: searched only when one is there


@dataclass(frozen=True, slots=True)
class Knowledge:
    marks: FirstMatch[Phase]
    phase_rules: tuple[PhaseRule, ...]
    unknown: UnknownUserRule
    action_rules: tuple[tuple[frozenset[str], frozenset[Phase], frozenset[str], str], ...]
    text_rules: tuple[tuple[re.Pattern[str], frozenset[str], str, bool], ...]
    undecided: tuple[frozenset[str], str]
    delayed: FirstMatch[bool] | None
    gave_up: tuple[re.Pattern[str], str] | None


def _build(raw: dict[str, Any]) -> Knowledge:
    marks = FirstMatch((compile_regex(p["pattern"], re.I), Phase(p["phase"])) for p in raw.get("phase", []))
    rules = tuple(
        PhaseRule(
            phases=frozenset(Phase(x) for x in r["phases"]),
            reasons=frozenset(r["reasons"]),
            becomes=str(r["becomes"]),
            unless=compile_regex(r["unless"], re.I) if r.get("unless") else None,
            providers=frozenset(r.get("providers", [])),
        )
        for r in raw.get("phase_rule", [])
    )
    u = raw["unknown_user"]
    unknown = UnknownUserRule(
        status=compile_regex(u["filter_status"]),
        without_evidence=bool(u.get("without_evidence", False)),
        phases=frozenset(Phase(x) for x in u["trusted_phases"]),
        reasons=frozenset(u["reasons"]),
        becomes=str(u["becomes"]),
        looked_up=_gated(u["looked_up"]) if u.get("looked_up") else None,
    )
    actions = tuple(
        (
            frozenset(r["actions"]),
            frozenset(Phase(p) for p in r["phases"]),
            frozenset(r["reasons"]),
            str(r["becomes"]),
        )
        for r in raw.get("action_rule", [])
    )
    texts = tuple(
        (
            compile_regex(r["pattern"], re.I),
            frozenset(r["reasons"]),
            str(r["becomes"]),
            bool(r.get("context", False)),
        )
        for r in raw.get("text_rule", [])
    )
    und = raw.get("undecided") or {"reasons": [], "becomes": "undefined"}
    delayed = raw.get("delayed")
    gave_up = raw.get("gave_up")
    return Knowledge(
        marks=marks,
        phase_rules=rules,
        unknown=unknown,
        action_rules=actions,
        text_rules=texts,
        undecided=(frozenset(und["reasons"]), str(und["becomes"])),
        delayed=_gated(delayed["patterns"]) if delayed else None,
        gave_up=(compile_regex(gave_up["pattern"], re.I), str(gave_up["becomes"])) if gave_up else None,
    )


def _gated(patterns: str | list[str]) -> FirstMatch[bool]:
    """Any of the patterns, each gated by its own literals (see ``codes/needles.py``)."""
    listed = [patterns] if isinstance(patterns, str) else patterns
    return FirstMatch((compile_regex(p, re.I), True) for p in listed)


@cache
def knowledge() -> Knowledge:
    try:
        text = read_text("bounces", "data", "context.toml")
        return _build(parse_toml(text))
    except (OSError, KeyError, TypeError, ValueError, re.error) as exc:  # ValueError: not TOML
        raise DataFileError(f"bounces/data/context.toml: {exc}") from exc


@cache
def phase_sensitive_reasons() -> frozenset[str]:
    """Reasons some rule re-reads in the light of the SMTP phase (only these need the phase)."""
    k = knowledge()
    out = set(k.unknown.reasons)
    for rule in k.phase_rules:
        out |= rule.reasons
    for _actions, phases, reasons, _becomes in k.action_rules:
        if phases:
            out |= reasons
    return frozenset(out)


def says_delayed(text: str) -> bool:
    """A human-text report that is only a warning: the MTA keeps trying (DSN action "delayed")."""
    pattern = knowledge().delayed
    return bool(pattern and pattern.first(text))


def split_gave_up(text: str) -> tuple[str, str] | None:
    """(the text without the MTA's "gave up after the queue lifetime" words, the reason they give
    alone), or ``None`` when the text has no such words."""
    rule = knowledge().gave_up
    if rule is None:
        return None
    pattern, becomes = rule
    match = pattern.search(text)
    if match is None:
        return None
    return (text[: match.start()] + " " + text[match.end() :]).strip(), becomes


def states_lookup(*texts: str) -> bool:
    """The words say the address was looked up and not found (a directory, an address book), or
    ask the sender to check it: a verdict on the address itself, without a status or a phase."""
    pattern = knowledge().unknown.looked_up
    return pattern is not None and any(pattern.first(t) for t in texts if t)


def phase_mark(text: str) -> Phase | None:
    """The SMTP phase a bounce's own words state (transcripts, vendor wording), or ``None``."""
    return knowledge().marks.first(text)


def phase_in_text(text: str) -> Phase | None:
    """The SMTP phase a bounce text states (transcripts, vendor wording), or ``None``."""
    from inboxtrace.codes import phase_of

    return phase_mark(text) or phase_of(text)


def reason_for_text(reason: str, text: str, context: str | Callable[[], str] = "") -> str:
    """The reason as re-read in the light of the reporting MTA's own words around the reply.

    ``context`` may be given as a function that computes it: it is then called only when a rule
    reads it."""
    for pattern, reasons, becomes, in_context in knowledge().text_rules:
        if reason not in reasons:
            continue
        if pattern.search(text):
            return becomes
        if in_context:
            around = context if isinstance(context, str) else context()
            if around and pattern.search(around):
                return becomes
    return reason


def reason_undecided(reason: str, has_diagnostic: bool) -> str:
    """A reason nothing decided: on hold when the recipient has a diagnostic of its own."""
    reasons, becomes = knowledge().undecided
    return becomes if has_diagnostic and reason in reasons else reason


def reason_for_action(reason: str, action: str | None, phase: Phase | None) -> str:
    """The reason as re-read in the light of the DSN action (failed after retries, delayed, ...)."""
    for actions, phases, reasons, becomes in knowledge().action_rules:
        if (action or "") in actions and reason in reasons and (not phases or phase in phases):
            return becomes
    return reason


def reason_in_phase(
    reason: str,
    phase: Phase | None,
    status: str | None,
    *,
    vouched: bool = False,
    text: str = "",
    provider: str | None = None,
    stated: bool = True,
) -> str:
    """The reason as re-read in the light of the phase and status (unchanged when no rule applies).

    ``stated``: the bounce states the phase; a phase only hinted at by the reply's wording
    ("Recipient address rejected") does not show the address itself was refused.
    """
    k = knowledge()
    unknown = k.unknown
    if not stated and phase in unknown.phases and reason in unknown.reasons:
        phase = None
    if (
        reason in unknown.reasons
        and unknown.without_evidence
        and phase is None
        and not status
        and not vouched
    ):
        return unknown.becomes
    if phase is not None:
        for rule in k.phase_rules:
            if phase in rule.phases and reason in rule.reasons:
                if rule.providers and provider not in rule.providers:
                    continue
                if rule.unless is not None and rule.unless.search(text):
                    continue
                return rule.becomes
    if reason in unknown.reasons and phase not in unknown.phases and status and unknown.status.search(status):
        return unknown.becomes
    return reason
