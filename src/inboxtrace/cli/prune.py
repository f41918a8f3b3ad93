"""``inboxtrace prune --older-than 180d``: retention of log timelines and bounces (never suppressions)."""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from rich.console import Console

from inboxtrace.cli.options import DbOption
from inboxtrace.errors import InputError
from inboxtrace.safetext import json_text

_AGE = re.compile(r"^\s*(\d{1,6})\s*([hdw])\s*$", re.IGNORECASE)
_UNIT = {"h": 3600, "d": 86400, "w": 7 * 86400}


def register(app: typer.Typer) -> None:
    app.command(name="prune")(prune)


def parse_age(text: str) -> timedelta:
    """``180d``, ``26w``, ``72h`` → a duration (at least one hour); anything else is an input error."""
    m = _AGE.match(text)
    if not m or int(m[1]) == 0:
        raise InputError(f"not an age like 180d, 26w or 72h: {text!r}")
    return timedelta(seconds=int(m[1]) * _UNIT[m[2].lower()])


def prune(
    *,
    older_than: Annotated[
        str,
        typer.Option(
            "--older-than", help="Remove timelines whose last event is older than this (180d, 26w)."
        ),
    ],
    db: DbOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count what would go, remove nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as one JSON object.")] = False,
) -> None:
    """Remove old message timelines and bounces; hard bounces behind the suppression list stay."""
    from inboxtrace.store import open_store
    from inboxtrace.store.retention import prune as run_prune

    cutoff = datetime.now(UTC) - parse_age(older_than)
    with open_store(db, must_exist=True) as store:
        counts = run_prune(store, cutoff, dry_run=dry_run)
    if as_json:
        sys.stdout.write(json_text(counts.to_dict(), indent=2) + "\n")
        return
    verb = "would remove" if dry_run else "removed"
    Console(highlight=False).print(
        f"{verb} {counts.messages:,} messages, {counts.deliveries:,} recipient timelines and "
        f"{counts.bounces:,} bounces last seen before {counts.cutoff:%Y-%m-%d %H:%M} UTC; "
        f"kept {counts.kept_for_suppressions:,} hard bounces the suppression list rests on"
    )
