"""What a bounce says about the message it returns: ids, subject, sender, tracking headers."""

from __future__ import annotations

import email
import re
from functools import cache
from typing import Any, cast

from inboxtrace.bounces.mail import decode_header_value, first_address, parse_date
from inboxtrace.bounces.mime import IndexedMessage, first_body_line, read_headers
from inboxtrace.bounces.view import Mail
from inboxtrace.datafiles import read_text
from inboxtrace.errors import DataFileError
from inboxtrace.loadcache import compile_regex, parse_toml
from inboxtrace.model.bounce import ReturnedMessage


@cache
def _knowledge() -> tuple[tuple[tuple[str, str], ...], re.Pattern[str]]:
    """The tracking headers (each name with its lower-case form) and the VERP pattern."""
    try:
        text = read_text("bounces", "data", "tracking.toml")
        raw = parse_toml(text)
        names = tuple((str(n), str(n).lower()) for n in raw["headers"])
        return names, compile_regex(raw["verp"], re.IGNORECASE)
    except (OSError, KeyError, TypeError, ValueError, re.error) as exc:  # ValueError: not TOML
        raise DataFileError(f"bounces/data/tracking.toml: {exc}") from exc


def _headers_of(mail: Mail, original_text: str | None) -> email.message.Message | None:
    part = mail.original_part
    if part is not None:
        payload = part.get_payload()
        if isinstance(payload, list) and payload and isinstance(payload[0], email.message.Message):
            return payload[0]
        if isinstance(payload, str):
            return _header_block(payload)
        raw = part.get_payload(decode=True)
        if isinstance(raw, bytes):
            return _header_block(raw.decode("ascii", "surrogateescape"))
    if original_text:
        text = "\n".join(line[2:] if line.startswith("> ") else line for line in original_text.split("\n"))
        return _header_block(text)
    return None


def _header_block(text: str) -> email.message.Message:
    """Only the headers of a returned message are read: its body is not parsed at all."""
    head = text.lstrip("\n").split("\n\n", 1)[0]
    found = read_headers(head.rstrip("\n"))
    if found is None:
        # a line that is not a header ends the headers (as the stdlib reads them)
        cut = first_body_line(head.rstrip("\n"))
        found = read_headers(head[: cut - 1]) if cut else None
    return found or email.message_from_string(head + "\n", _class=IndexedMessage)


def _get(msg: email.message.Message, name: str) -> str | None:
    # (cast: compat32 gives a Header for 8-bit text, not the str declared)
    value = cast(Any, msg).get(name)
    if value is None:
        return None
    text = decode_header_value(value)
    return text or None


def verp_recipient(address: str | None) -> str | None:
    if not address:
        return None
    match = _knowledge()[1].match(address.strip("<> "))
    if match:
        return f"{match.group(1)}@{match.group(2)}"
    return None


def returned_message(mail: Mail, original_text: str | None) -> ReturnedMessage | None:
    """The returned message's headers, or ``None`` when the bounce does not include them."""
    msg = _headers_of(mail, original_text)
    verp = verp_recipient(first_address(str(cast(Any, mail.msg).get("To", ""))))
    if msg is None or not msg.keys():
        return ReturnedMessage(verp_recipient=verp) if verp else None
    names, _verp = _knowledge()
    present = msg._names() if isinstance(msg, IndexedMessage) else {k.lower() for k in msg}
    tracking = tuple((n, v) for n, low in names if low in present and (v := _get(msg, n)))
    msgid = _get(msg, "Message-ID")
    if msgid:
        found = re.search(r"<[^<>\s]+>", msgid)
        msgid = found.group(0) if found else msgid.split()[0]
    return ReturnedMessage(
        message_id=msgid,
        subject=_get(msg, "Subject"),
        sender=first_address(_get(msg, "From")) or first_address(_get(msg, "Return-Path")),
        to=_get(msg, "To"),
        date=parse_date(_get(msg, "Date")),
        verp_recipient=verp or verp_recipient(first_address(_get(msg, "Return-Path"))),
        tracking=tracking,
    )
