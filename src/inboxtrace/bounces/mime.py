"""A fast reader for well-formed MIME that builds the same ``Message`` tree as the stdlib parser.

The stdlib feed parser reads a message line by line through a stack of generators. For the small,
well-formed messages most bounces are, cutting the text at its header/body separator and at its
boundary lines does the same work about twice as fast. The tree built is the one
``email.message_from_bytes`` (compat32) builds, which ``tests/bounces`` checks on the whole corpus:
headers in order with their raw folded values, multipart payloads as lists of parts, ``message/*``
parts holding the parsed message (``message/delivery-status`` one ``Message`` per header block),
other parts holding their body text.

Anything unusual (no boundary, a header line that is not a header, a truncated multipart, a part
without headers, an mbox ``From`` line, deep nesting) returns ``None``: the caller then uses the
stdlib parser, which records defects and copes with every kind of damage.
"""

from __future__ import annotations

import itertools
import re
from email import errors
from email.feedparser import headerRE  # type: ignore[attr-defined]
from email.message import Message
from email.policy import compat32
from functools import lru_cache
from typing import Any

_MISSING = object()


class IndexedMessage(Message):
    """A stdlib ``Message`` that finds a header through an index of its names instead of a scan
    of all its headers (a bounce's parts are asked for their content type, boundary and charset
    dozens of times), and reads a header's parameters once per distinct value. Every answer is
    the plain ``Message``'s; the index is rebuilt whenever the header list changed."""

    _index: tuple[list[Any], int, dict[str, int]] | None = None
    # (the header list it was read from, its length, the default type, the type)
    _type: tuple[object, int, str, str] | None = None

    def _names(self) -> dict[str, int]:
        headers: list[tuple[str, Any]] = self._headers  # type: ignore[attr-defined]
        index = self._index
        if index is None or index[0] is not headers or index[1] != len(headers):
            n = len(headers)
            names: dict[str, int] = {}
            # from the last header to the first, so that the first of a name is the one kept (a
            # plain loop: compiled, it runs without the zip, the reversed list and the generic calls)
            for at in range(n - 1, -1, -1):
                names[headers[at][0].lower()] = at
            index = (headers, n, names)
            self._index = index
        return index[2]

    def __contains__(self, name: object) -> bool:
        return str(name).lower() in self._names()

    def get(self, name: str, failobj: Any = None) -> Any:
        at = self._names().get(name.lower())
        if at is None:
            return failobj
        key, value = self._headers[at]  # type: ignore[attr-defined]
        if value.__class__ is str and value.isascii() and self.policy is compat32:
            return value  # what compat32 gives for text without escaped 8-bit bytes, unchanged
        policy: Any = self.policy  # (compat32 gives a Header for 8-bit text, not the str declared)
        return policy.header_fetch_parse(key, value)

    def items(self) -> list[tuple[str, Any]]:
        policy: Any = self.policy  # (as in get: a Header, not the str declared)
        if policy is not compat32:
            return super().items()
        return [
            (k, v if v.__class__ is str and v.isascii() else policy.header_fetch_parse(k, v))
            for k, v in self._headers  # type: ignore[attr-defined]
        ]

    def get_content_type(self) -> str:
        # read again when the header list or the default type changed (what rebuilds the index)
        known = self._type
        headers: list[Any] = self._headers  # type: ignore[attr-defined]
        default = self._default_type  # type: ignore[attr-defined]
        if known is not None and known[0] is headers and known[1] == len(headers) and known[2] == default:
            return known[3]
        found = super().get_content_type()
        self._type = (headers, len(headers), default, found)
        return found

    def get_content_maintype(self) -> str:
        return self.get_content_type().partition("/")[0]

    def get_content_subtype(self) -> str:
        return self.get_content_type().partition("/")[2]

    def replace_header(self, _name: str, _value: Any) -> None:
        self._index = self._type = None  # it changes the list in place
        super().replace_header(_name, _value)

    def _get_params_preserve(self, failobj: Any, header: str) -> Any:
        value = self.get(header, _MISSING)
        if value is _MISSING:
            return failobj
        if not isinstance(value, str):
            return super()._get_params_preserve(failobj, header)  # type: ignore[misc]
        return list(_params_of(value))


