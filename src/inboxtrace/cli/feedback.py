"""``inboxtrace dmarc ...`` and ``inboxtrace tlsrpt ...``: store and summarise what receivers report."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from inboxtrace.cli.options import (
    DbOption,
    ImapCaFileOption,
    ImapFolderOption,
    ImapPasswordEnvOption,
    ImapPasswordFileOption,
    ImapPortOption,
    ImapStartTlsOption,
    ImapUserOption,
)
from inboxtrace.safetext import json_text

if TYPE_CHECKING:
    from collections.abc import Iterator

    from rich.console import Console

    from inboxtrace.feedback.model import Rejected, Report
    from inboxtrace.feedback.summary import DmarcSummary, TlsSummary
    from inboxtrace.store.feedback import FeedbackCounts

dmarc_app = typer.Typer(help="DMARC aggregate and failure reports: store them, then see who sends as you.")
tlsrpt_app = typer.Typer(help="SMTP TLS reports (TLS-RPT): store them, then see where TLS failed.")

PathsArg = Annotated[
    list[str] | None,
    typer.Argument(
        help="Report files (.xml, .xml.gz, .zip, .json, .json.gz), report emails, mbox, Maildir; '-' is stdin."
    ),
]
SinceOption = Annotated[
    str | None, typer.Option("--since", help="Reports from this date/time or age on (2026-11-01, 30d).")
]
DomainOption = Annotated[str | None, typer.Option("--domain", help="Only reports about this domain.")]


def register(app: typer.Typer) -> None:
    app.add_typer(dmarc_app, name="dmarc")
    app.add_typer(tlsrpt_app, name="tlsrpt")


def _clean(text: object, limit: int = 200) -> str:
    from inboxtrace.safetext import visible

    out = visible(" ".join(str(text).split()))
    return out if len(out) <= limit else out[: limit - 1] + "…"


def _ingest(  # noqa: PLR0917 (the options of the ingest command, passed on)
    paths: list[str] | None,
    db: str | None,
    imap: str | None,
    user: str | None,
    folder: str,
    password_env: str | None,
    password_file: Path | None,
    port: int | None,
    starttls: bool,
    cafile: Path | None,
    json_out: bool,
) -> None:
    from inboxtrace.cli.imap import imap_messages
    from inboxtrace.errors import InputError
    from inboxtrace.feedback import read_messages, read_paths
    from inboxtrace.store import open_store
    from inboxtrace.store.feedback import ingest_reports

    if not paths and not imap:
        raise InputError("give PATH... (or '-' for stdin) or --imap HOST")

    def items() -> Iterator[Report | Rejected]:
        if paths:
            yield from read_paths(paths)
        if imap:
            yield from read_messages(
                imap_messages(
                    imap,
                    user,
                    folder,
                    password_env=password_env,
                    password_file=password_file,
                    port=port,
                    starttls=starttls,
                    cafile=cafile,
                )
            )

    with open_store(db) as store:
        counts = ingest_reports(store, items())
    if json_out:
        sys.stdout.write(json_text(counts.to_dict()) + "\n")
    else:
        _print_counts(counts)
    if counts.rejected and not (counts.aggregate or counts.failure or counts.tlsrpt or counts.duplicates):
        raise typer.Exit(1)


def _print_counts(counts: FeedbackCounts) -> None:
    from rich.console import Console
    from rich.text import Text

    out = Console(highlight=False, soft_wrap=True)
    out.print(
        f"stored {counts.aggregate} aggregate, {counts.failure} failure and {counts.tlsrpt} TLS report(s); "
        f"{counts.duplicates} already stored; {len(counts.rejected)} not readable"
        + (f"; {counts.skipped_records} unreadable record(s) skipped" if counts.skipped_records else "")
    )
    for r in counts.rejected[:50]:
        source = _clean(r.source, 10_000)
        source = source if len(source) <= 160 else "…" + source[-159:]  # the end names the file
        out.print(Text(f"  {source} [{r.kind}]: {_clean(r.reason)}", style="yellow"))
    if len(counts.rejected) > 50:
        out.print(f"  … and {len(counts.rejected) - 50} more")


def _ingest_command(  # noqa: PLR0917 (typer maps each parameter to an option)
    paths: PathsArg = None,
    db: DbOption = None,
    imap: Annotated[
        str | None, typer.Option("--imap", help="Read the reports from this IMAP server.")
    ] = None,
    user: ImapUserOption = None,
    folder: ImapFolderOption = "INBOX",
    password_env: ImapPasswordEnvOption = None,
    password_file: ImapPasswordFileOption = None,
    port: ImapPortOption = None,
    starttls: ImapStartTlsOption = False,
    cafile: ImapCaFileOption = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
) -> None:
    """Store DMARC aggregate, DMARC failure and TLS reports (any of them, found by their format);
    reading the same reports again adds nothing; unreadable ones are counted and named."""
    _ingest(paths, db, imap, user, folder, password_env, password_file, port, starttls, cafile, json_out)


dmarc_app.command("ingest")(_ingest_command)
tlsrpt_app.command("ingest")(_ingest_command)


@dmarc_app.command("report")
def dmarc_report(  # noqa: PLR0917 (typer maps each parameter to an option)
    db: DbOption = None,
    domain: DomainOption = None,
    since: SinceOption = None,
    ptr: Annotated[bool, typer.Option("--ptr", help="Look up each source's PTR name (provider).")] = False,
    nameserver: Annotated[
        list[str] | None, typer.Option("--nameserver", help="Resolver for --ptr, HOST[:PORT] (repeatable).")
    ] = None,
    top: Annotated[int, typer.Option("--top", help="Sources shown in the terminal view.")] = 25,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Who sends as your domain: per source IP the volume, SPF/DKIM pass and alignment, what receivers
    did; sources that never pass DMARC; receivers' policy overrides; failure reports."""
    from inboxtrace.feedback import dmarc_summary
    from inboxtrace.report.period import parse_when
    from inboxtrace.store import open_store

    with open_store(db, must_exist=True) as store:
        summary = dmarc_summary(
            store, domain=domain, since=parse_when(since), ptr=ptr, nameservers=tuple(nameserver or ())
        )
    if json_out:
        sys.stdout.write(json_text(summary.to_dict(), default=str) + "\n")
        return
    from rich.console import Console

    render_dmarc(summary, Console(highlight=False), top=top)


