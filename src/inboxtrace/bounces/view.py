"""A parsed message with lazily computed views shared by the sniffers and the format modules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from typing import Any, Generic, TypeVar, overload

from inboxtrace.bounces.mail import header, part_text

_DSN_TYPES = frozenset({"message/delivery-status", "message/global-delivery-status"})
_ORIGINAL_TYPES = frozenset(
    {
        "message/rfc822",
        "message/global",
        "text/rfc822-headers",
        "message/rfc822-headers",
        "message/global-headers",
        "text/rfc822-header",
    }
)


@dataclass(slots=True)
class Found:
    """A recipient as a format module found it, before classification."""

    recipient: str
    diagnostic: str = ""
    original_recipient: str | None = None
    action: str | None = None
    status: str | None = None
    reply_code: int | None = None
    diagnostic_type: str | None = None
    remote_mta: str | None = None
    reporting_mta: str | None = None
    last_attempt: str | None = None
    reason: str | None = None  # forced by the format (feedback, vacation, ...), else classified
    feedback_type: str | None = None
    vouched: bool = False  # the format states its verdict on the address itself (directory lookup)
    context_text: str = ""  # the surrounding human text, used when the diagnostic says too little
    # computes context_text on first use (it costs a scan); given this recipient, so that it need not
    # hold it (a function kept here that holds its recipient is a reference cycle)
    context_fn: Callable[[Found], str] | None = None

    @property
    def context(self) -> str:
        if self.context_fn is not None:
            self.context_text = self.context_fn(self)
            self.context_fn = None
        return self.context_text

    @context.setter
    def context(self, value: str) -> None:
        self.context_text = value
        self.context_fn = None


@dataclass(slots=True)
class Parsed:
    """What one format module made of a message."""

    format: str
    kind: str  # "dsn", "feedback", "autoreply"
    recipients: list[Found] = field(default_factory=list)
    reporting_mta: str | None = None
    queue_id: str | None = None
    original_text: str | None = None  # headers of the returned message as text, when not a MIME part
    weak: bool = False  # recipients guessed from the returned message, not read from the report


T = TypeVar("T")


class cached_view(Generic[T]):
    """``functools.cached_property`` without its lock (Python 3.11 takes one on every first
    computation): computed once, then stored in the instance, which answers from then on."""

    def __init__(self, compute: Callable[[Any], T]) -> None:
        self.compute = compute
        self.name = compute.__name__

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> cached_view[T]: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...
    def __get__(self, instance: object | None, owner: type | None = None) -> T | cached_view[T]:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.compute(instance)
        return value


class Mail:
    """Cheap, cached views of one message."""

    def __init__(self, msg: Message) -> None:
        self.msg = msg

    @cached_view
    def subject(self) -> str:
        return header(self.msg, "Subject")

    @cached_view
    def sender(self) -> str:
        return header(self.msg, "From")

    @cached_view
    def content_type(self) -> str:
        return self.msg.get_content_type()

    @cached_view
    def typed_leaves(self) -> list[tuple[Message, str]]:
        """Every part in order with its content type, without descending into a returned message."""
        out: list[tuple[Message, str]] = []
        stack: list[Message] = [self.msg]
        while stack:
            part = stack.pop(0)
            ctype = part.get_content_type()
            if part.is_multipart() and not ctype.startswith("message/"):
                payload = part.get_payload()
                if isinstance(payload, list):
                    stack[0:0] = [p for p in payload if isinstance(p, Message)]
                continue
            out.append((part, ctype))
        return out

    @cached_view
    def leaves(self) -> list[Message]:
        """Every part in order, without descending into a returned message."""
        return [part for part, _ctype in self.typed_leaves]

    @cached_view
    def dsn_part(self) -> Message | None:
        for part, ctype in self.typed_leaves:
            if ctype in _DSN_TYPES:
                return part
        return None

    @cached_view
    def original_part(self) -> Message | None:
        for part, ctype in self.typed_leaves:
            if ctype in _ORIGINAL_TYPES:
                return part
        return None

    @cached_view
    def texts(self) -> list[str]:
        """Decoded text parts before the returned message (text/plain preferred over text/html)."""
        plain: list[str] = []
        html: list[str] = []
        dsn = self.dsn_part
        for part, ctype in self.typed_leaves:
            if ctype in _ORIGINAL_TYPES:
                break
            if part is dsn:
                continue
            if ctype.startswith("multipart/"):  # a multipart without a usable boundary: its text
                raw = part.get_payload()
                if isinstance(raw, str):
                    plain.append(raw)
            elif ctype == "text/plain" or (ctype.startswith("text/") and ctype != "text/html"):
                plain.append(part_text(part))
            elif ctype == "text/html":
                html.append(part_text(part))
        if plain:
            return plain
        return [_strip_html(h) for h in html]

    @cached_view
    def body(self) -> str:
        """The human-readable text of the message, joined."""
        return "\n".join(self.texts)

    @cached_view
    def head(self) -> str:
        """The start of :attr:`body`, where the sniffers look for a format's own wording."""
        return self.body[:3000]

    @cached_view
    def head_lower(self) -> str:
        """:attr:`head` lower-cased, for the substring gates in front of the sniffers' regexes."""
        return self.head.lower()


def _strip_html(text: str) -> str:
    import html
    import re

    text = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", text)
    text = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</tr>|</li>", "\n", text)
    text = re.sub(r"<[^>]+>", " ", text)
    return html.unescape(text)
