"""Frozen records shared across layers. One module per domain, re-exported here.

The records load with their module on first access (PEP 562): code that needs the reply
records does not pay for the placement ones.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from inboxtrace.model.bounce import BounceKind, BounceRecipient, BounceReport, ReturnedMessage
    from inboxtrace.model.check import CheckResult, Finding, Severity
    from inboxtrace.model.log import Attempt, Delivery, Evidence, FinalState, Message, MessageFact
    from inboxtrace.model.placement import (
        AuthResult,
        Conclusion,
        ConclusionKind,
        Folder,
        PlacementTest,
        Security,
        Seed,
        SeedCheck,
        SeedErrorKind,
        SeedResult,
        SendResult,
    )
    from inboxtrace.model.reply import Phase, Reply, ReplyClass, Verdict

# name -> module under inboxtrace.model
_LAZY: dict[str, str] = {
    "Attempt": "log",
    "AuthResult": "placement",
    "BounceKind": "bounce",
    "BounceRecipient": "bounce",
    "BounceReport": "bounce",
    "CheckResult": "check",
    "Conclusion": "placement",
    "ConclusionKind": "placement",
    "Delivery": "log",
    "Evidence": "log",
    "FinalState": "log",
    "Finding": "check",
    "Folder": "placement",
    "Message": "log",
    "MessageFact": "log",
    "Phase": "reply",
    "PlacementTest": "placement",
    "Reply": "reply",
    "ReplyClass": "reply",
    "ReturnedMessage": "bounce",
    "Security": "placement",
    "Seed": "placement",
    "SeedCheck": "placement",
    "SeedErrorKind": "placement",
    "SeedResult": "placement",
    "SendResult": "placement",
    "Severity": "check",
    "Verdict": "reply",
}


def __getattr__(name: str) -> Any:
    try:
        module = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'inboxtrace.model' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f"inboxtrace.model.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "Attempt",
    "AuthResult",
    "BounceKind",
    "BounceRecipient",
    "BounceReport",
    "CheckResult",
    "Conclusion",
    "ConclusionKind",
    "Delivery",
    "Evidence",
    "FinalState",
    "Finding",
    "Folder",
    "Message",
    "MessageFact",
    "Phase",
    "PlacementTest",
    "Reply",
    "ReplyClass",
    "ReturnedMessage",
    "Security",
    "Seed",
    "SeedCheck",
    "SeedErrorKind",
    "SeedResult",
    "SendResult",
    "Severity",
    "Verdict",
]
