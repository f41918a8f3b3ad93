"""Frozen records shared across layers. One module per domain, re-exported here."""

from inboxtrace.model.bounce import BounceKind, BounceRecipient, BounceReport, ReturnedMessage
from inboxtrace.model.check import CheckResult, Finding, Severity
from inboxtrace.model.log import Attempt, Delivery, Evidence, FinalState, Message
from inboxtrace.model.reply import Phase, Reply, ReplyClass, Verdict

__all__ = [
    "Attempt",
    "BounceKind",
    "BounceRecipient",
    "BounceReport",
    "CheckResult",
    "Delivery",
    "Evidence",
    "FinalState",
    "Finding",
    "Message",
    "Phase",
    "Reply",
    "ReplyClass",
    "ReturnedMessage",
    "Severity",
    "Verdict",
]
