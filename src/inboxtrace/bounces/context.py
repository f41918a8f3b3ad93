"""Bounce-level knowledge that is not a reply phrase (data: ``bounces/data/context.toml``)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from inboxtrace.errors import DataFileError
from inboxtrace.model.reply import Phase


@dataclass(frozen=True, slots=True)
class PhaseRule:
    phases: frozenset[Phase]
    reasons: frozenset[str]
    becomes: str
    unless: re.Pattern[str] | None = None


@dataclass(frozen=True, slots=True)
class UnknownUserRule:
    status: re.Pattern[str]
    without_evidence: bool
    phases: frozenset[Phase]
    reasons: frozenset[str]
    becomes: str


@cache
def _data() -> tuple[tuple[tuple[re.Pattern[str], Phase], ...], tuple[PhaseRule, ...], UnknownUserRule]:
    try:
        text = resources.files("inboxtrace.bounces").joinpath("data/context.toml").read_text("utf-8")
        raw = tomllib.loads(text)
        marks = tuple((re.compile(p["pattern"], re.I), Phase(p["phase"])) for p in raw.get("phase", []))
        rules = tuple(
            PhaseRule(
                phases=frozenset(Phase(x) for x in r["phases"]),
                reasons=frozenset(r["reasons"]),
                becomes=str(r["becomes"]),
                unless=re.compile(r["unless"], re.I) if r.get("unless") else None,
            )
            for r in raw.get("phase_rule", [])
        )
        u = raw["unknown_user"]
        unknown = UnknownUserRule(
            status=re.compile(u["filter_status"]),
            without_evidence=bool(u.get("without_evidence", False)),
            phases=frozenset(Phase(x) for x in u["trusted_phases"]),
            reasons=frozenset(u["reasons"]),
            becomes=str(u["becomes"]),
        )
    except (OSError, KeyError, TypeError, ValueError, tomllib.TOMLDecodeError, re.error) as exc:
        raise DataFileError(f"bounces/data/context.toml: {exc}") from exc
    return marks, rules, unknown


@cache
def phase_sensitive_reasons() -> frozenset[str]:
    """Reasons some rule re-reads in the light of the SMTP phase (only these need the phase)."""
    _marks, rules, unknown = _data()
    out = set(unknown.reasons)
    for rule in rules:
        out |= rule.reasons
    for _actions, phases, reasons, _becomes in _action_rules():
        if phases:
            out |= reasons
    return frozenset(out)


@cache
def _delayed_re() -> re.Pattern[str] | None:
    try:
        text = resources.files("inboxtrace.bounces").joinpath("data/context.toml").read_text("utf-8")
        delayed = tomllib.loads(text).get("delayed")
        return re.compile(delayed["pattern"], re.I) if delayed else None
    except (OSError, KeyError, TypeError, tomllib.TOMLDecodeError, re.error) as exc:
        raise DataFileError(f"bounces/data/context.toml: {exc}") from exc


def says_delayed(text: str) -> bool:
    """A human-text report that is only a warning: the MTA keeps trying (DSN action "delayed")."""
    pattern = _delayed_re()
    return bool(pattern and pattern.search(text))


def phase_in_text(text: str) -> Phase | None:
    """The SMTP phase a bounce text states (transcripts, vendor wording), or ``None``."""
    from inboxtrace.codes import phase_of

    for pattern, phase in _data()[0]:
        if pattern.search(text):
            return phase
    return phase_of(text)


@cache
def _action_rules() -> tuple[tuple[frozenset[str], frozenset[Phase], frozenset[str], str], ...]:
    try:
        text = resources.files("inboxtrace.bounces").joinpath("data/context.toml").read_text("utf-8")
        return tuple(
            (
                frozenset(r["actions"]),
                frozenset(Phase(p) for p in r["phases"]),
                frozenset(r["reasons"]),
                str(r["becomes"]),
            )
            for r in tomllib.loads(text).get("action_rule", [])
        )
    except (OSError, KeyError, TypeError, ValueError, tomllib.TOMLDecodeError) as exc:
        raise DataFileError(f"bounces/data/context.toml: {exc}") from exc


@cache
def _text_rules() -> tuple[tuple[re.Pattern[str], frozenset[str], str], ...]:
    try:
        text = resources.files("inboxtrace.bounces").joinpath("data/context.toml").read_text("utf-8")
        raw = tomllib.loads(text)
        rules = [
            (re.compile(r["pattern"], re.I), frozenset(r["reasons"]), str(r["becomes"]))
            for r in raw.get("text_rule", [])
        ]
        undecided = raw.get("undecided")
        if undecided:
            rules.append((re.compile(""), frozenset(undecided["reasons"]), str(undecided["becomes"])))
        return tuple(rules)
    except (OSError, KeyError, TypeError, ValueError, tomllib.TOMLDecodeError, re.error) as exc:
        raise DataFileError(f"bounces/data/context.toml: {exc}") from exc


def reason_for_text(reason: str, text: str) -> str:
    """The reason as re-read in the light of the reporting MTA's own words around the reply."""
    for pattern, reasons, becomes in _text_rules():
        if reason in reasons and pattern.search(text):
            return becomes
    return reason


def reason_for_action(reason: str, action: str | None, phase: Phase | None) -> str:
    """The reason as re-read in the light of the DSN action (failed after retries, delayed, ...)."""
    for actions, phases, reasons, becomes in _action_rules():
        if (action or "") in actions and reason in reasons and (not phases or phase in phases):
            return becomes
    return reason


def reason_in_phase(
    reason: str, phase: Phase | None, status: str | None, vouched: bool = False, text: str = ""
) -> str:
    """The reason as re-read in the light of the phase and status (unchanged when no rule applies)."""
    _marks, rules, unknown = _data()
    if (
        reason in unknown.reasons
        and unknown.without_evidence
        and phase is None
        and not status
        and not vouched
    ):
        return unknown.becomes
    if phase is not None:
        for rule in rules:
            if phase in rule.phases and reason in rule.reasons:
                if rule.unless is not None and rule.unless.search(text):
                    continue
                return rule.becomes
    if reason in unknown.reasons and phase not in unknown.phases and status and unknown.status.search(status):
        return unknown.becomes
    return reason
