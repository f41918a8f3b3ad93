"""The one place MTA log parsers are registered, in the order they are asked about a program."""

# Event calls are positional on purpose: they run once per log line and keywords cost time.
# ruff: noqa: PLR0917

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from inboxtrace.errors import UnknownFormatError
from inboxtrace.logs import exim, postfix, sendmail
from inboxtrace.logs.events import EventSink


class LogParser(Protocol):
    """One MTA's log format. ``handle`` returns True (an event), an ignored kind, or False (unknown)."""

    name: str
    description: str

    def daemon_of(self, program: str) -> str | None:
        """The daemon name when syslog program ``program`` belongs to this MTA, else None."""

    def handle(
        self, daemon: str, ts: str, host: str, pid: str | None, msg: str, ln: int, line: str, sink: EventSink
    ) -> bool | str:
        """Report the events of one log message to ``sink``."""


# (name, factory): the names are the modules' NAME, not read off the classes, because a parser
# compiled by mypyc (inboxtrace.native) has its ``name`` on instances only.
_FACTORIES: tuple[tuple[str, Callable[[], LogParser]], ...] = (
    (postfix.NAME, postfix.PostfixParser),
    (exim.NAME, exim.EximParser),
    (sendmail.NAME, sendmail.SendmailParser),
)
FORMATS: tuple[str, ...] = tuple(name for name, _ in _FACTORIES)


def all_parsers() -> list[LogParser]:
    """A fresh instance of every registered parser, in dispatch order."""
    return [f() for _, f in _FACTORIES]


def parser_named(name: str) -> LogParser:
    """The parser for ``--format NAME``; raises :class:`UnknownFormatError` for other names."""
    for known, f in _FACTORIES:
        if known == name:
            return f()
    raise UnknownFormatError(f"unknown log format {name!r}; known: {', '.join(FORMATS)} (or auto)")


__all__ = ["FORMATS", "LogParser", "all_parsers", "parser_named"]
