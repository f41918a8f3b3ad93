"""Looking up what a basic reply code or an enhanced status code means (for `explain 250 550`)."""

from __future__ import annotations

from dataclasses import dataclass

from inboxtrace.codes.knowledge import StatusEntry, basic_codes, enhanced_registry
from inboxtrace.i18n import has_message, message
from inboxtrace.model.reply import ReplyClass

_CLASS_BY_DIGIT = {
    2: ReplyClass.SUCCESS,
    3: ReplyClass.SUCCESS,
    4: ReplyClass.TRANSIENT,
    5: ReplyClass.PERMANENT,
}


@dataclass(frozen=True, slots=True)
class CodeInfo:
    """A basic reply code explained: its class, meaning, when it is seen and what to do."""

    code: int
    reply_class: ReplyClass | None
    standard: bool
    rfc: str | None
    rfc_text: str | None
    class_meaning: str
    meaning: str
    when: str
    todo: str


def code_info(code: int, lang: str = "en") -> CodeInfo:
    """Explain a basic reply code (a code outside the standards is explained by its class only)."""
    facts = basic_codes().get(code)
    digit = code // 100
    klass = _CLASS_BY_DIGIT.get(digit)
    class_key = f"code.class.{digit}"
    class_meaning = message(class_key, lang) if has_message(class_key) else ""
    if facts is None:
        unknown = message("code.unknown_meaning", lang)
        return CodeInfo(code, klass, False, None, None, class_meaning, unknown, "", "")
    return CodeInfo(
        code=code,
        reply_class=klass,
        standard=True,
        rfc=facts.get("rfc"),
        rfc_text=facts.get("text"),
        class_meaning=class_meaning,
        meaning=message(f"code.{code}.meaning", lang),
        when=message(f"code.{code}.when", lang),
        todo=message(f"code.{code}.todo", lang),
    )


def status_info(status: str) -> StatusEntry | None:
    """The registry entry of an enhanced status code such as ``"5.1.1"`` (None if unregistered)."""
    parts = status.split(".")
    if len(parts) != 3:
        return None
    return (
        enhanced_registry().get(f"{int(parts[1])}.{int(parts[2])}")
        if all(p.isdigit() for p in parts)
        else None
    )
