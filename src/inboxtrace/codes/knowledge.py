"""Loading the reply vocabulary's data files (once, cached)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from inboxtrace.datafiles import read_text
from inboxtrace.errors import DataFileError
from inboxtrace.loadcache import compile_regex, parse_toml


def _read_text(name: str) -> str:
    try:
        return read_text("codes", "data", name)
    except OSError as exc:  # pragma: no cover - packaging error
        raise DataFileError(f"missing data file codes/data/{name}: {exc}") from exc


def load_toml(name: str) -> dict[str, Any]:
    """Parse a TOML data file of this package."""
    try:
        return parse_toml(_read_text(name))
    except ValueError as exc:  # tomllib.TOMLDecodeError
        raise DataFileError(f"codes/data/{name} is not valid TOML: {exc}") from exc


def compile_pattern(pattern: str, where: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    """Compile a data-file regex (case-insensitive by default), naming the file on error."""
    try:
        return compile_regex(pattern, flags)
    except re.error as exc:
        raise DataFileError(f"bad regular expression in {where}: {pattern!r}: {exc}") from exc


class LazyPattern:
    """A data-file regex compiled on its first search.

    Most rules are never searched in a run (their substring gates rule them out), and compiling
    the few hundred patterns of the data files up front costs more than a typical command's whole
    work. :func:`validate` compiles one at once (the data-file tests do it for every pattern).
    """

    __slots__ = ("_compiled", "flags", "pattern", "where")

    def __init__(self, pattern: str, where: str, flags: int = re.IGNORECASE) -> None:
        self.pattern = pattern
        self.where = where
        self.flags = flags
        self._compiled: re.Pattern[str] | None = None

    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = compile_pattern(self.pattern, self.where, self.flags)
        return self._compiled

    def search(self, text: str) -> re.Match[str] | None:
        compiled = self._compiled
        if compiled is None:
            compiled = self.compiled()
        return compiled.search(text)

    def match(self, text: str) -> re.Match[str] | None:
        compiled = self._compiled
        if compiled is None:
            compiled = self.compiled()
        return compiled.match(text)

    def validate(self) -> None:
        """Raise :class:`DataFileError` now if the pattern does not compile."""
        self.compiled()

    def __repr__(self) -> str:
        return f"LazyPattern({self.pattern!r})"


@dataclass(frozen=True, slots=True)
class StatusEntry:
    """One row of the IANA enhanced status code registry (class-independent: ``X.1.1``)."""

    code: str
    title: str
    basic_codes: str
    description: str
    reference: str


@cache
def enhanced_registry() -> dict[str, StatusEntry]:
    """The enhanced status registry keyed by ``subject.detail`` (e.g. ``"1.1"``)."""
    import csv  # (only explanations of enhanced codes read the registry)

    reader = csv.DictReader(_read_text("enhanced-status.csv").splitlines())
    table: dict[str, StatusEntry] = {}
    for row in reader:
        code = row["code"]
        table[code.split(".", 1)[1]] = StatusEntry(
            code=code,
            title=row["title"],
            basic_codes=row["basic_codes"],
            description=row["description"],
            reference=row["reference"],
        )
    return table


@cache
def basic_codes() -> dict[int, dict[str, str]]:
    """RFC 5321 (and extension) basic reply codes: facts from basic-codes.toml."""
    return {int(code): dict(entry) for code, entry in load_toml("basic-codes.toml").items()}


@cache
def status_reasons() -> tuple[dict[str, str], dict[int, str]]:
    """Default reasons by enhanced ``subject.detail`` and by basic reply code."""
    data = load_toml("status-reasons.toml")
    return dict(data["subject_detail"]), {int(k): v for k, v in data["reply_code"].items()}
