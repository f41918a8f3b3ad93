"""The one place MTA log parsers are registered, in the order they are asked about a program."""

# Event calls are positional on purpose: they run once per log line and keywords cost time.
# ruff: noqa: PLR0917

from __future__ import annotations

from typing import Protocol

from inboxtrace.errors import UnknownFormatError
from inboxtrace.logs.events import EventSink
from inboxtrace.logs.exim import EximParser
from inboxtrace.logs.postfix import PostfixParser
from inboxtrace.logs.sendmail import SendmailParser


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


_FACTORIES = (PostfixParser, EximParser, SendmailParser)
FORMATS: tuple[str, ...] = tuple(f.name for f in _FACTORIES)


def all_parsers() -> list[LogParser]:
    """A fresh instance of every registered parser, in dispatch order."""
    return [f() for f in _FACTORIES]


def parser_named(name: str) -> LogParser:
    """The parser for ``--format NAME``; raises :class:`UnknownFormatError` for other names."""
    for f in _FACTORIES:
        if f.name == name:
            return f()
    raise UnknownFormatError(f"unknown log format {name!r}; known: {', '.join(FORMATS)} (or auto)")


__all__ = ["FORMATS", "LogParser", "all_parsers", "parser_named"]
