"""The ``inboxtrace`` command: a thin typer app over library functions.

Each module in this package that defines ``register(app: typer.Typer) -> None`` adds its
commands; modules are found at start-up, so a new command group is one new file. Command
modules import their heavy dependencies inside the command functions to keep start-up fast.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import typer
from rich.console import Console

from inboxtrace.errors import InboxtraceError, InputError, NotAReplyError
from inboxtrace.safetext import markup_safe as escape

app = typer.Typer(
    name="inboxtrace",
    help="Where did the mail go after the 250 OK? Replies, logs, bounces, seeds and DNS, explained.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

_registered = False


def _print_version(value: bool) -> None:
    if not value:
        return
    from importlib.metadata import version

    from inboxtrace.native import implementation

    print(f"inboxtrace {version('inboxtrace')}\nhot paths: {implementation()}")
    raise typer.Exit()


@app.callback()
def _root(
    show_version: bool = typer.Option(
        False,
        "--version",
        callback=_print_version,
        is_eager=True,
        help="Show the version and which implementation (compiled or plain Python) runs, then exit.",
    ),
) -> None:
    """Where did the mail go after the 250 OK? Replies, logs, bounces, seeds and DNS, explained."""


def _register_all() -> None:
    global _registered
    if _registered:
        return
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if callable(register):
            register(app)
    _registered = True


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script; turns inboxtrace errors into one-line messages."""
    _register_all()
    try:
        app(args=argv)
    except (NotAReplyError, InputError) as exc:
        Console(stderr=True, soft_wrap=True).print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        sys.exit(2)
    except InboxtraceError as exc:
        Console(stderr=True, soft_wrap=True).print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        sys.exit(1)


def get_app() -> typer.Typer:
    """The fully registered app (for tests using typer's CliRunner)."""
    _register_all()
    return app
