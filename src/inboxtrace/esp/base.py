"""What every ESP module speaks: the webhook request, the normalized event, the provider interface.

A provider module turns one webhook request body into :class:`EspEvent` records and checks the
request's signature or credentials. Events carry the same facts as an MTA log attempt (recipient,
time, state, the remote reply and its verdict) plus the provider's own words kept beside them
(``provider_event``, ``bounce_type``), so the store can file them as log records.
"""

from __future__ import annotations

import hashlib
import json
import math
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from inboxtrace.errors import InboxtraceError
from inboxtrace.model.reply import Verdict

# A webhook body larger than this is refused before parsing (SendGrid flushes at 768 KB).
MAX_BODY = 8 * 1024 * 1024


class EventKind(StrEnum):
    """What an event says happened to one recipient of one message."""

    ACCEPTED = "accepted"  # the provider took the message (processed, injection, send)
    DELIVERED = "delivered"  # the receiving server answered 2xx
    DEFERRED = "deferred"  # a temporary failure, the provider retries
    BOUNCED = "bounced"  # the provider gave up: permanent refusal or retries exhausted
    REJECTED = "rejected"  # never sent: dropped, suppressed, refused by the provider's policy
    COMPLAINED = "complained"  # a spam complaint (feedback loop)
    OPENED = "opened"
    CLICKED = "clicked"
    UNSUBSCRIBED = "unsubscribed"
    OTHER = "other"


# The kinds that decide where the delivery ended, and their log status word.
DECISIVE = {
    EventKind.DELIVERED: "sent",
    EventKind.DEFERRED: "deferred",
    EventKind.BOUNCED: "bounced",
    EventKind.REJECTED: "rejected",
}


class WebhookError(InboxtraceError):
    """A webhook request cannot be accepted; ``status`` is the HTTP status to answer."""

    status = 400

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status


class BadPayload(WebhookError):
    """The body is not what this provider sends (not JSON, wrong shape): 400."""

    status = 400


class Unauthorized(WebhookError):
    """Missing or wrong credentials: 401."""

    status = 401


class Forbidden(WebhookError):
    """A signature that does not verify, a certificate from the wrong host, a stale timestamp: 403."""

    status = 403


class Replayed(WebhookError):
    """A request already seen (Mailgun token): 406, which tells Mailgun not to retry."""

    status = 406


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    """A webhook request as received: the raw body bytes and the headers (names lower-cased)."""

    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str = ""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass(frozen=True, slots=True)
class EspEvent:
    """One event about one recipient of one message, normalized from any provider."""

    provider: str
    event_id: str  # the provider's event id (the dedupe key), or a digest of the raw event
    kind: EventKind
    provider_event: str  # the provider's own event name ("bounce", "Delivery", "permanent_fail" ...)
    time: datetime  # UTC
    recipient: str
    provider_message_id: str | None = None
    message_id: str | None = None  # the RFC 5322 Message-ID, as "<...>"
    sender: str | None = None
    subject: str | None = None
    reply: str | None = None  # the remote server's reply (or the provider's diagnostic text)
    enhanced_status: str | None = None
    relay_host: str | None = None  # the receiving MX (or reporting MTA)
    relay_ip: str | None = None
    bounce_type: str | None = None  # the provider's own classification, kept beside the verdict
    hard: bool | None = None  # the provider's hard/soft flag, when it gives one
    verdict: Verdict | None = None  # the reply vocabulary's verdict on ``reply``
    reason: str | None = None  # the verdict's reason, else the provider's type mapped (esp/data)
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def hard_bounce(self) -> bool | None:
        if self.kind not in (EventKind.BOUNCED, EventKind.REJECTED):
            return False if self.kind in DECISIVE else None
        if self.verdict is not None and self.verdict.reply_class.value != "success":
            return self.verdict.hard_bounce
        return self.hard

    def to_dict(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "event_id": self.event_id,
            "kind": self.kind.value,
            "provider_event": self.provider_event,
            "time": self.time.isoformat(),
            "recipient": self.recipient,
            "provider_message_id": self.provider_message_id,
            "message_id": self.message_id,
            "sender": self.sender,
            "reply": self.reply,
            "enhanced_status": self.enhanced_status,
            "relay_host": self.relay_host,
            "relay_ip": self.relay_ip,
            "bounce_type": self.bounce_type,
            "hard_bounce": self.hard_bounce,
            "reason": self.reason,
            "verdict": self.verdict.to_dict() if self.verdict else None,
        }


