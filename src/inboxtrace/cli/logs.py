"""``inboxtrace ingest | trace | report | suppressions``: MTA logs into the store, and back out."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from inboxtrace.cli._ingest import check
from inboxtrace.cli.options import DbOption
from inboxtrace.safetext import json_text

if TYPE_CHECKING:
    from inboxtrace.ingest import IngestSummary


def register(app: typer.Typer) -> None:
    app.command(name="ingest")(ingest)
    app.command(name="trace")(trace)
    app.command(name="report")(report)
    app.command(name="suppressions")(suppressions)


def _print_json(obj: Any) -> None:
    sys.stdout.write(json_text(obj, indent=2) + "\n")


def ingest(
    files: Annotated[
        list[str],
        typer.Argument(help="Log files (plain, .gz, .bz2, .xz), rotated sets in any order, '-' for stdin."),
    ],
    *,
    db: DbOption = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="Force a format: postfix, exim, sendmail.")
    ] = None,
    follow: Annotated[
        bool,
        typer.Option("--follow", "-F", help="Keep reading as the log grows (survives rotation, resumes)."),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    reread: Annotated[
        bool,
        typer.Option(
            "--reread", help="Read files again from the start even if already ingested (adds nothing twice)."
        ),
    ] = False,
    tz: Annotated[
        str | None,
        typer.Option(
            "--tz",
            help="Time zone of timestamps without one (classic syslog), e.g. Europe/Berlin. Default UTC.",
        ),
    ] = None,
    host: Annotated[
        str | None, typer.Option("--host", help="Host name for logs whose lines carry none (Exim main log).")
    ] = None,
    cluster: Annotated[
        str | None,
        typer.Option(
            "--cluster",
            help="Backfill on a Dask cluster (tcp://HOST:8786) or local processes (local[:N]), one rotated "
            "set per task (a big plain file cut into pieces parsed by the workers), into a PostgreSQL "
            "--db. Default: $INBOXTRACE_CLUSTER.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Read MTA logs into the store: per-message, per-recipient timelines (idempotent, resumable)."""
    from inboxtrace.cluster_env import cluster_address
    from inboxtrace.ingest import ingest as run_ingest
    from inboxtrace.store import open_store

    err = Console(stderr=True, highlight=False)
    where = None if follow else cluster_address(cluster)
    if follow:
        summary = _follow(files, db, fmt, err, tz=tz, host=host, quiet=quiet or as_json)
    elif where is not None:
        from inboxtrace.backfill import backfill
        from inboxtrace.store.core import default_url

        summary = backfill(
            files, db or default_url(), cluster=where, format=fmt, tz=tz, host=host, resume=not reread
        )
    else:
        with open_store(db) as store:
            if quiet or as_json or not err.is_terminal:
                summary = run_ingest(files, store, format=fmt, tz=tz, host=host, resume=not reread)
            else:
                summary = _with_progress(files, store, fmt, err, tz=tz, host=host, resume=not reread)
    if as_json:
        _print_json(summary.to_dict())
    else:
        _print_summary(summary, Console(highlight=False))
    check(summary, files)


def _follow(
    files: list[str],
    db: str | None,
    fmt: str | None,
    err: Console,
    *,
    tz: str | None,
    host: str | None,
    quiet: bool,
) -> IngestSummary:
    """``ingest --follow``: an agent (:mod:`inboxtrace.agent`) that retries a lost database with
    backoff and resumes from its saved position."""
    from inboxtrace.agent import run_agent
    from inboxtrace.errors import InputError, StoreError
    from inboxtrace.safetext import markup_safe as escape

    if len(files) != 1 or files[0] == "-":
        raise InputError("--follow takes exactly one log file path")

    def on_retry(exc: StoreError, wait: float) -> None:
        err.print(f"[yellow]{escape(str(exc))}[/yellow]: retrying in {wait:.1f} s")

    with _sigterm_as_interrupt() as stopped:
        summary = run_agent(
            files[0],
            db,
            format=fmt,
            tz=tz,
            host=host,
            should_stop=lambda: bool(stopped),
            on_retry=on_retry,
            on_batch=None
            if quiet
            else (lambda s: err.print(f"[dim]{s.lines:,} lines, {s.messages:,} messages stored[/dim]")),
        )
    if stopped:
        err.print(
            f"stopped by {stopped[0]}: the position in {escape(files[0])} is saved; the next --follow resumes there"
        )
    return summary


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[list[str]]:
    """While following, SIGTERM (systemd stop, kill) ends the follow cleanly: at the next pause of the
    log the rows read so far are written and the position saved (a second SIGTERM stops at once, as
    Ctrl-C does). Yields a list that names the signal once it came."""
    import signal

    got: list[str] = []

    def on_term(signum: int, frame: object) -> None:
        if got:
            raise KeyboardInterrupt
        got.append("SIGTERM")

    try:
        previous = signal.signal(signal.SIGTERM, on_term)
    except ValueError:  # not the main thread (an embedding caller): leave signals alone
        yield got
        return
    try:
        yield got
    finally:
        signal.signal(signal.SIGTERM, previous)


