"""Sending a placement test through the sender's own SMTP server, one transaction per seed.

Every command and reply is written to a transcript (the message itself as a byte count; AUTH
exchanges redacted), so a later diagnosis can quote exactly what each server said.
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses, make_msgid
from typing import Any

from inboxtrace.errors import AuthenticationError, ConfigError, RemoteError, TLSError, UnreachableError
from inboxtrace.model.placement import PlacementTest, SendResult
from inboxtrace.seeds.token import stamp

_QUEUED = re.compile(r"(?:queued as|id=|queue id|\bqid[=:])\s*<?([A-Za-z0-9._@-]{5,})", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class SmtpOptions:
    """How to reach the sender's SMTP server. ``password`` is read by the caller from env/file."""

    host: str
    port: int = 25
    starttls: bool = False
    tls: bool = False  # implicit TLS (port 465)
    user: str | None = None
    password: str | None = None
    ca_file: str | None = None
    helo: str | None = None
    mail_from: str | None = None
    timeout: float = 60.0


class _RecordingSMTP(smtplib.SMTP):
    """smtplib.SMTP that writes each line it sends and receives to ``self.lines``."""

    lines: list[str]
    _in_auth = False
    _data_next = False  # after "354": the next thing sent is the message itself

    def _start_log(self) -> None:
        self.lines = []

    def send(self, s: Any) -> None:
        text = s.decode("utf-8", "replace") if isinstance(s, bytes | bytearray) else str(s)
        if not hasattr(self, "lines"):
            self._start_log()
        if self._data_next:
            self._data_next = False
            self.lines.append(f"C: <message, {len(text)} bytes>")
        elif text.upper().startswith("AUTH") or self._in_auth:
            mech = text.split()[1] if text.upper().startswith("AUTH") and len(text.split()) > 1 else ""
            self.lines.append(f"C: AUTH {mech} <redacted>" if mech else "C: <redacted>")
            self._in_auth = True
        else:
            for line in text.rstrip("\r\n").split("\r\n"):
                self.lines.append(f"C: {line}")
        super().send(s)

    def getreply(self) -> tuple[int, bytes]:
        code, msg = super().getreply()
        if not hasattr(self, "lines"):
            self._start_log()
        text = msg.decode("utf-8", "replace")
        parts = text.split("\n") if text else [""]
        for i, part in enumerate(parts):
            sep = "-" if i < len(parts) - 1 else " "
            self.lines.append(f"S: {code}{sep}{part}")
        if self._in_auth and code != 334:
            self._in_auth = False
        self._data_next = code == 354
        return code, msg


class _RecordingSMTPSSL(smtplib.SMTP_SSL, _RecordingSMTP):
    pass


def _connect(opts: SmtpOptions) -> _RecordingSMTP:
    ctx = ssl.create_default_context(cafile=opts.ca_file) if opts.ca_file else ssl.create_default_context()
    where = f"{opts.host}:{opts.port}"
    try:
        smtp: _RecordingSMTP
        if opts.tls:
            smtp = _RecordingSMTPSSL(timeout=opts.timeout, context=ctx)
        else:
            smtp = _RecordingSMTP(timeout=opts.timeout)
        smtp._start_log()
        smtp.connect(opts.host, opts.port)
        smtp.ehlo(opts.helo or socket.getfqdn())
        if opts.starttls:
            if not smtp.has_extn("starttls"):
                raise TLSError(f"{where}: the server does not offer STARTTLS")
            smtp.starttls(context=ctx)
            smtp.ehlo(opts.helo or socket.getfqdn())
        if opts.user:
            if opts.password is None:
                raise ConfigError(
                    "an SMTP user was given without a password (use --password-env/--password-file)"
                )
            if not (opts.starttls or opts.tls) and opts.host not in ("127.0.0.1", "::1", "localhost"):
                raise ConfigError("refusing to send SMTP credentials without TLS: add --starttls or --tls")
            smtp.login(opts.user, opts.password)
        return smtp
    except smtplib.SMTPAuthenticationError as exc:
        raise AuthenticationError(f"{where}: login refused: {exc.smtp_code} {_s(exc.smtp_error)}") from exc
    except ssl.SSLError as exc:
        raise TLSError(f"{where}: TLS failed: {exc.reason or exc}") from exc
    except (ConnectionRefusedError, TimeoutError, socket.gaierror) as exc:
        raise UnreachableError(f"{where}: {exc}") from exc
    except smtplib.SMTPException as exc:
        raise RemoteError(f"{where}: {exc}") from exc
    except OSError as exc:
        raise UnreachableError(f"{where}: {exc.strerror or exc}") from exc


