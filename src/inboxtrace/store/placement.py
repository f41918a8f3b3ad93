"""Placement tests in the store: the tests, the SMTP story per seed, where each copy landed.

Times are UNIX epoch seconds (``Float``) like the rest of the store; records come back as
:mod:`inboxtrace.model.placement` objects with UTC datetimes. Passwords are never stored; the SMTP
transcript has AUTH exchanges redacted before it gets here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from inboxtrace.errors import StoreError
from inboxtrace.model.placement import AuthResult, PlacementTest, SeedResult, SendResult
from inboxtrace.store.core import Store, metadata
from inboxtrace.store.logs import epoch, from_epoch

placement_tests = sa.Table(
    "placement_tests",
    metadata,
    sa.Column("test_id", sa.String(64), primary_key=True),
    sa.Column("token", sa.String(128), nullable=False, unique=True),
    sa.Column("header", sa.String(128), nullable=False),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("sent_at", sa.Float),
    sa.Column("seed_file", sa.Text),
    sa.Column("note", sa.Text),
    sa.Column("seeds", sa.Text),  # JSON list of {address, provider} known when the test was made
)

placement_sends = sa.Table(
    "placement_sends",
    metadata,
    sa.Column("test_id", sa.String(64), primary_key=True),
    sa.Column("address", sa.String(320), primary_key=True),
    sa.Column("accepted", sa.Boolean, nullable=False),
    sa.Column("code", sa.Integer),
    sa.Column("reply", sa.Text, nullable=False),
    sa.Column("sent_at", sa.Float, nullable=False),
    sa.Column("queue_id", sa.String(128)),
    sa.Column("message_id", sa.Text),
    sa.Column("transcript", sa.Text, nullable=False),
)

placement_results = sa.Table(
    "placement_results",
    metadata,
    sa.Column("test_id", sa.String(64), primary_key=True),
    sa.Column("address", sa.String(320), primary_key=True),
    sa.Column("provider", sa.String(128), nullable=False),
    sa.Column("placement", sa.String(300), nullable=False),
    sa.Column("folder", sa.Text),
    sa.Column("arrived", sa.Float),
    sa.Column("delay", sa.Float),
    sa.Column("checked_at", sa.Float),
    sa.Column("auth", sa.Text),  # JSON
    sa.Column("received", sa.Text),  # JSON list
    sa.Column("message_id", sa.Text),
    sa.Column("error", sa.Text),
)


def save_test(store: Store, test: PlacementTest, seeds: Sequence[tuple[str, str]] = ()) -> None:
    """Insert or update a test (``seeds``: (address, provider) pairs it was made for)."""
    row = {
        "test_id": test.test_id,
        "token": test.token,
        "header": test.header,
        "created": epoch(test.created),
        "sent_at": epoch(test.sent_at),
        "seed_file": test.seed_file,
        "note": test.note,
        "seeds": json.dumps([{"address": a, "provider": p} for a, p in seeds]) if seeds else None,
    }
    with store.begin() as conn:
        stmt = store.insert(placement_tests)
        update = {k: stmt.excluded[k] for k in ("sent_at", "seed_file", "note")}
        if seeds:
            update["seeds"] = stmt.excluded["seeds"]
        conn.execute(stmt.on_conflict_do_update(index_elements=["test_id"], set_=update), [row])


def _test(row: Any) -> PlacementTest:
    return PlacementTest(
        test_id=row.test_id,
        token=row.token,
        created=from_epoch(row.created) or datetime.now(UTC),
        header=row.header,
        seed_file=row.seed_file,
        note=row.note,
        sent_at=from_epoch(row.sent_at),
    )


def get_test(store: Store, test_id: str) -> PlacementTest:
    """The test named ``test_id`` (or its token); :class:`StoreError` when there is none."""
    t = placement_tests
    with store.connect() as conn:
        row = conn.execute(sa.select(t).where((t.c.test_id == test_id) | (t.c.token == test_id))).first()
    if row is None:
        raise StoreError(f"no placement test {test_id!r} in {store.url} (see: inboxtrace placement report)")
    return _test(row)


def seeds_of_test(store: Store, test_id: str) -> list[tuple[str, str]]:
    """The (address, provider) pairs recorded when the test was made."""
    with store.connect() as conn:
        raw = conn.execute(
            sa.select(placement_tests.c.seeds).where(placement_tests.c.test_id == test_id)
        ).scalar()
    if not raw:
        return []
    return [(d["address"], d["provider"]) for d in json.loads(raw)]


def list_tests(store: Store, *, until: datetime | None = None, limit: int = 50) -> list[PlacementTest]:
    """Tests, newest first (created at or before ``until`` when given)."""
    t = placement_tests
    q = sa.select(t).order_by(t.c.created.desc()).limit(limit)
    if until is not None:
        q = q.where(t.c.created <= epoch(until))
    with store.connect() as conn:
        return [_test(r) for r in conn.execute(q)]


def save_sends(store: Store, test_id: str, sends: Iterable[SendResult]) -> None:
    rows = [
        {
            "test_id": test_id,
            "address": s.address.lower(),
            "accepted": s.accepted,
            "code": s.code,
            "reply": s.reply,
            "sent_at": epoch(s.sent_at),
            "queue_id": s.queue_id,
            "message_id": s.message_id,
            "transcript": s.transcript,
        }
        for s in sends
    ]
    _upsert_per_address(store, placement_sends, rows)


def _upsert_per_address(store: Store, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows keyed by (test_id, address); a row already there is replaced by the new values."""
    if not rows:
        return
    with store.begin() as conn:
        stmt = store.insert(table)
        cols = [c for c in rows[0] if c not in ("test_id", "address")]
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["test_id", "address"], set_={c: stmt.excluded[c] for c in cols}
            ),
            rows,
        )


