"""Bounce messages joined to the logged deliveries they report on, for the trace and report views.

A 250 is not the end: a receiver can accept a message and bounce it later. When bounces were
ingested (``inboxtrace bounces --ingest``) beside the logs, the trace of a message shows, under
each recipient, "accepted with 250 by X at T1, bounced by Y at T2: reason", and the report counts
those asynchronous bounces apart from SMTP-time rejections.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from inboxtrace.model.log import FinalState, Message
from inboxtrace.model.reply import ReplyClass
from inboxtrace.store.bounces import (
    BounceLink,
    StoredBounce,
    async_bounce_count,
    bounces_about,
    delay_warning_count,
    join_bounces,
    reason_counts,
    stored_bounces,
)
from inboxtrace.store.core import Store

LinkKey = tuple[str, str, str]  # host, queue id, recipient (lower case)

MAX_LOOKUPS = 200  # Message-IDs and recipients looked up (each kind, in order)


def link_key(message: Message, recipient: str) -> LinkKey:
    return (message.host, message.queue_id, recipient.lower())


def links_for_messages(store: Store, messages: Iterable[Message]) -> dict[LinkKey, list[BounceLink]]:
    """Stored bounces about the recipients of ``messages``, keyed by (host, queue id, recipient)."""
    messages = list(messages)
    return link_bounces(store, messages, bounces_of_messages(store, messages))


def bounces_of_messages(store: Store, messages: Sequence[Message]) -> list[StoredBounce]:
    """The stored bounces that may be about ``messages``: those returning one of their
    Message-IDs, and those for one of their recipients (one query, each bounce once)."""
    message_ids = sorted({m.message_id for m in messages if m.message_id})
    recipients = sorted({d.recipient.lower() for m in messages for d in m.deliveries})
    return _unique(bounces_about(store, message_ids[:MAX_LOOKUPS], recipients[:MAX_LOOKUPS]))


def link_bounces(
    store: Store, messages: Sequence[Message], bounces: Sequence[StoredBounce]
) -> dict[LinkKey, list[BounceLink]]:
    """``bounces`` (from :func:`bounces_of_messages`) tied to the deliveries of ``messages`` they
    report on, keyed by (host, queue id, recipient)."""
    wanted = {link_key(m, d.recipient) for m in messages for d in m.deliveries}
    out: dict[LinkKey, list[BounceLink]] = {}
    if not bounces:
        return out
    for link in join_bounces(store, bounces):
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
