"""Baseline values cached in the store, so an evaluation reads only its (short) window.

A rule's baseline covers days before the window; recomputing it every minute would cost far
more than the window itself. It is kept per rule with the window it was computed for and reused
while that window has moved less than 1/48 of its length (at least 5 minutes): a 7-day baseline
is recomputed every 3.5 hours.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from inboxtrace.alerts.config import Rule
from inboxtrace.alerts.metrics import BaselineValues, Window
from inboxtrace.store.alerts import alert_baselines
from inboxtrace.store.core import Store


class StoredBaselines:
    """A :data:`~inboxtrace.alerts.metrics.Baselines` provider backed by ``alert_baselines``."""

    def __init__(self, conn: Connection, store: Store, *, save: bool = True) -> None:
        self.conn = conn
        self.store = store
        self.save = save
        self.hits = 0
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


__all__ = ["StoredBaselines"]
