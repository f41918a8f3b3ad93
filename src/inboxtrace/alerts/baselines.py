"""Counts kept in the store, so an evaluation reads only what changed since the last one.

A rule's baseline covers days before the window; recomputing it every minute would cost far
more than the window itself. It is kept per rule with the window it was computed for and reused
while that window has moved less than 1/48 of its length (at least 5 minutes): a 7-day baseline
is recomputed every 3.5 hours.

Neither a long baseline nor a window is recounted from its rows either. Both are sums of whole
periods, each counted once and kept in ``alert_buckets`` (shared by the rules that read the same
counts), plus the two partial periods at their ends counted from the rows: a baseline of a day or
more is made of UTC hours, a window of half an hour to a day of minutes. A period is counted again
when it is next needed until it has been counted a while after its end (:data:`SETTLE`: late log
lines and webhook retries land by then). So an evaluation a minute after the last one counts the
minute that passed and a few around it, whatever the window's length and the store's size.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from inboxtrace.alerts.config import Rule
from inboxtrace.alerts.metrics import BaselineValues, Tallies, Window, add_tallies
from inboxtrace.store.alerts import alert_baselines, alert_buckets
from inboxtrace.store.core import Store

HOUR = 60.0 * 60
MINUTE = 60.0
# baselines at least this long are summed from hours
BUCKETED = 86400.0
# windows from half an hour to a day long are summed from minutes (longer ones, rare, are counted
# from their rows)
BUCKETED_WINDOW = (1800.0, 86400.0)
# a period counted this long after its end is final
SETTLE = {HOUR: 3600.0, MINUTE: 120.0}
# how long periods are kept after the oldest that a baseline or window of their kind reaches
KEEP = {HOUR: 30 * 86400.0, MINUTE: 86400.0}
# metrics whose baseline value is a count (summed over hours); the others are rates of their volume
_COUNTS = frozenset({"blocklisting"})
# the two bounce metrics read the same window tally (final states per key)
_SAME_TALLY = {"hard_bounce_rate": "bounce_rate"}


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


class StoredCounts:
    """The baselines and windows of one evaluation at ``at`` (default: now), from the store's
    cached counts where they are final; with ``save``, what it counts is kept for the next one.

    Provides :meth:`baseline` and :meth:`window` for :func:`inboxtrace.alerts.metrics.observe`."""

    def __init__(self, conn: Connection, store: Store, *, save: bool = True, at: float | None = None) -> None:
        self.conn = conn
        self.store = store
        self.save = save
        self.at = time.time() if at is None else at
        self.hits = 0  # baselines reused whole
        self.counted = {HOUR: 0, MINUTE: 0}  # periods counted from the rows
        self.rows = {r.rule_id: r for r in conn.execute(sa.select(alert_baselines))}
        self._windows: dict[tuple[str, float, float], Tallies] = {}  # rules sharing a tally share its sum

    @staticmethod
    def signature(rule: Rule, base: Window) -> str:
        return f"{rule.metric}|{rule.by}|{base.hi - base.lo:.0f}"

    def baseline(
        self, rule: Rule, base: Window, compute: Callable[[Window], BaselineValues]
    ) -> BaselineValues:
        sig = self.signature(rule, base)
        row = self.rows.get(rule.id)
        tolerance = max(300.0, (base.hi - base.lo) / 48)
        if row is not None and row.signature == sig and abs(row.hi - base.hi) <= tolerance:
            self.hits += 1
            return {k: (float(v[0]), int(v[1])) for k, v in json.loads(row.data).items()}
        if base.hi - base.lo >= BUCKETED:
            values = combine(rule.metric, self._periods(f"{rule.metric}|{rule.by}", base, HOUR, compute))
        else:
            values = compute(base)
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

    def window(self, rule: Rule, w: Window, compute: Callable[[Window], Tallies]) -> Tallies:
        if not BUCKETED_WINDOW[0] <= w.hi - w.lo <= BUCKETED_WINDOW[1]:
            return compute(w)
        kind = f"{_SAME_TALLY.get(rule.metric, rule.metric)}|{rule.by}|minute"
        done = self._windows.get((kind, w.lo, w.hi))
        if done is None:
            done = self._windows[(kind, w.lo, w.hi)] = add_tallies(self._periods(kind, w, MINUTE, compute))
        return done

    def _periods(self, kind: str, w: Window, size: float, compute: Callable[[Window], Any]) -> list[Any]:
        """The values of ``w`` in parts: its partial periods at both ends, counted, and its whole
        periods of ``size`` seconds, from the store where final, else counted (and kept)."""
        first = math.ceil(w.lo / size) * size
        last = math.floor(w.hi / size) * size
        b = alert_buckets.c
        q = sa.select(b.start, b.counted, b.data).where(b.kind == kind, b.start >= first, b.start < last)
        stored = {r.start: r for r in self.conn.execute(q)}
        parts = [compute(Window(w.lo, first)), compute(Window(last, w.hi))]
        fresh = []
        start = first
        while start < last:
            found = stored.get(start)
            if found is not None and found.counted >= start + size + SETTLE[size]:
                parts.append(json.loads(found.data))
            else:
                values = compute(Window(start, start + size))
                self.counted[size] += 1
                parts.append(values)
                fresh.append({"kind": kind, "start": start, "counted": self.at, "data": json.dumps(values)})
            start += size
        if self.save and fresh:
            stmt = self.store.insert(alert_buckets)
            stmt = stmt.on_conflict_do_update(
                index_elements=["kind", "start"], set_={c: stmt.excluded[c] for c in ("counted", "data")}
            )
            self.conn.execute(stmt, fresh)
            self.conn.execute(sa.delete(alert_buckets).where(b.kind == kind, b.start < first - KEEP[size]))
        return parts


__all__ = ["BUCKETED", "BUCKETED_WINDOW", "HOUR", "MINUTE", "SETTLE", "StoredCounts", "combine"]
