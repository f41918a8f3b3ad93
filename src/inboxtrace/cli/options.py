"""Options several commands share, spelled and described one way."""

from __future__ import annotations

from typing import Annotated

import typer

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL (sqlite:///FILE, postgresql://...) or a file path. "
        "Default: $INBOXTRACE_DB or a SQLite file in your data directory.",
        show_default=False,
    ),
]

__all__ = ["DbOption"]
