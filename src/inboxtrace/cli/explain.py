"""``inboxtrace explain``: what an SMTP reply (or a few reply codes) means."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    app.command(name="explain")(explain)


def explain(
    reply: Annotated[
        list[str] | None,
        typer.Argument(
            help="A reply text (quote it), two or more codes to compare, or '-' to read lines from stdin."
        ),
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="Read replies from a file, one per line.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (one object per reply).")] = False,
    lang: Annotated[str, typer.Option("--lang", help="Also explain in this language (en, vi).")] = "en",
    remote_host: Annotated[
        str | None,
        typer.Option("--remote-host", help="The server that sent the reply (helps recognise the provider)."),
    ] = None,
) -> None:
    """Explain an SMTP reply: class, reason, hard/soft bounce, what to do. Two or more codes: compare them."""
    from inboxtrace.cli._fast import run_explain

    run_explain(reply or [], file=file, as_json=as_json, lang=lang, remote_host=remote_host)
