"""What receivers report back about mail sent as a domain: the records the parsers produce."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class AuthResult:
    """One DKIM or SPF result of an aggregate row (``scope`` is SPF's mfrom/helo, ``selector`` DKIM's)."""

    method: str  # "dkim" or "spf"
    domain: str
    result: str
    selector: str = ""
    scope: str = ""


@dataclass(frozen=True, slots=True)
class AggregateRow:
    """One <record>: a sending IP, how many messages, what the receiver decided and why."""

    source_ip: str
    count: int
    disposition: str
    dkim: str  # DMARC-evaluated (aligned) DKIM: pass / fail
    spf: str  # DMARC-evaluated (aligned) SPF: pass / fail
    header_from: str
    envelope_from: str = ""
    envelope_to: str = ""
    reasons: tuple[tuple[str, str], ...] = ()  # policy overrides: (type, comment)
    auth: tuple[AuthResult, ...] = ()

    @property
    def dmarc_pass(self) -> bool:
        return self.dkim == "pass" or self.spf == "pass"


@dataclass(frozen=True)
class AggregateReport:
    """An RFC 7489 (or RFC 9990) aggregate report."""

    org_name: str
    report_id: str
    begin: datetime
    end: datetime
    domain: str
    email: str = ""
    policy: dict[str, str] = field(default_factory=dict)
    rows: tuple[AggregateRow, ...] = ()
    version: str = ""
    problems: tuple[str, ...] = ()  # rows skipped, with why

    @property
    def key(self) -> str:
        return f"{self.org_name}\x00{self.report_id}"

    @property
    def messages(self) -> int:
        return sum(r.count for r in self.rows)


@dataclass(frozen=True)
class FailureReport:
    """An RFC 6591 authentication failure report (ARF ``Feedback-Type: auth-failure``)."""

    report_id: str  # a digest of the report (failure reports carry no id of their own)
    reporter: str
    arrival: datetime | None
    source_ip: str
    reported_domain: str
    auth_failure: str
    identity_alignment: str
    delivery_result: str
    original_mail_from: str
    original_rcpt_to: str
    dkim_domain: str = ""
    dkim_selector: str = ""
    header_from: str = ""
    subject: str = ""
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TlsFailure:
    """One failure-details entry of a TLS-RPT policy."""

    result_type: str
    sessions: int
    sending_mta_ip: str = ""
    receiving_mx: str = ""
    receiving_ip: str = ""
    receiving_helo: str = ""
    reason_code: str = ""
    info: str = ""


@dataclass(frozen=True)
class TlsPolicy:
    """One policy of a TLS-RPT report: its kind, domain, MX hosts and session counts."""

    policy_type: str
    policy_domain: str
    mx_hosts: tuple[str, ...]
    successful: int
    failed: int
    failures: tuple[TlsFailure, ...] = ()
    policy_string: tuple[str, ...] = ()


@dataclass(frozen=True)
class TlsReport:
    """An RFC 8460 SMTP TLS report."""

    org_name: str
    report_id: str
    begin: datetime
    end: datetime
    contact: str = ""
    policies: tuple[TlsPolicy, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.org_name}\x00{self.report_id}"


Report = AggregateReport | FailureReport | TlsReport


@dataclass(frozen=True, slots=True)
class Rejected:
    """A report that could not be read: where it came from and why (counted, never a traceback)."""

    source: str
    kind: str  # "aggregate", "failure", "tlsrpt" or "unknown"
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "kind": self.kind, "reason": self.reason}
