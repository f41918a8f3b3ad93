"""The reply vocabulary: parse SMTP replies and say what they mean.

Every other layer speaks this vocabulary. Knowledge lives in ``codes/data/`` (reviewable TOML and
CSV): the basic reply codes, the IANA enhanced status registry, reason phrases, provider rules.
"""

from inboxtrace.codes.accept import remote_queue_id
from inboxtrace.codes.classify import classify
from inboxtrace.codes.codebook import CodeInfo, code_info, status_info
from inboxtrace.codes.knowledge import StatusEntry
from inboxtrace.codes.phases import phase_of
from inboxtrace.codes.providers import provider_for_host, provider_from_text
from inboxtrace.codes.reasons import ReasonInfo, reason_info, reasons
from inboxtrace.codes.reply import find_reply, parse_reply

__all__ = [
    "CodeInfo",
    "ReasonInfo",
    "StatusEntry",
    "classify",
    "code_info",
    "find_reply",
    "parse_reply",
    "phase_of",
    "provider_for_host",
    "provider_from_text",
    "reason_info",
    "reasons",
    "remote_queue_id",
    "status_info",
]
