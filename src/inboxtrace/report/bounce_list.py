"""Stored bounces as rows for lists (web page, API): newest first, filtered by reason or recipient,
with the verdict keys the CLI uses and the report's own diagnostic text (unescaped: the caller
escapes it for wherever it shows it)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from inboxtrace.store.bounces import StoredBounce, bounces_for_recipient, stored_bounces
from inboxtrace.store.core import Store, db_errors


def bounce_row(b: StoredBounce) -> dict[str, Any]:
    r = b.recipient
    return {
        "recipient": r.recipient,
        "date": b.date.isoformat() if b.date else None,
        "format": b.format,
        "kind": b.kind.value,
        "queue_id": b.queue_id,
        "source": b.source,
        "reporting_mta": r.reporting_mta,
        "remote_mta": r.remote_mta,
        "status": r.status,
        "diagnostic": r.diagnostic,
        "suspected_filtering": r.suspected_filtering,
        "original_message_id": b.original.message_id,
        "original_subject": b.original.subject,
        "original_sender": b.original.sender,
        "verdict": r.verdict.to_dict(),
    }


@db_errors
def bounce_list(
    store: Store,
    *,
    since: datetime | None = None,
    reason: str | None = None,
    recipient: str | None = None,
    limit: int = 200,
) -> dict[str, Any]:
    """``{"items": [...], "by_reason": {...}}``: the newest ``limit`` failed recipients of stored
    bounce messages (of one ``recipient`` or ``reason`` when given) and their counts by reason."""
    limit = max(1, min(limit, 5000))
    found = (
        bounces_for_recipient(store, recipient, limit=5000)
        if recipient
        else stored_bounces(store, since=since, limit=5000)
    )
    if recipient and since is not None:
        found = [b for b in found if b.date is None or b.date >= since]
    by_reason = Counter(b.recipient.verdict.reason for b in found)
    if reason:
        found = [b for b in found if b.recipient.verdict.reason == reason]
    return {
        "items": [bounce_row(b) for b in found[:limit]],
        "by_reason": dict(by_reason.most_common()),
        "truncated": len(found) > limit,
    }


__all__ = ["bounce_list", "bounce_row"]