class _Probe(Message):
    """Reads the parameters of one header value the stdlib's way (for :func:`_params_of`)."""

    def __init__(self, value: str) -> None:
        super().__init__()
        self._headers = [("X", value)]


@lru_cache(maxsize=1024)
def _params_of(value: str) -> tuple[Any, ...]:
    return tuple(_Probe(value)._get_params_preserve([], "x"))  # type: ignore[attr-defined]


_NAME = r"[\x21-\x39\x3b-\x7e]+"  # printable ASCII but the colon
_HEADER_FIELD_RE = re.compile(rf"^({_NAME}):[ \t]*([^\n]*(?:\n[ \t][^\n]*)*)", re.MULTILINE)
_MAX_DEPTH = 6
_STDLIB_HEADER_RE = headerRE  # what the stdlib's parser reads as a header line (or a folded one)


def fast_message(text: str, depth: int = 0) -> Message | None:
    """The parsed message, or ``None`` when ``text`` needs the stdlib parser."""
    if depth > _MAX_DEPTH or not text or text[0] in " \t":
        return None
    msg = IndexedMessage()
    if text[0] == "\n":  # no headers at all: the defaults apply
        body = text[1:]
    else:
        head, sep, body = text.partition("\n\n")
        if not sep:
            head, body = text.rstrip("\n"), ""
        if not _headers_into(msg, head):
            cut = first_body_line(head)
            if cut is None or (cut and not _headers_into(msg, head[: cut - 1])):
                return None
            # a line that is not a header ends the headers, and starts the body (the stdlib's
            # reading, with a defect recorded)
            msg.defects.append(errors.MissingHeaderBodySeparatorDefect())
            body = text[cut:]
    return msg if _payload_into(msg, body, depth) else None


def first_body_line(head: str) -> int | None:
    """Where the first line of a header block that the stdlib does not read as a header line
    starts, or None when there is none (the block then holds lines of a kind this reader leaves
    to the stdlib: an empty name, a "From " line)."""
    at = 0
    for line in head.split("\n"):
        if _STDLIB_HEADER_RE.match(line) is None:
            return at
        at += len(line) + 1
    return None


def read_headers(head: str) -> Message | None:
    """A header block alone (no body) as a ``Message``, or ``None`` when a line is not a header."""
    msg = IndexedMessage()
    return msg if head and _headers_into(msg, head) else None


def _headers_into(msg: Message, head: str) -> bool:
    # what ``msg[name] = value`` stores under the compat32 policy for each header of the block
    # (its name, and its value from the first non-blank after the colon with the folded lines
    # after it), when every line is a header line or folds one
    fields = _HEADER_FIELD_RE.findall(head)
    # One field a line that starts a header, whose folded lines (a blank first) it takes along:
    # every line is one or the other exactly when the counts add up (a second pass of a regex
    # over the block, ``NAME:...(\n(NAME:|[ \t])...)*``, said the same at twice the cost).
    if len(fields) + head.count("\n ") + head.count("\n\t") != head.count("\n") + 1:
        return False  # a line that is not a header (the stdlib records a defect and reads on)
    msg._headers.extend(fields)  # type: ignore[attr-defined]
    return True


def _payload_into(msg: Message, body: str, depth: int) -> bool:
    maintype = msg.get_content_maintype()
    if maintype == "multipart":
        return _multipart_into(msg, body, depth)
    if maintype == "message":
        if msg.get_content_subtype() == "delivery-status":
            return _field_blocks_into(msg, body)
        sub = fast_message(body, depth + 1)
        if sub is None:
            return False
        msg.set_payload([sub])
        return True
    msg.set_payload(body)
    return True


