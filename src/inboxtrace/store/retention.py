"""Retention: removing timelines older than a cut-off, keeping what the suppression list rests on.

:func:`prune` deletes, for every stored message whose last event is older than the cut-off, the
message and its per-recipient deliveries (the attempts are stored inside them), and the bounce
messages (with their recipients) dated before the cut-off; a bounce is joined to deliveries when
read, so no join rows are left behind.

The suppression list (:func:`inboxtrace.store.log_queries.suppressions`) is computed from the
deliveries themselves, so pruning is careful not to change it: a delivery that is a hard bounce
to an address on the list is kept (with its message row), however old, so the list keeps every
address, its latest bounce and its bounce count. Everything else older than the cut-off goes.

Work is done in batches of a few thousand messages, one transaction each, so a prune of a large
PostgreSQL store does not hold one huge transaction, and an interrupted prune is finished by
running it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from inboxtrace.model.log import FinalState
from inboxtrace.store.bounces import bounce_messages, bounce_recipients
from inboxtrace.store.core import Store, db_errors
from inboxtrace.store.log_queries import suppressions
from inboxtrace.store.logs import epoch, log_deliveries, log_messages
from inboxtrace.store.rollup import counting

BATCH = 2000


@dataclass(slots=True)
class PruneCounts:
    """What :func:`prune` removed (or, with ``dry_run``, would remove) and what it kept."""

    cutoff: datetime
    messages: int = 0
    deliveries: int = 0
    bounces: int = 0
    kept_for_suppressions: int = 0  # old hard-bounce deliveries kept for the suppression list
    dry_run: bool = False

    def to_dict(self) -> dict[str, object]:
        return {
            "cutoff": self.cutoff.isoformat(),
            "messages": self.messages,
            "deliveries": self.deliveries,
            "bounces": self.bounces,
            "kept_for_suppressions": self.kept_for_suppressions,
            "dry_run": self.dry_run,
        }


def _message_time() -> sa.ColumnElement[float]:
    m = log_messages.c
    return sa.func.coalesce(m.last_time, m.completed, m.received, m.first_time)


@db_errors
def prune(store: Store, older_than: datetime, *, dry_run: bool = False, batch: int = BATCH) -> PruneCounts:
    """Remove timelines whose last event is before ``older_than``; see the module docstring."""
    cutoff = epoch(older_than)
    assert cutoff is not None
    counts = PruneCounts(cutoff=older_than, dry_run=dry_run)
    suppressed = {s.address for s in suppressions(store)}
    m, d = log_messages.c, log_deliveries.c
    bounced = FinalState.BOUNCED.value
    after = ""
    while True:
        with store.begin() as conn:
            keys = [
                str(k)
                for k in conn.execute(
                    sa.select(m.mkey)
                    .where(_message_time() < cutoff, m.mkey > after)
                    .order_by(m.mkey)
                    .limit(batch)
                ).scalars()
            ]
            if not keys:
                break
            after = keys[-1]
            rows = conn.execute(
                sa.select(d.mkey, d.recipient, d.final_state, d.hard_bounce).where(d.mkey.in_(keys))
            ).all()
            keep_msgs: set[str] = set()
            drop: list[tuple[str, str]] = []
            for r in rows:
                if r.final_state == bounced and r.hard_bounce and r.recipient.lower() in suppressed:
                    keep_msgs.add(r.mkey)
                    counts.kept_for_suppressions += 1
                else:
                    drop.append((r.mkey, r.recipient))
            gone = [k for k in keys if k not in keep_msgs]
            counts.deliveries += len(drop)
            counts.messages += len(gone)
            if dry_run:
                continue
            with counting(conn, keys):  # the overview's rollup counts what is removed
                if drop:
                    conn.execute(
                        sa.delete(log_deliveries).where(
                            d.mkey == sa.bindparam("k"), d.recipient == sa.bindparam("r")
                        ),
                        [{"k": k, "r": r} for k, r in drop],
                    )
                if gone:
                    conn.execute(sa.delete(log_messages).where(m.mkey.in_(gone)))
    counts.bounces = _prune_bounces(store, cutoff, dry_run=dry_run, batch=batch)
    return counts


def _prune_bounces(store: Store, cutoff: float, *, dry_run: bool, batch: int) -> int:
    b = bounce_messages.c
    when = sa.func.coalesce(b.date, b.ingested)
    removed = 0
    after = ""
    while True:
        with store.begin() as conn:
            digests = [
                str(x)
                for x in conn.execute(
                    sa.select(b.digest).where(when < cutoff, b.digest > after).order_by(b.digest).limit(batch)
                ).scalars()
            ]
            if not digests:
                return removed
            after = digests[-1]
            removed += len(digests)
            if not dry_run:
                conn.execute(sa.delete(bounce_recipients).where(bounce_recipients.c.digest.in_(digests)))
                conn.execute(sa.delete(bounce_messages).where(b.digest.in_(digests)))


class DailyPrune:
    """A background thread that applies :func:`prune` with a fixed age now and then every
    ``interval`` seconds (a day), for a server (``inboxtrace serve --retention-days N``). A failed
    prune (the database away for a moment) is tried again at the next turn; ``stop()`` ends it."""

    def __init__(self, store: Store, days: float, interval: float = 86400.0) -> None:
        import threading

        self.store, self.days, self.interval = store, days, interval
        self.runs = 0  # prunes done
        self.last: PruneCounts | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="inboxtrace-prune", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        from datetime import UTC, timedelta

        from inboxtrace.errors import InboxtraceError

        while not self._stop.is_set():
            try:
                self.last = prune(self.store, datetime.now(UTC) - timedelta(days=self.days))
                self.runs += 1
            except InboxtraceError:
                pass  # tried again at the next turn
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


def start_daily_prune(store: Store, days: float | None, interval: float = 86400.0) -> DailyPrune | None:
    """A :class:`DailyPrune` when ``days`` is set (and positive), else None."""
    return DailyPrune(store, days, interval) if days else None


__all__ = ["DailyPrune", "PruneCounts", "prune", "start_daily_prune"]
