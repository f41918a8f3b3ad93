"""RFC 5965 Abuse Reporting Format: feedback-loop complaints (not bounces, reason ``feedback``)."""

from __future__ import annotations

import re
from typing import Any, cast

from inboxtrace.bounces.formats.base import field_blocks, sub_messages
from inboxtrace.bounces.mail import addresses, part_text
from inboxtrace.bounces.view import Found, Mail, Parsed
from inboxtrace.loadcache import compile_regex

_FEEDBACK_TYPES = ("message/feedback-report",)
# Feedback loops that predate ARF send the complained-about message with a subject like this.
_COMPLAINT_SUBJECT_RE = compile_regex(
    r"^\s*(?:complaint about message|abuse report|spam report|fbl report)", re.I
)
_INLINE_RE = compile_regex(r"^Feedback-Type\s*:", re.I | re.M)


class Arf:
    name = "arf"
    description = "RFC 5965 feedback report (complaint, opt-out, fraud, auth-failure, ...)"

    def sniff(self, mail: Mail) -> bool:
        # (cast: compat32 gives a Header for 8-bit text, not the str declared)
        ctype = str(cast(Any, mail.msg).get("Content-Type", ""))
        if "feedback-report" in ctype.lower() and mail.msg.get_param("report-type") == "feedback-report":
            return True
        if any(ctype in _FEEDBACK_TYPES for _part, ctype in mail.typed_leaves):
            return True
        if _COMPLAINT_SUBJECT_RE.search(mail.subject) and mail.original_part is not None:
            return True
        if mail.dsn_part is not None:
            return False
        head = mail.body[:4000]
        return "eedback-" in head.lower() and bool(_INLINE_RE.search(head))

    def parse(self, mail: Mail) -> Parsed | None:
        fields: dict[str, str] = {}
        many: list[str] = []
        for part, ctype in mail.typed_leaves:
            if ctype in _FEEDBACK_TYPES:
                payload = sub_messages(part)
                if payload is not None:
                    for sub in payload:
                        for k, v in cast(Any, sub).items():
                            fields.setdefault(k.lower(), str(v).strip())
                            if k.lower() in ("original-rcpt-to", "removal-recipient"):
                                many.append(str(v))
                else:
                    for block in field_blocks(part_text(part)):
                        for k, v in block.items():
                            fields.setdefault(k, v)
        if not fields:
            for block in field_blocks(mail.body):
                for k, v in block.items():
                    fields.setdefault(k, v)
        ftype = (fields.get("feedback-type") or "abuse").strip().lower()
        rcpts: list[str] = [a for v in many for a in addresses(v)]
        for key in ("original-rcpt-to", "removal-recipient"):
            if key in fields and not rcpts:
                rcpts.extend(addresses(fields[key]))
        if not rcpts:
            original = mail.original_part
            to: Any = None
            if original is not None:
                inner = original.get_payload()
                subs = sub_messages(original)
                if subs:
                    to = cast(Any, subs[0]).get("To")
                elif isinstance(inner, str):
                    m = re.search(r"^To:\s*(.+)$", inner, re.M | re.I)
                    to = m.group(1) if m else None
            rcpts = addresses(str(to)) if to else []
        if not rcpts:
            to = cast(Any, mail.msg).get("To", "")
            rcpts = addresses(str(to))[:1]
        if not rcpts:
            return None
        seen: list[str] = []
        for r in rcpts:
            if r.lower() not in (s.lower() for s in seen):
                seen.append(r)
        found = [
            Found(
                recipient=r,
                diagnostic=fields.get("feedback-type", ""),
                reason="feedback",
                feedback_type=ftype,
                reporting_mta=(fields.get("reporting-mta") or "").split(";")[-1].strip() or None,
                last_attempt=fields.get("arrival-date") or fields.get("received-date"),
            )
            for r in seen
        ]
        return Parsed(format=self.name, kind="feedback", recipients=found)