def _multipart_into(msg: Message, body: str, depth: int) -> bool:
    boundary = msg.get_boundary()
    if boundary is None:
        # a multipart without a boundary: the stdlib keeps its whole body as text, with a defect
        msg.defects.append(errors.NoBoundaryInMultipartDefect())
        msg.set_payload(body)
        return True
    if not boundary or msg.get_content_subtype() == "digest":
        return False
    marks = _delimiters(body, "--" + boundary)
    if not marks or marks[0][2] or any(close for _s, _e, close in marks[1:-1]):
        return False  # no part at all, or a close before the last delimiter: odd
    truncated = not marks[-1][2]
    if truncated:  # cut short (returned messages often are): the last part runs to the end
        if len(body) <= marks[-1][1] + 1:
            return False  # nothing after the last delimiter
        marks.append((len(body), len(body), True))
    elif len(marks) < 2:
        return False
    parts: list[Message | str] = []
    for (_s, end_of_line, _c), (next_start, _e, _n) in itertools.pairwise(marks):
        part = fast_message(body[end_of_line + 1 : next_start], depth + 1)
        if part is None:
            return False
        _drop_delimiter_line_end(part)  # the stdlib takes it off at the end of the text too
        parts.append(part)
    preamble = body[: marks[0][0]]
    msg.preamble = preamble[:-1] if preamble.endswith("\n") else (preamble or None)
    if truncated:
        msg.defects.append(errors.CloseBoundaryNotFoundDefect())
    else:
        msg.epilogue = body[marks[-1][1] + 1 :]  # "" when nothing follows, as the stdlib has it
    msg.set_payload(parts)
    return True


def _delimiters(body: str, dash: str) -> list[tuple[int, int, bool]]:
    """(line start, line end, closing?) of each delimiter line: ``--boundary`` or
    ``--boundary--`` at the start of a line, followed by nothing but blanks."""
    out: list[tuple[int, int, bool]] = []
    line = "\n" + dash
    found = 0 if body.startswith(dash) else _line_start(body.find(line))
    while found >= 0:
        eol = body.find("\n", found)
        if eol < 0:
            eol = len(body)
        rest = body[found + len(dash) : eol]
        close = rest.startswith("--")
        if not (rest[2:] if close else rest).strip(" \t"):
            out.append((found, eol, close))
        found = _line_start(body.find(line, eol))
    return out


def _line_start(newline_at: int) -> int:
    return newline_at + 1 if newline_at >= 0 else -1


def _drop_delimiter_line_end(part: Message) -> None:
    """The line end before a delimiter belongs to the delimiter. Like the stdlib, take it off the
    text of the message read last inside the part (a nested message's body, a nested multipart's
    epilogue), not off the part itself when the part holds a message."""
    last = part
    while last.get_content_maintype() == "message" and isinstance(_raw(last), list):
        last = _raw(last)[-1]  # the message read last inside a message/* part
    if last.get_content_maintype() == "multipart":  # (without a boundary it has no epilogue)
        epilogue = last.epilogue
        if epilogue == "":
            last.epilogue = None
        elif epilogue is not None and epilogue.endswith("\n"):
            last.epilogue = epilogue[:-1]
        return
    payload = _raw(last)
    if isinstance(payload, str) and payload.endswith("\n"):
        last.set_payload(payload[:-1])


def _raw(msg: Message) -> Any:
    """The payload as stored: ``get_payload()`` would turn escaped 8-bit bytes into U+FFFD."""
    return msg.__dict__["_payload"]


def _field_blocks_into(msg: Message, body: str) -> bool:
    """Header blocks separated by a blank line, read the way the stdlib reads them: a second blank
    line in a row starts an empty block."""
    lines = body.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the text ended with a line end
    blocks: list[Message | str] = []
    i, n = 0, len(lines)
    while True:
        start = i
        while i < n and lines[i] != "":
            i += 1
        sub = IndexedMessage()
        if i > start and not _headers_into(sub, "\n".join(lines[start:i])):
            return False
        sub.set_payload("")
        blocks.append(sub)
        i += 1  # the blank line that ended the block
        if i >= n:
            break
    msg.set_payload(blocks)
    return True
