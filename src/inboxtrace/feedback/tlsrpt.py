"""RFC 8460 SMTP TLS reports (JSON)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from inboxtrace.feedback.aggregate import ReportError
from inboxtrace.feedback.model import TlsFailure, TlsPolicy, TlsReport

MAX_JSON_BYTES = 64 * 1024 * 1024


def _time(value: Any, what: str) -> datetime:
    if not isinstance(value, str):
        raise ReportError(f"{what} is not an RFC 3339 date-time")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ReportError(f"{what} is not an RFC 3339 date-time: {value[:40]!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _count(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ReportError(f"{what} is not a count: {str(value)[:40]!r}")
    return value


def _str(obj: dict[str, Any], key: str) -> str:
    value = obj.get(key)
    return str(value)[:500] if isinstance(value, (str, int, float)) else ""


def _failure(item: Any) -> TlsFailure:
    if not isinstance(item, dict):
        raise ReportError("a failure-details entry is not an object")
    return TlsFailure(
        result_type=_str(item, "result-type").lower() or "unknown",
        sessions=_count(item.get("failed-session-count", 0), "failed-session-count"),
        sending_mta_ip=_str(item, "sending-mta-ip"),
        receiving_mx=_str(item, "receiving-mx-hostname").lower().rstrip("."),
        receiving_ip=_str(item, "receiving-ip"),
        receiving_helo=_str(item, "receiving-mx-helo"),
        reason_code=_str(item, "failure-reason-code"),
        info=_str(item, "additional-information"),
    )


def _policy(item: Any) -> TlsPolicy:
    if not isinstance(item, dict):
        raise ReportError("a policies entry is not an object")
    policy = item.get("policy")
    summary = item.get("summary")
    if not isinstance(policy, dict) or not isinstance(summary, dict):
        raise ReportError("a policies entry has no policy or summary object")
    mx = policy.get("mx-host", [])
    mx_hosts = (mx,) if isinstance(mx, str) else tuple(str(m) for m in mx) if isinstance(mx, list) else ()
    strings = policy.get("policy-string", [])
    details = item.get("failure-details", [])
    if not isinstance(details, list):
        raise ReportError("failure-details is not a list")
    return TlsPolicy(
        policy_type=_str(policy, "policy-type").lower() or "unknown",
        policy_domain=_str(policy, "policy-domain").lower().rstrip("."),
        mx_hosts=tuple(h.lower().rstrip(".")[:255] for h in mx_hosts),
        successful=_count(summary.get("total-successful-session-count", 0), "total-successful-session-count"),
        failed=_count(summary.get("total-failure-session-count", 0), "total-failure-session-count"),
        failures=tuple(_failure(d) for d in details),
        policy_string=tuple(str(s)[:500] for s in strings) if isinstance(strings, list) else (),
    )


def parse_tlsrpt(data: bytes) -> TlsReport:
    """One TLS report from its JSON; raises ReportError naming what is wrong."""
    if len(data) > MAX_JSON_BYTES:
        raise ReportError(f"JSON larger than {MAX_JSON_BYTES // (1024 * 1024)} MB")
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise ReportError(f"not JSON: {str(exc)[:120]}") from exc
    if not isinstance(doc, dict):
        raise ReportError("not a TLS report (the JSON is not an object)")
    org, report_id = _str(doc, "organization-name"), _str(doc, "report-id")
    if not org or not report_id:
        raise ReportError("no organization-name or report-id")
    dates = doc.get("date-range")
    if not isinstance(dates, dict):
        raise ReportError("no date-range")
    policies = doc.get("policies")
    if not isinstance(policies, list):
        raise ReportError("no policies list")
    return TlsReport(
        org_name=org[:255],
        report_id=report_id[:255],
        begin=_time(dates.get("start-datetime"), "start-datetime"),
        end=_time(dates.get("end-datetime"), "end-datetime"),
        contact=_str(doc, "contact-info")[:255],
        policies=tuple(_policy(p) for p in policies),
    )
