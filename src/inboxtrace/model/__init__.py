"""Frozen records shared across layers. One module per domain, re-exported here."""

from inboxtrace.model.bounce import BounceKind, BounceRecipient, BounceReport, ReturnedMessage
from inboxtrace.model.check import CheckResult, Finding, Severity
from inboxtrace.model.log import Attempt, Delivery, Evidence, FinalState, Message
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
