"""The events MTA log parsers report, as calls on an :class:`EventSink`.

Parsers do not build an object per line (that would cost more than the parsing): they call one
method of the sink per event with plain values. :mod:`inboxtrace.timeline` implements the sink
that assembles timelines; tests use a recording sink. ``ts`` is the line's timestamp text as
logged (the sink turns it into a datetime only when it needs one); ``ln`` is the 1-based line
number and ``line`` the whole line, for evidence.
"""

# Event calls are positional on purpose: they run once per log line and keywords cost time.
# ruff: noqa: PLR0917

from __future__ import annotations

from typing import Protocol

_NUMBER_DIGITS = 18  # what always fits a 64-bit integer column


def number(text: str | None) -> int | None:
    """A size or count as logged: ASCII digits short enough for a 64-bit column, else None (a
    damaged ``size=99999999999999999999999`` or ``size=\u00b2`` is no number, never an error)."""
    if text and len(text) <= _NUMBER_DIGITS and text.isascii() and text.isdigit():
        return int(text)
    return None


class EventSink(Protocol):
    """What a parser can report. Every ``qid`` is local to ``host``.

    ``mta`` is set by the scanner to the name of the parser whose events follow.
    """

    mta: str

    def client(
        self, host: str, qid: str, ts: str, client_host: str | None, client_ip: str | None, ln: int
    ) -> None:
        """A message started arriving over SMTP from a client (Postfix smtpd ``client=``)."""

    def pickup(self, host: str, qid: str, ts: str, sender: str | None, ln: int) -> None:
        """A locally submitted message was picked up (Postfix pickup ``uid= from=``)."""

    def message_id(self, host: str, qid: str, ts: str, message_id: str, ln: int) -> None:
        """The Message-ID header of a message (Postfix cleanup)."""

    def subject(self, host: str, qid: str, ts: str, subject: str, ln: int) -> None:
        """The Subject header of a message, decoded (Postfix cleanup ``header_checks`` WARN/INFO)."""

    def queued(
        self, host: str, qid: str, ts: str, sender: str | None, size: int | None, nrcpt: int | None, ln: int
    ) -> None:
        """The queue manager took a message (Postfix qmgr ``from=, size=, nrcpt=``); repeats per retry."""

    def arrival(
        self,
        host: str,
        qid: str,
        ts: str,
        sender: str | None,
        size: int | None,
        message_id: str | None,
        client_host: str | None,
        client_ip: str | None,
        nrcpt: int | None,
        ln: int,
    ) -> None:
        """A message arrived, all in one line (Exim ``<=``, Sendmail ``from=``)."""

    def delivery(
        self,
        host: str,
        qid: str,
        ts: str,
        rcpt: str,
        orig: str | None,
        status: str,
        relay: str | None,
        delay: str | None,
        delays: str | None,
        dsn: str | None,
        text: str | None,
        pid: str | None,
        ln: int,
        line: str,
    ) -> None:
        """One delivery attempt for one recipient with its outcome.

        ``status`` is normalised to sent, deferred, bounced, expired, discarded or another word
        the MTA used; ``relay`` is as logged (``mx[1.2.3.4]:25``, ``none``, ``local``,
        ``mx [1.2.3.4]``); ``text`` is the reply or the MTA's own explanation.
        """

    def note(self, host: str, qid: str, ts: str, pid: str | None, text: str, ln: int, line: str) -> None:
        """A failure with one server that did not end the attempt (Postfix tried the next MX)."""

    def expired(self, host: str, qid: str, ts: str, ln: int, line: str) -> None:
        """The message stayed queued too long and was returned to the sender."""

    def removed(self, host: str, qid: str, ts: str, ln: int) -> None:
        """The message left the queue (Postfix ``removed``, Exim ``Completed``): it is complete."""

    def notification(self, host: str, qid: str, ts: str, kind: str, dsn_qid: str, ln: int) -> None:
        """The MTA generated DSN ``dsn_qid`` about ``qid`` (kind: non-delivery, delay, ...)."""

    def reject(
        self,
        host: str,
        qid: str | None,
        ts: str,
        action: str,
        stage: str | None,
        client_host: str | None,
        client_ip: str | None,
        sender: str | None,
        rcpt: str | None,
        text: str,
        ln: int,
        line: str,
    ) -> None:
        """The MTA refused a message or recipient while receiving it (``qid`` None: never queued)."""

    def tls(self, host: str, pid: str | None, text: str) -> None:
        """A TLS session was set up by delivery process ``pid`` (applies to its next attempt)."""


__all__ = ["EventSink", "number"]
