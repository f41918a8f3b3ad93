"""The catalog of findings (data/findings.toml) and the score (data/score.toml)."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from typing import Any

from inboxtrace.errors import DataFileError
from inboxtrace.model.check import Finding, Severity


def load_data(name: str) -> dict[str, Any]:
    """A TOML file of ``inboxtrace/checks/data``."""
    try:
        text = resources.files("inboxtrace.checks").joinpath("data", name).read_text("utf-8")
        return tomllib.loads(text)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DataFileError(f"checks data file {name}: {exc}") from exc


@cache
def catalog() -> dict[str, dict[str, Any]]:
    """Finding code → entry (severity, title, why, fix, penalty)."""
    data = load_data("findings.toml")
    out: dict[str, dict[str, Any]] = {}
    for check, entries in data.items():
        for name, entry in entries.items():
            if entry.get("severity") not in ("error", "warning", "info"):
                raise DataFileError(f"findings.toml: {check}.{name} has no valid severity")
            out[f"{check}.{name}"] = entry
    return out


@cache
def _score_conf() -> dict[str, Any]:
    return load_data("score.toml")


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "?"


def _fmt(text: str, values: Mapping[str, object]) -> str:
    return text.format_map(_Blank({k: str(v) for k, v in values.items()}))


def finding(
    code: str,
    *,
    found: str = "",
    subject: str = "",
    checked: bool = True,
    check: str | None = None,
    **values: object,
) -> Finding:
    """Build the finding ``code`` with its texts filled from ``values`` (and ``subject``)."""
    entry = catalog().get(code)
    if entry is None:
        raise DataFileError(f"no finding {code!r} in findings.toml")
    severity = Severity(entry["severity"])
    penalty = entry.get("penalty")
    if penalty is None:
        penalty = int(_score_conf()["severity"][severity.value])
    vals = {"subject": subject, "found": found, **values}
    return Finding(
        check=check or code.split(".", 1)[0],
        code=code,
        severity=severity,
        title=_fmt(entry["title"], vals),
        found=found,
        why=_fmt(entry["why"], vals),
        fix=_fmt(entry.get("fix", ""), vals),
        subject=subject,
        penalty=int(penalty) if checked else 0,
        checked=checked,
    )


def score(findings: Iterable[Finding]) -> int:
    """0–100, as documented in data/score.toml."""
    conf = _score_conf()
    caps: dict[str, int] = conf["cap"]
    taken: dict[str, int] = {}
    for f in findings:
        if f.checked and f.penalty:
            taken[f.check] = taken.get(f.check, 0) + f.penalty
    total = sum(min(int(caps.get(check, 100)), value) for check, value in taken.items())
    return max(0, min(100, 100 - total))


def order(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Most harmful first: severity, then what it takes off the score, unchecked after checked."""
    return tuple(sorted(findings, key=lambda f: (f.severity.rank, -f.penalty, not f.checked, f.check)))
