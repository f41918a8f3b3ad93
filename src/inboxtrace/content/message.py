"""What the content check needs from a message: its parts, visible text, links, images and size.

Everything here is attacker-controlled input; nothing raises on broken MIME, unknown charsets or
binary junk: what could not be read is listed in ``Body.problems`` and becomes a finding.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import re
from dataclasses import dataclass, field
from email.message import Message
from html.parser import HTMLParser
from urllib.parse import urlsplit

from inboxtrace.bounces.mail import decode_header_value, part_text

MAX_URLS = 200
_TEXT_URL = re.compile(r"https?://[^\s<>\"')\]]+", re.IGNORECASE)
_WORD = re.compile(r"\w+", re.UNICODE)
_BOUNDARY_LINE = re.compile(rb"^--(.+?)(--)?\s*$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Link:
    """A link or image address found in the message: where, and the host it points to."""

    url: str
    host: str
    kind: str  # "link" (href or a URL in text) or "image" (img src)
    text: str = ""  # the visible text of an HTML link


@dataclass
class Body:
    """The parts of a message the content findings look at."""

    size: int
    from_header: str = ""
    from_display: str = ""
    from_address: str = ""
    subject: str = ""
    list_unsubscribe: str | None = None
    list_unsubscribe_post: str | None = None
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    html_text: str = ""
    images: int = 0  # <img> in HTML plus image/* parts
    image_parts: int = 0
    links: list[Link] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    content_type: str = ""

    @property
    def from_domain(self) -> str | None:
        if "@" not in self.from_address:
            return None
        return self.from_address.rsplit("@", 1)[1].strip(".>").lower() or None

    @property
    def plain_text(self) -> str:
        return "\n".join(self.plain)


class _HtmlReader(HTMLParser):
    """Visible text, link targets (with their text) and image sources of an HTML part."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.links: list[tuple[str, str]] = []
        self.images: list[str] = []
        self._skip = 0
        self._href: str | None = None
        self._anchor: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): v or "" for k, v in attrs}
        if tag in ("style", "script", "head", "title"):
            self._skip += 1
        elif tag == "a" and values.get("href"):
            self._href = values["href"].strip()
            self._anchor = []
        elif tag == "img":
            self.images.append(values.get("src", "").strip())
            alt = values.get("alt", "")
            if alt and self._href is not None:
                self._anchor.append(alt)
        elif tag in ("br", "p", "div", "tr", "li"):
            self.text.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "head", "title"):
            self._skip = max(0, self._skip - 1)
        elif tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join("".join(self._anchor).split())))
            self._href = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.text.append(data)
        if self._href is not None:
            self._anchor.append(data)


def host_of(url: str) -> str | None:
    """The lower-case host of an http(s) URL, None for anything else (mailto:, cid:, relative)."""
    try:
        parts = urlsplit(url.strip())
        if parts.scheme.lower() not in ("http", "https"):
            return None
        host = (parts.hostname or "").rstrip(".").lower()
    except ValueError:
        return None
    return host or None


def _add(body: Body, url: str, kind: str, text: str = "") -> None:
    if len(body.links) >= MAX_URLS:
        return
    host = host_of(url)
    if host is not None:
        body.links.append(Link(url=url[:2000], host=host, kind=kind, text=text[:200]))


def _boundary_problems(msg: Message, raw: bytes) -> list[str]:
    """Multipart messages whose closing boundary is missing (a truncated or hand-built message)."""
    out = []
    for part in msg.walk():
        if not part.is_multipart():
            continue
        boundary = part.get_boundary()
        if boundary and b"--" + boundary.encode("ascii", "replace") + b"--" not in raw:
            out.append(f"the closing MIME boundary --{boundary[:60]}-- is missing")
    return out


def read_body(raw: bytes) -> Body:
    """Parse a raw message (CRLF or LF); never raises."""
    body = Body(size=len(raw))
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    body.content_type = msg.get_content_type()
    froms = msg.get_all("From", [])
    body.from_header = decode_header_value(froms[0]) if froms else ""
    if froms:
        name, addr = email.utils.parseaddr(body.from_header)
        body.from_display, body.from_address = name, addr
    body.subject = decode_header_value(msg.get("Subject", ""))
    lu, lup = msg.get("List-Unsubscribe"), msg.get("List-Unsubscribe-Post")
    body.list_unsubscribe = decode_header_value(lu) if lu is not None else None
    body.list_unsubscribe_post = decode_header_value(lup) if lup is not None else None
    defects = {type(d).__name__ for part in msg.walk() for d in getattr(part, "defects", [])}
    body.problems.extend(sorted(defects))
    body.problems.extend(_boundary_problems(msg, raw))
    html_text: list[str] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        disposition = (part.get("Content-Disposition") or "").split(";", 1)[0].strip().lower()
        if part.get_content_maintype() == "image":
            body.image_parts += 1
            continue
        if part.get_content_maintype() != "text" or disposition == "attachment":
            continue
        cte = (part.get("Content-Transfer-Encoding") or "").strip().lower()
        if cte == "base64":
            payload = part.get_payload()
            if isinstance(payload, str) and _bad_base64(payload):
                body.problems.append(f"a {ctype} part is not valid base64")
        try:
            text = part_text(part)
        except Exception as exc:  # a charset codec can fail in unusual ways: never a traceback
            body.problems.append(f"a {ctype} part could not be decoded ({type(exc).__name__})")
            continue
        if ctype == "text/html":
            body.html.append(text)
            reader = _HtmlReader()
            try:
                reader.feed(text)
                reader.close()
            except (AssertionError, ValueError):
                body.problems.append("an HTML part could not be read")
            html_text.append("".join(reader.text))
            body.images += len(reader.images)
            for href, anchor in reader.links:
                _add(body, href, "link", anchor)
            for src in reader.images:
                _add(body, src, "image")
        elif ctype == "text/plain":
            body.plain.append(text)
            for m in _TEXT_URL.finditer(text[:1_000_000]):
                _add(body, m.group(0), "link")
    body.html_text = "\n".join(html_text)
    body.images += body.image_parts
    return body


def _bad_base64(payload: str) -> bool:
    import binascii

    data = "".join(payload.split())
    if len(data) % 4:
        return True
    try:
        binascii.a2b_base64(data.encode("ascii", "replace"))
    except binascii.Error:
        return True
    return False


def words(text: str) -> list[str]:
    """Lower-case words of ``text`` (for comparing the HTML and text versions)."""
    return [w.lower() for w in _WORD.findall(text)]
