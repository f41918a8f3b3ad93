"""``inboxtrace check``: what a receiver checks about a sending domain, most harmful first, scored."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from inboxtrace.cli import exits
from inboxtrace.safetext import json_text

if TYPE_CHECKING:
    from rich.console import Console

    from inboxtrace.checks import CheckOptions
    from inboxtrace.model.check import CheckResult

MAX_MESSAGE_BYTES = 50 * 1024 * 1024


def register(app: typer.Typer) -> None:
    app.command("check")(check)


def check(  # noqa: PLR0917 (typer maps each parameter to an option)
    domain: Annotated[
        str | None, typer.Argument(help="The sending domain (default: the From domain of --message).")
    ] = None,
    ip: Annotated[
        list[str] | None, typer.Option("--ip", help="A sending IP: SPF, PTR/FCrDNS, blocklists.")
    ] = None,
    selector: Annotated[
        list[str] | None, typer.Option("--selector", "-s", help="A DKIM selector to check (repeatable).")
    ] = None,
    message: Annotated[
        Path | None,
        typer.Option(
            "--message",
            "-m",
            help="A sample message (.eml, - for stdin): DKIM, alignment, bulk-sender rules.",
        ),
    ] = None,
    nameserver: Annotated[
        list[str] | None,
        typer.Option(
            "--nameserver", help="Resolver to ask, HOST[:PORT] (repeatable; default: the system's)."
        ),
    ] = None,
    from_file: Annotated[
        Path | None,
        typer.Option(
            "--from-file", help="Check every domain of this file (one a line; - for stdin): JSON lines."
        ),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON instead of the report.")] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Also show what is fine (info findings).")
    ] = False,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for one DNS answer.")] = 3.0,
    tries: Annotated[
        int, typer.Option(help="Rounds over the nameservers before a question is 'unchecked'.")
    ] = 2,
    bimi_selector: Annotated[str, typer.Option(help="BIMI selector (<selector>._bimi.DOMAIN).")] = "default",
    concurrency: Annotated[int, typer.Option(help="Domains checked at once with --from-file.")] = 64,
    no_blocklists: Annotated[bool, typer.Option("--no-blocklists", help="Skip DNSBL/URIBL queries.")] = False,
    dnsbl_file: Annotated[
        Path | None, typer.Option("--dnsbl-file", help="TOML file of blocklists replacing the bundled ones.")
    ] = None,
    no_fetch: Annotated[
        bool, typer.Option("--no-fetch", help="No HTTPS (do not fetch the MTA-STS policy).")
    ] = False,
    mta_sts_url: Annotated[
        str, typer.Option(help="MTA-STS policy URL template ({domain} is replaced), e.g. for a test server.")
    ] = "https://mta-sts.{domain}/.well-known/mta-sts.txt",
    fail_under: Annotated[
        int | None,
        typer.Option(
            help="Exit with status 3 when a score is below this (for CI jobs and cron); status 4 means "
            "nothing could be checked (DNS did not work)."
        ),
    ] = None,
    no_probe: Annotated[
        bool, typer.Option("--no-probe", help="Do not probe common DKIM selectors when none is known.")
    ] = False,
    no_content: Annotated[
        bool, typer.Option("--no-content", help="With --message: skip the content check and the verdict.")
    ] = False,
    spamd: Annotated[
        str | None,
        typer.Option(help="HOST:PORT of a running spamd (default: start a private one on loopback)."),
    ] = None,
    no_spamassassin: Annotated[
        bool, typer.Option("--no-spamassassin", help="Content check without SpamAssassin.")
    ] = False,
    rspamd: Annotated[
        str | None,
        typer.Option(help="URL of a running rspamd worker (default: http://127.0.0.1:11333 if up)."),
    ] = None,
    start_rspamd: Annotated[
        bool, typer.Option("--start-rspamd", help="Start a private rspamd for the check (takes ~30 s).")
    ] = False,
    spamassassin_network: Annotated[
        bool,
        typer.Option(
            "--spamassassin-network", help="Let SpamAssassin ask DNS blocklists (through --nameserver)."
        ),
    ] = False,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Store with DMARC reports (inboxtrace dmarc ingest): what receivers saw."),
    ] = None,
) -> None:
    """Check a sending domain: SPF, DKIM, DMARC, MX, PTR, DNSSEC, MTA-STS, TLS-RPT, BIMI, blocklists,
    bulk-sender rules; findings ordered by harm, with why receivers care and how to fix, and a score."""
    from inboxtrace.checks import CheckOptions
    from inboxtrace.errors import InputError

    if domain is not None and from_file is not None:
        raise InputError("give either a DOMAIN or --from-file FILE, not both")
    if domain is None and from_file is None and message is None:
        raise InputError("give a DOMAIN, --message FILE (its From domain is checked) or --from-file FILE")
    raw = None
    if message is not None:
        try:
            if str(message) == "-":
                raw = sys.stdin.buffer.read(MAX_MESSAGE_BYTES + 1)
            else:
                with message.open("rb") as fh:
                    raw = fh.read(MAX_MESSAGE_BYTES + 1)
        except OSError as exc:
            raise InputError(f"cannot read {message}: {exc.strerror or exc}") from exc
        if len(raw) > MAX_MESSAGE_BYTES:
            raise InputError(f"{message} is larger than {MAX_MESSAGE_BYTES // (1024 * 1024)} MB")
    options = CheckOptions(
        ips=tuple(ip or ()),
        selectors=tuple(selector or ()),
        message=raw,
        nameservers=tuple(nameserver or ()),
        timeout=timeout,
        tries=max(1, tries),
        bimi_selector=bimi_selector,
        concurrency=max(1, concurrency),
        blocklists=not no_blocklists,
        dnsbl_file=str(dnsbl_file) if dnsbl_file else None,
        fetch_policies=not no_fetch,
        mta_sts_url=mta_sts_url,
        probe_selectors=not no_probe,
    )
    if from_file is not None:
        lowest, scored = _many(from_file, options)
        if not scored and lowest is not None:
            raise typer.Exit(exits.NOTHING_CHECKED)
        if fail_under is not None and lowest is not None and lowest < fail_under:
            raise typer.Exit(exits.NEGATIVE)
        return
    from rich.console import Console

    from inboxtrace.checks import check_domain

    if domain is None:
        from inboxtrace.checks import domain_of_message

        assert raw is not None
        domain = domain_of_message(raw)
    result = check_domain(domain, options)
    if db is not None:
        from inboxtrace.cli._content import with_reports

        result = with_reports(result, db)
    content = None
    if raw is not None and not no_content:
        from inboxtrace.cli import _content

        content = _content.run(
            raw,
            options,
            result,
            spamd=spamd,
            spamassassin=not no_spamassassin,
            rspamd=rspamd,
            start_rspamd=start_rspamd,
            spamassassin_network=spamassassin_network,
        )
    if json_out:
        out = result.to_dict() | (_content.to_dict(*content) if content else {})
        sys.stdout.write(json_text(out, default=str) + "\n")
    else:
        render(result, Console(highlight=False), verbose=verbose)
        if content:
            _content.render(*content, Console(highlight=False), verbose=verbose, shown=result)
    if result.score is None:
        raise typer.Exit(exits.NOTHING_CHECKED)
    if fail_under is not None and result.score < fail_under:
        raise typer.Exit(exits.NEGATIVE)


def _many(path: Path, options: CheckOptions) -> tuple[int | None, int]:
    """Check every domain of the file, print JSON lines; returns the lowest score seen (-1: a domain
    nothing could be checked for) and how many domains got a score."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from inboxtrace.checks import check_many
    from inboxtrace.errors import InputError

    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text("utf-8", errors="replace")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    domains = []
    for raw_line in text.splitlines():
        line = raw_line.split("#", 1)[0].strip()
        if line:
            domains.append(line.split(",")[0].strip())
    err = Console(stderr=True, highlight=False)
    invalid = 0
    scored = 0
    lowest: int | None = None
    with Progress(
        TextColumn("checking"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task("check", total=len(domains))

        def emit(text: str, res: CheckResult | InputError) -> None:
            nonlocal invalid, lowest, scored
            if isinstance(res, InputError):
                invalid += 1
                record: dict[str, object] = {"domain": text[:300], "error": str(res)}
            else:
                record = res.to_dict()
                mark = -1 if res.score is None else res.score  # unscored counts as failing
                scored += res.score is not None
                lowest = mark if lowest is None else min(lowest, mark)
            sys.stdout.write(json_text(record, default=str) + "\n")
            sys.stdout.flush()
            progress.advance(task)

        try:
            for _ in check_many(domains, options, on_result=emit):
                pass
        except KeyboardInterrupt:
            err.print(f"interrupted: {int(progress.tasks[0].completed)} of {len(domains)} domain(s) checked")
            raise typer.Exit(exits.INTERRUPTED) from None
    err.print(f"checked {len(domains) - invalid} domain(s); {invalid} line(s) were not domain names")
    if lowest is not None and not scored:
        err.print(
            "nothing could be checked for any domain: see the first record's findings (is DNS working?)"
        )
    return lowest, scored


_PASS_SUFFIXES = (".ok", "-ok", "-pass", ".clean", ".dane")


def _passed(code: str) -> bool:
    """An info finding that reports a passed check (others are notes: optional things missing)."""
    return code.endswith(_PASS_SUFFIXES)


_CONTROL = {c: f"\\x{c:02x}" for c in [*range(0x20), 0x7F] if c not in (0x09,)}


def _clean(text: str) -> str:
    """Record contents are attacker-controlled: no terminal escapes, no control characters."""
    return text.translate(_CONTROL)


def render(result: CheckResult, console: Console, *, verbose: bool = False) -> None:
    """The human report. Every record content is shown as plain text (never parsed as markup)."""
    from rich.text import Text

    from inboxtrace.cli._findings import print_finding

    if result.score is None:
        colour, shown = "red", "n/a (nothing could be checked)"
    else:
        colour = "green" if result.score >= 80 else "yellow" if result.score >= 50 else "red"
        shown = f"{result.score}/100"
    head = Text.assemble(
        (_clean(result.domain), "bold"),
        "  score ",
        (shown, f"bold {colour}"),
        ("  (incomplete: some checks could not be made)" if not result.complete else "", "yellow"),
    )
    console.print(head)
    if result.score is None:
        # said once: what made every check impossible, no per-record noise
        first = result.findings[0] if result.findings else None
        if first is not None and first.code == "dns.resolver-failed":
            console.print(Text.assemble(("✗ ", "red"), (_clean(first.title), "bold")))
            console.print(Text.assemble(("    found: ", "dim"), _clean(first.found[:1000])))
            console.print(Text.assemble(("    why:   ", "dim"), _clean(first.why)))
            console.print(Text.assemble(("    fix:   ", "dim"), _clean(first.fix)))
            return
    errors, warnings = len(result.errors), len(result.warnings)
    infos = [f for f in result.findings if f.severity.value == "info"]
    passed = sum(1 for f in infos if _passed(f.code))
    console.print(
        Text(
            f"{errors} error(s), {warnings} warning(s), {passed} passed, {len(infos) - passed} note(s)",
            style="dim",
        )
    )
    for f in result.findings:
        sev = f.severity.value
        if sev == "info" and not verbose:
            continue
        console.print()
        print_finding(console, f, _clean)
    if not verbose and infos:
        console.print()
        for f in sorted(infos, key=lambda f: not _passed(f.code)):
            mark = ("✓ ", "green") if _passed(f.code) else ("· ", "dim")
            console.print(Text.assemble(mark, _clean(f.title)))
