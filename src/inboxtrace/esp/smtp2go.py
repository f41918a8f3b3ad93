"""SMTP2GO webhooks: one event per request, JSON or form-encoded; an optional ``Authorization``
header (Basic or Bearer) is the only credential SMTP2GO sends, so one must be configured."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from inboxtrace.esp.auth import CredentialedProvider
from inboxtrace.esp.base import (
    MAX_BODY,
    BadPayload,
    EspEvent,
    EventKind,
    address,
    angle_id,
    digest_id,
    load_json,
    parse_time,
    text,
)
from inboxtrace.esp.judge import make

_KINDS = {
    "processed": EventKind.ACCEPTED,
    "delivered": EventKind.DELIVERED,
    "open": EventKind.OPENED,
    "click": EventKind.CLICKED,
    "spam": EventKind.COMPLAINED,
    "unsubscribe": EventKind.UNSUBSCRIBED,
    "reject": EventKind.REJECTED,
}
_HOST = re.compile(r"^\s*([^\s\[\]]+)?\s*(?:\[([0-9A-Fa-f:.]+)\])?")


def decode_body(body: bytes | str | Any) -> Any:
    """JSON, or ``application/x-www-form-urlencoded`` (SMTP2GO lets the user choose)."""
    if isinstance(body, bytes | str):
        raw = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        if len(raw) > MAX_BODY:
            raise BadPayload("body too large", 413)
        stripped = raw.lstrip()
        if stripped[:1] not in ("{", "["):
            pairs = parse_qsl(raw, keep_blank_values=True)
            if not pairs:
                raise BadPayload("body is neither JSON nor a form")
            return dict(pairs)
    return load_json(body)


def event_of(item: Any) -> EspEvent | None:
    if not isinstance(item, dict):
        return None
    name = text(item.get("event"), 40)
    rcpt = address(item.get("rcpt")) or address(item.get("email"))
    when = parse_time(item.get("time")) or parse_time(item.get("sendtime"))
    if not name or not rcpt or when is None:
        return None
    bounce = text(item.get("bounce"), 10)
    if name == "bounce":
        kind = EventKind.DEFERRED if bounce == "soft" else EventKind.BOUNCED
    else:
        kind = _KINDS.get(name, EventKind.OTHER)
    m = _HOST.match(text(item.get("host"), 300) or "")
    relay_host, relay_ip = (m.group(1), m.group(2)) if m else (None, None)
    mid = next((v for k, v in item.items() if isinstance(k, str) and k.lower() == "message-id"), None)
    return make(
        "smtp2go",
        text(item.get("id"), 200) or digest_id("smtp2go", item),
        kind,
        name,
        when,
        rcpt,
        item,
        provider_message_id=text(item.get("email_id"), 200),
        message_id=angle_id(mid),
        sender=address(item.get("sender")),
        subject=text(item.get("subject"), 300),
        reply=text(item.get("message")) if kind not in (EventKind.OPENED, EventKind.CLICKED) else None,
        relay_host=relay_host,
        relay_ip=relay_ip,
        bounce_type=bounce,
        hard=(bounce == "hard") if bounce else None,
    )


class Smtp2goProvider(CredentialedProvider):
    name = "smtp2go"
    title = "SMTP2GO"

    def decode(self, body: bytes | str | Any) -> Any:
        return decode_body(body)

    def event_of(self, item: Any) -> EspEvent | None:
        return event_of(item)


__all__ = ["Smtp2goProvider", "decode_body", "event_of"]
