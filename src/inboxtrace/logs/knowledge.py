"""Load the reviewable data files of :mod:`inboxtrace.logs` (ignored-line tables)."""

from __future__ import annotations

from functools import cache

from inboxtrace.datafiles import read_text
from inboxtrace.errors import DataFileError
from inboxtrace.loadcache import parse_toml


@cache
def ignore_table(mta: str) -> dict[str, tuple[tuple[str, str], ...]]:
    """``daemon -> ((prefix, kind), ...)`` from ``data/<mta>.toml``, longest prefixes first."""
    name = f"{mta}.toml"
    try:
        text = read_text("logs", "data", name)
        data = parse_toml(text)  # (parsed by an earlier process: no tomllib import, no parse)
    except (OSError, ValueError) as exc:  # (ValueError: tomllib's TOMLDecodeError)
        raise DataFileError(f"inboxtrace/logs/data/{name}: {exc}") from exc
    table: dict[str, tuple[tuple[str, str], ...]] = {}
    for daemon, entries in data.items():
        if not isinstance(entries, dict):
            raise DataFileError(f"inboxtrace/logs/data/{name}: [{daemon}] must be a table")
        pairs = sorted(((str(k), str(v)) for k, v in entries.items()), key=lambda kv: -len(kv[0]))
        table[daemon] = tuple(pairs)
    return table


_MEMO: dict[tuple[int, str, str], str | None] = {}
_MEMO_KEY = 48  # longer than any prefix in the tables


def ignored_kind(table: dict[str, tuple[tuple[str, str], ...]], daemon: str, text: str) -> str | None:
    """The kind ``text`` from ``daemon`` is knowingly ignored as, or None when it is unknown."""
    key = (id(table), daemon, text[:_MEMO_KEY])
    try:
        return _MEMO[key]
    except KeyError:
        pass
    kind = _lookup(table, daemon, text)
    if len(_MEMO) > 20_000:
        _MEMO.clear()
    _MEMO[key] = kind
    return kind


def _lookup(table: dict[str, tuple[tuple[str, str], ...]], daemon: str, text: str) -> str | None:
    for prefix, kind in table.get(daemon, ()):
        if text.startswith(prefix):
            return kind
    for prefix, kind in table.get("any", ()):
        if text.startswith(prefix):
            return kind
    return None


__all__ = ["ignore_table", "ignored_kind"]
