"""SparkPost (Bird) event webhooks: a JSON array of ``{"msys": {"<kind>_event": {...}}}``. Nothing is
signed: Basic auth or an OAuth2 bearer token (configured) is what SparkPost offers."""

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

_KINDS = {
    "injection": EventKind.ACCEPTED,
    "delivery": EventKind.DELIVERED,
    "delay": EventKind.DEFERRED,
    "bounce": EventKind.BOUNCED,
    "out_of_band": EventKind.BOUNCED,
    "policy_rejection": EventKind.REJECTED,
    "generation_failure": EventKind.REJECTED,
    "generation_rejection": EventKind.REJECTED,
    "spam_complaint": EventKind.COMPLAINED,
    "open": EventKind.OPENED,
    "initial_open": EventKind.OPENED,
    "amp_open": EventKind.OPENED,
    "amp_initial_open": EventKind.OPENED,
    "click": EventKind.CLICKED,
    "amp_click": EventKind.CLICKED,
    "list_unsubscribe": EventKind.UNSUBSCRIBED,
    "link_unsubscribe": EventKind.UNSUBSCRIBED,
}
# bounce classes that are not failures to deliver: auto-reply, subscribe, challenge-response
_NOT_FAILURES = {"60", "80", "100"}
_HARD = {"10", "30", "90", "25", "26"}


def _inner(item: Any) -> dict[str, Any] | None:
    msys = item.get("msys") if isinstance(item, dict) else None
    if not isinstance(msys, dict):
        return item if isinstance(item, dict) and "type" in item else None
    for value in msys.values():
        if isinstance(value, dict):
            return value
    return None


def event_of(item: Any) -> EspEvent | None:
    ev = _inner(item)
    if ev is None:
        return None
    name = text(ev.get("type"), 40)
    rcpt = address(ev.get("rcpt_to")) or address(ev.get("raw_rcpt_to"))
    when = parse_time(ev.get("timestamp"))
    if not name or not rcpt or when is None:
        return None
    kind = _KINDS.get(name, EventKind.OTHER)
    bclass = text(ev.get("bounce_class"), 8)
    if kind == EventKind.BOUNCED and bclass in _NOT_FAILURES:
        kind = EventKind.OTHER
    reply = text(ev.get("raw_reason")) or text(ev.get("reason"))
    return make(
        "sparkpost",
        text(ev.get("event_id"), 200) or digest_id("sparkpost", ev),
        kind,
        name,
        when,
        rcpt,
        item if isinstance(item, dict) else ev,
        provider_message_id=text(ev.get("message_id"), 200),
        sender=address(ev.get("msg_from")),
        subject=text(ev.get("subject"), 300),
        reply=reply if kind not in (EventKind.OPENED, EventKind.CLICKED, EventKind.ACCEPTED) else None,
        relay_ip=text(ev.get("ip_address"), 64) if kind != EventKind.ACCEPTED else None,
        bounce_type=bclass,
        hard=(bclass in _HARD) if bclass and kind in (EventKind.BOUNCED, EventKind.REJECTED) else None,
    )


class SparkPostProvider(CredentialedProvider):
    name = "sparkpost"
    title = "SparkPost"

    def event_of(self, item: Any) -> EspEvent | None:
        return event_of(item)


__all__ = ["SparkPostProvider", "event_of"]
