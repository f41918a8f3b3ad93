"""Records of MTA log timelines: messages, per-recipient deliveries and their attempts.

These are the contract between the log parsers/timeline assembly (producers) and the store,
trace, report and diagnosis layers (consumers). Times are timezone-aware (UTC when the log
gives no zone).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from inboxtrace.model.reply import Phase, Verdict


class FinalState(StrEnum):
    """Where one recipient's delivery ended (as far as the log says)."""

    DELIVERED = "delivered"  # accepted by the next hop with 2xx (not: in the inbox)
    DEFERRED = "deferred"  # still queued after temporary failures
    BOUNCED = "bounced"  # permanently refused or failed; a DSN goes to the sender
    EXPIRED = "expired"  # given up after the queue lifetime
    REJECTED = "rejected"  # refused before it was ever queued (NOQUEUE / SMTP-time reject)
    UNKNOWN = "unknown"  # the log does not say


@dataclass(frozen=True, slots=True)
class Evidence:
    """Where a fact came from: the file and line number (1-based) and the line itself."""

    source: str
    line_no: int
    line: str


@dataclass(frozen=True, slots=True)
class Attempt:
    """One delivery attempt (or SMTP-time rejection) for one recipient."""

    time: datetime
    status: str  # sent, deferred, bounced, expired, rejected, ... as the MTA logged it
    relay_host: str | None = None
    relay_ip: str | None = None
    relay_port: int | None = None
    reply: str | None = None  # the remote reply or the MTA's own text, unwrapped
    dsn: str | None = None  # enhanced status the MTA logged (Postfix dsn=, Sendmail dsn=)
    delay: float | None = None  # seconds since the message arrived
    delays: str | None = None  # Postfix a/b/c/d breakdown, as logged
    phase: Phase | None = None  # SMTP phase of the failure, when known
    remote_queue_id: str | None = None  # "queued as X" in a 250 reply
    verdict: Verdict | None = None
    evidence: Evidence | None = None
    tls: str | None = None  # TLS session the MTA reported for this connection ("TLSv1.3 with cipher ...")


@dataclass(frozen=True, slots=True)
class Delivery:
    """The story of one recipient of one message."""

    recipient: str
    final_state: FinalState
    attempts: tuple[Attempt, ...] = ()
    original_recipient: str | None = None
    dsn_queue_id: str | None = None  # queue id of the DSN the MTA generated for it, if any

    @property
    def last_attempt(self) -> Attempt | None:
        return self.attempts[-1] if self.attempts else None


@dataclass(frozen=True, slots=True)
class MessageFact:
    """Something the MTA logged about a whole message that bears on its recipients: it expired
    (``kind="expired"``) or a DSN was sent about it (``kind="dsn"``, ``dsn_kind`` like
    ``non-delivery`` or ``delay``, and the DSN's queue id). Kept so that a later part of the
    message (a rotated file, a resumed ingest) can apply it to recipients it did not see."""

    kind: str
    time: datetime
    evidence: Evidence
    dsn_kind: str | None = None
    dsn_queue_id: str | None = None


@dataclass(frozen=True, slots=True)
class Message:
    """One message as one MTA host saw it: keyed by (host, queue id)."""

    mta: str  # postfix, exim, sendmail
    host: str
    queue_id: str  # "NOQUEUE-<n>" style keys are allowed for never-queued rejections
    received: datetime | None = None
    completed: datetime | None = None  # Postfix "removed", Exim "Completed"
    sender: str | None = None
    message_id: str | None = None
    size: int | None = None
    nrcpt: int | None = None
    client_host: str | None = None
    client_ip: str | None = None
    deliveries: tuple[Delivery, ...] = ()
    dsn_of: str | None = None  # for a DSN the MTA generated: queue id of the message it reports on
    next_hops: tuple[str, ...] = field(default=())  # remote queue ids from "queued as X"
    source: str | None = None  # file the message was read from
    facts: tuple[MessageFact, ...] = ()  # expiry and DSN lines, in log order
    subject: str | None = None  # the Subject header, when the MTA logged it (decoded)
