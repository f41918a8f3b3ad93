"""Frozen records shared across layers. One module per domain, re-exported here."""

from inboxtrace.model.log import Attempt, Delivery, Evidence, FinalState, Message
from inboxtrace.model.reply import Phase, Reply, ReplyClass, Verdict

__all__ = [
    "Attempt",
    "Delivery",
    "Evidence",
    "FinalState",
    "Message",
    "Phase",
    "Reply",
    "ReplyClass",
    "Verdict",
]
