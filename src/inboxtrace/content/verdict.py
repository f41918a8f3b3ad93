"""One verdict out of 10 joining authentication (the sender check), blocklists and content,
with the three fixes that matter most."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from inboxtrace.checks.findings import score as sender_score
from inboxtrace.content.check import ContentResult
from inboxtrace.content.knowledge import load
from inboxtrace.model.check import CheckResult, Finding

MIN_RULE_POINTS = 1.0  # a SpamAssassin rule adding less is not a "top fix"
# the engines' overall verdicts: their rules are the fixes
_SCORE_CODES = frozenset(
    {
        "content.spam",
        "content.spam-close",
        "content.rspamd-reject",
        "content.rspamd-spam",
        "content.rspamd-greylist",
    }
)


@dataclass(frozen=True, slots=True)
class Fix:
    """One thing to fix: what, how, and which part of the verdict it belongs to."""

    part: str
    title: str
    fix: str
    found: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"part": self.part, "title": self.title, "fix": self.fix, "found": self.found}


@dataclass(frozen=True)
class Verdict:
    """The overall mark (0-10, one decimal), what each part took off, and the top fixes."""

    mark: float
    lost: dict[str, float]
    fixes: tuple[Fix, ...] = field(default_factory=tuple)
    complete: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "mark": self.mark,
            "out_of": 10,
            "lost": self.lost,
            "complete": self.complete,
            "top_fixes": [f.to_dict() for f in self.fixes],
        }


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str, str]] = set()
    out = []
    for f in findings:
        key = (f.code, f.subject, f.found)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def overall(sender: CheckResult | None, content: ContentResult | None) -> Verdict:
    """The verdict; a part that was not checked (``None``) takes nothing off but makes it incomplete."""
    weights = load("verdict.toml")
    lost: dict[str, float] = {"authentication": 0.0, "blocklists": 0.0, "content": 0.0}
    everything: list[Finding] = []
    if sender is not None:
        everything += sender.findings
    if content is not None:
        everything += content.findings
    everything = _dedupe(everything)
    auth = [f for f in everything if f.check not in ("dnsbl", "content")]
    if sender is not None:
        a_max = float(weights["authentication"]["max"])
        lost["authentication"] = round((100 - sender_score(auth)) / 100 * a_max, 2)
    bl = weights["blocklists"]
    listed = [f for f in everything if f.code == "dnsbl.listed"]
    taken = sum(float(bl["ip"]) if _is_ip(f.subject) else float(bl["domain"]) for f in listed)
    lost["blocklists"] = min(float(bl["max"]), taken)
    content_findings = [f for f in everything if f.check == "content" and f.checked]
    lost["content"] = min(float(weights["content"]["max"]), sum(f.penalty for f in content_findings) / 10)
    mark = round(max(0.0, 10.0 - sum(lost.values())), 1)
    complete = sender is not None and content is not None and all(f.checked for f in everything)
    return Verdict(mark=mark, lost=lost, fixes=top_fixes(everything, content), complete=complete)


def _part(f: Finding) -> str:
    return {"dnsbl": "blocklists", "content": "content"}.get(f.check, "authentication")


def top_fixes(findings: list[Finding], content: ContentResult | None, n: int = 3) -> tuple[Fix, ...]:
    """The ``n`` most harmful problems: errors before warnings, bigger penalties first; SpamAssassin
    rules adding a point or more compete as warnings (errors when the message scored as spam)
    worth ten times their points."""
    ranked: list[tuple[int, float, Fix]] = []
    for f in findings:
        if f.severity.value == "info" or not f.checked or f.code in _SCORE_CODES:
            continue
        ranked.append((f.severity.rank, -f.penalty, Fix(_part(f), f.title, f.fix, f.found)))
    if content is not None:
        spam = content.spam_total is not None and content.spam_total >= (content.spam_required or 5.0)
        for rule in content.rules:
            if rule.points >= MIN_RULE_POINTS:
                how = rule.fix or "Change what the rule reacts to (see its meaning)."
                title = f"SpamAssassin {rule.name} (+{rule.points:g}): {rule.meaning}"
                rank = 0 if spam else 1  # in mail scored as spam the rules are errors
                ranked.append((rank, -rule.points * 10, Fix("content", title, how, rule.description)))
        if content.rspamd is not None:
            for hit in content.rspamd.rules:
                if hit.points >= MIN_RULE_POINTS:
                    title = f"rspamd {hit.name} (+{hit.points:g}): {hit.description or 'see rspamd documentation'}"
                    how = "Change what the rspamd symbol reacts to."
                    ranked.append(
                        (0 if content.rspamd.spam else 1, -hit.points * 10, Fix("content", title, how))
                    )
    ranked.sort(key=lambda item: (item[0], item[1]))
    out: list[Fix] = []
    for _rank, _pen, fix in ranked:
        if all(fix.title != seen.title for seen in out):
            out.append(fix)
        if len(out) == n:
            break
    return tuple(out)
