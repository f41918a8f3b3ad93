"""``inboxtrace explain``: what an SMTP reply (or a few reply codes) means."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from inboxtrace.errors import InputError
from inboxtrace.safetext import json_text


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
    from inboxtrace.explain import compare_codes, explain_lines, explain_reply, is_code_list
    from inboxtrace.i18n import languages

    if lang not in languages():
        raise InputError(f"unknown language {lang!r}; available: {', '.join(languages())}")
    console = Console(highlight=False)
    args = reply or []
    if file is not None or args == ["-"]:
        try:
            stream = file.open(encoding="utf-8", errors="replace") if file else sys.stdin
        except OSError as exc:
            raise InputError(f"cannot read {file}: {exc.strerror}") from None
        with stream:
            for obj in explain_lines(stream, lang=lang):
                sys.stdout.write(json_text(obj) + "\n")
        return
    if not args:
        raise InputError("give a reply text to explain, two or more reply codes, or '-' to read stdin")
    if len(args) >= 2 and is_code_list(args):
        comparison = compare_codes(args, lang=lang)
        if as_json:
            sys.stdout.write(json_text(comparison.to_dict()) + "\n")
        else:
            console.print(comparison)
        return
    result = explain_reply(" ".join(args), lang=lang, remote_host=remote_host)
    if as_json:
        sys.stdout.write(json_text(result.to_dict()) + "\n")
    else:
        console.print(result)
