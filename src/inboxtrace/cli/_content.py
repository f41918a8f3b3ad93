"""The content part of ``inboxtrace check --message``: the check, and how it is shown."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from inboxtrace.checks import CheckOptions
    from inboxtrace.content import ContentResult, Verdict
    from inboxtrace.model.check import CheckResult


def run(
    raw: bytes,
    options: CheckOptions,
    sender: CheckResult | None,
    *,
    spamd: str | None,
    spamassassin: bool,
    rspamd: str | None = None,
    start_rspamd: bool = False,
    spamassassin_network: bool = False,
) -> tuple[ContentResult, Verdict]:
    """Check the content of ``raw`` with the sender check's resolver options; join the verdict."""
    from inboxtrace.content import ContentOptions, check_content, overall

    content = check_content(
        raw,
        ContentOptions(
            spamassassin=spamassassin,
            spamd=spamd,
            rspamd=rspamd,
            start_rspamd=start_rspamd,
            spamassassin_network=spamassassin_network,
            blocklists=options.blocklists,
            dnsbl_file=options.dnsbl_file,
            nameservers=options.nameservers,
            timeout=options.timeout,
            tries=options.tries,
        ),
    )
    return content, overall(sender, content)


def with_reports(result: CheckResult, db: str) -> CheckResult:
    """The sender check's result with the stored DMARC reports' findings added (and ordered)."""
    from inboxtrace.checks.reports import with_report_findings
    from inboxtrace.store import open_store

    with open_store(db, must_exist=True) as store:
        return with_report_findings(result, store)


def to_dict(content: ContentResult, verdict: Verdict) -> dict[str, Any]:
    return {"content": content.to_dict(), "verdict": verdict.to_dict()}


def _rule_line(points: float, name: str, text: str) -> Text:
    """One scanner rule that fired: its points (coloured by weight), its name, what it means."""
    from rich.text import Text

    from inboxtrace.safetext import visible

    style = "red" if points >= 1 else "yellow" if points > 0 else "dim"
    return Text.assemble((f"  {points:+5.1f} ", style), (f"{name:24} ", "bold"), visible(text))


def render(
    content: ContentResult,
    verdict: Verdict,
    console: Console,
    *,
    verbose: bool = False,
    shown: CheckResult | None = None,
) -> None:
    """The content section and the verdict; every message-derived text is shown as plain text.

    Blocklist findings the sender report ``shown`` already printed are not repeated."""
    from rich.text import Text

    from inboxtrace.cli._findings import print_finding
    from inboxtrace.safetext import visible

    console.print()
    console.print(Text("Content", style="bold underline"))
    if content.spam_total is not None:
        spam = content.spam_required is not None and content.spam_total >= content.spam_required
        console.print(
            Text.assemble(
                "SpamAssassin ",
                (f"{content.spam_total:g}", "bold red" if spam else "bold green"),
                f" of {content.spam_required:g} required",
            )
        )
        for rule in content.rules:
            if rule.points == 0 and not verbose:
                continue
            console.print(_rule_line(rule.points, rule.name, rule.meaning))
            if rule.fix and rule.points > 0:
                console.print(Text.assemble(("         fix: ", "dim"), visible(rule.fix)))
    if content.rspamd is not None:
        r = content.rspamd
        console.print(
            Text.assemble(
                "rspamd ",
                (f"{r.total:g}", "bold red" if r.spam else "bold green"),
                f" (action {r.action or '?'}; reject at {r.required:g})",
            )
        )
        for hit in r.rules:
            if hit.points == 0 and not verbose:
                continue
            console.print(_rule_line(hit.points, hit.name, hit.description))
    already = {(f.code, f.subject, f.found) for f in shown.findings} if shown is not None else set()
    for f in content.findings:
        if (f.code, f.subject, f.found) in already:
            continue
        sev = f.severity.value
        if sev == "info" and not verbose and f.code != "content.spamassassin-unavailable":
            continue
        print_finding(console, f, visible, why=False, fix=sev != "info")
    console.print()
    colour = "green" if verdict.mark >= 8 else "yellow" if verdict.mark >= 5 else "red"
    lost = ", ".join(f"{part} -{value:g}" for part, value in verdict.lost.items() if value)
    console.print(
        Text.assemble(
            ("Verdict ", "bold"),
            (f"{verdict.mark:g}/10", f"bold {colour}"),
            f"  ({lost})" if lost else "",
            ("  (incomplete: some checks could not be made)" if not verdict.complete else "", "yellow"),
        )
    )
    for n, fix in enumerate(verdict.fixes, 1):
        console.print(Text.assemble((f"  {n}. ", "bold"), (f"[{fix.part}] ", "dim"), visible(fix.title)))
        console.print(Text.assemble(("     ", ""), visible(fix.fix)))
