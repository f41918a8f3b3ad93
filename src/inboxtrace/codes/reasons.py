"""The bounce-reason vocabulary (December-2025 sisimai names)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from inboxtrace.codes.knowledge import load_toml
from inboxtrace.errors import DataFileError
from inboxtrace.i18n import message
from inboxtrace.model.reply import ReplyClass


@dataclass(frozen=True, slots=True)
class ReasonInfo:
    """What the vocabulary knows about one reason."""

    name: str
    hard: bool
    default_action: str
    soft_class: ReplyClass

    @property
    def meaning(self) -> str:
        """One English sentence saying what the reason means (from the message catalog)."""
        return message(f"reason.{self.name}", "en")


@cache
def _reasons() -> dict[str, ReasonInfo]:
    table: dict[str, ReasonInfo] = {}
    for name, entry in load_toml("reasons.toml").items():
        table[name] = ReasonInfo(
            name=name,
            hard=bool(entry.get("hard", False)),
            default_action=str(entry.get("action", "investigate")),
            soft_class=ReplyClass(entry.get("soft_class", "permanent")),
        )
    return table


def reason_info(reason: str) -> ReasonInfo:
    """Facts about ``reason``; raises :class:`DataFileError` for a name outside the vocabulary."""
    try:
        return _reasons()[reason]
    except KeyError:
        raise DataFileError(f"unknown bounce reason {reason!r}") from None


def reasons() -> tuple[str, ...]:
    """Every reason name of the vocabulary."""
    return tuple(_reasons())
