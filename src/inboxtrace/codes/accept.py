"""The remote queue id in a receiving server's 250 reply ("queued as X")."""

from __future__ import annotations

import re
from functools import cache

from inboxtrace.codes.knowledge import compile_pattern, load_toml


@cache
def _patterns() -> tuple[re.Pattern[str], ...]:
    entries = load_toml("acceptance.toml")["pattern"]
    return tuple(compile_pattern(str(e["regex"]), "acceptance.toml") for e in entries)


def remote_queue_id(text: str) -> str | None:
    """The queue id the next server gave the message, if its reply names one."""
    for pattern in _patterns():
        match = pattern.search(text)
        if match:
            return match.group("id")
    return None
