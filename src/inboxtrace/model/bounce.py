"""Records of bounce messages (DSN/NDR), feedback reports and auto-replies, per recipient.

A :class:`BounceReport` is what one input message turned out to be; each failed recipient in it is
a :class:`BounceRecipient` carrying the reply-vocabulary :class:`~inboxtrace.model.reply.Verdict`.
Everything read from the message is attacker-controlled text: escape it wherever it is shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from inboxtrace.model.reply import Verdict


class BounceKind(StrEnum):
    """What a message is, as far as bounces go."""

    DSN = "dsn"  # a delivery status notification / non-delivery report
    FEEDBACK = "feedback"  # an ARF (RFC 5965) feedback report: a complaint, not a bounce
    AUTOREPLY = "autoreply"  # an RFC 3834 auto-reply (vacation, out of office): not a bounce
    NOT_BOUNCE = "not-bounce"  # an ordinary message
    ERROR = "error"  # the input could not be read (see BounceReport.error)


@dataclass(frozen=True, slots=True)
class ReturnedMessage:
    """What the bounce tells about the message it returns (its headers, when included)."""

    message_id: str | None = None
    subject: str | None = None
    sender: str | None = None
    to: str | None = None
    date: datetime | None = None
    verp_recipient: str | None = None  # recipient decoded from a VERP return path, if any
    tracking: tuple[tuple[str, str], ...] = ()  # custom tracking headers (name, value)


@dataclass(frozen=True, slots=True)
class BounceRecipient:
    """One recipient a bounce (or feedback report, or auto-reply) speaks about."""

    recipient: str
    verdict: Verdict
    original_recipient: str | None = None
    action: str | None = None  # failed, delayed, delivered, relayed, expanded (RFC 3464)
    status: str | None = None  # enhanced status as reported
    diagnostic: str = ""  # the diagnostic text, unwrapped of its type prefix
    diagnostic_type: str | None = None  # smtp, x-unix, ...
    remote_mta: str | None = None
    reporting_mta: str | None = None
    last_attempt: datetime | None = None
    feedback_type: str | None = None  # ARF: abuse, fraud, opt-out, auth-failure, ...
    suspected_filtering: bool = False
    filtering_explanation: str | None = None


@dataclass(frozen=True, slots=True)
class BounceReport:
    """One input message, read: its format, whether it is a bounce, and the recipients it reports."""

    source: str  # file path, "mbox#n", "imap://host/folder;UID=n", "<stdin>"
    format: str  # the format family that read it (rfc3464, postfix, exim, qmail, ... ) or "unknown"
    kind: BounceKind
    recipients: tuple[BounceRecipient, ...] = ()
    original: ReturnedMessage | None = None
    subject: str | None = None  # of the bounce itself
    sender: str | None = None  # From of the bounce itself
    date: datetime | None = None  # Date of the bounce itself
    message_id: str | None = None  # Message-ID of the bounce itself
    queue_id: str | None = None  # queue id of the DSN on the reporting MTA, when it says
    digest: str = ""  # sha256 of the raw bytes: the identity used for idempotent ingest
    error: str | None = None  # why the input could not be read (kind is ERROR)
    cut: str | None = None  # what a size cap left unread (None: the whole message was read)

    @property
    def is_bounce(self) -> bool:
        return self.kind is BounceKind.DSN

    def records(self) -> list[dict[str, Any]]:
        """One JSON-ready dict per recipient: the verdict keys plus the bounce fields."""
        out: list[dict[str, Any]] = []
        orig = self.original
        for rcpt in self.recipients:
            row = rcpt.verdict.to_dict()
            row.update(
                {
                    "file": self.source,
                    "recipient": rcpt.recipient,
                    "original_recipient": rcpt.original_recipient,
                    "message_id": orig.message_id if orig else None,
                    "format": self.format,
                    "is_bounce": self.is_bounce,
                    "kind": self.kind.value,
                    "suspected_filtering": rcpt.suspected_filtering,
                    "filtering_explanation": rcpt.filtering_explanation,
                    "status": rcpt.status,
                    "action_reported": rcpt.action,
                    "diagnostic": rcpt.diagnostic,
                    "remote_mta": rcpt.remote_mta,
                    "reporting_mta": rcpt.reporting_mta,
                    "last_attempt": rcpt.last_attempt.isoformat() if rcpt.last_attempt else None,
                    "feedback_type": rcpt.feedback_type,
                    "subject": orig.subject if orig else None,
                    "original_sender": orig.sender if orig else None,
                    "original_date": orig.date.isoformat() if orig and orig.date else None,
                    "verp_recipient": orig.verp_recipient if orig else None,
                    "tracking": dict(orig.tracking) if orig else {},
                    "bounce_date": self.date.isoformat() if self.date else None,
                    "cut": self.cut,
                }
            )
            out.append(row)
        return out
