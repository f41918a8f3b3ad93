"""What the stored reports say: who sends as the domain, with what results, what receivers overrode,
and where TLS failed."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from inboxtrace.store.core import Store
from inboxtrace.store.feedback import aggregate_rows, failure_reports, report_counts, tls_rows

PASSING = 0.98  # a source whose aligned pass rate is at least this is "yours and set up"


@dataclass
class Source:
    """One sending IP as the aggregate reports saw it."""

    ip: str
    messages: int = 0
    spf_aligned: int = 0  # messages whose DMARC-evaluated SPF passed (aligned)
    dkim_aligned: int = 0
    dmarc_pass: int = 0
    spf_auth: int = 0  # messages whose raw SPF result was pass (aligned or not)
    dkim_auth: int = 0
    dispositions: Counter[str] = field(default_factory=Counter)
    header_from: Counter[str] = field(default_factory=Counter)
    reporters: Counter[str] = field(default_factory=Counter)
    dkim_domains: Counter[str] = field(default_factory=Counter)
    envelope_domains: Counter[str] = field(default_factory=Counter)
    ptr: str | None = None

    @property
    def provider(self) -> str:
        """The organizational domain of the source's PTR name ('' when unknown)."""
        from inboxtrace.checks.tags import org_domain

        return org_domain(self.ptr) if self.ptr else ""

    @property
    def pass_rate(self) -> float:
        return self.dmarc_pass / self.messages if self.messages else 0.0

    @property
    def status(self) -> str:
        """``authenticated``, ``partly`` (some messages fail), ``forwarded`` (DKIM passes for another
        domain or SPF fails while DKIM survives), or ``not-authenticated`` (never aligned: spoofing or a
        service sending for you without SPF/DKIM set up)."""
        if self.pass_rate >= PASSING:
            return "authenticated"
        if self.dmarc_pass:
            return "partly"
        if self.dkim_auth:
            return "unaligned"
        return "not-authenticated"

    def to_dict(self) -> dict[str, Any]:
        m = max(1, self.messages)
        return {
            "ip": self.ip,
            "ptr": self.ptr,
            "provider": self.provider,
            "messages": self.messages,
            "status": self.status,
            "dmarc_pass_rate": round(self.dmarc_pass / m, 4),
            "spf_aligned_rate": round(self.spf_aligned / m, 4),
            "dkim_aligned_rate": round(self.dkim_aligned / m, 4),
            "spf_pass_rate": round(self.spf_auth / m, 4),
            "dkim_pass_rate": round(self.dkim_auth / m, 4),
            "dispositions": dict(self.dispositions),
            "header_from": dict(self.header_from),
            "reporters": dict(self.reporters),
            "dkim_domains": dict(self.dkim_domains),
            "envelope_domains": dict(self.envelope_domains),
        }


@dataclass
class DmarcSummary:
    """The aggregate (and failure) reports of one domain or all, summed."""

    domain: str | None
    since: datetime | None
    reports: dict[str, int]
    messages: int = 0
    dmarc_pass: int = 0
    sources: list[Source] = field(default_factory=list)
    reporters: dict[str, dict[str, int]] = field(default_factory=dict)
    dispositions: Counter[str] = field(default_factory=Counter)
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    policies: Counter[str] = field(default_factory=Counter)
    failures: list[dict[str, Any]] = field(default_factory=list)

    @property
    def not_yours(self) -> list[Source]:
        """Sources that never pass DMARC: spoofing, or a service sending as you that is not set up."""
        return [s for s in self.sources if s.status in ("not-authenticated", "unaligned")]

    def to_dict(self) -> dict[str, Any]:
        return {
            "domain": self.domain,
            "since": self.since.isoformat() if self.since else None,
            "reports": self.reports,
            "messages": self.messages,
            "dmarc_pass_rate": round(self.dmarc_pass / self.messages, 4) if self.messages else None,
            "published_policies": dict(self.policies),
            "dispositions": dict(self.dispositions),
            "sources": [s.to_dict() for s in self.sources],
            "not_yours": [s.ip for s in self.not_yours],
            "reporters": self.reporters,
            "overrides": self.overrides,
            "failure_reports": self.failures,
        }


def _ptr_names(ips: list[str], nameservers: tuple[str, ...], timeout: float) -> dict[str, str]:
    from inboxtrace.checks.dnsq import Resolver
    from inboxtrace.checks.run import run_async

    async def lookup() -> dict[str, str]:
        import dns.reversename

        resolver = Resolver(nameservers or None, timeout=timeout, tries=1)
        try:
            answers = await asyncio.gather(
                *(resolver.query(dns.reversename.from_address(ip).to_text(), "PTR") for ip in ips)
            )
        finally:
            resolver.close()
        out = {}
        for ip, answer in zip(ips, answers, strict=True):
            if answer.ok and answer.records:
                out[ip] = str(answer.records[0].to_text()).rstrip(".").lower()
        return out

    return run_async(lookup())


