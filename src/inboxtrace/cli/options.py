"""Options several commands share, spelled and described one way."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL (sqlite:///FILE, postgresql://...) or a file path. "
        "Default: $INBOXTRACE_DB or a SQLite file in your data directory.",
        show_default=False,
    ),
]

# Reading a mailbox over IMAP (bounces, DMARC and TLS reports).
ImapUserOption = Annotated[str | None, typer.Option("--user", help="IMAP user name.")]
ImapFolderOption = Annotated[str, typer.Option("--folder", help="IMAP folder.")]
ImapPasswordEnvOption = Annotated[
    str | None, typer.Option("--password-env", help="Environment variable holding the IMAP password.")
]
ImapPasswordFileOption = Annotated[
    Path | None, typer.Option("--password-file", help="File holding the IMAP password.")
]
ImapPortOption = Annotated[int | None, typer.Option("--port", help="IMAP port (default 993, or 143).")]
ImapStartTlsOption = Annotated[
    bool, typer.Option("--starttls", help="Plain IMAP port upgraded with STARTTLS.")
]
ImapCaFileOption = Annotated[
    Path | None,
    typer.Option("--ca-file", help="CA bundle to verify the IMAP server with (instead of the system store)."),
]

__all__ = [
    "DbOption",
    "ImapCaFileOption",
    "ImapFolderOption",
    "ImapPasswordEnvOption",
    "ImapPasswordFileOption",
    "ImapPortOption",
    "ImapStartTlsOption",
    "ImapUserOption",
]