def _s(b: bytes | str) -> str:
    return b.decode("utf-8", "replace") if isinstance(b, bytes) else b


def envelope_sender(message: bytes, given: str | None) -> str:
    if given is not None:
        return given
    msg = BytesHeaderParser(policy=compat32).parsebytes(message)
    for header in ("Return-Path", "Sender", "From"):
        addrs = [a for _, a in getaddresses([str(v) for v in msg.get_all(header, []) or []]) if "@" in a]
        if addrs:
            return addrs[0]
    raise ConfigError("no envelope sender: the message has no From header; pass --from")


def send_test(
    test: PlacementTest,
    message: bytes,
    recipients: Sequence[str],
    opts: SmtpOptions,
    *,
    progress: Callable[[SendResult], None] | None = None,
    pause: float = 0.0,
) -> list[SendResult]:
    """Send ``message`` (stamped with the test token) to each recipient in its own transaction,
    ``pause`` seconds apart (to stay under a submission server's rate limits).

    Returns one :class:`SendResult` per recipient, with the reply that decided it and the transcript
    (connection set-up plus that recipient's transaction). A connection lost midway is re-opened.
    """
    body = re.sub(rb"\r?\n", b"\r\n", stamp(message, test))
    head = BytesHeaderParser(policy=compat32).parsebytes(body)
    sender = envelope_sender(body, opts.mail_from)
    results: list[SendResult] = []
    smtp: _RecordingSMTP | None = None
    preamble: list[str] = []
    for n, rcpt in enumerate(recipients):
        if n and pause > 0:
            time.sleep(pause)
        if smtp is None:
            smtp = _connect(opts)
            preamble = list(smtp.lines)
        smtp.lines = []
        msg_bytes = body
        mid = str(head["Message-ID"]).strip() if head["Message-ID"] else None
        if mid is None:
            mid = make_msgid(domain=sender.rpartition("@")[2] or None)
            msg_bytes = f"Message-ID: {mid}\r\n".encode() + body
        now = datetime.now(UTC)
        try:
            result = _transaction(smtp, sender, rcpt, msg_bytes, now=now, mid=mid)
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            result = SendResult(rcpt, False, None, f"connection lost: {exc}", now, message_id=mid)
            smtp = None
        transcript = "\n".join([*preamble, *(smtp.lines if smtp else [])])
        result = SendResult(
            result.address, result.accepted, result.code, result.reply, result.sent_at,
            result.queue_id, result.message_id, transcript,
        )  # fmt: skip
        results.append(result)
        if progress:
            progress(result)
        if smtp is not None:
            try:
                smtp.rset()
            except (smtplib.SMTPException, OSError):
                smtp = None
    if smtp is not None:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()
    return results


def _transaction(
    smtp: _RecordingSMTP, sender: str, rcpt: str, msg: bytes, *, now: datetime, mid: str | None
) -> SendResult:
    code, reply = smtp.mail(sender)
    if code != 250:
        return SendResult(rcpt, False, code, f"{code} {_s(reply)}", now, message_id=mid)
    code, reply = smtp.rcpt(rcpt)
    if code not in (250, 251):
        return SendResult(rcpt, False, code, f"{code} {_s(reply)}", now, message_id=mid)
    try:
        code, reply = smtp.data(msg)
    except smtplib.SMTPDataError as exc:
        return SendResult(
            rcpt, False, exc.smtp_code, f"{exc.smtp_code} {_s(exc.smtp_error)}", now, message_id=mid
        )
    text = f"{code} {_s(reply)}"
    m = _QUEUED.search(text)
    return SendResult(rcpt, code == 250, code, text, now, m.group(1) if m else None, mid)