def dmarc_summary(
    store: Store,
    *,
    domain: str | None = None,
    since: datetime | None = None,
    ptr: bool = False,
    nameservers: tuple[str, ...] = (),
    timeout: float = 2.0,
) -> DmarcSummary:
    """Sum the stored aggregate rows per source IP, reporter, disposition and policy override."""
    summary = DmarcSummary(
        domain=domain, since=since, reports=report_counts(store, domain=domain, since=since)
    )
    sources: dict[str, Source] = {}
    reporters: dict[str, Counter[str]] = defaultdict(Counter)
    overrides: dict[str, dict[str, Any]] = {}
    for row in aggregate_rows(store, domain=domain, since=since):
        src = sources.get(row.source_ip)
        if src is None:
            src = sources[row.source_ip] = Source(row.source_ip)
        n = row.count
        passed = row.dkim == "pass" or row.spf == "pass"
        src.messages += n
        src.spf_aligned += n if row.spf == "pass" else 0
        src.dkim_aligned += n if row.dkim == "pass" else 0
        src.dmarc_pass += n if passed else 0
        src.spf_auth += n if any(a[0] == "spf" and a[2] == "pass" for a in row.auth) else 0
        src.dkim_auth += n if any(a[0] == "dkim" and a[2] == "pass" for a in row.auth) else 0
        src.dispositions[row.disposition] += n
        src.header_from[row.header_from] += n
        src.reporters[row.org_name] += n
        for method, dom, result, _extra in row.auth:
            if method == "dkim" and result == "pass":
                src.dkim_domains[dom] += n
        if row.envelope_from:
            src.envelope_domains[row.envelope_from] += n
        summary.messages += n
        summary.dmarc_pass += n if passed else 0
        summary.dispositions[row.disposition] += n
        summary.policies[row.policy or "?"] += n
        rep = reporters[row.org_name]
        rep["messages"] += n
        rep["dmarc_pass"] += n if passed else 0
        for kind, comment in row.reasons:
            entry = overrides.setdefault(kind or "?", {"messages": 0, "reporters": Counter(), "comments": []})
            entry["messages"] += n
            entry["reporters"][row.org_name] += n
            if comment and comment not in entry["comments"] and len(entry["comments"]) < 5:
                entry["comments"].append(comment)
    summary.sources = sorted(sources.values(), key=lambda s: (-s.messages, s.ip))
    summary.reporters = {k: dict(v) for k, v in sorted(reporters.items(), key=lambda kv: -kv[1]["messages"])}
    summary.overrides = {k: v | {"reporters": dict(v["reporters"])} for k, v in overrides.items()}
    if ptr and summary.sources:
        names = _ptr_names([s.ip for s in summary.sources[:500]], nameservers, timeout)
        for s in summary.sources:
            s.ptr = names.get(s.ip)
    summary.failures = failure_reports(store, domain=domain, since=since)
    return summary


@dataclass
class TlsSummary:
    """TLS-RPT reports summed: sessions per policy domain, failures by receiving MX and result type."""

    domain: str | None
    since: datetime | None
    successful: int = 0
    failed: int = 0
    policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        total = self.successful + self.failed
        return {
            "domain": self.domain,
            "since": self.since.isoformat() if self.since else None,
            "successful_sessions": self.successful,
            "failed_sessions": self.failed,
            "failure_rate": round(self.failed / total, 4) if total else None,
            "policies": self.policies,
            "failures": self.failures,
        }


def tls_summary(store: Store, *, domain: str | None = None, since: datetime | None = None) -> TlsSummary:
    """Sum stored TLS reports per policy domain and type, and their failures per (MX, result type)."""
    import json

    data = tls_rows(store, domain=domain, since=since)
    summary = TlsSummary(domain=domain, since=since)
    for p in data["policies"]:
        key = f"{p['policy_domain']} ({p['policy_type']})"
        entry = summary.policies.setdefault(
            key, {"successful": 0, "failed": 0, "mx_hosts": [], "reporters": Counter()}
        )
        entry["successful"] += p["successful"]
        entry["failed"] += p["failed"]
        entry["reporters"][p["org_name"]] += 1
        for mx in json.loads(p["mx_hosts"]):
            if mx not in entry["mx_hosts"]:
                entry["mx_hosts"].append(mx)
        summary.successful += p["successful"]
        summary.failed += p["failed"]
    for entry in summary.policies.values():
        entry["reporters"] = dict(entry["reporters"])
    grouped: dict[tuple[str, str], dict[str, Any]] = {}
    for f in data["failures"]:
        mx = f["receiving_mx"] or f["receiving_ip"] or "(not given)"
        g = grouped.setdefault(
            (mx, f["result_type"]),
            {
                "receiving_mx": mx,
                "result_type": f["result_type"],
                "sessions": 0,
                "policy_domains": [],
                "reporters": Counter(),
                "sending_ips": Counter(),
                "details": [],
            },
        )
        g["sessions"] += f["sessions"]
        g["reporters"][f["org_name"]] += f["sessions"]
        if f["sending_mta_ip"]:
            g["sending_ips"][f["sending_mta_ip"]] += f["sessions"]
        if f["policy_domain"] not in g["policy_domains"]:
            g["policy_domains"].append(f["policy_domain"])
        detail = " ".join(x for x in (f["reason_code"], f["info"]) if x)
        if detail and detail not in g["details"] and len(g["details"]) < 3:
            g["details"].append(detail[:300])
    summary.failures = [
        g | {"reporters": dict(g["reporters"]), "sending_ips": dict(g["sending_ips"])}
        for g in sorted(grouped.values(), key=lambda g: (-g["sessions"], g["receiving_mx"]))
    ]
    return summary
