"""The overview: the delivery report over the last N days of the store, with alerts when a day's
failure rates moved away from the days before it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from inboxtrace.report.summary import DeliveryReport, GroupRow, build_report
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

    def to_dict(self) -> dict[str, Any]:
        return {
            "days": self.days,
            "alerts": [a.to_dict() for a in self.alerts],
            "report": self.report.to_dict(),
        }


def build_overview(store: Store, *, days: int = 30, until: datetime | None = None) -> Overview:
    """The report of the ``days`` days up to ``until`` (default: the newest stored event, so an old
    log still shows its own month), with :func:`rate_alerts` over its days."""
    end = until or latest_time(store)
    since = end - timedelta(days=days) if end is not None else None
    until_excl = end + timedelta(seconds=1) if end is not None else None
    rep = build_report(store, since=since, until=until_excl, top=15)
    by_day = sorted(rep.sections.get("by_day", []), key=lambda r: r.key)
    return Overview(rep, days, rate_alerts(by_day))


__all__ = ["Alert", "Overview", "build_overview", "rate_alerts"]