def load_sends(store: Store, test_id: str) -> dict[str, SendResult]:
    """Sends of a test keyed by lower-case address."""
    t = placement_sends
    with store.connect() as conn:
        rows = conn.execute(sa.select(t).where(t.c.test_id == test_id)).all()
    return {
        r.address: SendResult(
            address=r.address,
            accepted=bool(r.accepted),
            code=r.code,
            reply=r.reply,
            sent_at=from_epoch(r.sent_at) or datetime.now(UTC),
            queue_id=r.queue_id,
            message_id=r.message_id,
            transcript=r.transcript,
        )
        for r in rows
    }


def save_results(store: Store, results: Iterable[SeedResult]) -> None:
    rows = [
        {
            "test_id": r.test_id,
            "address": r.address.lower(),
            "provider": r.provider,
            "placement": r.placement,
            "folder": r.folder,
            "arrived": epoch(r.arrived),
            "delay": r.delay,
            "checked_at": epoch(r.checked_at),
            "auth": json.dumps([a.to_dict() for a in r.auth]),
            "received": json.dumps(list(r.received)),
            "message_id": r.message_id,
            "error": r.error,
        }
        for r in results
    ]
    _upsert_per_address(store, placement_results, rows)


def _result(r: Any) -> SeedResult:
    auth = tuple(
        AuthResult(a["method"], a["result"], a.get("domain"), a.get("authserv_id"))
        for a in json.loads(r.auth or "[]")
    )
    return SeedResult(
        test_id=r.test_id,
        address=r.address,
        provider=r.provider,
        placement=r.placement,
        folder=r.folder,
        arrived=from_epoch(r.arrived),
        delay=r.delay,
        checked_at=from_epoch(r.checked_at),
        auth=auth,
        received=tuple(json.loads(r.received or "[]")),
        message_id=r.message_id,
        error=r.error,
    )


def load_results(store: Store, test_id: str) -> list[SeedResult]:
    """Results of one test, by provider then address."""
    t = placement_results
    with store.connect() as conn:
        rows = conn.execute(
            sa.select(t).where(t.c.test_id == test_id).order_by(t.c.provider, t.c.address)
        ).all()
    return [_result(r) for r in rows]


def results_for_tests(store: Store, test_ids: Sequence[str]) -> dict[str, list[SeedResult]]:
    """Results of several tests (for trends), keyed by test id."""
    if not test_ids:
        return {}
    t = placement_results
    out: dict[str, list[SeedResult]] = {tid: [] for tid in test_ids}
    with store.connect() as conn:
        for r in conn.execute(sa.select(t).where(t.c.test_id.in_(list(test_ids)))):
            out[r.test_id].append(_result(r))
    return out


def deliveries_to(
    store: Store, address: str, *, since: datetime | None = None, until: datetime | None = None
) -> list[tuple[Any, Any]]:
    """(Message, Delivery) pairs from the ingested logs for ``address`` in a time window, oldest first.

    A delivery is in the window when any of its activity is: it ended at or after ``since`` and began at
    or before ``until``.
    """
    from inboxtrace.store.log_queries import load_messages
    from inboxtrace.store.logs import log_deliveries

    d = log_deliveries.c
    addr = address.strip().strip("<>").lower()
    q = sa.select(d.mkey).where(
        sa.or_(sa.func.lower(d.recipient) == addr, sa.func.lower(d.original_recipient) == addr)
    )
    if since is not None:
        q = q.where(sa.or_(d.last_time.is_(None), d.last_time >= epoch(since)))
    if until is not None:
        q = q.where(sa.or_(d.first_time.is_(None), d.first_time <= epoch(until)))
    with store.connect() as conn:
        keys = list(dict.fromkeys(r[0] for r in conn.execute(q)))
        messages = load_messages(conn, keys)
    out: list[tuple[Any, Any]] = []
    for key in keys:
        msg = messages.get(key)
        if msg is None:
            continue
        for dl in msg.deliveries:
            if addr in (dl.recipient.lower(), (dl.original_recipient or "").lower()):
                out.append((msg, dl))
    out.sort(key=lambda md: md[1].attempts[0].time.timestamp() if md[1].attempts else 0.0)
    return out


def deferrals_at(
    store: Store, relay_host: str, *, since: datetime, until: datetime | None = None
) -> tuple[int, datetime | None]:
    """How many logged deliveries to ``relay_host`` are still deferred in the window, and the earliest
    deferral's time: is one provider throttling the whole send?"""
    from inboxtrace.store.logs import log_deliveries

    d = log_deliveries.c
    q = sa.select(sa.func.count(), sa.func.min(d.first_time)).where(
        d.relay_host == relay_host, d.final_state == "deferred", d.last_time >= epoch(since)
    )
    if until is not None:
        q = q.where(d.first_time <= epoch(until))
    with store.connect() as conn:
        row = conn.execute(q).one()
    return int(row[0] or 0), from_epoch(row[1])
