"""The interface every bounce format module implements, and helpers they share."""

from __future__ import annotations

import re
from email.message import Message
from typing import Any, Protocol, cast

from inboxtrace.bounces.mail import decode_header_value
from inboxtrace.bounces.view import Found, Mail, Parsed
from inboxtrace.loadcache import compile_regex


class BounceFormat(Protocol):
    """One family of bounce formats.

    ``sniff`` must be cheap (headers, subject, first lines); ``parse`` does the work and returns
    ``None`` when the message turns out not to be in this format after all.
    """

    name: str
    description: str

    def sniff(self, mail: Mail) -> bool: ...

    def parse(self, mail: Mail) -> Parsed | None: ...


def sub_messages(part: Message) -> list[Message] | None:
    """The header blocks compat32 parsed a ``message/*`` part into, or ``None`` when it kept text."""
    payload = part.get_payload()
    if isinstance(payload, list) and payload:
        subs = [p for p in payload if isinstance(p, Message)]
        if len(subs) == len(payload):
            return subs
    return None


_FIELD_RE = compile_regex(r"^([A-Za-z][A-Za-z0-9-]*)\s*:\s*(.*)$")


def field_blocks(text: str) -> list[dict[str, str]]:
    """Blank-line separated blocks of ``Name: value`` fields (folded lines joined), names lowercased."""
    blocks: list[dict[str, str]] = []
    current: dict[str, str] = {}
    last: str | None = None
    for line in text.split("\n"):
        if not line.strip():
            if current:
                blocks.append(current)
                current = {}
            last = None
            continue
        if line[0] in " \t" and last is not None:
            current[last] += " " + line.strip()
            continue
        match = _FIELD_RE.match(line)
        if match:
            last = match.group(1).lower()
            if last in _RECIPIENT_KEYS and last in current:
                # recipient blocks written without the blank line between them
                blocks.append(current)
                current = {}
            if last not in current:
                current[last] = match.group(2).strip()
            else:
                last = None
        elif last is not None and line[:1].isdigit():
            # an unindented continuation of a multi-line reply ("550-5.7.1 ...") in Diagnostic-Code
            current[last] += " " + line.strip()
        else:
            last = None
    if current:
        blocks.append(current)
    return blocks


_RECIPIENT_KEYS = frozenset({"final-recipient", "original-recipient"})
_PLAIN_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9-]*")


def field_dicts(subs: list[Message]) -> list[dict[str, str]] | None:
    """What :func:`field_blocks` reads from the lines ``name: value`` of header blocks (values
    decoded, a blank line after each block), built from the blocks without writing and reading
    those lines; ``None`` when a block has text after its fields or a field name that
    :func:`field_blocks` would not read as one (the caller then writes the lines)."""
    blocks: list[dict[str, str]] = []
    current: dict[str, str] = {}
    for sub in subs:
        if sub.__dict__.get("_payload") != "":
            return None  # text after the fields (or parts): read as lines
        # (cast: compat32 gives a Header for 8-bit text, not the str declared)
        for name, value in cast(Any, sub).items():
            if _PLAIN_NAME_RE.fullmatch(name) is None:
                return None
            key = name.lower()
            if key in _RECIPIENT_KEYS and key in current:
                blocks.append(current)  # recipient blocks written without the blank line between them
                current = {}
            if key not in current:
                # (a decoded value is one line without blanks around it: the line's value as read)
                current[key] = decode_header_value(value)
        if current:
            blocks.append(current)
            current = {}
    return blocks


def strip_type(value: str | None) -> str | None:
    """``rfc822; <a@b>`` -> ``a@b``; ``dns; mx.example`` -> ``mx.example``."""
    if value is None:
        return None
    if ";" in value:
        head, tail = value.split(";", 1)
        if " " not in head.strip():
            value = tail
    value = value.strip().strip("<>").strip()
    return value or None


# RFC 2156 writes an Internet address inside an X.400 O/R address as "RFC-822=local(a)domain",
# with "(a)" for "@" and other specials as "(xx)" hex pairs or "(q)", "(p)", "(b)", "(l)", "(r)"
_X400_RFC822_RE = compile_regex(r"(?:^|/)RFC-?822=([^/]+)", re.IGNORECASE)
_X400_SPECIALS = {"a": "@", "p": "%", "b": "!", "q": '"', "u": "_", "l": "(", "r": ")"}
_X400_ESCAPE_RE = compile_regex(r"\((a|p|b|q|u|l|r|[0-9a-f]{2,3})\)", re.IGNORECASE)
# Exchange encapsulates foreign addresses: "IMCEASMTP-ops+40dest+2Eexample@gw.example"
# ("+40" is "@", "+2E" is ".": hex bytes after "+")
_IMCEA_RE = compile_regex(r"^IMCEA(?:SMTP|INVALID)-([^@]+)@", re.IGNORECASE)


