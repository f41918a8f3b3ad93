"""``inboxtrace placement new|send|check|report``: inbox-placement tests on a seed list."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from inboxtrace.cli.options import DbOption
from inboxtrace.safetext import json_text
from inboxtrace.safetext import markup_safe as escape

placement_app = typer.Typer(
    help="Inbox-placement tests: where did each seed's copy land?", no_args_is_help=True
)

SeedsOption = Annotated[
    str | None, typer.Option("--seeds", help="Seed list (TOML); default: the one the test was made with.")
]


def register(app: typer.Typer) -> None:
    app.add_typer(placement_app, name="placement")


def _json(obj: Any) -> None:
    sys.stdout.write(json_text(obj, indent=2) + "\n")


def parse_duration(text: str) -> float:
    """``90``, ``90s``, ``30m``, ``2h``, ``1d`` → seconds."""
    from inboxtrace.errors import InputError

    t = text.strip().lower()
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    try:
        if t and t[-1] in units:
            return float(t[:-1]) * units[t[-1]]
        return float(t)
    except ValueError as exc:
        raise InputError(f"not a duration: {text!r} (use e.g. 90s, 30m, 2h)") from exc


@placement_app.command("new")
def new(
    *,
    seeds: Annotated[str | None, typer.Option("--seeds", help="Seed list (TOML) the test is for.")] = None,
    note: Annotated[str | None, typer.Option("--note", help="A note shown in reports.")] = None,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Create a test with a unique token and print how to include it in a campaign."""
    from inboxtrace.diagnose.workflow import create_test
    from inboxtrace.seeds.token import instructions
    from inboxtrace.store import open_store

    with open_store(db) as store:
        test = create_test(store, seed_file=seeds, note=note)
    if as_json:
        _json(test.to_dict())
        return
    con = Console(highlight=False)
    con.print(f"Test [bold]{escape(test.test_id)}[/bold] created.")
    con.print(escape(instructions(test)))


def _password(env: str | None, file: str | None) -> str | None:
    from inboxtrace.errors import ConfigError
    from inboxtrace.secrets import register as register_secret

    if env:
        if env not in os.environ:
            raise ConfigError(f"environment variable {env} is not set")
        return register_secret(os.environ[env])
    if file:
        try:
            return register_secret(Path(file).read_text(encoding="utf-8").splitlines()[0])
        except (OSError, IndexError) as exc:
            raise ConfigError(f"cannot read a password from {file}") from exc
    return None


