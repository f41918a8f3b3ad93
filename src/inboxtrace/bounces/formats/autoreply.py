"""RFC 3834 automatic replies (vacation, out of office): reported, but never as bounces."""

from __future__ import annotations

import re
from typing import Any, cast

from inboxtrace.bounces.mail import first_address
from inboxtrace.bounces.view import Found, Mail, Parsed
from inboxtrace.loadcache import compile_regex

_SUBJECT_RE = compile_regex(
    r"^\s*(?:auto(?:matic)?[ -]?(?:reply|response|respons|antwort|réponse)|out of (?:the )?office|"
    r"vacation|abwesenheit|absence|autoreply|autorespons)",
    re.IGNORECASE,
)
_MTA_SENDER_RE = compile_regex(r"mailer-daemon|mail delivery (?:system|subsystem)", re.IGNORECASE)
_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress-Never", "X-Mail-Autoreply")
# A few auto-replies say the mailbox is gone: that is worth a different reason than vacation.
_GONE_RE = compile_regex(
    r"no longer (?:in use|active|valid|with|monitored|employed|working)|has left|is not in use|"
    r"account (?:has been |was )?(?:closed|disabled|deactivated)",
    re.IGNORECASE,
)


class AutoReply:
    name = "rfc3834"
    description = "RFC 3834 auto-reply (vacation, out of office): not a bounce"

    def sniff(self, mail: Mail) -> bool:
        if _SUBJECT_RE.search(mail.subject):
            return True
        if "X-Failed-Recipients" in mail.msg or _MTA_SENDER_RE.search(mail.sender):
            # MTAs mark their bounces "Auto-Submitted: auto-replied" too (Exim, Exchange, Postfix
            # with some setups): the mail system's own sender or a failed-recipients header says
            # bounce (a mere "postmaster@" sender does not: people answer from it)
            return False
        if mail.content_type == "multipart/report":
            return False
        # (cast: compat32 gives a Header for 8-bit text, not the str declared)
        auto = (cast(Any, mail.msg).get("Auto-Submitted") or "").strip().lower()
        if auto.startswith("auto-replied"):
            return True
        return any(h in mail.msg for h in _HEADERS)

    def parse(self, mail: Mail) -> Parsed | None:
        reply_to = cast(Any, mail.msg).get("Reply-To", "")
        who = first_address(mail.sender) or first_address(str(reply_to))
        if not who:
            return None
        text = " ".join(mail.body.split())[:2000]
        reason = "suspend" if _GONE_RE.search(text) else "vacation"
        return Parsed(
            format=self.name,
            kind="autoreply",
            recipients=[Found(recipient=who, diagnostic=text[:500], reason=reason)],
        )