@tlsrpt_app.command("report")
def tlsrpt_report(
    db: DbOption = None,
    domain: DomainOption = None,
    since: SinceOption = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """TLS sessions per policy domain, and failures by receiving MX and result type."""
    from inboxtrace.feedback import tls_summary
    from inboxtrace.report.period import parse_when
    from inboxtrace.store import open_store

    with open_store(db, must_exist=True) as store:
        summary = tls_summary(store, domain=domain, since=parse_when(since))
    if json_out:
        sys.stdout.write(json_text(summary.to_dict(), default=str) + "\n")
        return
    from rich.console import Console

    render_tls(summary, Console(highlight=False))


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def _top(counter: dict[str, int] | Any, n: int = 2) -> str:
    items = sorted(dict(counter).items(), key=lambda kv: -kv[1])[:n]
    return ", ".join(f"{k or '?'} {v}" for k, v in items)


def render_dmarc(summary: DmarcSummary, console: Console, *, top: int = 25) -> None:
    from rich.table import Table
    from rich.text import Text

    reports = summary.reports
    console.print(
        Text(
            f"{reports['aggregate']} aggregate report(s), {reports['failure']} failure report(s)"
            + (f" for {_clean(summary.domain)}" if summary.domain else "")
            + f": {summary.messages} message(s), DMARC pass {_pct(summary.dmarc_pass, summary.messages)}",
            style="bold",
        )
    )
    if not summary.messages:
        return
    table = Table(
        "source IP", "provider", "messages", "DMARC", "SPF aligned", "DKIM aligned", "disposition", "status"
    )
    for s in summary.sources[:top]:
        style = "green" if s.status == "authenticated" else "yellow" if s.status == "partly" else "red"
        table.add_row(  # report contents are plain Text, never rich markup
            Text(_clean(s.ip)),
            Text(_clean(s.ptr or "")),
            Text(str(s.messages)),
            Text(_pct(s.dmarc_pass, s.messages)),
            Text(_pct(s.spf_aligned, s.messages)),
            Text(_pct(s.dkim_aligned, s.messages)),
            Text(_clean(_top(s.dispositions))),
            Text(s.status, style=style),
        )
    console.print(table)
    if len(summary.sources) > top:
        console.print(f"… {len(summary.sources) - top} more source(s) (--top, --json)")
    if summary.not_yours:
        console.print()
        console.print(
            Text(
                "Sources that never pass DMARC (spoofing, or a service you have not set up):",
                style="bold red",
            )
        )
        for s in summary.not_yours[:top]:
            console.print(
                Text(
                    f"  {s.ip} {s.ptr or ''}: {s.messages} message(s) as {_top(s.header_from, 3)}; "
                    f"receivers: {_top(s.dispositions, 3)}"
                    + (f"; DKIM passes for {_top(s.dkim_domains, 2)} (not aligned)" if s.dkim_domains else "")
                )
            )
    console.print()
    console.print(Text("By receiver (reporter):", style="bold"))
    for org, counts in list(summary.reporters.items())[:top]:
        console.print(
            Text(
                f"  {_clean(org, 80)}: {counts['messages']} message(s), DMARC pass {_pct(counts['dmarc_pass'], counts['messages'])}"
            )
        )
    if summary.overrides:
        console.print()
        console.print(Text("Policy overrides by receivers:", style="bold"))
        for kind, entry in summary.overrides.items():
            comments = "; ".join(_clean(c, 80) for c in entry["comments"][:2])
            console.print(
                Text(
                    f"  {_clean(kind, 40)}: {entry['messages']} message(s) ({_top(entry['reporters'])})"
                    + (f" — {comments}" if comments else "")
                )
            )
    if summary.failures:
        console.print()
        console.print(Text(f"Failure reports ({len(summary.failures)}), newest first:", style="bold"))
        for f in summary.failures[:10]:
            console.print(
                Text(
                    f"  {f['source_ip'] or '?'} → {_clean(f['rcpt_to'] or f['reporter'], 60)}: "
                    f"{_clean(f['auth_failure'] or '?', 30)} (alignment {_clean(f['identity_alignment'] or '?', 20)}), "
                    f"from {_clean(f['header_from'] or f['domain'], 60)}, subject {_clean(f['subject'], 60)!r}"
                )
            )


def render_tls(summary: TlsSummary, console: Console) -> None:
    from rich.text import Text

    total = summary.successful + summary.failed
    console.print(
        Text(
            f"TLS sessions: {summary.successful} successful, {summary.failed} failed ({_pct(summary.failed, total)})",
            style="bold",
        )
    )
    for key, entry in summary.policies.items():
        console.print(
            Text(
                f"  {_clean(key, 80)}: {entry['successful']} ok, {entry['failed']} failed; MX "
                f"{_clean(', '.join(entry['mx_hosts']) or '-', 120)}"
            )
        )
    if summary.failures:
        console.print()
        console.print(Text("Failures by receiving MX and result type:", style="bold"))
        for f in summary.failures:
            line = Text.assemble(
                "  ",
                (_clean(f["receiving_mx"], 80), "bold"),
                "  ",
                (_clean(f["result_type"], 60), "red"),
                f"  {f['sessions']} session(s); reported by {_clean(_top(f['reporters']), 80)}",
                f"; from {_clean(_top(f['sending_ips']), 60)}" if f["sending_ips"] else "",
                f"; {_clean('; '.join(f['details']), 120)}" if f["details"] else "",
            )
            console.print(line, soft_wrap=True)