@placement_app.command("send")
def send(
    test_id: Annotated[str, typer.Argument(metavar="TEST")],
    *,
    message: Annotated[str, typer.Option("--message", "-m", help="The message to send (RFC 5322 file).")],
    smtp: Annotated[str, typer.Option("--smtp", help="Your SMTP server, HOST:PORT.")],
    starttls: Annotated[bool, typer.Option("--starttls", help="Upgrade with STARTTLS (verified).")] = False,
    tls: Annotated[bool, typer.Option("--tls", help="Implicit TLS (port 465).")] = False,
    user: Annotated[str | None, typer.Option("--user", help="SMTP AUTH user.")] = None,
    password_env: Annotated[
        str | None, typer.Option("--password-env", help="Env var holding the password.")
    ] = None,
    password_file: Annotated[
        str | None, typer.Option("--password-file", help="File holding the password.")
    ] = None,
    ca_file: Annotated[
        str | None,
        typer.Option(
            "--ca-file", help="CA bundle to verify the SMTP server with (instead of the system store)."
        ),
    ] = None,
    mail_from: Annotated[str | None, typer.Option("--from", help="Envelope sender (default: From:).")] = None,
    helo: Annotated[str | None, typer.Option("--helo", help="EHLO name.")] = None,
    skip: Annotated[
        list[str] | None, typer.Option("--skip", help="Leave this seed out (repeatable).")
    ] = None,
    pause: Annotated[float, typer.Option("--pause", help="Seconds between recipients (rate limits).")] = 0.0,
    seeds: SeedsOption = None,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Send the message to every seed through your SMTP server and record each reply and transcript."""
    from inboxtrace.diagnose.workflow import send_placement
    from inboxtrace.errors import InputError
    from inboxtrace.seeds.send import SmtpOptions
    from inboxtrace.store import open_store

    host, _, port = smtp.rpartition(":")
    if not host or not port.isdigit():
        raise InputError(f"--smtp wants HOST:PORT, got {smtp!r}")
    opts = SmtpOptions(
        host=host.strip("[]"), port=int(port), starttls=starttls, tls=tls, user=user,
        password=_password(password_env, password_file), ca_file=ca_file, helo=helo, mail_from=mail_from,
    )  # fmt: skip
    con = Console(highlight=False)
    with open_store(db) as store:
        results = send_placement(store, test_id, message, opts, seed_file=seeds, skip=skip or (), pause=pause)
    if as_json:
        _json([r.to_dict() for r in results])
        return
    for r in results:
        mark = "[green]accepted[/green]" if r.accepted else "[red]refused[/red]"
        con.print(f"{escape(r.address)}: {mark} {escape(r.reply)}")
    ok = sum(1 for r in results if r.accepted)
    con.print(f"{ok}/{len(results)} accepted by {escape(smtp)}.")


@placement_app.command("check")
def check(
    test_id: Annotated[str, typer.Argument(metavar="TEST")],
    *,
    wait: Annotated[
        str, typer.Option("--wait", help="Keep polling this long (e.g. 30m) for missing copies.")
    ] = "0",
    interval: Annotated[str, typer.Option("--interval", help="Time between polls.")] = "15s",
    per_host: Annotated[int, typer.Option("--per-host", help="Most connections at once per IMAP host.")] = 8,
    sent_at: Annotated[
        str | None,
        typer.Option("--sent-at", help="When your platform sent the campaign (ISO time, or e.g. 20m ago)."),
    ] = None,
    seeds: SeedsOption = None,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Find every seed's copy (polling until all are found or the window closes) and store the result."""
    from inboxtrace.cli.diagnose import parse_time
    from inboxtrace.diagnose.workflow import placement_report, run_check
    from inboxtrace.store import open_store

    err = Console(stderr=True, highlight=False)

    def progress(results: list[Any]) -> None:
        found = sum(1 for r in results if r.placement not in ("missing", "error"))
        if not as_json:
            err.print(f"[dim]{found}/{len(results)} found[/dim]")

    with open_store(db) as store:
        results = run_check(
            store, test_id, seed_file=seeds, wait=parse_duration(wait), interval=parse_duration(interval),
            per_host=per_host, progress=progress, sent_at=parse_time(sent_at) if sent_at else None,
        )  # fmt: skip
        report = placement_report(store, test_id, trend=0)
    failed = [r for r in results if r.placement == "error"]
    if results and len(failed) == len(results):
        from inboxtrace.errors import RemoteError

        first = failed[0]
        raise RemoteError(
            f"no seed could be searched ({len(failed)} of {len(results)} failed); "
            f"{first.address}: {first.error}" + (" (and the others)" if len(failed) > 1 else "")
        )
    if as_json:
        _json(report.to_dict())
        return
    con = Console(highlight=False)
    con.print(report)
    elsewhere = sum(1 for r in report.results if r.placement not in ("inbox", "error"))
    if failed:
        con.print(
            f"{len(failed)} seed(s) could not be searched (see 'error' above): fix them with inboxtrace seeds check"
        )
    if elsewhere:
        con.print(
            f"{elsewhere} seed(s) not in the inbox: inboxtrace diagnose {escape(test_id)} explains each "
            "(ingest your MTA log and bounces first for the full story)."
        )


@placement_app.command("report")
def report(
    test_id: Annotated[str | None, typer.Argument(metavar="[TEST]", help="Default: list the tests.")] = None,
    *,
    trend: Annotated[int, typer.Option("--trend", help="How many earlier tests to compare.")] = 10,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="One CSV row per seed.")] = False,
) -> None:
    """Seed-by-seed results, the provider × placement matrix, and the trend over earlier tests."""
    from inboxtrace.diagnose.workflow import placement_report
    from inboxtrace.store import open_store
    from inboxtrace.store.placement import list_tests

    with open_store(db) as store:
        if test_id is None:
            tests = list_tests(store)
            if as_json:
                _json([t.to_dict() for t in tests])
            else:
                con = Console(highlight=False)
                for t in tests:
                    con.print(f"{escape(t.test_id)}  {t.created:%Y-%m-%d %H:%M}  {escape(t.note or '')}")
                if not tests:
                    con.print("No placement tests yet: inboxtrace placement new --seeds SEEDS.toml")
            return
        rep = placement_report(store, test_id, trend=trend)
    if as_csv:
        sys.stdout.write(rep.to_csv())
        return
    if as_json:
        _json(rep.to_dict())
    else:
        Console(highlight=False).print(rep)
