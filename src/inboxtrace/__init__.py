"""inboxtrace: where did the mail go after the 250 OK?

The public API. Everything listed in ``__all__`` is stable; modules not re-exported here are
internal. A test pins this list.
"""

from inboxtrace.codes import (
    CodeInfo,
    ReasonInfo,
    classify,
    code_info,
    find_reply,
    parse_reply,
    provider_for_host,
    reason_info,
    reasons,
    remote_queue_id,
    status_info,
)
from inboxtrace.errors import (
    AuthenticationError,
    ConfigError,
    DataFileError,
    InboxtraceError,
    InputError,
    MalformedInputError,
    NotAReplyError,
    RemoteError,
    StoreError,
    TLSError,
    UnknownFormatError,
    UnreachableError,
)
from inboxtrace.model import (
    Attempt,
    Delivery,
    Evidence,
    FinalState,
    Message,
    Phase,
    Reply,
    ReplyClass,
    Verdict,
)

__version__ = "0.1.0"

__all__ = [
    "Attempt",
    "AuthenticationError",
    "CodeInfo",
    "ConfigError",
    "DataFileError",
    "Delivery",
    "Evidence",
    "FinalState",
    "InboxtraceError",
    "InputError",
    "MalformedInputError",
    "Message",
    "NotAReplyError",
    "Phase",
    "ReasonInfo",
    "RemoteError",
    "Reply",
    "ReplyClass",
    "StoreError",
    "TLSError",
    "UnknownFormatError",
    "UnreachableError",
    "Verdict",
    "__version__",
    "classify",
    "code_info",
    "find_reply",
    "parse_reply",
    "provider_for_host",
    "reason_info",
    "reasons",
    "remote_queue_id",
    "status_info",
]
