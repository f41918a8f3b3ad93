"""Records of the reply vocabulary: a parsed SMTP reply and the verdict on it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Phase(StrEnum):
    """The SMTP phase a reply answered (or a failure happened in)."""

    CONNECT = "connect"
    EHLO = "ehlo"
    STARTTLS = "starttls"
    AUTH = "auth"
    MAIL = "mail-from"
    RCPT = "rcpt-to"
    DATA = "data"
    END_OF_DATA = "end-of-data"
    QUIT = "quit"


class ReplyClass(StrEnum):
    """The three outcomes a reply can have."""

    SUCCESS = "success"
    TRANSIENT = "transient"
    PERMANENT = "permanent"


@dataclass(frozen=True, slots=True)
class Reply:
    """An SMTP reply as found in the wild, with its wrappers taken off.

    ``text`` is the human text with continuation-line prefixes removed and the lines joined by a
    single space; ``raw`` is what the reply was parsed from.
    """

    code: int | None
    enhanced_status: str | None
    text: str
    phase: Phase | None = None
    remote_host: str | None = None
    remote_ip: str | None = None
    raw: str = ""

    @property
    def reply_class(self) -> ReplyClass | None:
        """The class the code (or, failing it, the enhanced status) states."""
        digit = None
        if self.code is not None:
            digit = self.code // 100
        elif self.enhanced_status:
            digit = int(self.enhanced_status[0])
        if digit == 2:
            return ReplyClass.SUCCESS
        if digit == 4:
            return ReplyClass.TRANSIENT
        if digit == 5:
            return ReplyClass.PERMANENT
        return None


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a reply means: the record every layer speaks (its JSON keys are a public contract)."""

    reply_code: int | None
    enhanced_status: str | None
    text: str
    reply_class: ReplyClass
    reason: str
    hard_bounce: bool
    action: str
    explanation: str
    provider: str | None = None
    phase: Phase | None = None

    def to_dict(self) -> dict[str, Any]:
        """The verdict as a JSON-ready dict with the public key names."""
        return {
            "reply_code": self.reply_code,
            "enhanced_status": self.enhanced_status,
            "text": self.text,
            "class": self.reply_class.value,
            "reason": self.reason,
            "hard_bounce": self.hard_bounce,
            "action": self.action,
            "explanation": self.explanation,
            "provider": self.provider,
            "phase": self.phase.value if self.phase else None,
        }
