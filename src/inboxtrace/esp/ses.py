"""Amazon SES events delivered by SNS: the SNS envelope is verified, the SES record in ``Message``
becomes one event per recipient.

Accepted bodies: an SNS envelope (``Type`` = ``Notification`` ...) or, for imports, a bare SES
record (``eventType`` or ``notificationType`` with ``mail``).
"""

from __future__ import annotations

import json
from typing import Any

from inboxtrace.esp.base import (
    BadPayload,
    EspEvent,
    EventKind,
    Forbidden,
    Parsed,
    Provider,
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
from inboxtrace.esp.sns import SnsVerifier

# SES event type → (kind, detail object key)
_TYPES: dict[str, tuple[EventKind, str]] = {
    "Send": (EventKind.ACCEPTED, "send"),
    "Reject": (EventKind.REJECTED, "reject"),
    "Bounce": (EventKind.BOUNCED, "bounce"),
    "Complaint": (EventKind.COMPLAINED, "complaint"),
    "Delivery": (EventKind.DELIVERED, "delivery"),
    "DeliveryDelay": (EventKind.DEFERRED, "deliveryDelay"),
    "Open": (EventKind.OPENED, "open"),
    "Click": (EventKind.CLICKED, "click"),
    "Rendering Failure": (EventKind.REJECTED, "failure"),
    "Subscription": (EventKind.UNSUBSCRIBED, "subscription"),
}


def _reporting_host(value: Any) -> str | None:
    s = text(value, 255)
    if not s:
        return None
    return s.split(";", 1)[1].strip() if ";" in s else s


def _message_id(mail: dict[str, Any]) -> str | None:
    mid = field_of(mail, "commonHeaders", "messageId")
    if mid:
        return angle_id(mid)
    headers = mail.get("headers")
    if isinstance(headers, list):
        for h in headers:
            if isinstance(h, dict) and str(h.get("name", "")).lower() == "message-id":
                return angle_id(h.get("value"))
    return None


def events_of_record(record: Any, base_id: str, raw: dict[str, Any] | None = None) -> list[EspEvent]:
    """The events of one SES record; ``base_id`` (the SNS MessageId) makes each event id; ``raw``
    (default: the record) is what is kept for replay."""
    if not isinstance(record, dict):
        raise BadPayload("SES record is not an object")
    etype = text(record.get("eventType") or record.get("notificationType"), 64)
    mail = record.get("mail")
    if etype is None or not isinstance(mail, dict):
        raise BadPayload("not an SES event record (eventType/notificationType, mail)")
    kind, key = _TYPES.get(etype, (EventKind.OTHER, etype[:1].lower() + etype[1:]))
    detail = record.get(key)
    detail = detail if isinstance(detail, dict) else {}
    common = {
        "provider_message_id": text(mail.get("messageId"), 200),
        "message_id": _message_id(mail),
        "sender": address(mail.get("source")),
        "subject": text(field_of(mail, "commonHeaders", "subject"), 300),
    }
    when = parse_time(detail.get("timestamp")) or parse_time(mail.get("timestamp"))
    if when is None:
        raise BadPayload("SES record without a timestamp")
    destinations = [a for a in (address(d) for d in mail.get("destination") or []) if a]
    out: list[EspEvent] = []
    keep = raw if raw is not None else record

    def add(rcpt: str | None, **fields: Any) -> None:
        if not rcpt:
            return
        out.append(make("ses", f"{base_id}/{rcpt}", kind, etype, when, rcpt, keep, **common, **fields))

    if kind == EventKind.BOUNCED:
        btype = f"{text(detail.get('bounceType'), 40)}/{text(detail.get('bounceSubType'), 40)}"
        for r in detail.get("bouncedRecipients") or []:
            if isinstance(r, dict):
                add(
                    address(r.get("emailAddress")),
                    reply=text(r.get("diagnosticCode")),
                    enhanced_status=text(r.get("status"), 16),
                    relay_host=_reporting_host(detail.get("reportingMTA")),
                    relay_ip=text(detail.get("remoteMtaIp"), 64),
                    bounce_type=btype,
                    hard=detail.get("bounceType") == "Permanent",
                )
    elif kind == EventKind.DEFERRED:
        for r in detail.get("delayedRecipients") or []:
            if isinstance(r, dict):
                add(
                    address(r.get("emailAddress")),
                    reply=text(r.get("diagnosticCode")),
                    enhanced_status=text(r.get("status"), 16),
                    bounce_type=text(detail.get("delayType"), 64),
                )
    elif kind == EventKind.DELIVERED:
        for r in detail.get("recipients") or destinations:
            add(
                address(r),
                reply=text(detail.get("smtpResponse")),
                relay_ip=text(detail.get("remoteMtaIp"), 64),
            )
    elif kind == EventKind.COMPLAINED:
        for r in detail.get("complainedRecipients") or []:
            if isinstance(r, dict):
                add(address(r.get("emailAddress")), bounce_type=text(detail.get("complaintFeedbackType"), 40))
    elif etype == "Reject":
        for rcpt in destinations:
            add(rcpt, bounce_type=f"Reject/{text(detail.get('reason'), 60)}")
    elif etype == "Rendering Failure":
        for rcpt in destinations:
            add(rcpt, reply=text(detail.get("errorMessage")), bounce_type="Rendering Failure")
    else:
        for rcpt in destinations:
            add(rcpt)
    return out


class SesProvider(Provider):
    name = "ses"
    title = "Amazon SES"
    blocking = True  # may fetch the SNS signing certificate or confirm a subscription

    def __init__(self, settings: EspSettings) -> None:
        self.sns = SnsVerifier(settings.ses_topic_arns, settings.sns_cert_host, settings.sns_ca_file)

    def _envelope(self, request: WebhookRequest) -> dict[str, Any]:
        if (request.header("x-amz-sns-rawdelivery") or "").lower() == "true":
            raise Forbidden("SNS raw message delivery carries no signature: turn it off")
        msg = load_json(request.body)
        if not isinstance(msg, dict):
            raise BadPayload("SNS body is not a JSON object")
        return msg

    def verify(self, request: WebhookRequest) -> None:
        self.sns.verify(self._envelope(request))

    def handle(self, request: WebhookRequest) -> Parsed:
        msg = self._envelope(request)
        self.sns.verify(msg)
        if msg["Type"] == "SubscriptionConfirmation":
            self.sns.confirm(msg)
            return Parsed((), "subscription confirmed")
        if msg["Type"] == "UnsubscribeConfirmation":
            return Parsed((), "unsubscribed")
        return Parsed(tuple(self.parse(msg)))

    def parse(self, body: bytes | str | Any) -> list[EspEvent]:
        data = load_json(body)
        if isinstance(data, list):
            return [e for item in data for e in self.parse(item)]
        if not isinstance(data, dict):
            raise BadPayload("SES body is not a JSON object")
        if "Type" in data:
            if data.get("Type") != "Notification":
                return []
            inner = data.get("Message")
            if not isinstance(inner, str):
                raise BadPayload("SNS Message is not a string")
            try:
                record = json.loads(inner)
            except ValueError as exc:
                raise BadPayload("SNS Message is not an SES JSON record") from exc
            base = text(data.get("MessageId"), 100) or digest_id("ses", data)
            return events_of_record(record, base, data)
        return events_of_record(data, digest_id("ses", data))


__all__ = ["SesProvider", "events_of_record"]
