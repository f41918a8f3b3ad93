"""One message in, one :class:`~inboxtrace.model.bounce.BounceReport` out — never an exception."""

from __future__ import annotations

import dataclasses
import hashlib
from email.message import Message

from inboxtrace.bounces.classify import verdict_for
from inboxtrace.bounces.formats import REGISTRY
from inboxtrace.bounces.formats.text import looks_like_bounce
from inboxtrace.bounces.mail import MAX_BYTES, first_address, header, normalise, parse_date, parse_mail
from inboxtrace.bounces.original import returned_message
from inboxtrace.bounces.view import Found, Mail, Parsed
from inboxtrace.errors import InboxtraceError
from inboxtrace.model.bounce import BounceKind, BounceRecipient, BounceReport

_KINDS = {"dsn": BounceKind.DSN, "feedback": BounceKind.FEEDBACK, "autoreply": BounceKind.AUTOREPLY}


def detect(mail: Mail, depth: int = 0) -> Parsed | None:
    """Try the registered formats in order; the first that sniffs and parses wins.

    A bounce forwarded as an attachment (a report that names nobody, with a bounce inside) is read
    from the attached bounce.
    """
    for fmt in REGISTRY:
        if fmt.sniff(mail):
            parsed = fmt.parse(mail)
            if parsed is not None and parsed.recipients:
                if parsed.weak and depth < 2:
                    inner = _attached_bounce(mail, depth)
                    if inner is not None:
                        return inner
                return parsed
    return None


def _attached_bounce(mail: Mail, depth: int) -> Parsed | None:
    part = mail.original_part
    if part is None or part.get_content_type() not in ("message/rfc822", "message/global"):
        return None
    payload = part.get_payload()
    if not isinstance(payload, list) or not payload or not isinstance(payload[0], Message):
        return None
    inner = Mail(payload[0])
    if inner.dsn_part is None and not looks_like_bounce(inner):
        return None
    found = detect(inner, depth + 1)
    return found if found is not None and not found.weak else None


def _recipient(item: Found) -> BounceRecipient:
    return BounceRecipient(
        recipient=item.recipient,
        verdict=verdict_for(item),
        original_recipient=item.original_recipient,
        action=item.action,
        status=item.status,
        diagnostic=item.diagnostic,
        diagnostic_type=item.diagnostic_type,
        remote_mta=item.remote_mta,
        reporting_mta=item.reporting_mta,
        last_attempt=parse_date(item.last_attempt),
        feedback_type=item.feedback_type,
    )


def parse_bounce(raw: bytes, source: str = "<bytes>") -> BounceReport:
    """Read one message. Unreadable input gives a report of kind ERROR with the reason in ``error``."""
    digest = hashlib.sha256(raw).hexdigest()
    try:
        data = normalise(raw)
        msg = parse_mail(data)
    except InboxtraceError as exc:
        return BounceReport(
            source=source, format="unknown", kind=BounceKind.ERROR, digest=digest, error=str(exc)
        )
    except RecursionError:  # the standard parser recurses once per nested multipart
        return BounceReport(
            source=source,
            format="unknown",
            kind=BounceKind.ERROR,
            digest=digest,
            error="MIME parts nested too deeply to read (thousands of levels): not a real bounce",
        )
    try:
        report = _report(Mail(msg), source, digest)
    except InboxtraceError:
        raise
    except Exception as exc:  # a parser bug on hostile input must not end the run
        return BounceReport(
            source=source,
            format="unknown",
            kind=BounceKind.ERROR,
            digest=digest,
            error=f"could not read this message ({type(exc).__name__}: {exc})",
        )
    if len(data) > MAX_BYTES:  # say what the cap left out, never cut silently
        report = dataclasses.replace(
            report,
            cut=f"read the first {MAX_BYTES >> 20} MiB of {len(data) / (1 << 20):.1f} MiB: recipients and "
            "text after that are not reported",
        )
    return report


def _report(mail: Mail, source: str, digest: str) -> BounceReport:
    parsed = detect(mail)
    fmt, kind, error = "none", BounceKind.NOT_BOUNCE, None
    recipients: tuple[BounceRecipient, ...] = ()
    original = queue_id = None
    if parsed is not None:
        fmt, kind = parsed.format, _KINDS.get(parsed.kind, BounceKind.DSN)
        recipients = tuple(_recipient(item) for item in parsed.recipients)
        original, queue_id = returned_message(mail, parsed.original_text), parsed.queue_id
    elif looks_like_bounce(mail):
        fmt, kind = "unknown", BounceKind.ERROR
        error = (
            "reads like a bounce (sender/subject) but no failed recipient was found: "
            "truncated, or a layout inboxtrace does not know"
        )
    return BounceReport(  # built once (dataclasses.replace of a base report cost a second build)
        source=source,
        format=fmt,
        kind=kind,
        recipients=recipients,
        original=original,
        subject=mail.subject or None,
        sender=first_address(mail.sender) or (mail.sender or None),
        date=parse_date(header(mail.msg, "Date")),
        message_id=header(mail.msg, "Message-ID") or None,
        queue_id=queue_id,
        digest=digest,
        error=error,
    )
