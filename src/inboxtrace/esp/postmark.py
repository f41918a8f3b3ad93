"""Postmark webhooks: one JSON object per request (``RecordType``); Basic auth is what Postmark
offers (credentials in the webhook URL)."""

from __future__ import annotations

from typing import Any

from inboxtrace.esp.auth import CredentialedProvider
from inboxtrace.esp.base import (
    EspEvent,
    EventKind,
    address,
    digest_id,
    parse_time,
    text,
)
from inboxtrace.esp.judge import make

# Bounce types that are not a failure to deliver (Postmark reports them through the bounce hook)
_NOT_FAILURES = {"AutoResponder", "Subscribe", "AddressChange", "ChallengeVerification", "OpenRelayTest"}
_NEVER_SENT = {"ManuallyDeactivated", "Unsubscribe", "Unconfirmed", "TemplateRenderingFailed", "SMTPApiError"}


def event_of(item: Any) -> EspEvent | None:
    if not isinstance(item, dict):
        return None
    record = text(item.get("RecordType"), 40)
    pmid = text(item.get("MessageID"), 200)
    btype = None
    reply = text(item.get("Details"))
    if record == "Bounce":
        btype = text(item.get("Type"), 40)
        rcpt, when = address(item.get("Email")), parse_time(item.get("BouncedAt"))
        if btype in _NOT_FAILURES:
            kind = EventKind.OTHER
        elif btype in _NEVER_SENT:
            kind = EventKind.REJECTED
        else:
            kind = EventKind.BOUNCED
        ev_id = (
            f"bounce-{text(item.get('ID'), 40)}" if text(item.get("ID"), 40) else digest_id("postmark", item)
        )
    elif record == "SpamComplaint":
        kind, btype = EventKind.COMPLAINED, text(item.get("Type"), 40)
        rcpt, when = address(item.get("Email")), parse_time(item.get("BouncedAt"))
        ev_id = (
            f"complaint-{text(item.get('ID'), 40)}"
            if text(item.get("ID"), 40)
            else digest_id("postmark", item)
        )
    elif record == "Delivery":
        kind = EventKind.DELIVERED
        rcpt, when = address(item.get("Recipient")), parse_time(item.get("DeliveredAt"))
        ev_id = digest_id("postmark", item)
    elif record in ("Open", "Click"):
        kind = EventKind.OPENED if record == "Open" else EventKind.CLICKED
        rcpt, when = address(item.get("Recipient")), parse_time(item.get("ReceivedAt"))
        ev_id, reply = digest_id("postmark", item), None
    elif record == "SubscriptionChange":
        kind = EventKind.UNSUBSCRIBED if item.get("SuppressSending") else EventKind.OTHER
        rcpt, when = address(item.get("Recipient")), parse_time(item.get("ChangedAt"))
        btype, reply = text(item.get("SuppressionReason"), 40), None
        ev_id = digest_id("postmark", item)
    else:
        return None
    if not rcpt or when is None:
        return None
    return make(
        "postmark",
        ev_id,
        kind,
        record,
        when,
        rcpt,
        item,
        provider_message_id=pmid,
        sender=address(item.get("From")),
        subject=text(item.get("Subject"), 300),
        reply=reply,
        bounce_type=btype,
    )


class PostmarkProvider(CredentialedProvider):
    name = "postmark"
    title = "Postmark"

    def event_of(self, item: Any) -> EspEvent | None:
        return event_of(item)


__all__ = ["PostmarkProvider", "event_of"]
