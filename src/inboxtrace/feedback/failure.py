"""RFC 6591 DMARC failure reports: ARF (RFC 5965) ``Feedback-Type: auth-failure``."""

from __future__ import annotations

import email
import email.policy
import email.utils
import hashlib
from email.message import Message

from inboxtrace.bounces.mail import decode_header_value, parse_date
from inboxtrace.feedback.aggregate import ReportError
from inboxtrace.feedback.model import FailureReport

_FIELDS = (
    "feedback-type",
    "user-agent",
    "version",
    "auth-failure",
    "delivery-result",
    "identity-alignment",
    "source-ip",
    "reported-domain",
    "reporting-mta",
    "arrival-date",
    "original-mail-from",
    "original-rcpt-to",
    "authentication-results",
    "dkim-domain",
    "dkim-identity",
    "dkim-selector",
    "spf-dns",
    "incidents",
)


def is_failure_report(msg: Message) -> bool:
    """A multipart/report of report-type feedback-report whose feedback type is auth-failure."""
    return _feedback_part(msg) is not None


def _feedback_part(msg: Message) -> Message | None:
    if msg.get_content_type() != "multipart/report":
        return None
    for part in msg.walk():
        if part.get_content_type() == "message/feedback-report":
            fields = _fields(part)
            if fields.get("feedback-type", "").lower() == "auth-failure":
                return part
    return None


def _fields(part: Message) -> dict[str, str]:
    """The feedback-report fields (the part body is a header block, sometimes parsed as a message)."""
    payload = part.get_payload()
    if isinstance(payload, list):  # the stdlib parses message/* bodies as messages
        blocks = [p for p in payload if isinstance(p, Message)]
        items = [(k, v) for b in blocks for k, v in b.items()]
    else:
        raw = part.get_payload(decode=True)
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(payload)
        items = list(email.message_from_string(text.lstrip(), policy=email.policy.compat32).items())
    out: dict[str, str] = {}
    for key, value in items:
        name = key.strip().lower()
        if name in _FIELDS and name not in out:
            out[name] = decode_header_value(value)[:1000]
    return out


def _original_headers(msg: Message) -> Message | None:
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/rfc822":
            payload = part.get_payload()
            if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                return payload[0]
        if ctype == "text/rfc822-headers":
            raw = part.get_payload(decode=True)
            if isinstance(raw, bytes):
                return email.message_from_bytes(raw, policy=email.policy.compat32)
    return None


def parse_failure(msg: Message, raw: bytes) -> FailureReport:
    """The failure report of an ARF message; raises ReportError when it is not one."""
    part = _feedback_part(msg)
    if part is None:
        raise ReportError("not an ARF auth-failure report")
    fields = _fields(part)
    original = _original_headers(msg)
    header_from = subject = ""
    if original is not None:
        header_from = email.utils.parseaddr(decode_header_value(original.get("From", "")))[1].lower()
        subject = decode_header_value(original.get("Subject", ""))[:300]
    domain = fields.get("reported-domain", "").lower() or header_from.rpartition("@")[2]
    if not domain:
        raise ReportError("an auth-failure report without Reported-Domain or original From")
    reporter = email.utils.parseaddr(decode_header_value(msg.get("From", "")))[1].lower()
    digest = hashlib.sha256(raw).hexdigest()[:32]
    return FailureReport(
        report_id=decode_header_value(msg.get("Message-ID", "")).strip()[:255] or digest,
        reporter=reporter or fields.get("reporting-mta", "")[:255],
        arrival=parse_date(fields.get("arrival-date")),
        source_ip=fields.get("source-ip", "")[:64],
        reported_domain=domain[:255],
        auth_failure=fields.get("auth-failure", "").lower()[:64],
        identity_alignment=fields.get("identity-alignment", "").lower()[:64],
        delivery_result=fields.get("delivery-result", "").lower()[:64],
        original_mail_from=fields.get("original-mail-from", "")[:255],
        original_rcpt_to=fields.get("original-rcpt-to", "")[:255],
        dkim_domain=fields.get("dkim-domain", "").lower()[:255],
        dkim_selector=fields.get("dkim-selector", "")[:255],
        header_from=header_from[:255],
        subject=subject,
        fields=fields,
    )
