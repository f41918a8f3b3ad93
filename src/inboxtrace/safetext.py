"""Showing attacker-controlled text (replies, addresses, log lines) on a terminal safely.

:func:`visible` replaces control characters (ANSI escapes, backspaces, C1 codes) with ``\\xNN`` so a
log line cannot move the cursor or recolour the terminal; :func:`markup_safe` also escapes rich markup.
"""

from __future__ import annotations

import re

from rich.markup import escape

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def visible(text: str) -> str:
    """``text`` with control characters shown as ``\\xNN``."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def markup_safe(text: str) -> str:
    """``text`` made visible and escaped for rich markup."""
    return escape(visible(text))


__all__ = ["markup_safe", "visible"]
