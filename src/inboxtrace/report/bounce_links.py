"""Bounce messages joined to the logged deliveries they report on, for the trace and report views.

A 250 is not the end: a receiver can accept a message and bounce it later. When bounces were
ingested (``inboxtrace bounces --ingest``) beside the logs, the trace of a message shows, under
each recipient, "accepted with 250 by X at T1, bounced by Y at T2: reason", and the report counts
those asynchronous bounces apart from SMTP-time rejections.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from inboxtrace.model.log import FinalState, Message
from inboxtrace.model.reply import ReplyClass
from inboxtrace.store.bounces import (
    BounceLink,
    StoredBounce,
    async_bounce_count,
    bounces_for_message_id,
    bounces_for_recipient,
    delay_warning_count,
    join_bounces,
    reason_counts,
    stored_bounces,
)
from inboxtrace.store.core import Store

LinkKey = tuple[str, str, str]  # host, queue id, recipient (lower case)

_MAX_LOOKUPS = 200


def link_key(message: Message, recipient: str) -> LinkKey:
    return (message.host, message.queue_id, recipient.lower())


def links_for_messages(store: Store, messages: Iterable[Message]) -> dict[LinkKey, list[BounceLink]]:
    """Stored bounces about the recipients of ``messages``, keyed by (host, queue id, recipient)."""
    wanted: set[LinkKey] = set()
    message_ids: set[str] = set()
    recipients: set[str] = set()
    for m in messages:
        if m.message_id:
            message_ids.add(m.message_id)
        for d in m.deliveries:
            wanted.add(link_key(m, d.recipient))
            recipients.add(d.recipient.lower())
    found: list[StoredBounce] = []
    for mid in sorted(message_ids)[:_MAX_LOOKUPS]:
        found.extend(bounces_for_message_id(store, mid))
    for rcpt in sorted(recipients)[:_MAX_LOOKUPS]:
        found.extend(bounces_for_recipient(store, rcpt))
    unique = _unique(found)
    out: dict[LinkKey, list[BounceLink]] = {}
    for link in join_bounces(store, unique):
        key = link_key(link.message, link.delivery.recipient)
        if key in wanted:
            out.setdefault(key, []).append(link)
    return out


def _unique(bounces: Iterable[StoredBounce]) -> list[StoredBounce]:
    seen: set[tuple[str, str]] = set()
    out: list[StoredBounce] = []
    for b in bounces:
        key = (b.digest, b.recipient.recipient.lower())
        if key not in seen:
            seen.add(key)
            out.append(b)
    return out


def link_dict(link: BounceLink) -> dict[str, Any]:
    """JSON form of one joined bounce (attacker-controlled strings are data here, not markup)."""
    b = link.bounce
    r = b.recipient
    return {
        "summary": link.describe(),
        "matched_by": link.matched_by,
        "source": b.source,
        "format": b.format,
        "date": b.date.isoformat() if b.date else None,
        "reporting_mta": r.reporting_mta,
        "remote_mta": r.remote_mta,
        "status": r.status,
        "diagnostic": r.diagnostic,
        "suspected_filtering": r.suspected_filtering,
        "verdict": r.verdict.to_dict(),
    }


def async_bounce_summary(store: Store, *, since: datetime | None = None, limit: int = 5000) -> dict[str, Any]:
    """Failed recipients reported by bounce messages, split by what the logs say happened first.

    ``after_acceptance``: the logged delivery was accepted by the next server (a 2xx), so the
    bounce came later — the case a 250 hides. ``at_smtp_time``: the log already shows the refusal
    (the bounce is the sender's own MTA reporting it). ``not_in_logs``: no logged delivery matches.
    At most ``limit`` bounces (newest first) are joined; ``joined`` says how many were.
    """
    total = async_bounce_count(store, since=since)
    bounces = stored_bounces(store, since=since, limit=limit) if total else []
    after: Counter[str] = Counter()
    smtp_time = 0
    matched: set[tuple[str, str]] = set()
    for link in join_bounces(store, bounces):
        key = (link.bounce.digest, link.bounce.recipient.recipient.lower())
        if key in matched:
            continue
        matched.add(key)
        if any(
            a.verdict is not None and a.verdict.reply_class is ReplyClass.SUCCESS
            for a in link.delivery.attempts
        ) or (link.delivery.final_state is FinalState.DELIVERED):
            after[link.bounce.recipient.verdict.reason] += 1
        else:
            smtp_time += 1
    return {
        "recipients": total,
        "joined": len(bounces),
        "after_acceptance": sum(after.values()),
        "after_acceptance_by_reason": dict(after.most_common()),
        "at_smtp_time": smtp_time,
        "not_in_logs": len(bounces) - len(matched),
        "delay_warnings": delay_warning_count(store, since=since),
        "by_reason": dict(Counter(reason_counts(store, since=since)).most_common()),
    }
