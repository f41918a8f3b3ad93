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
MAX_SCAN_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class ContentOptions:
    """How to check content.

    ``spamd``: ``HOST:PORT`` of a running spamd; without it a private spamd is started for the
    check (and stopped) when ``start_spamd`` is true and SpamAssassin is installed.
    ``spamassassin=False`` skips SpamAssassin. rspamd scores too when ``rspamd`` (the URL of its
    normal worker) is given, when ``start_rspamd`` asks for a private one (slow to start), or when
    ``probe_rspamd`` finds one answering at http://127.0.0.1:11333. The resolver and blocklist options are those of the
    sender check (``nameservers``, ``timeout``, ``tries``, ``dnsbl_file``, ``blocklists``).
    """

    spamassassin: bool = True
    spamd: str | None = None
    start_spamd: bool = True
    spamd_timeout: float = 60.0
    rspamd: str | None = None
    start_rspamd: bool = False
    probe_rspamd: bool = True
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
    rspamd: spamd.SpamReport | None = None
    rspamd_error: str | None = None

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
            "rspamd": None
            if self.rspamd is None
            else {
                "score": self.rspamd.total,
                "required": self.rspamd.required,
                "action": self.rspamd.action,
                "rules": [
                    {"name": r.name, "points": r.points, "description": r.description}
                    for r in self.rspamd.rules
                ],
            },
            "rspamd_error": self.rspamd_error,
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
    if len(raw) > MAX_SCAN_BYTES:
        raise InboxtraceError(
            f"the message is larger than {MAX_SCAN_BYTES // (1024 * 1024)} MB: not scored "
            "(spamc skips messages over 500 KB by default, as many receivers do)"
        )
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


def _rspamd(raw: bytes, options: ContentOptions) -> tuple[spamd.SpamReport | None, str | None]:
    """(report, None), or (None, why) when rspamd was asked for and failed, or (None, None)."""
    from inboxtrace.content import rspamd

    try:
        if options.rspamd:
            return rspamd.score(raw, options.rspamd), None
        if options.start_rspamd:
            with rspamd.RspamdServer.start() as server:
                return server.score(raw), None
        if options.probe_rspamd and rspamd.available() and rspamd.ping(rspamd.DEFAULT_URL, timeout=0.5):
            return rspamd.score(raw, rspamd.DEFAULT_URL), None
    except InboxtraceError as exc:
        return None, str(exc)
    return None, None


def _rspamd_finding(report: spamd.SpamReport) -> Finding:
    shown = f"{report.total:g} points, action {report.action or '?'}"
    code = {
        "reject": "content.rspamd-reject",
        "add header": "content.rspamd-spam",
        "rewrite subject": "content.rspamd-spam",
        "greylist": "content.rspamd-greylist",
        "soft reject": "content.rspamd-greylist",
    }.get(report.action, "content.rspamd-clean")
    return finding(code, found=shown)


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
    rspamd_report, rspamd_error = _rspamd(raw, options)
    if rspamd_report is not None:
        findings.append(_rspamd_finding(rspamd_report))
    elif rspamd_error is not None:
        findings.append(finding("content.rspamd-unavailable", found=rspamd_error, checked=False))
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
        rspamd=rspamd_report,
        rspamd_error=rspamd_error,
    )
