"""The public surface of ``inboxtrace`` is pinned: changing it must be a deliberate act."""

from __future__ import annotations

import dataclasses

import inboxtrace

EXPECTED = {
    "Attempt", "AuthenticationError", "CodeInfo", "ConfigError", "DataFileError", "Delivery", "Evidence",
    "FinalState", "InboxtraceError", "InputError", "MalformedInputError", "Message", "NotAReplyError",
    "Phase", "ReasonInfo", "RemoteError", "Reply", "ReplyClass", "StoreError", "TLSError",
    "UnknownFormatError", "UnreachableError", "Verdict", "__version__", "classify", "code_info",
    "find_reply", "parse_reply", "provider_for_host", "reason_info", "reasons", "remote_queue_id",
    "status_info",
}  # fmt: skip


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