def _with_progress(
    files: list[str],
    store: Any,
    fmt: str | None,
    err: Console,
    *,
    tz: str | None,
    host: str | None,
    resume: bool,
) -> IngestSummary:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from inboxtrace.ingest import Progress as IngestProgress
    from inboxtrace.ingest import ingest as run_ingest

    with Progress(
        TextColumn("[bold]ingest[/bold]"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TextColumn("{task.fields[lines]} lines"),
        TextColumn("{task.fields[rate]} lines/s"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("ingest", total=None, lines=0, rate=0)

        def on_progress(p: IngestProgress) -> None:
            bar.update(
                task,
                total=p.bytes_total,
                completed=p.bytes_done,
                lines=f"{p.lines:,}",
                rate=f"{p.lines_per_second:,.0f}",
            )

        return run_ingest(files, store, format=fmt, progress=on_progress, tz=tz, host=host, resume=resume)


def _print_summary(s: IngestSummary, console: Console) -> None:
    from rich.table import Table

    from inboxtrace.safetext import markup_safe as escape

    t = Table(title="Ingest summary", title_justify="left", show_header=False)
    t.add_column("what")
    t.add_column("count", justify="right")
    t.add_row("lines read", f"{s.lines:,}")
    t.add_row("  parsed into events", f"{s.events:,}")
    t.add_row("  knowingly ignored", f"{s.ignored:,}")
    t.add_row("  unknown", f"{s.unknown:,}")
    t.add_row("messages (new)", f"{s.messages:,} ({s.new_messages:,})")
    t.add_row("recipients (new)", f"{s.deliveries:,} ({s.new_deliveries:,})")
    t.add_row("attempts added", f"{s.new_attempts:,}")
    t.add_row("time", f"{s.duration:.2f} s ({s.lines_per_second:,.0f} lines/s)")
    console.print(t)
    if s.ignored_by_kind:
        kinds = ", ".join(f"{escape(k)} {v:,}" for k, v in list(s.ignored_by_kind.items())[:8])
        console.print(f"[dim]ignored by kind:[/dim] {kinds}")
    if s.skipped_sources:
        console.print(f"[dim]already ingested, skipped:[/dim] {escape(', '.join(s.skipped_sources))}")
    if s.unknown_samples:
        console.print(f"[yellow]{s.unknown:,} lines were not understood; samples:[/yellow]")
        for line in s.unknown_samples:
            console.print(f"  {escape(line)}", soft_wrap=True)
    console.print(f"[dim]stored in {escape(s.store)}[/dim]")


def trace(
    query: Annotated[str, typer.Argument(help="Recipient or sender address, Message-ID, or queue id.")],
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the timelines as JSON.")] = False,
    limit: Annotated[
        int, typer.Option("--limit", help="At most this many matching messages (most recent).")
    ] = 20,
) -> None:
    """Show where a message went: every attempt per recipient, each reply explained in one line."""
    from inboxtrace.report import build_trace
    from inboxtrace.store import open_store

    with open_store(db, must_exist=True) as store:
        view = build_trace(store, query, limit=limit)
    if as_json:
        _print_json(view.to_dict())
    else:
        Console(highlight=False).print(view)
    if not view.found:
        raise typer.Exit(3)


def report(
    *,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV (one row per section and key).")] = False,
    since: Annotated[
        str | None, typer.Option("--since", help="From this date/time or age (2026-11-01, 7d).")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Up to (not including) this date/time or age.")
    ] = None,
    top: Annotated[int, typer.Option("--top", help="Rows per table in the terminal view.")] = 15,
) -> None:
    """Totals and rates per recipient by final state, reason, receiving domain, provider and day."""
    from inboxtrace.report import build_report
    from inboxtrace.report.period import parse_when
    from inboxtrace.store import open_store

    with open_store(db, must_exist=True) as store:
        rep = build_report(store, since=parse_when(since), until=parse_when(until), top=top)
    if as_json:
        _print_json(rep.to_dict())
    elif as_csv:
        sys.stdout.write(rep.to_csv())
    else:
        Console(highlight=False).print(rep)


def suppressions(
    db: DbOption = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only bounces from this date/time or age on.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of CSV.")] = False,
    table: Annotated[bool, typer.Option("--table", help="Print a table instead of CSV.")] = False,
) -> None:
    """Hard-bounced addresses (never delivered since), as CSV for a mailing list to drop."""
    from inboxtrace.report import build_suppressions
    from inboxtrace.report.period import parse_when
    from inboxtrace.store import open_store

    with open_store(db, must_exist=True) as store:
        sup = build_suppressions(store, since=parse_when(since))
    if as_json:
        _print_json(sup.to_dict())
    elif table:
        Console(highlight=False).print(sup)
    else:
        sys.stdout.write(sup.to_csv())
