"""``inboxtrace alerts run | test | show``: evaluate the alert rules, send a sample, list active alerts."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Annotated, Any

import typer

from inboxtrace.cli.options import DbOption
from inboxtrace.safetext import json_text

RulesOption = Annotated[
    str | None,
    typer.Option("--rules", help="Alert rules (TOML). Default: $INBOXTRACE_ALERTS or the shipped defaults."),
]

alerts_app = typer.Typer(
    help="Alerts when bounce, deferral or complaint rates move, or a blocklisting appears.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(alerts_app, name="alerts")


def _print_json(obj: Any) -> None:
    sys.stdout.write(json_text(obj, indent=2, default=str) + "\n")


def _at(value: str | None, store: Any) -> float | None:
    from inboxtrace.alerts import latest_time
    from inboxtrace.errors import InputError

    if value is None:
        return None
    if value == "latest":
        return latest_time(store)
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InputError(f"--at: not an ISO 8601 time or 'latest': {value!r}") from exc
    return dt.timestamp() if dt.tzinfo else dt.astimezone().timestamp()


@alerts_app.command("run")
def run(
    *,
    db: DbOption = None,
    rules: RulesOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the evaluation as JSON.")] = False,
    at: Annotated[
        str | None,
        typer.Option("--at", help="Evaluate as of this ISO time, or 'latest' (the newest stored outcome)."),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Save no state, send nothing.")] = False,
    notify: Annotated[
        bool, typer.Option("--notify/--no-notify", help="Send to the configured notifiers.")
    ] = True,
) -> None:
    """Evaluate the rules once (for cron): announce alerts that started or ended since the last run."""
    from inboxtrace.alerts import deliver, evaluate, load_config
    from inboxtrace.alerts.notify import render_text
    from inboxtrace.safetext import visible
    from inboxtrace.store import open_store

    config = load_config(rules)
    with open_store(db, must_exist=True) as store:
        result = evaluate(store, config, now=_at(at, store), record=not dry_run)
    errors = deliver(config.notifiers, result.transitions) if notify and not dry_run else []
    if as_json:
        _print_json(dict(result.to_dict(), notify_errors=errors))
    else:
        if not result.transitions:
            sys.stdout.write(f"no change: {len(result.active)} alert(s) active\n")
        for a in result.transitions:
            sys.stdout.write(render_text(a) + "\n\n")
        for e in errors:
            sys.stderr.write(f"error: {visible(e)}\n")
    if errors:
        raise typer.Exit(1)


@alerts_app.command("test")
def send_sample(rules: RulesOption = None) -> None:
    """Send a sample alert to every configured notifier."""
    from inboxtrace.alerts import deliver, load_config
    from inboxtrace.alerts.notify import SAMPLE
    from inboxtrace.errors import ConfigError

    config = load_config(rules)
    if not config.notifiers:
        raise ConfigError(f"{config.source}: no [[notify]] targets configured")
    errors = deliver(config.notifiers, [SAMPLE])
    for n in config.notifiers:
        sys.stdout.write(f"{n.type}: {'failed' if any(e.startswith(n.type) for e in errors) else 'sent'}\n")
    for e in errors:
        sys.stderr.write(f"error: {e}\n")
    if errors:
        raise typer.Exit(1)


@alerts_app.command("show")
def show(
    *,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """The alerts active now (as last announced)."""
    from inboxtrace.alerts import active_alerts
    from inboxtrace.alerts.notify import render_text
    from inboxtrace.store import open_store

    with open_store(db, must_exist=True) as store:
        active = active_alerts(store)
    if as_json:
        _print_json(active)
        return
    if not active:
        sys.stdout.write("no active alerts\n")
    for a in active:
        sys.stdout.write(render_text(a) + "\n\n")
