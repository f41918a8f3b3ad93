"""Parsing ``--since``/``--until`` values: dates, ISO date-times, or ages like ``7d``, ``12h``, ``30m``."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from inboxtrace.errors import InputError

_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$", re.IGNORECASE)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_when(text: str | None, *, now: datetime | None = None) -> datetime | None:
    """``2026-11-24`` / ``2026-11-24T10:00`` / ``2026-11-24 10:00+01:00`` / ``7d`` (ago) → aware UTC."""
    if text is None or not text.strip():
        return None
    m = _AGE.match(text)
    try:
        if m:
            ref = now or datetime.now(UTC)
            return ref - timedelta(seconds=float(m[1]) * _UNITS[m[2].lower()])
        dt = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        return dt.astimezone(UTC)
    except ValueError:
        raise InputError(f"not a date, date-time or age (like 7d): {text!r}") from None
    except OverflowError:  # an age or a date beyond what a date can hold (year 1 to 9999)
        raise InputError(f"out of the range of dates: {text!r}") from None


__all__ = ["parse_when"]
