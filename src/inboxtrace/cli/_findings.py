"""How a finding of the sender or the content check is shown in the terminal: a marked, coloured
head line (severity, check, title), then its ``found``, ``why`` and ``fix`` lines."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from inboxtrace.model.check import Finding

STYLE = {"error": "bold red", "warning": "yellow", "info": "green"}
MARK = {"error": "✗", "warning": "!", "info": "✓"}


def print_finding(
    console: Console, f: Finding, clean: Callable[[str], str], *, why: bool = True, fix: bool = True
) -> None:
    """Print ``f``; every text of it goes through ``clean`` (it comes from DNS records or a message).
    ``why`` / ``fix``: whether those lines are shown (each only when the finding has the text)."""
    from rich.text import Text

    sev = f.severity.value
    console.print(
        Text.assemble(
            (f"{MARK[sev]} {sev.upper():7} ", STYLE[sev]), (f"[{f.check}] ", "dim"), (clean(f.title), "bold")
        )
    )
    if f.found:
        console.print(Text.assemble(("    found: ", "dim"), clean(f.found[:1000])))
    if why and f.why:
        console.print(Text.assemble(("    why:   ", "dim"), clean(f.why)))
    if fix and f.fix:
        console.print(Text.assemble(("    fix:   ", "dim"), clean(f.fix)))
