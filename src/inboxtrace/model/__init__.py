"""Frozen records shared across layers. One module per domain, re-exported here."""

from inboxtrace.model.reply import Phase, Reply, ReplyClass, Verdict

__all__ = ["Phase", "Reply", "ReplyClass", "Verdict"]
