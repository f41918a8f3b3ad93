"""The catalog of findings (data/findings.toml) and the score (data/score.toml)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from inboxtrace.datafiles import load_toml
from inboxtrace.errors import DataFileError
from inboxtrace.model.check import Finding, Severity


def load_data(name: str) -> dict[str, Any]:
    """A TOML file of ``inboxtrace/checks/data``."""
    return load_toml("checks", name)


def read_catalog(data: Mapping[str, Any], where: str) -> dict[str, dict[str, Any]]:
    """Finding code → entry (severity, title, why, fix, penalty) of a findings file: a table per
    check, an entry per finding; ``where`` names the file in errors."""
    out: dict[str, dict[str, Any]] = {}
    for check, entries in data.items():
        for name, entry in entries.items():
            if entry.get("severity") not in ("error", "warning", "info"):
                raise DataFileError(f"{where}: {check}.{name} has no valid severity")
            out[f"{check}.{name}"] = entry
    return out


@cache
def catalog() -> dict[str, dict[str, Any]]:
    """Finding code → entry of the sender check (data/findings.toml)."""
    return read_catalog(load_data("findings.toml"), "findings.toml")


@cache
def _score_conf() -> dict[str, Any]:
    return load_data("score.toml")


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "?"


def from_entry(
    entry: Mapping[str, Any],
    code: str,
    *,
    check: str,
    penalty: int,
    found: str,
    subject: str,
    checked: bool,
    values: Mapping[str, object],
) -> Finding:
    """The finding ``code`` of catalog ``entry``: its title, why and fix with ``{name}`` filled from
    ``values``, ``subject`` and ``found`` (``?`` for a name not given); no penalty when unchecked."""
    vals = _Blank({k: str(v) for k, v in {"subject": subject, "found": found, **values}.items()})
    return Finding(
        check=check,
        code=code,
        severity=Severity(entry["severity"]),
        title=str(entry["title"]).format_map(vals),
        found=found,
        why=str(entry["why"]).format_map(vals),
        fix=str(entry.get("fix", "")).format_map(vals),
        subject=subject,
        penalty=penalty if checked else 0,
        checked=checked,
    )


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
    penalty = entry.get("penalty")
    if penalty is None:
        penalty = _score_conf()["severity"][entry["severity"]]
    return from_entry(
        entry,
        code,
        check=check or code.split(".", 1)[0],
        penalty=int(penalty),
        found=found,
        subject=subject,
        checked=checked,
        values=values,
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
