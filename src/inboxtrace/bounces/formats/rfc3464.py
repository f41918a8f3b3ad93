"""RFC 3464 delivery status notifications (and RFC 6533 global ones): the standard format.

Most MTAs (Postfix, Sendmail, Exchange, Office 365, Gmail, Amazon SES, ...) send this, each with
its own human text around it; ``vendor`` names the MTA or provider when the text or headers tell.
"""

from __future__ import annotations

import re
from email.message import Message
from typing import Any, cast

from inboxtrace.bounces.formats.base import field_blocks, field_dicts, found_from_fields, sub_messages
from inboxtrace.bounces.formats.text import exclusions, scan, split_report
from inboxtrace.bounces.formats.vendors import vendor_of
from inboxtrace.bounces.mail import decode_header_value, part_text
from inboxtrace.bounces.view import Found, Mail, Parsed
from inboxtrace.loadcache import compile_regex

_INLINE_FIELDS_START_RE = compile_regex(
    r"^(?:Reporting-MTA|Final-Recipient|Original-Recipient)\s*:", re.I | re.M
)
_INLINE_FIELDS_RE = compile_regex(r"^(?:Final|Original)-Recipient\s*:", re.I | re.M)


def field_lines(subs: list[Message]) -> str:
    """The header blocks as ``name: value`` lines (values decoded), a blank line after each block."""
    lines: list[str] = []
    for sub in subs:
        # (cast: compat32 gives a Header for 8-bit text, not the str declared)
        fields_of = cast(Any, sub).items()
        lines.extend(f"{name}: {decode_header_value(value)}" for name, value in fields_of)
        lines.append("")
        # compat32 keeps a trailing non-header body in a block's payload: read it too
        if not sub.is_multipart():
            raw = sub.get_payload(decode=True)  # bytes: 8-bit (UTF-8) fields kept intact
            tail = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else ""
            if tail.strip():
                lines.append(tail)
            lines.append("")
    return "\n".join(lines)


def _blocks_of(part: Message) -> list[dict[str, str]]:
    payload = sub_messages(part)
    if payload is not None:
        direct = field_dicts(payload)  # the same blocks, without writing the lines
        return direct if direct is not None else field_blocks(field_lines(payload))
    return field_blocks(part_text(part))


def recipients_from_blocks(blocks: list[dict[str, str]]) -> tuple[list[Found], dict[str, str]]:
    per_message: dict[str, str] = {}
    found: list[Found] = []
    for block in blocks:
        if "final-recipient" in block or "original-recipient" in block:
            item = found_from_fields(block, per_message)
            if item is not None:
                found.append(item)
        else:
            for key, value in block.items():
                per_message.setdefault(key, value)
    return found, per_message


def add_context(mail: Mail, found: list[Found]) -> None:
    """Give each recipient the human text the report says about it (used when the fields are mute).

    Computed lazily: most DSNs say enough in their fields, and the scan of the text costs.
    """
    text = _ReportText(mail, single=len(found) == 1)
    for item in found:
        item.context_fn = text.context


class _ReportText:
    """The human text of one report, cut into what it says about each recipient on first use.

    Shared by the report's recipients through a bound method, which holds no recipient: a closure
    over each recipient stored in that recipient was a reference cycle, so every message's parsed
    tree outlived its parse until the cycle collector ran (a tenth of the mailbox benchmark's CPU).
    """

    __slots__ = ("_blocks", "mail", "single")

    def __init__(self, mail: Mail, *, single: bool) -> None:
        self.mail = mail
        self.single = single
        self._blocks: tuple[dict[str, str], str, str] | None = None

    def blocks(self) -> tuple[dict[str, str], str, str]:
        if self._blocks is None:
            report, _original = split_report(self.mail.body)
            fields = _INLINE_FIELDS_START_RE.search(report)
            if fields:  # delivery-status fields written into the text: the report ends there
                report = report[: fields.start()]
            found_blocks, preamble = scan(report, exclusions(self.mail)) if report.strip() else ([], "")
            by_addr = {b.recipient.lower(): b.diagnostic for b in found_blocks}
            self._blocks = (by_addr, preamble, " ".join(b.diagnostic for b in found_blocks))
        return self._blocks

    def context(self, item: Found) -> str:
        by_addr, preamble, everything = self.blocks()
        own = by_addr.get(item.recipient.lower())
        if own is None and item.original_recipient:
            own = by_addr.get(item.original_recipient.lower())
        if own is None and self.single:
            own = everything
        return " ".join(x for x in (own, preamble if self.single else "") if x)[:4000]


def _parsed(mail: Mail, blocks: list[dict[str, str]], name: str, *, with_queue_id: bool) -> Parsed | None:
    """The recipients of delivery-status field blocks, with context and the vendor that wrote them."""
    found, per_message = recipients_from_blocks(blocks)
    if not found:
        return None
    add_context(mail, found)
    return Parsed(
        format=vendor_of(mail, per_message) or name,
        kind="dsn",
        recipients=found,
        reporting_mta=found[0].reporting_mta,
        queue_id=per_message.get("x-postfix-queue-id") if with_queue_id else None,
    )


class Rfc3464:
    name = "rfc3464"
    description = "RFC 3464 multipart/report delivery-status (and RFC 6533 global delivery status)"

    def sniff(self, mail: Mail) -> bool:
        return mail.dsn_part is not None

    def parse(self, mail: Mail) -> Parsed | None:
        part = mail.dsn_part
        if part is None:
            return None
        return _parsed(mail, _blocks_of(part), self.name, with_queue_id=True)


class InlineFields:
    """Delivery-status fields written into a text part instead of their own MIME part."""

    name = "rfc3464-inline"
    description = "Final-Recipient/Status/Diagnostic-Code fields inside the message text"

    def sniff(self, mail: Mail) -> bool:
        return bool(_INLINE_FIELDS_RE.search(mail.body))

    def parse(self, mail: Mail) -> Parsed | None:
        return _parsed(mail, field_blocks(mail.body), self.name, with_queue_id=False)
