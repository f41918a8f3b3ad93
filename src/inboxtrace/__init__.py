"""inboxtrace: where did the mail go after the 250 OK?

The public API. Everything in ``__all__`` is stable; modules not re-exported here are internal. A
test pins this list. The errors load eagerly; everything else (the reply vocabulary, the records,
the log, bounce, store, check and seed layers) loads on first use, so ``import inboxtrace`` and
each command pay only for what they use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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
from inboxtrace.native import select as _select_implementation

_select_implementation()  # INBOXTRACE_PURE=1: plain Python even where the hot paths are compiled

if TYPE_CHECKING:
    from inboxtrace.bounces import iter_imap as iter_bounce_imap
    from inboxtrace.bounces import iter_paths as iter_bounce_paths
    from inboxtrace.bounces import mark_suspected_filtering, parse_bounce, read_bounces
    from inboxtrace.checks import CheckOptions, check_domain, check_many
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
    from inboxtrace.diagnose import create_test, placement_report, run_check, send_placement
    from inboxtrace.diagnose.run import diagnose_address, diagnose_test
    from inboxtrace.ingest import IngestSummary, ingest
    from inboxtrace.ingest import follow as ingest_follow
    from inboxtrace.logs import FORMATS as LOG_FORMATS
    from inboxtrace.logs import LogStats
    from inboxtrace.model import (
        Attempt,
        AuthResult,
        BounceKind,
        BounceRecipient,
        BounceReport,
        CheckResult,
        Conclusion,
        ConclusionKind,
        Delivery,
        Evidence,
        FinalState,
        Finding,
        Folder,
        Message,
        Phase,
        PlacementTest,
        Reply,
        ReplyClass,
        ReturnedMessage,
        Security,
        Seed,
        SeedCheck,
        SeedErrorKind,
        SeedResult,
        SendResult,
        Severity,
        Verdict,
    )
    from inboxtrace.report import (
        DeliveryReport,
        SuppressionList,
        TraceView,
        build_report,
        build_suppressions,
        build_trace,
    )
    from inboxtrace.seeds import check_seeds, load_seeds
    from inboxtrace.seeds.send import SmtpOptions
    from inboxtrace.sources import FileIdentity, Position
    from inboxtrace.sources import follow as follow_log
    from inboxtrace.store import Store, default_url, open_store
    from inboxtrace.store.bounces import (
        BounceLink,
        StoredBounce,
        bounces_for_message_id,
        bounces_for_recipient,
        ingest_bounces,
        join_bounces,
    )
    from inboxtrace.timeline import LogReader, read_logs

__version__ = "0.1.0"

# name -> (module, attribute): loaded on first access (PEP 562).
_LAZY: dict[str, tuple[str, str]] = {
    "CodeInfo": ("inboxtrace.codes", "CodeInfo"),
    "ReasonInfo": ("inboxtrace.codes", "ReasonInfo"),
    "classify": ("inboxtrace.codes", "classify"),
    "code_info": ("inboxtrace.codes", "code_info"),
    "find_reply": ("inboxtrace.codes", "find_reply"),
    "parse_reply": ("inboxtrace.codes", "parse_reply"),
    "provider_for_host": ("inboxtrace.codes", "provider_for_host"),
    "reason_info": ("inboxtrace.codes", "reason_info"),
    "reasons": ("inboxtrace.codes", "reasons"),
    "remote_queue_id": ("inboxtrace.codes", "remote_queue_id"),
    "status_info": ("inboxtrace.codes", "status_info"),
    "Attempt": ("inboxtrace.model", "Attempt"),
    "AuthResult": ("inboxtrace.model", "AuthResult"),
    "BounceKind": ("inboxtrace.model", "BounceKind"),
    "BounceRecipient": ("inboxtrace.model", "BounceRecipient"),
    "BounceReport": ("inboxtrace.model", "BounceReport"),
    "CheckResult": ("inboxtrace.model", "CheckResult"),
    "Conclusion": ("inboxtrace.model", "Conclusion"),
    "ConclusionKind": ("inboxtrace.model", "ConclusionKind"),
    "Delivery": ("inboxtrace.model", "Delivery"),
    "Evidence": ("inboxtrace.model", "Evidence"),
    "FinalState": ("inboxtrace.model", "FinalState"),
    "Finding": ("inboxtrace.model", "Finding"),
    "Folder": ("inboxtrace.model", "Folder"),
    "Message": ("inboxtrace.model", "Message"),
    "Phase": ("inboxtrace.model", "Phase"),
    "PlacementTest": ("inboxtrace.model", "PlacementTest"),
    "Reply": ("inboxtrace.model", "Reply"),
    "ReplyClass": ("inboxtrace.model", "ReplyClass"),
    "ReturnedMessage": ("inboxtrace.model", "ReturnedMessage"),
    "Security": ("inboxtrace.model", "Security"),
    "Seed": ("inboxtrace.model", "Seed"),
    "SeedCheck": ("inboxtrace.model", "SeedCheck"),
    "SeedErrorKind": ("inboxtrace.model", "SeedErrorKind"),
    "SeedResult": ("inboxtrace.model", "SeedResult"),
    "SendResult": ("inboxtrace.model", "SendResult"),
    "Severity": ("inboxtrace.model", "Severity"),
    "Verdict": ("inboxtrace.model", "Verdict"),
    "read_logs": ("inboxtrace.timeline", "read_logs"),
    "LogReader": ("inboxtrace.timeline", "LogReader"),
    "LogStats": ("inboxtrace.logs", "LogStats"),
    "LOG_FORMATS": ("inboxtrace.logs", "FORMATS"),
    "Position": ("inboxtrace.sources", "Position"),
    "FileIdentity": ("inboxtrace.sources", "FileIdentity"),
    "follow_log": ("inboxtrace.sources", "follow"),
    "Store": ("inboxtrace.store", "Store"),
    "open_store": ("inboxtrace.store", "open_store"),
    "default_url": ("inboxtrace.store", "default_url"),
    "ingest": ("inboxtrace.ingest", "ingest"),
    "ingest_follow": ("inboxtrace.ingest", "follow"),
    "IngestSummary": ("inboxtrace.ingest", "IngestSummary"),
    "build_report": ("inboxtrace.report", "build_report"),
    "build_trace": ("inboxtrace.report", "build_trace"),
    "build_suppressions": ("inboxtrace.report", "build_suppressions"),
    "DeliveryReport": ("inboxtrace.report", "DeliveryReport"),
    "TraceView": ("inboxtrace.report", "TraceView"),
    "SuppressionList": ("inboxtrace.report", "SuppressionList"),
    "parse_bounce": ("inboxtrace.bounces", "parse_bounce"),
    "read_bounces": ("inboxtrace.bounces", "read_bounces"),
    "iter_bounce_paths": ("inboxtrace.bounces", "iter_paths"),
    "iter_bounce_imap": ("inboxtrace.bounces", "iter_imap"),
    "mark_suspected_filtering": ("inboxtrace.bounces", "mark_suspected_filtering"),
    "ingest_bounces": ("inboxtrace.store.bounces", "ingest_bounces"),
    "join_bounces": ("inboxtrace.store.bounces", "join_bounces"),
    "bounces_for_recipient": ("inboxtrace.store.bounces", "bounces_for_recipient"),
    "bounces_for_message_id": ("inboxtrace.store.bounces", "bounces_for_message_id"),
    "BounceLink": ("inboxtrace.store.bounces", "BounceLink"),
    "StoredBounce": ("inboxtrace.store.bounces", "StoredBounce"),
    "check_domain": ("inboxtrace.checks", "check_domain"),
    "check_many": ("inboxtrace.checks", "check_many"),
    "CheckOptions": ("inboxtrace.checks", "CheckOptions"),
    "load_seeds": ("inboxtrace.seeds", "load_seeds"),
    "check_seeds": ("inboxtrace.seeds", "check_seeds"),
    "SmtpOptions": ("inboxtrace.seeds.send", "SmtpOptions"),
    "create_test": ("inboxtrace.diagnose", "create_test"),
    "send_placement": ("inboxtrace.diagnose", "send_placement"),
    "run_check": ("inboxtrace.diagnose", "run_check"),
    "placement_report": ("inboxtrace.diagnose", "placement_report"),
    "diagnose_test": ("inboxtrace.diagnose.run", "diagnose_test"),
    "diagnose_address": ("inboxtrace.diagnose.run", "diagnose_address"),
}


def __getattr__(name: str) -> Any:
    try:
        module, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'inboxtrace' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "LOG_FORMATS",
    "Attempt",
    "AuthResult",
    "AuthenticationError",
    "BounceKind",
    "BounceLink",
    "BounceRecipient",
    "BounceReport",
    "CheckOptions",
    "CheckResult",
    "CodeInfo",
    "Conclusion",
    "ConclusionKind",
    "ConfigError",
    "DataFileError",
    "Delivery",
    "DeliveryReport",
    "Evidence",
    "FileIdentity",
    "FinalState",
    "Finding",
    "Folder",
    "InboxtraceError",
    "IngestSummary",
    "InputError",
    "LogReader",
    "LogStats",
    "MalformedInputError",
    "Message",
    "NotAReplyError",
    "Phase",
    "PlacementTest",
    "Position",
    "ReasonInfo",
    "RemoteError",
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
    "SmtpOptions",
    "Store",
    "StoreError",
    "StoredBounce",
    "SuppressionList",
    "TLSError",
    "TraceView",
    "UnknownFormatError",
    "UnreachableError",
    "Verdict",
    "__version__",
    "bounces_for_message_id",
    "bounces_for_recipient",
    "build_report",
    "build_suppressions",
    "build_trace",
    "check_domain",
    "check_many",
    "check_seeds",
    "classify",
    "code_info",
    "create_test",
    "default_url",
    "diagnose_address",
    "diagnose_test",
    "find_reply",
    "follow_log",
    "ingest",
    "ingest_bounces",
    "ingest_follow",
    "iter_bounce_imap",
    "iter_bounce_paths",
    "join_bounces",
    "load_seeds",
    "mark_suspected_filtering",
    "open_store",
    "parse_bounce",
    "parse_reply",
    "placement_report",
    "provider_for_host",
    "read_bounces",
    "read_logs",
    "reason_info",
    "reasons",
    "remote_queue_id",
    "run_check",
    "send_placement",
    "status_info",
]
