"""The content check of one message: SpamAssassin's score explained, inboxtrace's own findings,
and the link and image domains looked up on the domain blocklists."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from inboxtrace.checks.tags import org_domain
from inboxtrace.content import spamd
from inboxtrace.content.findings import own_findings
from inboxtrace.content.knowledge import finding, rule_meanings
from inboxtrace.content.message import Body, read_body
from inboxtrace.errors import InboxtraceError
from inboxtrace.model.check import Finding

MAX_BLOCKLIST_DOMAINS = 20
CLOSE_TO_SPAM = 0.6  # a score above this share of the threshold is "close"


@dataclass(frozen=True)
class ContentOptions:
    """How to check content.

    ``spamd``: ``HOST:PORT`` of a running spamd; without it a private spamd is started for the
    check (and stopped) when ``start_spamd`` is true and SpamAssassin is installed.
    ``spamassassin=False`` skips SpamAssassin. The resolver and blocklist options are those of the
    sender check (``nameservers``, ``timeout``, ``tries``, ``dnsbl_file``, ``blocklists``).
    """

    spamassassin: bool = True
    spamd: str | None = None
    start_spamd: bool = True
    spamd_timeout: float = 60.0
    blocklists: bool = True
    dnsbl_file: str | None = None
    nameservers: tuple[str, ...] = ()
    timeout: float = 3.0
    tries: int = 2


@dataclass(frozen=True, slots=True)
class ExplainedRule:
    """A SpamAssassin rule that fired, with what it means for a sender."""

    name: str
    points: float
    description: str
    meaning: str
    fix: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "points": self.points,
            "description": self.description,
            "meaning": self.meaning,
            "fix": self.fix,
        }


@dataclass(frozen=True)
class ContentResult:
    """What the content check found: findings most harmful first, and SpamAssassin's verdict."""

    size: int
    from_domain: str | None
    findings: tuple[Finding, ...]
    spam_total: float | None = None
    spam_required: float | None = None
    rules: tuple[ExplainedRule, ...] = ()
    spam_error: str | None = None
    link_domains: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "from_domain": self.from_domain,
            "spamassassin": None
            if self.spam_total is None
            else {
                "score": self.spam_total,
                "required": self.spam_required,
                "rules": [r.to_dict() for r in self.rules],
            },
            "spamassassin_error": self.spam_error,
            "link_domains": list(self.link_domains),
            "findings": [f.to_dict() for f in self.findings],
        }


def explain_rules(report: spamd.SpamReport) -> tuple[ExplainedRule, ...]:
    """The rules that fired, most points first, each with its plain-words meaning."""
    meanings = rule_meanings()
    out = []
    for hit in report.rules:
        entry = meanings.get(hit.name, {})
        out.append(
            ExplainedRule(
                name=hit.name,
                points=hit.points,
                description=hit.description,
                meaning=entry.get("meaning", hit.description),
                fix=entry.get("fix", ""),
            )
        )
    return tuple(sorted(out, key=lambda r: (-r.points, r.name)))


def _spam_findings(report: spamd.SpamReport) -> list[Finding]:
    shown = f"{report.total:g} of {report.required:g} points"
    if report.total >= report.required:
        return [finding("content.spam", found=shown)]
    if report.total >= report.required * CLOSE_TO_SPAM:
        return [finding("content.spam-close", found=shown)]
    return [finding("content.spam-clean", found=shown)]


def _score(raw: bytes, options: ContentOptions) -> spamd.SpamReport:
    if options.spamd:
        host, _, port = options.spamd.rpartition(":")
        try:
            return spamd.score(raw, host or "127.0.0.1", int(port))
        except ValueError as exc:
            raise InboxtraceError(f"--spamd must be HOST:PORT, not {options.spamd!r}") from exc
    if not options.start_spamd:
        raise InboxtraceError("no spamd given and starting one is turned off")
    with spamd.SpamdServer.start(timeout=options.spamd_timeout) as server:
        return server.score(raw)


async def blocklisted(domains: tuple[str, ...], options: ContentOptions) -> list[Finding]:
    """The domain blocklists' answers for ``domains`` (the sender check's lists and decoding)."""
    from inboxtrace.checks import CheckOptions
    from inboxtrace.checks.context import Context
    from inboxtrace.checks.dnsbl import check_target, load_lists
    from inboxtrace.checks.dnsq import Resolver

    lists = tuple(bl for bl in load_lists(options.dnsbl_file) if bl.kind == "domain")
    if not lists or not domains:
        return []
    check_options = CheckOptions(
        nameservers=options.nameservers, timeout=options.timeout, tries=options.tries
    )
    resolver = Resolver(options.nameservers or None, timeout=options.timeout, tries=options.tries)
    try:
        ctx = Context(domain=domains[0], options=check_options, resolver=resolver)
        results = await asyncio.gather(*(check_target(ctx, d, lists) for d in domains))
    finally:
        resolver.close()
    return [f for fs in results for f in fs]


def link_domains(body: Body) -> tuple[str, ...]:
    """The registered domains of the message's links and images, in order of appearance."""
    seen: dict[str, None] = {}
    for link in body.links:
        seen.setdefault(org_domain(link.host))
    return tuple(seen)[:MAX_BLOCKLIST_DOMAINS]


def check_content(raw: bytes, options: ContentOptions | None = None) -> ContentResult:
    """Check one raw message; never raises on bad input (problems become findings)."""
    from inboxtrace.checks.findings import order
    from inboxtrace.checks.run import run_async

    options = options or ContentOptions()
    body = read_body(raw)
    findings = own_findings(body)
    domains = link_domains(body)
    if options.blocklists and domains:
        findings += run_async(blocklisted(domains, options))
    total = required = None
    rules: tuple[ExplainedRule, ...] = ()
    error = None
    if options.spamassassin:
        try:
            report = _score(raw, options)
        except InboxtraceError as exc:
            error = str(exc)
            findings.append(finding("content.spamassassin-unavailable", found=error, checked=False))
        else:
            total, required = report.total, report.required
            rules = explain_rules(report)
            findings += _spam_findings(report)
    if not any(f.severity.value != "info" for f in findings if f.check == "content"):
        findings.append(finding("content.ok"))
    return ContentResult(
        size=body.size,
        from_domain=body.from_domain,
        findings=order(findings),
        spam_total=total,
        spam_required=required,
        rules=rules,
        spam_error=error,
        link_domains=domains,
    )
