"""``inboxtrace bounces``: read bounce messages (files, mbox, Maildir, stdin, IMAP), say why per recipient."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

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


def register(app: typer.Typer) -> None:
    app.command("bounces")(bounces)


def bounces(  # noqa: PLR0917 (typer maps each parameter to an option)
    paths: Annotated[
        list[str] | None,
        typer.Argument(help="Message files, mbox files, Maildir folders or directories; '-' reads stdin."),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="JSON lines, one per recipient.")] = False,
    ingest: Annotated[bool, typer.Option("--ingest", help="Store the bounces (idempotent).")] = False,
    db: DbOption = None,
    imap: Annotated[str | None, typer.Option("--imap", help="Read an IMAP mailbox on this host.")] = None,
    user: ImapUserOption = None,
    folder: ImapFolderOption = "INBOX",
    password_env: ImapPasswordEnvOption = None,
    password_file: ImapPasswordFileOption = None,
    auth: Annotated[
        str,
        typer.Option(
            "--auth",
            help="How to log in to IMAP: password, or xoauth2 / oauthbearer with an OAuth access token "
            "(Microsoft 365, Outlook.com, Gmail).",
        ),
    ] = "password",
    token_env: Annotated[
        str | None, typer.Option("--token-env", help="Environment variable holding the OAuth access token.")
    ] = None,
    token_file: Annotated[
        Path | None, typer.Option("--token-file", help="File holding the OAuth access token (first line).")
    ] = None,
    token_command: Annotated[
        str | None,
        typer.Option(
            "--token-command",
            help="Command printing a fresh OAuth access token (run without a shell; its first line is used).",
        ),
    ] = None,
    port: ImapPortOption = None,
    starttls: ImapStartTlsOption = False,
    cafile: ImapCaFileOption = None,
    known_good: Annotated[
        Path | None,
        typer.Option(
            "--known-good",
            help="File of addresses known to be valid (seeds), one a line: their 'user unknown' "
            "bounces are flagged as suspected filtering.",
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            help="Parse in this many processes (0, the default: one per CPU once the input is more "
            "than a few dozen messages).",
        ),
    ] = 0,
    cluster: Annotated[
        str | None,
        typer.Option(
            "--cluster",
            help="Parse on a Dask cluster (tcp://HOST:8786) or in local processes (local[:N]) "
            "instead; default: $INBOXTRACE_CLUSTER, else --workers.",
        ),
    ] = None,
    show_all: Annotated[
        bool, typer.Option("--all", help="Also list auto-replies, feedback reports and non-bounces.")
    ] = False,
) -> None:
    """One record per failed recipient with the reason (sisimai's December-2025 vocabulary), hard or
    soft, the reply and what to do; then a summary by reason. On a terminal a table; into a pipe
    or a file one tab-separated line per recipient (summary on stderr); --json for JSON lines."""
    options = dict(locals())  # the options as parsed: run_bounces' parameters, by the same names
    from inboxtrace.cli._bounces import run_bounces

    run_bounces(**options)
