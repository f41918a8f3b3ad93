"""One message catalog for every user-facing explanation, so more languages can follow.

Catalogs are TOML files in ``catalogs/<lang>.toml`` with dotted keys (``reason.userunknown``,
``action.retry``, ``code.550.meaning``). A key missing from a language falls back to English;
``{name}`` placeholders are filled from keyword arguments.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from inboxtrace.datafiles import package_path, read_text
from inboxtrace.errors import DataFileError
from inboxtrace.loadcache import parse_toml

DEFAULT_LANG = "en"


def _flatten(prefix: str, node: dict[str, Any], out: dict[str, str]) -> None:
    for key, value in node.items():
        full = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            _flatten(full, value, out)
        else:
            out[full] = str(value)


@cache
def catalog(lang: str) -> dict[str, str]:
    """All messages of one language (flat dotted keys)."""
    try:
        if not lang or os.sep in lang or (os.altsep and os.altsep in lang):
            raise FileNotFoundError(lang)  # a language name, never a path
        text = read_text("i18n", "catalogs", f"{lang}.toml")
    except (OSError, UnicodeDecodeError):
        raise DataFileError(f"no message catalog for language {lang!r}") from None
    try:
        data = parse_toml(text)
    except ValueError as exc:  # tomllib.TOMLDecodeError
        raise DataFileError(f"message catalog {lang}.toml is not valid TOML: {exc}") from exc
    flat: dict[str, str] = {}
    _flatten("", data, flat)
    return flat


def languages() -> tuple[str, ...]:
    """Languages that have a catalog."""
    names = os.listdir(package_path("i18n", "catalogs"))
    return tuple(sorted(name.removesuffix(".toml") for name in names if name.endswith(".toml")))


def has_message(key: str, lang: str = DEFAULT_LANG) -> bool:
    """Whether ``key`` exists in ``lang`` (without the English fallback)."""
    return key in catalog(lang)


def message(key: str, lang: str = DEFAULT_LANG, **params: object) -> str:
    """The message ``key`` in ``lang`` (English when the language lacks it), placeholders filled."""
    text = catalog(lang).get(key)
    if text is None and lang != DEFAULT_LANG:
        text = catalog(DEFAULT_LANG).get(key)
    if text is None:
        raise DataFileError(f"message catalog has no key {key!r}")
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError) as exc:
            raise DataFileError(f"message {key!r} ({lang}) has a bad placeholder: {exc}") from exc
    return text
