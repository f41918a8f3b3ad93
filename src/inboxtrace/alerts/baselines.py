"""Baseline values cached in the store, so an evaluation reads only its (short) window.

A rule's baseline covers days before the window; recomputing it every minute would cost far
more than the window itself. It is kept per rule with the window it was computed for and reused
while that window has moved less than 1/48 of its length (at least 5 minutes): a 7-day baseline
is recomputed every 3.5 hours.

A long baseline (a day or more) is not recounted from its rows either: it is the sum of whole
UTC hours, each counted once and kept in ``alert_buckets`` (shared by the rules of the same
metric and grouping), plus the two partial hours at its ends counted from the rows. So the cost
of a recomputation is a few hours of rows, whatever the length of the baseline and the size of
the store. An hour is counted again, when the baseline next needs it, until it has been counted
at least :data:`SETTLE` after it ended (late log lines and webhook retries land by then).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from inboxtrace.alerts.config import Rule
from inboxtrace.alerts.metrics import BaselineValues, Tallies, Window, add_tallies
from inboxtrace.store.alerts import alert_baselines, alert_buckets
from inboxtrace.store.core import Store

HOUR = 3600.0
# baselines at least this long are summed from hourly counts
BUCKETED = 86400.0
# an hour counted this long after its end is final
SETTLE = 3600.0
# metrics whose baseline value is a count (summed over hours); the others are rates of their volume
_COUNTS = frozenset({"blocklisting"})


def combine(metric: str, parts: list[BaselineValues]) -> BaselineValues:
    """One baseline from the values of consecutive periods: counts add up, rates are weighted by
    their volume (a rate is 100 x part / volume)."""
    value: dict[str, float] = {}
    volume: dict[str, int] = {}
    for part in parts:
        for key, (v, n) in part.items():
            value[key] = value.get(key, 0.0) + (v if metric in _COUNTS else v * n)
            volume[key] = volume.get(key, 0) + n
    if metric in _COUNTS:
        return {k: (value[k], volume[k]) for k in value}
    return {k: ((value[k] / volume[k]) if volume[k] else 0.0, volume[k]) for k in value}


class StoredBaselines:
    """A :data:`~inboxtrace.alerts.metrics.Baselines` provider backed by ``alert_baselines`` (and
    ``alert_buckets`` for long baselines). ``at``: the evaluation's time (default: now)."""

    def __init__(self, conn: Connection, store: Store, *, save: bool = True, at: float | None = None) -> None:
        self.conn = conn
        self.store = store
        self.save = save
        self.at = time.time() if at is None else at
        self.hits = 0
        self.hours_counted = 0
        self.rows = {r.rule_id: r for r in conn.execute(sa.select(alert_baselines))}

    @staticmethod
    def signature(rule: Rule, base: Window) -> str:
        return f"{rule.metric}|{rule.by}|{base.hi - base.lo:.0f}"

    def __call__(
        self, rule: Rule, base: Window, compute: Callable[[Window], BaselineValues]
    ) -> BaselineValues:
        sig = self.signature(rule, base)
        row = self.rows.get(rule.id)
        tolerance = max(300.0, (base.hi - base.lo) / 48)
        if row is not None and row.signature == sig and abs(row.hi - base.hi) <= tolerance:
            self.hits += 1
            return {k: (float(v[0]), int(v[1])) for k, v in json.loads(row.data).items()}
        long = base.hi - base.lo >= BUCKETED
        values = self._from_hours(rule, base, compute) if long else compute(base)
        if self.save:
            stmt = self.store.insert(alert_baselines)
            stmt = stmt.on_conflict_do_update(
                index_elements=["rule_id"],
                set_={c: stmt.excluded[c] for c in ("signature", "lo", "hi", "data")},
            )
            data = json.dumps({k: [v[0], v[1]] for k, v in values.items()})
            self.conn.execute(
                stmt, {"rule_id": rule.id, "signature": sig, "lo": base.lo, "hi": base.hi, "data": data}
            )
        return values

    def _from_hours(
        self, rule: Rule, base: Window, compute: Callable[[Window], BaselineValues]
    ) -> BaselineValues:
        first = math.ceil(base.lo / HOUR) * HOUR
        last = math.floor(base.hi / HOUR) * HOUR
        kind = f"{rule.metric}|{rule.by}"
        b = alert_buckets.c
        stored = {
            r.start: r
            for r in self.conn.execute(
                sa.select(b.start, b.counted, b.data).where(b.kind == kind, b.start >= first, b.start < last)
            )
        }
        parts = [compute(Window(base.lo, first)), compute(Window(last, base.hi))]
        fresh = []
        start = first
        while start < last:
            found = stored.get(start)
            if found is not None and found.counted >= start + HOUR + SETTLE:
                parts.append({k: (float(v[0]), int(v[1])) for k, v in json.loads(found.data).items()})
            else:
                values = compute(Window(start, start + HOUR))
                self.hours_counted += 1
                parts.append(values)
                data = json.dumps({k: [v[0], v[1]] for k, v in values.items()})
                fresh.append({"kind": kind, "start": start, "counted": self.at, "data": data})
            start += HOUR
        if self.save and fresh:
            _upsert(self.conn, self.store, fresh)
            # hours no baseline of this kind reaches any more
            self.conn.execute(sa.delete(alert_buckets).where(b.kind == kind, b.start < first - 30 * 86400))
        return combine(rule.metric, parts)


