"""Evaluate the alert rules against the store: which alerts start, which end, which stay active.

:func:`evaluate` is the library entry point (the server calls it periodically; ``inboxtrace alerts
run`` once, for cron). Each alert is announced once when its condition starts and once when it
ends; the state lives in the store (:mod:`inboxtrace.store.alerts`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from inboxtrace.alerts.baselines import StoredBaselines, StoredWindows
from inboxtrace.alerts.config import AlertConfig, Rule
from inboxtrace.alerts.metrics import Observation, Window, add_evidence, observe
from inboxtrace.store.alerts import load_state, save_state
from inboxtrace.store.core import Store, db_errors
from inboxtrace.store.logs import log_deliveries

_LABELS = {
    "bounce_rate": "bounce rate",
    "hard_bounce_rate": "hard-bounce rate",
    "throttling": "throttling deferrals",
    "complaint_rate": "complaint rate",
    "blocklisting": "new blocklisting",
    "placement_inbox": "inbox placement",
    "check_score_drop": "sender check score drop",
    "check_blocklisting": "blocklisted in the sender check",
}


@dataclass(slots=True)
class Evaluation:
    """The outcome of one evaluation: announcements (started/ended) and everything active now."""

    at: float
    transitions: list[dict[str, Any]] = field(default_factory=list)
    active: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"at": _iso(self.at), "transitions": self.transitions, "active": self.active}


def _iso(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, UTC).isoformat() if ts is not None else None


def firing(rule: Rule, obs: Observation) -> bool:
    """Whether ``obs`` meets ``rule``'s condition."""
    if rule.metric == "blocklisting":
        return obs.value >= rule.threshold and not obs.baseline_volume
    if obs.volume < rule.min_volume:
        return False
    if rule.below:
        return obs.value < rule.threshold
    if obs.value < rule.threshold:
        return False
    if rule.factor <= 0 or obs.baseline is None or obs.baseline_volume < rule.min_volume:
        return True
    return obs.value >= rule.factor * obs.baseline


def _next_step(obs: Observation) -> dict[str, Any] | None:
    if not obs.reasons:
        return None
    reason = obs.reasons[0][0]
    try:
        from inboxtrace.codes import reason_info

        info = reason_info(reason)
    except Exception:
        return {"reason": reason}
    return {"reason": reason, "action": info.default_action, "meaning": info.meaning}


def _title(rule: Rule, obs: Observation, state: str) -> str:
    label = _LABELS[rule.metric]
    where = "" if obs.key == "all" else f" at {obs.key}"
    if rule.metric == "blocklisting":
        head = f"{label}{where}: named in {int(obs.value)} replies"
    elif rule.metric == "check_blocklisting":
        head = f"{label}: {obs.key}"
    elif rule.metric == "check_score_drop":
        head = f"{label}{where}: {obs.counts.get('best_before')} -> {obs.counts.get('score')} (threshold {rule.threshold:g} points)"
    else:
        unit = "%"
        head = f"{label}{where} {obs.value:.2f}{unit} (threshold {rule.threshold:g}{unit}"
        if obs.baseline is not None and rule.metric != "placement_inbox":
            head += f", baseline {obs.baseline:.2f}{unit}"
        head += ")"
    return head if state == "started" else f"ended: {head}"


def _ended_title(rule: Rule, obs: Observation) -> str:
    where = "" if obs.key == "all" else f" at {obs.key}"
    if rule.metric == "blocklisting":
        return f"ended: {_LABELS[rule.metric]}{where}: no reply names it any more"
    if rule.metric == "check_blocklisting":
        return f"ended: no longer listed in the latest sender check: {obs.key}"
    if rule.metric == "check_score_drop":
        return f"ended: sender check score{where} recovered"
    return f"ended: {_LABELS[rule.metric]}{where} back to {obs.value:.2f}% (threshold {rule.threshold:g}%)"


