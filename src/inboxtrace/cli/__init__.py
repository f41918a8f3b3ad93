"""The ``inboxtrace`` command: a thin typer app over library functions (:mod:`inboxtrace.cli._app`).

This module stays small so that a command typed by hand answers at once: ``inboxtrace explain ...``
with plain arguments runs without loading the typer app (:mod:`inboxtrace.cli._fast`); everything
else, ``--help`` included, goes through the full app.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import typer


def main(argv: list[str] | None = None, *, end_process: bool = False) -> None:
    """The command line (``argv``, by default this process's arguments); turns inboxtrace errors
    into one-line messages. ``end_process``: a short-path command ends the process at once when
    done (see :func:`inboxtrace.cli._fast.leave`), as the console script does."""
    from inboxtrace.cli._fast import leave, try_fast

    args = sys.argv[1:] if argv is None else argv
    if try_fast(args):
        if end_process:
            leave()
        return
    from inboxtrace.cli._app import main as full

    full(argv)


def console() -> None:
    """Entry point of the ``inboxtrace`` console script: :func:`main`, the process being its own.

    Once a command has succeeded, every object the collector tracks is frozen
    (:func:`gc.freeze`) before the interpreter's teardown, whose collections would walk them all
    only to end the process: 0.33-0.35 s after a 1M-line ingest, 0.05 s frozen. Objects are still
    freed, files closed and exit handlers run as the modules are torn down; only garbage in
    reference cycles is left to the end of the process (our files are closed by ``with``)."""
    import gc

    try:
        main(end_process=True)
    except SystemExit as exc:
        if not exc.code:
            gc.freeze()
        raise
    gc.freeze()


def get_app() -> typer.Typer:
    """The fully registered app (for tests using typer's CliRunner)."""
    from inboxtrace.cli._app import get_app as full

    return full()


def __getattr__(name: str) -> Any:
    if name == "app":
        from inboxtrace.cli._app import app

        return app
    raise AttributeError(name)


__all__ = ["console", "get_app", "main"]