MINUTE = 60.0
_SAME_TALLY = {"hard_bounce_rate": "bounce_rate"}
# windows from half an hour to a day long are summed from minute counts (longer ones, rare, are
# counted from their rows)
BUCKETED_WINDOW = (1800.0, 86400.0)
# a minute counted this long after its end is final
SETTLE_MINUTE = 120.0


class StoredWindows:
    """A :data:`~inboxtrace.alerts.metrics.Windows` provider: a window of half an hour to a day is
    the sum of whole minutes, each counted once and kept in ``alert_buckets``, plus the two
    partial minutes at its ends counted from the rows. An evaluation a minute after the last one
    counts the minute that passed, the partial ones and those not yet final (counted less than
    :data:`SETTLE_MINUTE` after their end), whatever the window's length and the store's size."""

    def __init__(self, conn: Connection, store: Store, *, save: bool = True, at: float | None = None) -> None:
        self.conn = conn
        self.store = store
        self.save = save
        self.at = time.time() if at is None else at
        self.minutes_counted = 0
        self._done: dict[tuple[str, float, float], Tallies] = {}  # rules sharing a tally share its sum

    def __call__(self, rule: Rule, w: Window, compute: Callable[[Window], Tallies]) -> Tallies:
        if not BUCKETED_WINDOW[0] <= w.hi - w.lo <= BUCKETED_WINDOW[1]:
            return compute(w)
        # the two bounce metrics read the same tally (final states per key)
        kind = f"{_SAME_TALLY.get(rule.metric, rule.metric)}|{rule.by}|minute"
        done = self._done.get((kind, w.lo, w.hi))
        if done is None:
            done = self._done[(kind, w.lo, w.hi)] = self._sum(kind, w, compute)
        return done

    def _sum(self, kind: str, w: Window, compute: Callable[[Window], Tallies]) -> Tallies:
        first = math.ceil(w.lo / MINUTE) * MINUTE
        last = math.floor(w.hi / MINUTE) * MINUTE
        b = alert_buckets.c
        q = sa.select(b.start, b.counted, b.data).where(b.kind == kind, b.start >= first, b.start < last)
        stored = {r.start: r for r in self.conn.execute(q)}
        parts = [compute(Window(w.lo, first)), compute(Window(last, w.hi))]
        fresh = []
        start = first
        while start < last:
            found = stored.get(start)
            if found is not None and found.counted >= start + MINUTE + SETTLE_MINUTE:
                parts.append(json.loads(found.data))
            else:
                values = compute(Window(start, start + MINUTE))
                self.minutes_counted += 1
                parts.append(values)
                fresh.append({"kind": kind, "start": start, "counted": self.at, "data": json.dumps(values)})
            start += MINUTE
        if self.save and fresh:
            _upsert(self.conn, self.store, fresh)
            self.conn.execute(sa.delete(alert_buckets).where(b.kind == kind, b.start < first - 86400))
        return add_tallies(parts)


def _upsert(conn: Connection, store: Store, rows: list[dict[str, object]]) -> None:
    stmt = store.insert(alert_buckets)
    stmt = stmt.on_conflict_do_update(
        index_elements=["kind", "start"], set_={c: stmt.excluded[c] for c in ("counted", "data")}
    )
    conn.execute(stmt, rows)


__all__ = [
    "BUCKETED",
    "BUCKETED_WINDOW",
    "SETTLE",
    "SETTLE_MINUTE",
    "StoredBaselines",
    "StoredWindows",
    "combine",
]
