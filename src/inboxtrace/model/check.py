"""Records of the sender check: one finding about a domain/IP/message, and the scored result."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """How much a finding hurts delivery (ordered: error first)."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for error, 1 for warning, 2 for info: sort key, most harmful first."""
        return ("error", "warning", "info").index(self.value)


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing the check found, with why receivers care and how to fix it.

    ``code`` is stable (``spf.too-many-lookups``) and keys the explanatory texts; ``subject`` is
    what the finding is about (a domain, IP, selector or list zone); ``found`` is what was seen
    (record text, answer, count). ``checked`` is False when the check could not be made (DNS
    timeout, SERVFAIL): that is "unknown", never "missing". ``penalty`` is what this finding takes
    off the score before the per-check cap.
    """

    check: str
    code: str
    severity: Severity
    title: str
    found: str
    why: str
    fix: str
    subject: str = ""
    penalty: int = 0
    checked: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "code": self.code,
            "severity": self.severity.value,
            "title": self.title,
            "subject": self.subject,
            "found": self.found,
            "why": self.why,
            "fix": self.fix,
            "penalty": self.penalty,
            "checked": self.checked,
        }


@dataclass(frozen=True, slots=True)
class CheckResult:
    """Everything found about one domain, most harmful first, and the 0–100 score.

    ``score`` is None when no check could be made at all (every DNS question timed out or failed):
    a number would claim knowledge the check does not have.

    ``complete`` is False when at least one check could not be made; ``records`` holds the raw
    records seen (SPF, DMARC, MX ...) by name for reports and JSON.
    """

    domain: str
    findings: tuple[Finding, ...]
    score: int | None
    complete: bool = True
    records: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.WARNING)

    def by_code(self, code: str) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.code == code)

    def to_dict(self) -> dict[str, Any]:
        return {
            "domain": self.domain,
            "score": self.score,
            "complete": self.complete,
            "findings": [f.to_dict() for f in self.findings],
            "records": self.records,
        }
