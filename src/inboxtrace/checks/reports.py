"""The sender check's DMARC findings, linked to what stored aggregate reports show."""

from __future__ import annotations

from datetime import datetime

from inboxtrace.checks.findings import finding
from inboxtrace.feedback.summary import dmarc_summary
from inboxtrace.model.check import CheckResult, Finding
from inboxtrace.store.core import Store


def report_findings(store: Store, domain: str, *, since: datetime | None = None) -> list[Finding]:
    """Findings about ``domain`` from the stored aggregate reports (none stored: one note)."""
    summary = dmarc_summary(store, domain=domain, since=since)
    if not summary.messages:
        return [finding("dmarc.reports-none", subject=domain, domain=domain)]
    out: list[Finding] = []
    unknown = summary.not_yours
    if unknown:
        shown = ", ".join(f"{s.ip} ({s.messages} msg)" for s in unknown[:5])
        out.append(
            finding(
                "dmarc.reports-unknown-sources",
                subject=domain,
                found=shown + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""),
                count=len(unknown),
                domain=domain,
            )
        )
    partly = [s for s in summary.sources if s.status == "partly"]
    if partly:
        shown = ", ".join(f"{s.ip} ({100 * s.pass_rate:.0f}% pass of {s.messages})" for s in partly[:5])
        out.append(finding("dmarc.reports-partly-failing", subject=domain, found=shown, count=len(partly)))
    rate = 100 * summary.dmarc_pass / summary.messages
    found = (
        f"{rate:.1f}% of {summary.messages} message(s) pass, from {len(summary.sources)} source(s), "
        f"in {summary.reports['aggregate']} report(s) of {len(summary.reporters)} receiver(s)"
    )
    out.append(finding("dmarc.reports-ok", subject=domain, found=found))
    return out


def with_report_findings(result: CheckResult, store: Store) -> CheckResult:
    """The sender check's ``result`` with the findings of the stored aggregate reports about its
    domain added, most harmful first (``check --db`` and the web's sender check)."""
    import dataclasses

    from inboxtrace.checks.findings import order

    extra = report_findings(store, result.domain)
    return dataclasses.replace(result, findings=order([*result.findings, *extra]))