@dataclass(frozen=True, slots=True)
class Parsed:
    """What a provider made of one request: events to store, and an optional action to run after
    they are committed (SNS subscription confirmation)."""

    events: tuple[EspEvent, ...] = ()
    note: str = ""


class Provider(ABC):
    """One ESP: verifies a request and parses its body. Subclasses are registered in
    :mod:`inboxtrace.esp.registry`."""

    name: str = ""
    title: str = ""
    # whether handling a request may wait on the network (fetching a signing certificate,
    # confirming a subscription): such requests are handled off the server's event loop
    blocking: bool = False

    @abstractmethod
    def verify(self, request: WebhookRequest) -> None:
        """Raise :class:`Unauthorized` / :class:`Forbidden` unless the request is authentic."""

    def parse(self, body: bytes | str | Any) -> list[EspEvent]:
        """The events in a body (raw bytes, text, or already decoded JSON); :class:`BadPayload` if
        it is not this provider's shape. Items that are not events are skipped."""
        return [e for e in map(self.event_of, as_items(self.decode(body))) if e is not None]

    def decode(self, body: bytes | str | Any) -> Any:
        """The body's data (JSON; a provider that also sends forms overrides this)."""
        return load_json(body)

    def event_of(self, item: Any) -> EspEvent | None:
        """One item of a decoded body as an event, or None when it is not one."""
        raise NotImplementedError(f"{type(self).__name__} reads its bodies itself")

    def token(self, request: WebhookRequest) -> str | None:
        """The request's single-use token, for providers that sign one (replays are refused)."""
        return None

    def handle(self, request: WebhookRequest) -> Parsed:
        """Verify then parse (SNS overrides this to confirm subscriptions)."""
        self.verify(request)
        return Parsed(tuple(self.parse(request.body)))


# --- helpers shared by the provider modules -------------------------------------------------


def load_json(body: bytes | str | Any) -> Any:
    """Decode a JSON body; already-decoded values pass through. :class:`BadPayload` on failure."""
    if not isinstance(body, bytes | str):
        return body
    if len(body) > MAX_BODY:
        raise BadPayload(f"body too large ({len(body)} bytes, at most {MAX_BODY})", 413)
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise BadPayload(f"body is not JSON: {str(exc)[:120]}") from exc


def as_items(data: Any) -> list[Any]:
    """An array body as its items, an object as a one-item list."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        return [data]
    raise BadPayload("body is neither a JSON object nor an array")


def text(value: Any, limit: int = 4000) -> str | None:
    """A string field (numbers accepted), stripped and capped; None for missing/empty/other."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = value.strip().replace("\x00", "")
    return value[:limit] or None


def address(value: Any) -> str | None:
    """An e-mail address field, without angle brackets, capped at 512 characters."""
    s = text(value, 512)
    return s.strip("<>").strip() or None if s else None


def angle_id(value: Any) -> str | None:
    """A Message-ID as ``<...>`` (providers give it with or without brackets)."""
    s = text(value, 900)
    if not s:
        return None
    bare = s.strip().strip("<>").strip()
    return f"<{bare}>" if bare else None


def parse_time(value: Any) -> datetime | None:
    """UNIX seconds (int, float or numeric string) or ISO 8601 text, as an aware UTC datetime."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        s = value.strip()
        try:
            value = float(s)
        except ValueError:
            try:
                dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
            except ValueError:
                return None
            return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
    if isinstance(value, int | float):
        if not math.isfinite(value) or not 0 <= value < 32503680000:
            return None
        if value > 1e11:  # milliseconds
            value = value / 1000.0
        return datetime.fromtimestamp(value, UTC)
    return None


def digest_id(provider: str, item: Any, *extra: str) -> str:
    """A stable event id for providers that give none: a digest of the raw event."""
    data = json.dumps(item, sort_keys=True, ensure_ascii=False, default=str) + "\x00".join(extra)
    return f"{provider}-{hashlib.sha256(data.encode('utf-8', 'surrogatepass')).hexdigest()[:32]}"


def field_of(obj: Any, *path: str) -> Any:
    """``obj[path[0]][path[1]]...`` or None when any step is missing or not an object."""
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


__all__ = [
    "DECISIVE",
    "MAX_BODY",
    "BadPayload",
    "EspEvent",
    "EventKind",
    "Forbidden",
    "Parsed",
    "Provider",
    "Replayed",
    "Unauthorized",
    "WebhookError",
    "WebhookRequest",
    "address",
    "angle_id",
    "as_items",
    "digest_id",
    "field_of",
    "load_json",
    "parse_time",
    "text",
]
