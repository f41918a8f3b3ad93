"""The typer app behind ``inboxtrace``: every command, registered from the modules of this package.

Each module in :mod:`inboxtrace.cli` that defines ``register(app: typer.Typer) -> None`` adds its
commands; modules are found at start-up, so a new command group is one new file. Command
modules import their heavy dependencies inside the command functions to keep start-up fast.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from typing import Annotated, Any

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


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            shown = version("inboxtrace")
        except PackageNotFoundError:  # run from a source tree that was never installed
            shown = "unknown (not installed)"
        from inboxtrace.native import implementation

        sys.stdout.write(f"inboxtrace {shown}\nhot paths: {implementation()}\n")
        raise typer.Exit()


@app.callback()
def _root(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print the version and which implementation of the hot paths runs (compiled or plain Python), then exit.",
            callback=_version,
            is_eager=True,
        ),
    ] = False,
) -> None:
    """Where did the mail go after the 250 OK? Replies, logs, bounces, seeds and DNS, explained."""


def _hide_flag_types() -> None:
    """Help shows a value type beside each option; an on/off flag takes no value, so it shows none
    (typer would print a stray "<bool>")."""
    from typer.core import TyperOption

    shown = TyperOption.display_type_rich
    if getattr(shown, "_inboxtrace", False):
        return

    def display_type_rich(self: TyperOption, ctx: Any) -> str | None:
        return None if self.is_flag else shown(self, ctx)

    display_type_rich._inboxtrace = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


def _register_all() -> None:
    global _registered
    if _registered:
        return
    import inboxtrace.cli as package

    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        register = getattr(module, "register", None)
        if callable(register):
            register(app)
    _hide_flag_types()
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
