"""The content check's data files: findings catalog, link hosts, SpamAssassin rule meanings, verdict weights."""

from __future__ import annotations

from functools import cache
from typing import Any

from inboxtrace.checks.findings import from_entry, read_catalog
from inboxtrace.datafiles import load_toml
from inboxtrace.errors import DataFileError
from inboxtrace.model.check import Finding


def load(name: str) -> dict[str, Any]:
    """A TOML file of ``inboxtrace/content/data``."""
    return load_toml("content", name)


@cache
def catalog() -> dict[str, dict[str, Any]]:
    """Finding code → entry (severity, title, why, fix, penalty) of data/findings.toml."""
    return read_catalog(load("findings.toml"), "content findings.toml")


def finding(
    code: str, *, found: str = "", subject: str = "", checked: bool = True, **values: object
) -> Finding:
    """The content finding ``code`` with its texts filled from ``values``."""
    entry = catalog().get(code)
    if entry is None:
        raise DataFileError(f"no finding {code!r} in content findings.toml")
    penalty = int(entry.get("penalty", 0))
    return from_entry(
        entry,
        code,
        check="content",
        penalty=penalty,
        found=found,
        subject=subject,
        checked=checked,
        values=values,
    )


@cache
def rule_meanings() -> dict[str, dict[str, str]]:
    """SpamAssassin rule name → {"meaning": ..., "fix": ...} (data/spamassassin.toml)."""
    return {k: {kk: str(vv) for kk, vv in v.items()} for k, v in load("spamassassin.toml").items()}


@cache
def link_hosts() -> tuple[frozenset[str], dict[str, str], frozenset[str]]:
    """(shortener hosts, tracking host → service, ordinary hosts) from data/links.toml."""
    data = load("links.toml")
    return (
        frozenset(str(h).lower() for h in data.get("shorteners", [])),
        {str(k).lower(): str(v) for k, v in data.get("tracking", {}).items()},
        frozenset(str(h).lower() for h in data.get("ordinary", [])),
    )


def match_host(host: str, names: frozenset[str] | dict[str, str]) -> str | None:
    """The entry of ``names`` that is ``host`` or one of its parent domains."""
    labels = host.lower().rstrip(".").split(".")
    for i in range(len(labels) - 1):
        candidate = ".".join(labels[i:])
        if candidate in names:
            return candidate
    return None
