"""Alert state in the store: which alerts are active, since when, with their last evidence.

One row per (rule, group key). An alert is announced when its row turns active and when it turns
inactive again, never in between: running the evaluation every minute (server) or from cron
sends nothing new while a condition lasts.

Also declares the index on ``log_deliveries.last_time`` that the window queries use (created in
place on stores made before it existed).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from inboxtrace.store.core import Store, metadata, register_schema
from inboxtrace.store.logs import log_deliveries

register_schema("alerts", 1)

# the alert windows select deliveries by the time of their final state
ix_deliveries_last_time = sa.Index("ix_log_deliveries_last_time", log_deliveries.c.last_time)

alert_state = sa.Table(
    "alert_state",
    metadata,
    sa.Column("rule_id", sa.String(64), primary_key=True),
    sa.Column("key", sa.String(320), primary_key=True),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("started", sa.Float),
    sa.Column("ended", sa.Float),
    sa.Column("evaluated", sa.Float, nullable=False),
    sa.Column("value", sa.Float),
    sa.Column("times_fired", sa.Integer, nullable=False, default=0),
    sa.Column("payload", sa.Text),  # JSON of the alert as last announced
)


# Per rule, the values of its last baseline window: the baseline is long (days) and moves slowly,
# so it is recomputed only when its window has moved on (see inboxtrace.alerts.baselines).
alert_baselines = sa.Table(
    "alert_baselines",
    metadata,
    sa.Column("rule_id", sa.String(64), primary_key=True),
    sa.Column("signature", sa.String(200), nullable=False),
    sa.Column("lo", sa.Float, nullable=False),
    sa.Column("hi", sa.Float, nullable=False),
    sa.Column("data", sa.Text, nullable=False),
)


# Per metric and grouping ("bounce_rate|provider"), the baseline values of one UTC hour
# (inboxtrace.alerts.baselines): long baselines are summed from these instead of recounted.
alert_buckets = sa.Table(
    "alert_buckets",
    metadata,
    sa.Column("kind", sa.String(80), primary_key=True),
    sa.Column("start", sa.Float, primary_key=True),  # epoch seconds of the hour's start
    sa.Column("counted", sa.Float, nullable=False),  # the evaluation time it was counted at
    sa.Column("data", sa.Text, nullable=False),  # JSON {key: [value, volume]}
)


@dataclass(frozen=True, slots=True)
class StateRow:
    rule_id: str
    key: str
    active: bool
    started: float | None
    ended: float | None
    times_fired: int
    payload: dict[str, Any] | None


def load_state(conn: Connection) -> dict[tuple[str, str], StateRow]:
    out = {}
    for r in conn.execute(sa.select(alert_state)):
        payload = json.loads(r.payload) if r.payload else None
        out[(r.rule_id, r.key)] = StateRow(
            r.rule_id, r.key, bool(r.active), r.started, r.ended, int(r.times_fired or 0), payload
        )
    return out


def save_state(conn: Connection, store: Store, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    stmt = store.insert(alert_state)
    stmt = stmt.on_conflict_do_update(
        index_elements=["rule_id", "key"],
        set_={c.name: stmt.excluded[c.name] for c in alert_state.c if c.name not in ("rule_id", "key")},
    )
    conn.execute(stmt, rows)


def active_alerts(store: Store) -> list[dict[str, Any]]:
    """The alerts active now (as last announced), most recent first: for the API and overview page."""
    with store.connect() as conn:
        q = (
            sa.select(alert_state)
            .where(alert_state.c.active.is_(True))
            .order_by(alert_state.c.started.desc())
        )
        return [json.loads(r.payload) for r in conn.execute(q) if r.payload]


__all__ = [
    "StateRow",
    "active_alerts",
    "alert_baselines",
    "alert_buckets",
    "alert_state",
    "ix_deliveries_last_time",
    "load_state",
    "save_state",
]
