"""The public surface of ``inboxtrace`` is pinned: changing it must be a deliberate act."""

from __future__ import annotations

import dataclasses

import inboxtrace

EXPECTED = {
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
    "LOG_FORMATS",
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
}


def test_public_names_are_pinned() -> None:
    assert set(inboxtrace.__all__) == EXPECTED
    for name in inboxtrace.__all__:
        assert hasattr(inboxtrace, name), name


def test_one_root_exception() -> None:
    errors = [getattr(inboxtrace, n) for n in inboxtrace.__all__ if n.endswith("Error")]
    assert all(issubclass(e, inboxtrace.InboxtraceError) for e in errors)


def test_shared_records_are_frozen() -> None:
    for name in ("Reply", "Verdict", "Message", "Delivery", "Attempt", "Evidence"):
        cls = getattr(inboxtrace, name)
        assert dataclasses.is_dataclass(cls)
        assert cls.__dataclass_params__.frozen, name  # type: ignore[attr-defined]


def test_verdict_json_keys_are_the_contract() -> None:
    verdict = inboxtrace.classify("550 5.1.1 user unknown")
    assert list(verdict.to_dict()) == [
        "reply_code", "enhanced_status", "text", "class", "reason", "hard_bounce", "action",
        "explanation", "provider", "phase",
    ]  # fmt: skip
