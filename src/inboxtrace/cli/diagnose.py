"""``inboxtrace diagnose``: why each seed/recipient is not in the inbox, with evidence and a next step."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from rich.console import Console

from inboxtrace.cli.options import DbOption
from inboxtrace.safetext import json_text


def register(app: typer.Typer) -> None:
    app.command(name="diagnose")(diagnose)


def parse_time(text: str, *, now: datetime | None = None) -> datetime:
    """ISO 8601 (``2026-11-25T09:00``, naive = UTC) or a span back from now (``90m``, ``2h``, ``3d``)."""
    from inboxtrace.cli.placement import parse_duration
    from inboxtrace.errors import InputError

    now = now or datetime.now(UTC)
    t = text.strip()
    try:
        dt = datetime.fromisoformat(t.replace("Z", "+00:00"))
        return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
    except ValueError:
        pass
    try:
        return now - timedelta(seconds=parse_duration(t))
    except InputError as exc:
        raise InputError(f"not a time: {text!r} (use ISO 8601 like 2026-11-25T09:00, or 2h, 3d ago)") from exc


def diagnose(
    test_id: Annotated[str | None, typer.Argument(metavar="[TEST]", help="A placement test id.")] = None,
    *,
    to: Annotated[
        str | None, typer.Option("--to", help="One recipient who says the mail never came.")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="With --to: only mail from this time on (ISO time or e.g. 2d ago); default: all stored.",
        ),
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="With --to: only mail up to this time; default: now.")
    ] = None,
    window: Annotated[
        str, typer.Option("--window", help="How long after acceptance a copy may still be in transit.")
    ] = "15m",
    include_inbox: Annotated[
        bool, typer.Option("--all", help="Also list seeds that are in the inbox.")
    ] = False,
    check_sender: Annotated[
        bool, typer.Option("--check-sender", help="Run the sender check on the domain of spam/tab copies.")
    ] = False,
    nameserver: Annotated[
        list[str] | None, typer.Option("--nameserver", help="DNS server for --check-sender (HOST[:PORT]).")
    ] = None,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Give each seed (or the --to recipient) not in the inbox exactly one conclusion: not-sent, rejected,
    deferred, expired, discarded, bounced-after-accept, accepted (where it went inside the receiver is
    unknown: no mailbox was searched), accepted-not-found (a searched seed has no copy), in-transit, spam,
    tab, filed or unknown."""
    from inboxtrace.cli.placement import parse_duration
    from inboxtrace.diagnose.run import diagnose_address, diagnose_test
    from inboxtrace.errors import InputError
    from inboxtrace.store import open_store

    win = timedelta(seconds=parse_duration(window))
    if (test_id is None) == (to is None):
        raise InputError("give a placement TEST, or --to ADDRESS (optionally with --since/--until)")
    with open_store(db) as store:
        if test_id is not None:
            options = None
            if check_sender:
                from inboxtrace.checks import CheckOptions

                options = CheckOptions(nameservers=tuple(nameserver or ()))
            result = diagnose_test(
                store, test_id, window=win, include_inbox=include_inbox, sender_check=options
            )
        else:
            assert to is not None
            result = diagnose_address(
                store,
                to,
                since=parse_time(since) if since else None,
                until=parse_time(until) if until else None,
                window=win,
            )
    if as_json:
        sys.stdout.write(json_text(result.to_dict(), indent=2) + "\n")
    else:
        Console(highlight=False).print(result)
