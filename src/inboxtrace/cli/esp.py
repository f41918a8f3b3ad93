"""``inboxtrace events import | export | receive``: ESP event files in and out, and a webhook receiver."""

from __future__ import annotations

import json
import os
import sys
from typing import Annotated

import typer

from inboxtrace.cli.options import DbOption

events_app = typer.Typer(
    help="ESP events (SES, SendGrid, Mailgun, Postmark, SMTP2GO, SparkPost).", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(events_app, name="events")


@events_app.command("import")
def import_(
    files: Annotated[
        list[str], typer.Argument(help="Exported event files (JSON lines, JSON, CSV; '-' for stdin).")
    ],
    *,
    provider: Annotated[
        str | None,
        typer.Option(
            "--provider",
            "-p",
            help="ses, sendgrid, mailgun, postmark, smtp2go or sparkpost (not needed to replay an export).",
        ),
    ] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="Force jsonl, json or csv.")] = None,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Store the events of exported files (idempotent: importing twice adds nothing)."""
    from inboxtrace.errors import InputError
    from inboxtrace.esp.importer import import_file
    from inboxtrace.safetext import visible
    from inboxtrace.store import open_store

    if fmt not in (None, "jsonl", "json", "csv"):
        raise InputError(f"--format must be jsonl, json or csv, not {fmt!r}")
    with open_store(db) as store:
        summaries = [import_file(f, store, provider_name=provider, fmt=fmt) for f in files]
    if as_json:
        sys.stdout.write(json.dumps([s.to_dict() for s in summaries], indent=2) + "\n")
        return
    for s in summaries:
        sys.stdout.write(
            f"{visible(s.path)}: {s.records} records, {s.events} events, {s.new} new, "
            f"{s.duplicates} already stored, {s.unparsed} unparsed\n"
        )
        for sample in s.samples:
            sys.stdout.write(f"  unparsed {visible(sample)}\n")


@events_app.command("export")
def export(
    *,
    provider: Annotated[
        str | None, typer.Option("--provider", "-p", help="Only this provider's events.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Write the stored raw events as JSON lines (replay them with `events import`)."""
    from inboxtrace.esp.importer import export_events
    from inboxtrace.store import open_store

    with open_store(db, must_exist=True) as store:
        export_events(store, sys.stdout, provider_name=provider)


@events_app.command("receive")
def receive(
    *,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8025,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="Server processes sharing the port (one per core: providers that post one event "
            "per request need them for thousands of events/s).",
        ),
    ] = 1,
    db: DbOption = None,
) -> None:
    """Serve only the webhook endpoints (POST /webhooks/<provider>); credentials from the environment."""
    import uvicorn

    from inboxtrace.esp.http import RECEIVER_DB_ENV, webhook_app
    from inboxtrace.store import default_url, open_store

    with open_store(db) as store:  # created or upgraded here, once, before any worker starts
        if workers == 1:
            uvicorn.run(webhook_app(store), host=host, port=port, log_level="warning", access_log=False)
            return
    os.environ[RECEIVER_DB_ENV] = db or default_url()
    uvicorn.run(
        "inboxtrace.esp.http:webhook_app_from_env",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
    )
