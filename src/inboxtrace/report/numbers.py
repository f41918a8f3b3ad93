"""One way to show counts to people: digits grouped by thousands with commas (``75,463``)."""

from __future__ import annotations


def num(n: int) -> str:
    """``75463`` → ``75,463`` (JSON and CSV keep plain integers)."""
    return f"{n:,}"


__all__ = ["num"]
