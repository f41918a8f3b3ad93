"""Recognising mailbox providers from host names and reply texts."""

from __future__ import annotations

import re
from functools import cache, lru_cache

from inboxtrace.codes.knowledge import compile_pattern, load_toml
from inboxtrace.codes.needles import FirstMatch


@cache
def _host_table() -> tuple[tuple[str, tuple[str, ...], tuple[re.Pattern[str], ...]], ...]:
    table = []
    for provider, entries in load_toml("providers.toml")["hosts"].items():
        suffixes = tuple(e.lower() for e in entries if not e.startswith("~"))
        regexes = tuple(
            compile_pattern(e[1:], f"providers.toml hosts.{provider}") for e in entries if e.startswith("~")
        )
        table.append((provider, suffixes, regexes))
    return tuple(table)


@cache
def _marker_table() -> FirstMatch[str]:
    markers = load_toml("providers.toml").get("markers", {})
    return FirstMatch(
        (
            compile_pattern("|".join(e.lstrip("~") for e in entries), f"providers.toml markers.{provider}"),
            provider,
        )
        for provider, entries in markers.items()
    )


@lru_cache(maxsize=16384)
def provider_for_host(host: str) -> str | None:
    """The provider that runs ``host`` (an MX, relay or reporting-MTA name), or None.

    ``gmail-smtp-in.l.google.com`` -> ``"gmail"``; ``x.mail.protection.outlook.com`` -> ``"microsoft"``.
    A bare domain (``gmail.com``) is recognised too.
    """
    name = host.strip().rstrip(".").lower()
    if not name:
        return None
    for provider, suffixes, regexes in _host_table():
        for suffix in suffixes:
            if name == suffix.lstrip(".") or (suffix.startswith(".") and name.endswith(suffix)):
                return provider
        if any(r.search(name) for r in regexes):
            return provider
    return None


def provider_from_text(text: str) -> str | None:
    """The provider whose characteristic markers (``- gsmtp``, ``[TSS04]`` ...) appear in ``text``."""
    return _marker_table().first(text)
