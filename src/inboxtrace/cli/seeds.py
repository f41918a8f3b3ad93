"""``inboxtrace seeds check``: connect to every seed mailbox and show its folders and roles."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from inboxtrace.safetext import json_text
from inboxtrace.safetext import markup_safe as escape

seeds_app = typer.Typer(help="Seed mailboxes (IMAP) used by placement tests.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(seeds_app, name="seeds")


@seeds_app.command("example")
def example() -> None:
    """Print a commented example seed list (TOML) to start from."""
    from inboxtrace.datafiles import read_text

    text = read_text("seeds", "data", "example-seeds.toml")
    sys.stdout.write(text)


@seeds_app.command("check")
def check(
    seed_file: Annotated[str, typer.Argument(help="The seed list (TOML).", metavar="SEEDS.toml")],
    *,
    per_host: Annotated[int, typer.Option("--per-host", help="Most connections at once per IMAP host.")] = 8,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Log in to every seed (concurrently) and list its folders and their placement roles.

    Exit status 1 when any seed failed (auth failed, TLS failed, unreachable, IMAP error).
    """
    from inboxtrace.seeds import check_seeds, load_seeds

    seeds = load_seeds(seed_file)
    results = check_seeds(seeds, per_host=per_host)
    failed = sum(1 for r in results if not r.ok)
    if as_json:
        out = {"seeds": [r.to_dict() for r in results], "ok": len(results) - failed, "failed": failed}
        sys.stdout.write(json_text(out, indent=2) + "\n")
    else:
        con = Console(highlight=False)
        table = Table(title=f"{len(results)} seeds, {failed} failed", title_justify="left")
        for col in ("seed", "provider", "server", "result", "folders (role)"):
            table.add_column(col)
        for r in results:
            server = f"{r.seed.host}:{r.seed.port} {r.seed.security.value}"
            if r.ok:
                folders = ", ".join(
                    f"{f.name} ({f.role})" for f in r.folders if f.role != "other"
                ) + ("" if not any(f.role == "other" for f in r.folders) else
                     f", +{sum(1 for f in r.folders if f.role == 'other')} other")  # fmt: skip
                status = "[green]ok[/green]" + (" gmail" if r.gmail else "")
            else:
                folders = escape(r.error or "")
                status = f"[red]{r.error_kind.value if r.error_kind else 'failed'}[/red]"
            table.add_row(escape(r.seed.address), escape(r.seed.provider), escape(server), status,
                          escape(folders) if r.ok else folders)  # fmt: skip
        con.print(table)
    if failed:
        raise typer.Exit(1)
