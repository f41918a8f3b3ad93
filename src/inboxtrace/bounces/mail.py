"""Turn raw bytes into a parsed message with the cheap views every format module needs.

Line endings are normalised first (CR, CRLF -> LF), then :mod:`inboxtrace.bounces.mime` reads
well-formed MIME, and the stdlib ``email`` package with ``compat32`` (the most forgiving policy)
reads the rest. Text is decoded with the declared
charset, falling back to UTF-8 and Latin-1; 8-bit header bytes are decoded as UTF-8 with
replacement. Nothing here raises on broken input except :func:`parse_mail` for non-mail files.
"""

from __future__ import annotations

import email
import email.header
import email.utils
import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from email.message import Message
from typing import Any, cast

from inboxtrace.bounces.mime import IndexedMessage, fast_message
from inboxtrace.errors import MalformedInputError

_HEADER_LINE_RE = re.compile(rb"^(?:From |[A-Za-z][A-Za-z0-9_-]{0,75}[ \t]*:)")
_ADDR_RE = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+", re.ASCII)
# What a bounce says sits in its first parts; a huge returned original (attachments) after them is
# not read past this point (the reading stays linear and bounded); a report of a message cut here
# says so (BounceReport.cut).
MAX_BYTES = 8 * 1024 * 1024
_ENC_WORD = "=?"


def normalise(raw: bytes) -> bytes:
    """Line endings to LF (CRLF and lone CR both occur in the wild)."""
    if b"\r" in raw:
        raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return raw


def looks_like_mail(raw: bytes) -> str | None:
    """``None`` when ``raw`` starts like a mail message, else why not."""
    if not raw.strip():
        return "empty file"
    head = raw[:1024]
    if b"\x00" in head:
        return "not a mail message (binary data)"
    first = raw.lstrip(b"\n")[:1000]
    if not _HEADER_LINE_RE.match(first):
        return "not a mail message (no header at the start)"
    return None


def parse_mail(raw: bytes) -> Message:
    """Parse normalised bytes; raise :class:`MalformedInputError` for what is not mail at all."""
    if len(raw) > MAX_BYTES:
        raw = raw[:MAX_BYTES]
    why = looks_like_mail(raw)
    if why:
        raise MalformedInputError(why)
    if b"\x00" in raw:  # stray NULs after the headers: drop them, keep the text
        raw = raw.replace(b"\x00", b"")
    if raw.startswith(b"From "):  # an mbox "From " separator line left on a single message
        raw = raw.split(b"\n", 1)[1] if b"\n" in raw else b""
    # what message_from_bytes does, with the fast reader first (it declines what it cannot read
    # exactly like the stdlib, which then reads it)
    text = raw.lstrip(b"\n").decode("ascii", "surrogateescape")
    return fast_message(text) or email.message_from_string(text, _class=IndexedMessage)


def header(msg: Message, name: str) -> str:
    """A header decoded to text ("" when absent): RFC 2047 words and raw 8-bit bytes both handled."""
    # (cast: compat32 gives a Header for 8-bit text, not the str declared)
    value = cast(Any, msg).get(name)
    if value is None:
        return ""
    return decode_header_value(value)


def decode_header_value(value: object) -> str:
    if isinstance(value, str) and value.isascii() and _ENC_WORD not in value:
        return " ".join(value.split())  # plain text: what the steps below leave of it
    if isinstance(value, email.header.Header):  # compat32 wraps raw 8-bit values (unknown-8bit)
        try:
            value = "".join(
                p.decode(_charset(c), "replace") if isinstance(p, bytes) else p
                for p, c in email.header.decode_header(value)
            )
        except (ValueError, LookupError, AssertionError):
            value = str(value)
    text = str(value)
    text = fix_surrogates(text)
    if _ENC_WORD in text:
        try:
            parts = email.header.decode_header(text)
            text = "".join(p.decode(_charset(c), "replace") if isinstance(p, bytes) else p for p, c in parts)
        except (ValueError, LookupError, AssertionError):
            pass
    return " ".join(text.split())


def fix_surrogates(text: str) -> str:
    """Text the parser decoded as ASCII with escaped 8-bit bytes, decoded as UTF-8 instead."""
    if text.isascii() or not any(0xDC80 <= ord(c) <= 0xDCFF for c in text):
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _charset(name: str | None) -> str:
    if not name:
        return "utf-8"
    name = name.strip().strip('"').lower()
    if name in ("unknown-8bit", "x-unknown", "8bit", "us-ascii", "ascii"):
        return "utf-8"
    try:
        import codecs

        codecs.lookup(name)
    except LookupError:
        return "utf-8"
    return name


