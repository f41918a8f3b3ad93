"""The verdict on an event's reply, from the reply vocabulary; the provider's own type beside it.

A remote reply is classified by :func:`inboxtrace.codes.classify` like any log reply. When an
event has no reply the vocabulary can read (a suppression, a provider drop), the provider's own
classification is mapped through ``esp/data/types.toml``.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import replace
from datetime import datetime
from typing import Any

from inboxtrace.datafiles import read_text
from inboxtrace.errors import DataFileError, NotAReplyError
from inboxtrace.esp.base import EspEvent, EventKind
from inboxtrace.model.reply import ReplyClass, Verdict


@functools.cache
def provider_types() -> dict[str, dict[str, tuple[str, bool]]]:
    """``{provider: {type: (reason, hard)}}`` from ``esp/data/types.toml``."""
    try:
        raw = tomllib.loads(read_text("esp", "data", "types.toml"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DataFileError(f"esp/data/types.toml: {exc}") from exc
    out: dict[str, dict[str, tuple[str, bool]]] = {}
    for provider, table in raw.items():
        out[provider] = {str(k): (str(v["reason"]), bool(v["hard"])) for k, v in table.items()}
    return out


@functools.lru_cache(maxsize=20_000)
def _classify(reply: str, relay_host: str | None) -> Verdict | None:
    from inboxtrace.codes import classify

    try:
        return classify(reply, remote_host=relay_host)
    except NotAReplyError:
        return None
    except Exception:  # an unclassifiable reply never stops a webhook
        return None


def judged(event: EspEvent) -> EspEvent:
    """``event`` with its verdict, reason and hard flag filled in."""
    verdict = _classify(event.reply, event.relay_host) if event.reply else None
    mapped = provider_types().get(event.provider, {}).get(event.bounce_type or "")
    reason: str | None = None
    hard = event.hard
    if event.kind == EventKind.DELIVERED:
        reason = "delivered"
    elif verdict is not None and verdict.reply_class != ReplyClass.SUCCESS:
        reason = verdict.reason
    elif mapped is not None:
        reason = mapped[0]
    elif event.kind in (EventKind.BOUNCED, EventKind.REJECTED):
        reason = "undefined"
    elif event.kind == EventKind.COMPLAINED:
        reason = "feedback"
    if hard is None and mapped is not None:
        hard = mapped[1]
    return replace(event, verdict=verdict, reason=reason, hard=hard)


def make(  # noqa: PLR0917 - every provider module calls it with the same seven facts
    provider: str,
    event_id: str,
    kind: EventKind,
    provider_event: str,
    time: datetime,
    recipient: str,
    raw: dict[str, Any],
    **fields: Any,
) -> EspEvent:
    """An :class:`EspEvent` with its verdict (the provider modules build events through this)."""
    return judged(
        EspEvent(provider, event_id[:200], kind, provider_event[:64], time, recipient, raw=raw, **fields)
    )


__all__ = ["judged", "make", "provider_types"]
