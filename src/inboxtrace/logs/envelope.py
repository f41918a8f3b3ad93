"""Small helpers on line envelopes that do not need a parser (first timestamp of a file)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from inboxtrace.logs.clock import Clock
from inboxtrace.sources import open_binary


def _timestamp_text(line: str) -> str | None:
    if len(line) > 16 and line[3] == " " and line[15] == " ":
        return line[:15]
    if line.startswith("<"):
        close = line.find(">")
        rest = line[close + 1 :]
        if rest[:1].isdigit() and rest[1:2] == " ":
            return rest[2:].split(" ", 1)[0]
        return _timestamp_text(rest) if rest else None
    if line[4:5] == "-" and line[10:11] in ("T", " "):
        if line[10] == "T":
            return line.split(" ", 1)[0]
        return line[:19]
    return None


def first_timestamp(path: str | Path, max_lines: int = 50) -> datetime | None:
    """The time of the first line with a known envelope among the first ``max_lines`` lines."""
    import os
    from datetime import UTC

    try:
        stream, _ = open_binary(path)
    except OSError:
        return None
    mtime = datetime.fromtimestamp(os.stat(path).st_mtime, UTC).date()
    clock = Clock(mtime)
    with stream:
        for _ in range(max_lines):
            raw = stream.readline(4096)
            if not raw:
                break
            ts = _timestamp_text(raw.decode("utf-8", "replace").rstrip("\r\n"))
            if ts:
                when = clock(ts)
                if when is not None:
                    return when
    return None


__all__ = ["first_timestamp"]
