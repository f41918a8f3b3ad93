"""Showing attacker-controlled text (replies, addresses, log lines) safely, in every output format.

- terminal: :func:`visible` replaces control characters (ANSI escapes, backspaces, C1 codes) with
  ``\\xNN`` so a log line cannot move the cursor or recolour the terminal; :func:`markup_safe` also
  escapes rich markup;
- CSV: :func:`csv_cell` makes a cell visible and neutralises a leading ``= + - @`` (TAB, CR) with a
  quote, so a spreadsheet never runs a sender's text as a formula;
- JSON: :func:`json_text` escapes every control character, C1 codes and line/paragraph
  separators included (``json.dumps`` leaves DEL and C1 raw with ``ensure_ascii=False``).

All three redact configured secrets (:mod:`inboxtrace.secrets`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from inboxtrace.secrets import redact

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def visible(text: str) -> str:
    """``text`` with control characters shown as ``\\xNN`` (and configured secrets redacted)."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", redact(text))


def markup_safe(text: str) -> str:
    """``text`` made visible and escaped for rich markup."""
    from rich.markup import escape  # here: the JSON and CSV paths need no rich

    return escape(visible(text))


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# what json.dumps(ensure_ascii=False) leaves raw but a terminal acts on: DEL, C1, the Unicode line
# and paragraph separators and the bidirectional overrides (they appear only inside strings)
_JSON_RAW = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def csv_cell(value: Any) -> Any:
    """A value for a CSV cell: text made visible and formula-neutralised; numbers, None as they are."""
    if not isinstance(value, str):
        return value
    value = visible(value)
    return "'" + value if value.startswith(_FORMULA_START) else value


def csv_row(values: Iterable[Any]) -> list[Any]:
    """:func:`csv_cell` of each value."""
    return [csv_cell(v) for v in values]


def json_text(obj: Any, **options: Any) -> str:
    """``json.dumps(obj, ensure_ascii=False, **options)`` with every control character escaped."""
    text = redact(json.dumps(obj, ensure_ascii=False, **options))
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


__all__ = ["csv_cell", "csv_row", "json_text", "markup_safe", "visible"]