# transfer encodings ``Message.get_payload(decode=True)`` undoes; with any other, it gives the
# stored text as bytes
_DECODED_CTES = frozenset({"quoted-printable", "base64", "x-uuencode", "uuencode", "uue", "x-uue"})


def _payload_bytes(part: Message) -> object:
    """``part.get_payload(decode=True)``, without its steps for ASCII text stored as it is sent."""
    stored = part.__dict__.get("_payload")
    if isinstance(stored, str) and stored.isascii():
        cte = str(cast(Any, part).get("content-transfer-encoding", "")).lower()
        if cte not in _DECODED_CTES:
            return stored.encode("ascii")
    return part.get_payload(decode=True)


def part_text(part: Message) -> str:
    """The decoded text of a non-multipart part (transfer encoding and charset undone)."""
    payload = _payload_bytes(part)
    if not isinstance(payload, bytes):
        raw = part.get_payload()
        return fix_surrogates(raw) if isinstance(raw, str) else ""
    charset = _charset(part.get_content_charset())
    # a label that does not fit the bytes is common in East Asian mail ("ISO-2022-JP" over EUC-JP
    # or Shift_JIS bytes): the encodings used for the same language are tried before damage
    try:
        return payload.decode(charset)
    except (UnicodeDecodeError, LookupError):
        pass
    for candidate in ("utf-8", *_SAME_LANGUAGE.get(_codec_name(charset), ())):
        try:
            return payload.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
    return payload.decode(charset if charset != "utf-8" else "latin-1", "replace")


# (codec names as ``codecs.lookup`` gives them; EUC-JP before Shift_JIS/CP932, which decodes
# nearly any byte string as half-width katakana)
_JAPANESE = ("euc_jp", "cp932", "iso2022_jp")
_SAME_LANGUAGE = {
    "iso2022_jp": _JAPANESE,
    "shift_jis": _JAPANESE,
    "cp932": _JAPANESE,
    "euc_jp": _JAPANESE,
    "gb2312": ("gb18030",),
    "gbk": ("gb18030",),
    "big5": ("big5hkscs", "cp950"),
    "euc_kr": ("cp949", "iso2022_kr"),
}


def _codec_name(charset: str) -> str:
    import codecs

    try:
        return codecs.lookup(charset).name
    except LookupError:
        return charset


def addresses(text: str) -> list[str]:
    """Every address-looking token in ``text``, in order."""
    return _ADDR_RE.findall(text)


def first_address(text: str | None) -> str | None:
    if not text:
        return None
    found = _ADDR_RE.search(text)
    return found.group(0) if found else None


# The date as RFC 5322 writes it, which nearly every bounce uses: read here without the general
# parser's steps, with its result ("Thu, 15 Apr 2011 23:34:10 +0900", anything after it ignored as
# the general parser ignores it); any other form goes to the general parser.
_RFC5322_DATE_RE = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), ([0-9]{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"([1-9][0-9]{3}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) ([+-])([0-9]{2})([0-9]{2})(?= |\Z)"
)
_MONTHS = {
    m: n
    for n, m in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1
    )
}


def _canonical_date(text: str) -> datetime | None:
    """What ``email.utils.parsedate_to_datetime`` gives for a date in the canonical form (it may
    raise ValueError as that does), or None when ``text`` is in another form."""
    match = _RFC5322_DATE_RE.match(text)
    if match is None:
        return None
    day, month, year, hour, minute, second, sign, tz_hour, tz_minute = match.groups()
    offset = int(tz_hour) * 3600 + int(tz_minute) * 60
    if offset == 0 and sign == "-":  # "-0000": the zone is unknown (a naive time)
        zone: tzinfo | None = None
    else:
        zone = timezone(timedelta(seconds=-offset if sign == "-" else offset))
    return datetime(int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second), tzinfo=zone)


def parse_date(text: str | None) -> datetime | None:
    """An RFC 5322 date (lenient); naive results are taken as UTC."""
    if not text:
        return None
    try:
        text = text.strip()
        value = _canonical_date(text) or email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value
