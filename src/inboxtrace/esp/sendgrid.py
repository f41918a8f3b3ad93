"""SendGrid Event Webhook: a JSON array of events, signed with ECDSA P-256 over timestamp + body."""

from __future__ import annotations

import base64
import binascii
import time
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from inboxtrace.errors import ConfigError
from inboxtrace.esp.base import (
    EspEvent,
    EventKind,
    Forbidden,
    Provider,
    Unauthorized,
    WebhookRequest,
    address,
    angle_id,
    digest_id,
    parse_time,
    text,
)
from inboxtrace.esp.config import EspSettings
from inboxtrace.esp.judge import make

SIGNATURE_HEADER = "x-twilio-email-event-webhook-signature"
TIMESTAMP_HEADER = "x-twilio-email-event-webhook-timestamp"

_KINDS = {
    "processed": EventKind.ACCEPTED,
    "dropped": EventKind.REJECTED,
    "delivered": EventKind.DELIVERED,
    "deferred": EventKind.DEFERRED,
    "bounce": EventKind.BOUNCED,
    "blocked": EventKind.BOUNCED,
    "open": EventKind.OPENED,
    "click": EventKind.CLICKED,
    "spamreport": EventKind.COMPLAINED,
    "unsubscribe": EventKind.UNSUBSCRIBED,
    "group_unsubscribe": EventKind.UNSUBSCRIBED,
}


def load_public_key(value: str) -> ec.EllipticCurvePublicKey:
    """The verification key as SendGrid shows it (base64 DER SubjectPublicKeyInfo) or PEM."""
    try:
        if "-----BEGIN" in value:
            key = serialization.load_pem_public_key(value.encode("ascii"))
        else:
            key = serialization.load_der_public_key(base64.b64decode("".join(value.split()), validate=True))
    except (ValueError, binascii.Error, UnicodeEncodeError) as exc:
        raise ConfigError("the SendGrid public key is not a base64 DER or PEM public key") from exc
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ConfigError("the SendGrid public key is not an ECDSA key")
    return key


def event_of(item: Any) -> EspEvent | None:
    """One SendGrid event object, or None when it is not one (no email, event or time)."""
    if not isinstance(item, dict):
        return None
    name = text(item.get("event"), 40)
    rcpt = address(item.get("email"))
    when = parse_time(item.get("timestamp"))
    if not name or not rcpt or when is None:
        return None
    kind = _KINDS.get(name, EventKind.OTHER)
    btype = None
    hard = None
    reply = None
    if name == "dropped":
        btype = text(item.get("reason"), 80)
    elif kind == EventKind.BOUNCED:
        btype = text(item.get("bounce_classification"), 80) or text(item.get("type"), 40)
        hard = (text(item.get("type"), 40) or name) == "bounce"
        reply = text(item.get("reason"))
    elif kind in (EventKind.DELIVERED, EventKind.DEFERRED):
        reply = text(item.get("response"))
    return make(
        "sendgrid",
        text(item.get("sg_event_id"), 200) or digest_id("sendgrid", item),
        kind,
        name,
        when,
        rcpt,
        item,
        provider_message_id=text(item.get("sg_message_id"), 200),
        message_id=angle_id(item.get("smtp-id")),
        enhanced_status=text(item.get("status"), 16),
        reply=reply,
        bounce_type=btype,
        hard=hard,
    )


class SendGridProvider(Provider):
    name = "sendgrid"
    title = "SendGrid"

    def __init__(self, settings: EspSettings) -> None:
        self.key = load_public_key(settings.sendgrid_public_key) if settings.sendgrid_public_key else None
        self.max_age = settings.sendgrid_max_age

    def verify(self, request: WebhookRequest) -> None:
        if self.key is None:
            raise Forbidden("SendGrid webhooks are not configured: set INBOXTRACE_SENDGRID_PUBLIC_KEY")
        sig = request.header(SIGNATURE_HEADER)
        stamp = request.header(TIMESTAMP_HEADER)
        if not sig or not stamp:
            raise Unauthorized("SendGrid signature headers missing")
        try:
            signature = base64.b64decode(sig, validate=True)
            ts = float(stamp)
        except (binascii.Error, ValueError) as exc:
            raise Forbidden("malformed SendGrid signature headers") from exc
        try:
            self.key.verify(signature, stamp.encode("ascii") + request.body, ec.ECDSA(hashes.SHA256()))
        except (InvalidSignature, UnicodeEncodeError) as exc:
            raise Forbidden("SendGrid signature does not verify") from exc
        if abs(time.time() - ts) > self.max_age:
            raise Forbidden("SendGrid signature timestamp is too old")

    def event_of(self, item: Any) -> EspEvent | None:
        return event_of(item)


__all__ = ["SendGridProvider", "event_of", "load_public_key"]