def _x400_unescape(value: str) -> str:
    def one(match: re.Match[str]) -> str:
        code = match.group(1).lower()
        if code in _X400_SPECIALS:
            return _X400_SPECIALS[code]
        try:
            return chr(int(code, 16))
        except ValueError:
            return match.group(0)

    return _X400_ESCAPE_RE.sub(one, value)


def recipient_address(value: str | None) -> str | None:
    """A Final-/Original-Recipient value as an Internet address where it holds one.

    ``rfc822; <a@b>`` -> ``a@b``; an X.400 O/R address carrying ``RFC-822=a(a)b`` -> ``a@b``;
    Exchange's ``IMCEASMTP-a+40b@gw`` -> ``a@b``. An X.400 address without an Internet address in
    it gives ``None`` (the caller then uses the other recipient field).
    """
    if value is None:
        return None
    kind = value.split(";", 1)[0].strip().lower() if ";" in value else ""
    address = strip_type(value)
    if address is None:
        return None
    x400 = _X400_RFC822_RE.search(address)
    if x400 is not None:
        return _x400_unescape(x400.group(1)).strip() or None
    if kind == "x400" or address.startswith("/"):
        return None
    imcea = _IMCEA_RE.match(address)
    if imcea is not None:
        decoded = re.sub(r"\+([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), imcea.group(1))
        if "@" in decoded:
            return decoded
    return address


def split_diagnostic(value: str | None) -> tuple[str | None, str]:
    """``smtp; 550 5.1.1 user unknown`` -> (``smtp``, ``550 5.1.1 user unknown``)."""
    if not value:
        return None, ""
    if ";" in value:
        head, tail = value.split(";", 1)
        if head.strip() and " " not in head.strip():
            return head.strip().lower(), " ".join(tail.split())
    return None, " ".join(value.split())


# A status comment that only restates the class ("(permanent failure)") says nothing of the cause.
_CLASS_ONLY_RE = compile_regex(
    r"^\(\s*(?:(?:permanent|temporary|transient|persistent)\s+(?:failure|error))?\s*\)$", re.I
)


_STATUS_RE = re.compile(r"[245]\.\d{1,3}\.\d{1,3}")
_CODE_RE = re.compile(r"\s*([245]\d\d)\b")


def found_from_fields(rcpt: dict[str, str], msg: dict[str, str]) -> Found | None:
    """A :class:`Found` from RFC 3464 per-recipient fields (and the per-message ones)."""
    final = recipient_address(rcpt.get("final-recipient")) or recipient_address(
        rcpt.get("original-recipient")
    )
    if not final:
        return None
    dtype, diag = split_diagnostic(rcpt.get("diagnostic-code"))
    status = rcpt.get("status", "").strip()
    status_match = _STATUS_RE.search(status)
    if not diag and status_match is not None:
        # "Status: 4.0.0 (cat.example.net: host name lookup failure)": without a Diagnostic-Code
        # the comment after the status is the reporting MTA's only word on the cause
        comment = status[status_match.end() :].strip()
        if comment.startswith("(") and comment.endswith(")") and not _CLASS_ONLY_RE.match(comment):
            diag = " ".join(comment[1:-1].split())
    # only an SMTP diagnostic starts with a reply code ("x-unix; 255" is a program's exit status)
    code_match = _CODE_RE.match(diag) if dtype in (None, "smtp", "x-smtp") else None
    return Found(
        recipient=final,
        original_recipient=recipient_address(rcpt.get("original-recipient")),
        action=(rcpt.get("action") or "").strip().lower() or None,
        status=status_match.group(0) if status_match else None,
        reply_code=int(code_match.group(1)) if code_match else None,
        diagnostic=diag,
        diagnostic_type=dtype,
        remote_mta=strip_type(rcpt.get("remote-mta")),
        reporting_mta=strip_type(msg.get("reporting-mta") or rcpt.get("reporting-mta")),
        last_attempt=rcpt.get("last-attempt-date") or msg.get("arrival-date"),
    )
