"""The content check's data files: findings catalog, link hosts, SpamAssassin rule meanings, verdict weights."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

from inboxtrace.errors import DataFileError
from inboxtrace.model.check import Finding, Severity


def load(name: str) -> dict[str, Any]:
    """A TOML file of ``inboxtrace/content/data``."""
    try:
        text = resources.files("inboxtrace.content").joinpath("data", name).read_text("utf-8")
        return tomllib.loads(text)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DataFileError(f"content data file {name}: {exc}") from exc


@cache
def catalog() -> dict[str, dict[str, Any]]:
    """Finding code → entry (severity, title, why, fix, penalty)."""
    out: dict[str, dict[str, Any]] = {}
    for check, entries in load("findings.toml").items():
        for name, entry in entries.items():
            if entry.get("severity") not in ("error", "warning", "info"):
                raise DataFileError(f"content findings.toml: {check}.{name} has no valid severity")
            out[f"{check}.{name}"] = entry
    return out


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "?"


def finding(
    code: str, *, found: str = "", subject: str = "", checked: bool = True, **values: object
) -> Finding:
    """The content finding ``code`` with its texts filled from ``values``."""
    entry = catalog().get(code)
    if entry is None:
        raise DataFileError(f"no finding {code!r} in content findings.toml")
    vals = _Blank({k: str(v) for k, v in {"subject": subject, "found": found, **values}.items()})
    return Finding(
        check="content",
        code=code,
        severity=Severity(entry["severity"]),
        title=str(entry["title"]).format_map(vals),
        found=found,
        why=str(entry["why"]).format_map(vals),
        fix=str(entry.get("fix", "")).format_map(vals),
        subject=subject,
        penalty=int(entry.get("penalty", 0)) if checked else 0,
        checked=checked,
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