def _payload(
    rule: Rule, obs: Observation, state: str, *, at: float, w: Window, started: float | None
) -> dict[str, Any]:
    return {
        "rule": rule.id,
        "key": obs.key,
        "state": state,
        "severity": rule.severity,
        "metric": rule.metric,
        "by": rule.by,
        "title": _title(rule, obs, state),
        "value": round(obs.value, 4),
        "threshold": rule.threshold,
        "baseline": round(obs.baseline, 4) if obs.baseline is not None else None,
        "volume": obs.volume,
        "window": {"from": _iso(w.lo), "to": _iso(w.hi)},
        "counts": obs.counts,
        "top_replies": [{"reply": r, "count": n} for r, n in obs.replies],
        "top_reasons": [{"reason": r, "count": n} for r, n in obs.reasons],
        "examples": [dict(e, time=_iso(e.get("time"))) for e in obs.examples],
        "next_step": _next_step(obs),
        "started": _iso(started),
        "at": _iso(at),
    }


def latest_time(store: Store) -> float | None:
    """The time of the newest stored delivery outcome (to evaluate old data as if it were now)."""
    with store.connect() as conn:
        value = conn.execute(sa.select(sa.func.max(log_deliveries.c.last_time))).scalar()
    return float(value) + 1.0 if value is not None else None


@db_errors
def evaluate(
    store: Store, config: AlertConfig, *, now: float | None = None, record: bool = True
) -> Evaluation:
    """Evaluate every rule at ``now`` (default: the wall clock).

    With ``record`` (default) the alert state is saved, so the next evaluation announces only
    changes; without it nothing is written (a dry run shows what would be announced).
    """
    at = time.time() if now is None else now
    out = Evaluation(at)
    with store.begin() as conn:
        state = load_state(conn)
        baselines = StoredBaselines(conn, store, save=record, at=at)
        windows = StoredWindows(conn, store, save=record, at=at)
        updates: list[dict[str, Any]] = []
        seen: set[tuple[str, str]] = set()
        for rule in config.rules:
            length = rule.window or config.window
            w = Window(at - length, at)
            base = Window(at - length - (rule.baseline or config.baseline), at - length)
            observed = observe(conn, rule, w, base, baselines, windows=windows)
            for obs in observed:
                if not firing(rule, obs):
                    continue
                k = (rule.id, obs.key)
                seen.add(k)
                prev = state.get(k)
                started = prev.started if prev is not None and prev.active else at
                add_evidence(conn, rule, obs, w)
                payload = _payload(rule, obs, "started", at=at, w=w, started=started)
                if prev is None or not prev.active:
                    out.transitions.append(payload)
                out.active.append(payload)
                updates.append(
                    {
                        "rule_id": rule.id,
                        "key": obs.key,
                        "active": True,
                        "started": started,
                        "ended": None,
                        "evaluated": at,
                        "value": obs.value,
                        "times_fired": (prev.times_fired if prev else 0) + (0 if prev and prev.active else 1),
                        "payload": _dumps(payload),
                    }
                )
            # active alerts of this rule whose condition no longer holds end now
            current = {o.key: o for o in observed}
            for (rid, key), row in state.items():
                if rid != rule.id or not row.active or (rid, key) in seen:
                    continue
                obs = current.get(key) or Observation(key, 0.0, 0)
                last = row.payload or {}
                ended = dict(last, state="ended", at=_iso(at), ended_value=round(obs.value, 4))
                ended["title"] = _ended_title(rule, obs)
                out.transitions.append(ended)
                updates.append(
                    {
                        "rule_id": rid,
                        "key": key,
                        "active": False,
                        "started": row.started,
                        "ended": at,
                        "evaluated": at,
                        "value": None,
                        "times_fired": row.times_fired,
                        "payload": _dumps(ended),
                    }
                )
        if record:
            save_state(conn, store, updates)
        else:
            conn.rollback()
    return out


def _dumps(obj: Any) -> str:
    import json

    return json.dumps(obj, ensure_ascii=False, default=str)


__all__ = ["Evaluation", "evaluate", "firing", "latest_time"]
