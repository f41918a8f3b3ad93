"""Mailgun webhooks: one ``{"signature": ..., "event-data": ...}`` object per request, signed with
HMAC-SHA256 of timestamp + token under the webhook signing key. Tokens are single use: the store
remembers them (:func:`inboxtrace.store.esp.claim_token`) so a captured request cannot be replayed.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import UTC, datetime
from typing import Any

from inboxtrace.esp.base import (
    BadPayload,
    EspEvent,
    EventKind,
    Forbidden,
    Provider,
    Unauthorized,
    WebhookRequest,
    address,
    angle_id,
    digest_id,
    field_of,
    load_json,
    parse_time,
    text,
)
from inboxtrace.esp.config import EspSettings
from inboxtrace.esp.judge import make

_KINDS = {
    "accepted": EventKind.ACCEPTED,
    "delivered": EventKind.DELIVERED,
    "rejected": EventKind.REJECTED,
    "opened": EventKind.OPENED,
    "clicked": EventKind.CLICKED,
    "unsubscribed": EventKind.UNSUBSCRIBED,
    "complained": EventKind.COMPLAINED,
}


def signature_of(body: Any) -> tuple[str, str, str]:
    """(timestamp, token, signature) of a Mailgun body; :class:`Unauthorized` when missing."""
    sig = body.get("signature") if isinstance(body, dict) else None
    if not isinstance(sig, dict):
        raise Unauthorized("Mailgun signature missing")
    parts = [sig.get("timestamp"), sig.get("token"), sig.get("signature")]
    if not all(isinstance(p, str | int) and str(p) for p in parts):
        raise Unauthorized("Mailgun signature incomplete")
    ts, token, signature = (str(p) for p in parts)
    return ts, token, signature


def _reply(status: Any) -> str | None:
    if not isinstance(status, dict):
        return None
    code = text(status.get("code"), 8)
    enhanced = text(status.get("enhanced-code"), 16)
    message = text(status.get("message")) or text(status.get("description"))
    parts = [p for p in (code if code not in (None, "0") else None, enhanced, message) if p]
    return " ".join(parts) or None


def event_of(data: Any) -> EspEvent | None:
    if not isinstance(data, dict):
        return None
    name = text(data.get("event"), 40)
    rcpt = address(data.get("recipient"))
    when = parse_time(data.get("timestamp"))
    if not name or not rcpt or when is None:
        return None
    severity = text(data.get("severity"), 20)
    reason = text(data.get("reason"), 60)
    if name == "failed":
        if severity == "temporary":
            kind = EventKind.DEFERRED
        elif reason and reason.startswith("suppress-"):
            kind = EventKind.REJECTED
        else:
            kind = EventKind.BOUNCED
    else:
        kind = _KINDS.get(name, EventKind.OTHER)
    status = data.get("delivery-status")
    mid = text(field_of(data, "message", "headers", "message-id"), 900)
    day = datetime.fromtimestamp(int(when.timestamp()), UTC).date().isoformat()
    ev_id = f"{text(data.get('id'), 100)}@{day}" if text(data.get("id"), 100) else digest_id("mailgun", data)
    return make(
        "mailgun",
        ev_id,
        kind,
        f"{name}/{severity}" if severity else name,
        when,
        rcpt,
        data,
        provider_message_id=mid.strip("<>") if mid else None,
        message_id=angle_id(mid),
        sender=address(field_of(data, "envelope", "sender")),
        subject=text(field_of(data, "message", "headers", "subject"), 300),
        reply=_reply(status),
        enhanced_status=text(field_of(status, "enhanced-code"), 16),
        relay_host=text(field_of(status, "mx-host"), 255),
        bounce_type=reason,
        hard=(severity == "permanent") if name == "failed" else None,
    )


class MailgunProvider(Provider):
    name = "mailgun"
    title = "Mailgun"

    def __init__(self, settings: EspSettings) -> None:
        self.key = settings.mailgun_signing_key
        self.max_age = settings.mailgun_max_age

    def token(self, request: WebhookRequest) -> str | None:
        """The request's single-use token (after :meth:`verify`)."""
        return signature_of(load_json(request.body))[1]

    def verify(self, request: WebhookRequest) -> None:
        if not self.key:
            raise Forbidden("Mailgun webhooks are not configured: set INBOXTRACE_MAILGUN_SIGNING_KEY")
        ts, token, signature = signature_of(load_json(request.body))
        expected = hmac.new(
            self.key.encode("utf-8"), (ts + token).encode("utf-8"), hashlib.sha256
        ).hexdigest()
        if not hmac.compare_digest(expected, signature.lower()):
            raise Forbidden("Mailgun signature does not verify")
        try:
            age = time.time() - float(ts)
        except ValueError as exc:
            raise Forbidden("Mailgun signature timestamp is not a number") from exc
        if abs(age) > self.max_age:
            raise Forbidden("Mailgun signature timestamp is too old")

    def event_of(self, item: Any) -> EspEvent | None:
        if not isinstance(item, dict):
            return None
        data = item.get("event-data", item)
        if not isinstance(data, dict):
            raise BadPayload("Mailgun event-data is not an object")
        return event_of(data)


__all__ = ["MailgunProvider", "event_of", "signature_of"]
