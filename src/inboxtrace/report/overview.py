"""The overview: the delivery report over the last N days of the store, with alerts when a day's
failure rates moved away from the days before it."""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from inboxtrace.errors import InboxtraceError
from inboxtrace.report.summary import DeliveryReport, GroupRow, build_day_report
from inboxtrace.store.activity import latest_time
from inboxtrace.store.core import Store

# A day's rate is an alert when it is at least this many points above the earlier days' rate...
ALERT_POINTS = 0.05
# ...and at least this many times it; days with fewer recipients than this are not judged.
ALERT_FACTOR = 2.0
ALERT_MIN_RECIPIENTS = 20


@dataclass(frozen=True, slots=True)
class Alert:
    day: str
    measure: str  # failure_rate (bounced + rejected + expired) or deferral_rate
    rate: float
    baseline: float
    recipients: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "day": self.day,
            "measure": self.measure,
            "rate": self.rate,
            "baseline": self.baseline,
            "recipients": self.recipients,
        }


def _rates(row: GroupRow) -> dict[str, float]:
    total = row.total or 1
    c = row.counts
    return {
        "failure_rate": (c.get("bounced", 0) + c.get("rejected", 0) + c.get("expired", 0)) / total,
        "deferral_rate": c.get("deferred", 0) / total,
    }


def rate_alerts(days: list[GroupRow]) -> list[Alert]:
    """Days (in order) whose failure or deferral rate jumped against all earlier days together."""
    out: list[Alert] = []
    for i, row in enumerate(days):
        earlier = days[:i]
        before_total = sum(r.total for r in earlier)
        if row.total < ALERT_MIN_RECIPIENTS or before_total < ALERT_MIN_RECIPIENTS:
            continue
        merged = GroupRow("before", {})
        for r in earlier:
            for k, v in r.counts.items():
                merged.counts[k] = merged.counts.get(k, 0) + v
        now, base = _rates(row), _rates(merged)
        for measure, rate in now.items():
            b = base[measure]
            if rate - b >= ALERT_POINTS and rate >= ALERT_FACTOR * b:
                out.append(Alert(row.key, measure, round(rate, 4), round(b, 4), row.total))
    return out


@dataclass(frozen=True, slots=True)
class Overview:
    report: DeliveryReport
    days: int
    alerts: list[Alert] = field(default_factory=list)
    computed_at: datetime | None = None
    seconds: float = 0.0  # how long computing it took

    def to_dict(self) -> dict[str, Any]:
        return {
            "days": self.days,
            "computed_at": self.computed_at.isoformat() if self.computed_at else None,
            "seconds": round(self.seconds, 3),
            "alerts": [a.to_dict() for a in self.alerts],
            "report": self.report.to_dict(),
        }


def build_overview(store: Store, *, days: int = 30, until: datetime | None = None) -> Overview:
    """The report of the ``days`` UTC days up to the day of ``until`` (default: the newest stored
    event, so an old log still shows its own month), read from the store's rollup, with
    :func:`rate_alerts` over its days."""
    started = time.perf_counter()
    end = until or latest_time(store)
    last_day = (end or datetime.now(UTC)).astimezone(UTC).date()
    rep = build_day_report(store, last_day - timedelta(days=days - 1), last_day, top=15)
    by_day = sorted(rep.sections.get("by_day", []), key=lambda r: r.key)
    return Overview(rep, days, rate_alerts(by_day), datetime.now(UTC), time.perf_counter() - started)


class OverviewCache:
    """Overviews kept for ``max_age`` seconds, or ten times as long as computing one took (so a
    big store is not recounted all the time). Counting a large store takes seconds (every grouping
    reads every recipient of the period), so a page is answered from the last result and a stale
    one is recomputed in the background (one refresh at a time per period); only a request that
    finds no result at all waits for one."""

    def __init__(self, store: Store, *, max_age: float = 60.0) -> None:
        self.store = store
        self.max_age = max_age
        self._done: dict[int, tuple[float, Overview]] = {}
        self._running: set[int] = set()
        self._lock = threading.Lock()
        self._compute_lock = threading.Lock()

    def _compute(self, days: int) -> Overview:
        try:
            ov = build_overview(self.store, days=days)
            with self._lock:
                self._done[days] = (time.monotonic(), ov)
            return ov
        finally:
            with self._lock:
                self._running.discard(days)

    def refresh(self, days: int = 30) -> None:
        """Recompute in a background thread unless a refresh of ``days`` is already running."""
        with self._lock:
            if days in self._running:
                return
            self._running.add(days)
        threading.Thread(
            target=self._quiet_compute, args=(days,), daemon=True, name=f"overview-{days}"
        ).start()

    def _quiet_compute(self, days: int) -> None:
        first = days not in self._done
        with contextlib.ExitStack() as stack:
            if first:  # a request arriving meanwhile waits for this instead of counting again
                stack.enter_context(self._compute_lock)
            with contextlib.suppress(InboxtraceError):  # a failed refresh keeps the last result
                self._compute(days)

    def get(self, days: int = 30) -> Overview:
        with self._lock:
            cached = self._done.get(days)
        if cached is None:
            with self._compute_lock:  # one first computation; later callers take its result
                with self._lock:
                    cached = self._done.get(days)
                if cached is None:
                    with self._lock:
                        self._running.add(days)
                    return self._compute(days)
        at, ov = cached
        if time.monotonic() - at > max(self.max_age, 10 * ov.seconds):
            self.refresh(days)
        return ov


__all__ = ["Alert", "Overview", "OverviewCache", "build_overview", "rate_alerts"]
