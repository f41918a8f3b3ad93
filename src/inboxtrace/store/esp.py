"""ESP events in the store, filed as the same records as MTA log events.

Every event is kept in ``esp_events`` (keyed by provider and the provider's event id, so a retried
webhook adds nothing twice), with its raw JSON for replay. The events of one message at one
provider are then folded into one ``log_messages`` row (``mta`` = ``esp``, ``host`` = the provider,
``queue_id`` = the provider's message id) and one ``log_deliveries`` row per recipient, rebuilt
from *all* stored events of that message each time one arrives: the final state depends only on
the events' own times, never on the order they arrived in. ``trace``, ``report``, ``diagnose`` and
``suppressions`` read those rows like any log's.

A message the provider reports without its own id (a SendGrid asynchronous bounce) is filed
under its Message-ID, and joins the provider's message of that Message-ID when one is known.
:func:`write_events` commits before it returns, so a webhook answers 2xx only for stored events.
"""

from __future__ import annotations

import contextlib
import json
import operator
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from inboxtrace.errors import StoreError
from inboxtrace.esp.base import DECISIVE, EspEvent, EventKind, Replayed
from inboxtrace.model.log import FinalState
from inboxtrace.store.core import Store, db_errors, metadata, register_schema
from inboxtrace.store.logs import log_deliveries, log_messages
from inboxtrace.store.rollup import counting

register_schema("esp", 1)

ESP_MTA = "esp"

esp_events = sa.Table(
    "esp_events",
    metadata,
    sa.Column("provider", sa.String(16), primary_key=True),
    sa.Column("event_id", sa.String(200), primary_key=True),
    sa.Column("mkey", sa.String(320), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("provider_event", sa.String(64)),
    sa.Column("time", sa.Float, nullable=False),
    sa.Column("recipient", sa.String(512), nullable=False),
    sa.Column("rcpt_domain", sa.String(255)),
    sa.Column("provider_message_id", sa.String(200)),
    sa.Column("message_id", sa.Text),
    sa.Column("sender", sa.Text),
    sa.Column("subject", sa.Text),
    sa.Column("reply", sa.Text),
    sa.Column("enhanced_status", sa.String(16)),
    sa.Column("relay_host", sa.String(255)),
    sa.Column("relay_ip", sa.String(64)),
    sa.Column("bounce_type", sa.String(120)),
    sa.Column("hard_bounce", sa.Boolean),
    sa.Column("reason", sa.String(40)),
    sa.Column("received_at", sa.Float, nullable=False),
    sa.Column("raw", sa.Text, nullable=False),
    sa.Index("ix_esp_events_mkey", "mkey"),
    sa.Index("ix_esp_events_msgid", "provider", "message_id"),
    sa.Index("ix_esp_events_time", "time"),
)

esp_tokens = sa.Table(
    "esp_tokens",
    metadata,
    sa.Column("provider", sa.String(16), primary_key=True),
    sa.Column("token", sa.String(200), primary_key=True),
    sa.Column("seen", sa.Float, nullable=False),
)

# order of kinds that share a timestamp: the later in this list is taken as the later event
_RANK = {
    EventKind.ACCEPTED.value: 0,
    EventKind.DEFERRED.value: 1,
    EventKind.DELIVERED.value: 2,
    EventKind.REJECTED.value: 3,
    EventKind.BOUNCED.value: 3,
}
_STATES = {
    EventKind.DELIVERED.value: FinalState.DELIVERED.value,
    EventKind.DEFERRED.value: FinalState.DEFERRED.value,
    EventKind.BOUNCED.value: FinalState.BOUNCED.value,
    EventKind.REJECTED.value: FinalState.REJECTED.value,
}
_STATUS = {k.value: v for k, v in DECISIVE.items()}
_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, check_circular=False).encode


@dataclass(slots=True)
class EspWriteResult:
    """What :func:`write_events` stored."""

    received: int = 0
    new: int = 0
    duplicates: int = 0
    messages: list[str] = field(default_factory=list)  # keys of the messages rebuilt

    def to_dict(self) -> dict[str, Any]:
        return {"received": self.received, "new": self.new, "duplicates": self.duplicates}


def _short(value: str, limit: int) -> str:
    if len(value) <= limit:
        return value
    return f"{value[: limit - 9]}~{zlib.crc32(value.encode('utf-8', 'surrogatepass')):08x}"


def message_key(provider: str, key: str) -> str:
    return f"{ESP_MTA}|{provider}|{_short(key, 280)}"


def _bare(mid: str | None) -> str | None:
    return mid.strip("<>") if mid else None


def _domain(addr: str) -> str | None:
    _, at, dom = addr.rpartition("@")
    return dom.lower() or None if at else None


def _row(ev: EspEvent, mkey: str, now: float) -> dict[str, Any]:
    return {
        "provider": ev.provider,
        "event_id": ev.event_id,
        "mkey": mkey,
        "kind": ev.kind.value,
        "provider_event": ev.provider_event,
        "time": ev.time.timestamp(),
        "recipient": ev.recipient,
        "rcpt_domain": _domain(ev.recipient),
        "provider_message_id": ev.provider_message_id,
        "message_id": ev.message_id,
        "sender": ev.sender,
        "subject": ev.subject,
        "reply": ev.reply,
        "enhanced_status": ev.enhanced_status,
        "relay_host": ev.relay_host,
        "relay_ip": ev.relay_ip,
        "bounce_type": ev.bounce_type,
        "hard_bounce": ev.hard_bounce,
        "reason": ev.reason,
        "received_at": now,
        "raw": _dumps(ev.raw),
    }


class _Db:
    """The transaction's DB-API cursor, for the write path's few statements: one webhook request
    is a few rows, where SQLAlchemy's per-statement work (result set-up, column translation) would
    cost more than the database's. Driver errors become :class:`StoreError`."""

    def __init__(self, conn: Connection, store: Store) -> None:
        self.conn = conn
        self.store = store
        self.postgres = store.dialect == "postgresql"
        self.mark = "%s" if self.postgres else "?"
        self.cur = conn.connection.cursor()
        self.driver: Any = conn.connection.driver_connection
        self.error: type[Exception] = store.engine.dialect.loaded_dbapi.Error

    @contextlib.contextmanager
    def pipeline(self) -> Iterator[None]:
        """On PostgreSQL, the statements inside go to the server together (one round trip up to
        the first result read); elsewhere a no-op."""
        if not self.postgres:
            yield
            return
        try:
            with self.driver.pipeline():
                yield
        except self.error as exc:
            raise _store_error(exc) from exc

    def rows(self, sql: str, params: Sequence[Any]) -> list[Any]:
        try:
            self.cur.execute(sql, params)
            return list(self.cur.fetchall())
        except self.error as exc:
            raise _store_error(exc) from exc

    def run(self, sql: str, params: Sequence[Any]) -> None:
        try:
            self.cur.execute(sql, params)
        except self.error as exc:
            raise _store_error(exc) from exc

    def many(self, sql: str, params: Sequence[Sequence[Any]]) -> None:
        if not params:
            return
        try:
            self.cur.executemany(sql, params)
        except self.error as exc:
            raise _store_error(exc) from exc

    def where_in(self, head: str, values: Sequence[Any], *before: Any) -> list[Any]:
        """Rows of ``head`` + ``IN (values)``, in as many statements as the driver needs."""
        out: list[Any] = []
        for chunk, params in self.store.in_params(values):
            out.extend(self.rows(head + chunk, (*before, *params)))
        return out

    def insert(self, table: sa.Table, rows: Sequence[dict[str, Any]], *, skip_stored: bool = False) -> None:
        """Insert ``rows`` (dicts with the same keys, column names of ``table``); with
        ``skip_stored``, rows whose key is already stored are left out."""
        if not rows:
            return
        cols = list(rows[0])
        sql = f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({', '.join([self.mark] * len(cols))})"
        get = operator.itemgetter(*cols)
        self.many(sql + (" ON CONFLICT DO NOTHING" if skip_stored else ""), [get(r) for r in rows])

    def delete_messages(self, mkeys: Sequence[str]) -> None:
        for table in ("log_deliveries", "log_messages"):
            for chunk, params in self.store.in_params(mkeys):
                self.run(f"DELETE FROM {table} WHERE mkey " + chunk, params)


def _store_error(exc: Exception) -> StoreError:
    first = (str(exc).strip().splitlines() or ["database error"])[0]
    return StoreError(f"database error: {first}")


class _Keys:
    """Finds the message each new event belongs to, inside the writing transaction, with one
    lookup of the batch's Message-IDs."""

    def __init__(self, db: _Db, fresh: Sequence[EspEvent]) -> None:
        self.db = db
        self.gone: set[str] = set()
        # (provider, Message-ID) -> message keys already stored for it
        self.by_mid: dict[tuple[str, str], set[str]] = {}
        wanted: dict[str, set[str]] = {}
        for ev in fresh:
            if ev.message_id:
                wanted.setdefault(ev.provider, set()).add(ev.message_id)
        head = f"SELECT DISTINCT message_id, mkey FROM esp_events WHERE provider = {db.mark} AND message_id "
        for provider, mids in wanted.items():
            for mid, mkey in db.where_in(head, sorted(mids), provider):
                self.by_mid.setdefault((provider, mid), set()).add(mkey)

    def resolve(self, ev: EspEvent) -> str:
        p = ev.provider
        if ev.provider_message_id:
            key = message_key(p, ev.provider_message_id)
            if ev.message_id:
                known = self.by_mid.setdefault((p, ev.message_id), set())
                # events filed under the Message-ID before the provider's id was known join here
                by_mid = message_key(p, "mid:" + (_bare(ev.message_id) or ""))
                if by_mid in known:
                    mark = self.db.mark
                    self.db.run(f"UPDATE esp_events SET mkey = {mark} WHERE mkey = {mark}", (key, by_mid))
                    self.gone.add(by_mid)
                    known.discard(by_mid)
                known.add(key)
            return key
        if ev.message_id:
            known = self.by_mid.setdefault((p, ev.message_id), set())
            joined = sorted(k for k in known if "|mid:" not in k)
            if joined:
                return joined[0]
            key = message_key(p, "mid:" + (_bare(ev.message_id) or ""))
            known.add(key)
            return key
        return message_key(p, "ev:" + ev.event_id)


def claim_token(conn: Connection, store: Store, provider: str, token: str, now: float) -> None:
    """Record a single-use request token; :class:`Replayed` if it was seen before."""
    stmt = store.insert(esp_tokens).on_conflict_do_nothing().returning(esp_tokens.c.token)
    claimed = conn.execute(stmt, {"provider": provider, "token": token[:200], "seen": now}).first()
    if claimed is None:
        raise Replayed(f"{provider} request already seen (replayed token)")


@db_errors
def prune_tokens(store: Store, older_than: float) -> int:
    """Forget request tokens seen before ``older_than`` (epoch seconds)."""
    with store.begin() as conn:
        return int(conn.execute(sa.delete(esp_tokens).where(esp_tokens.c.seen < older_than)).rowcount)


def _known_ids(db: _Db, events: Sequence[EspEvent]) -> set[tuple[str, str]]:
    by_provider: dict[str, list[str]] = {}
    for ev in events:
        by_provider.setdefault(ev.provider, []).append(ev.event_id)
    seen: set[tuple[str, str]] = set()
    head = f"SELECT event_id FROM esp_events WHERE provider = {db.mark} AND event_id "
    for provider, ids in by_provider.items():
        seen.update((provider, r[0]) for r in db.where_in(head, ids, provider))
    return seen


# One webhook request's share of a group write: its events and its single-use token, if any.
Job = tuple[Sequence[EspEvent], tuple[str, str] | None]


@db_errors
def write_events(
    store: Store,
    events: Sequence[EspEvent],
    *,
    token: tuple[str, str] | None = None,
    now: float | None = None,
) -> EspWriteResult:
    """Store ``events`` atomically (one transaction, committed on return) and rebuild the log
    records of every message they touch. ``token`` = (provider, token) is claimed in the same
    transaction (a replay raises :class:`~inboxtrace.esp.base.Replayed`, nothing stored)."""
    (result,) = write_jobs(store, [(events, token)], now=now)
    if isinstance(result, Replayed):
        raise result
    return result


@db_errors
def write_jobs(
    store: Store, jobs: Sequence[Job], *, now: float | None = None
) -> list[EspWriteResult | Replayed]:
    """Store the events of several requests in one transaction (group commit), committed on
    return; per request its result, or :class:`Replayed` when its token was already used (its
    events are left out, the others are stored)."""
    stamp = now if now is not None else datetime.now(UTC).timestamp()
    results: list[EspWriteResult | Replayed] = []
    with store.begin() as conn:
        accepted: list[tuple[EspWriteResult, Sequence[EspEvent]]] = []
        for events, token in jobs:
            if token is not None:
                try:
                    claim_token(conn, store, token[0], token[1], stamp)
                except Replayed as exc:
                    results.append(exc)
                    continue
            out = EspWriteResult(received=len(events))
            results.append(out)
            accepted.append((out, events))
        every = [ev for _, events in accepted for ev in events]
        if not every:
            return results
        db = _Db(conn, store)
        seen = _known_ids(db, every)
        fresh: list[EspEvent] = []
        for out, events in accepted:
            for ev in events:
                if (ev.provider, ev.event_id) in seen:
                    out.duplicates += 1
                    continue
                seen.add((ev.provider, ev.event_id))
                fresh.append(ev)
                out.new += 1
        if not fresh:
            return results
        keys = _Keys(db, fresh)
        # events that carry the provider's message id first, so the others can join them
        fresh.sort(key=lambda ev: ev.provider_message_id is None)
        rows = [_row(ev, keys.resolve(ev), stamp) for ev in fresh]
        ordered = sorted({r["mkey"] for r in rows} - keys.gone)  # gone: now filed under the provider's id
        _rebuild(db, ordered, rows, keys.gone)
        for out, _ in accepted:
            out.messages = ordered
    return results


_PROVIDERS: dict[str, str | None] = {}


def _provider_of(host: str | None) -> str | None:
    if not host:
        return None
    if host not in _PROVIDERS:
        from inboxtrace.codes import provider_for_host

        try:
            _PROVIDERS[host] = provider_for_host(host)
        except Exception:
            _PROVIDERS[host] = None
        if len(_PROVIDERS) > 100_000:
            _PROVIDERS.clear()
    return _PROVIDERS.get(host)


def _day(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).date().isoformat()


_EVENT_COLS = [c.name for c in esp_events.c if c.name not in ("raw", "received_at", "subject")]


def _evidence(r: dict[str, Any]) -> str:
    line = f"{r['provider']} {r['provider_event']} event {r['event_id']}"
    if r["bounce_type"]:
        line += f" ({r['provider']} type: {r['bounce_type']})"
    return line


def rebuild_message(conn: Connection, store: Store, mkey: str) -> None:
    """(Re)write the log records of one ESP message from all its stored events."""
    rebuild_messages(conn, store, [mkey])


def rebuild_messages(conn: Connection, store: Store, mkeys: Sequence[str]) -> None:
    """(Re)write the log records of these ESP messages from all their stored events."""
    _rebuild(_Db(conn, store), sorted(set(mkeys)), [], set())


def _rebuild(db: _Db, mkeys: Sequence[str], fresh: Sequence[dict[str, Any]], gone: set[str]) -> None:
    """Store the ``fresh`` event rows and (re)write the log records of the messages ``mkeys``
    from all their events, stored and fresh; drop the records of the messages ``gone``.

    The stored events are read before the fresh rows are written, so a message seen for the
    first time costs no read of its records and no delete."""
    grouped: dict[str, dict[str, dict[str, Any]]] = {}
    head = f"SELECT {', '.join(_EVENT_COLS)} FROM esp_events WHERE mkey "
    with db.pipeline():
        if db.postgres:  # concurrent writers of one message take turns
            locks = sorted({zlib.crc32(mkey.encode()) for mkey in mkeys})  # one order: no deadlock
            db.run("SELECT pg_advisory_xact_lock(k) FROM unnest(%s::bigint[]) AS k", (locks,))
        stored = db.where_in(head, mkeys)
    for values in stored:
        r = dict(zip(_EVENT_COLS, values, strict=True))
        grouped.setdefault(r["mkey"], {})[r["event_id"]] = r
    stale = sorted(gone | grouped.keys())
    for r in fresh:  # a concurrent writer may have stored the same event: one copy
        grouped.setdefault(r["mkey"], {}).setdefault(r["event_id"], r)
    msgs: list[dict[str, Any]] = []
    drows: list[dict[str, Any]] = []
    for mkey in mkeys:
        found = grouped.get(mkey)
        if found:
            rows = sorted(found.values(), key=lambda r: (r["time"], _RANK.get(r["kind"], -1), r["event_id"]))
            msg, delivs = _records(mkey, rows)
            msgs.append(msg)
            drows.extend(delivs)
    # the overview's rollup counts the change; its "before" is read under the lock above
    with counting(db.conn, [*mkeys, *gone]), db.pipeline():
        db.insert(esp_events, fresh, skip_stored=True)
        db.delete_messages(stale)
        db.insert(log_messages, msgs)
        db.insert(log_deliveries, drows)


def _records(mkey: str, rows: list[dict[str, Any]]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The log_messages row and log_deliveries rows of one message from its events, oldest first."""
    provider = rows[0]["provider"]
    per_rcpt: dict[str, list[dict[str, Any]]] = {}
    spelled: dict[str, str] = {}
    for r in rows:
        low = r["recipient"].lower()
        spelled.setdefault(low, r["recipient"])
        per_rcpt.setdefault(low, []).append(r)
    drows = []
    for low, evs in per_rcpt.items():
        attempts = [
            [
                r["time"],
                _STATUS.get(r["kind"], r["kind"]),
                r["relay_host"],
                r["relay_ip"],
                None,
                r["reply"],
                r["enhanced_status"],
                None,
                None,
                None,
                None,
                r["reason"],
                None if r["hard_bounce"] is None else bool(r["hard_bounce"]),
                None,
                None,
                _evidence(r),
                None,
            ]
            for r in evs
        ]
        decisive = [r for r in evs if r["kind"] in _STATES]
        deciding = decisive[-1] if decisive else None
        last = deciding["time"] if deciding is not None else evs[-1]["time"]
        domain = _domain(spelled[low])
        relay = deciding["relay_host"] if deciding is not None else None
        hard = deciding["hard_bounce"] if deciding is not None else None
        drows.append(
            {
                "mkey": mkey,
                "recipient": spelled[low],
                "original_recipient": None,
                "rcpt_domain": domain,
                "final_state": _STATES[deciding["kind"]]
                if deciding is not None
                else FinalState.UNKNOWN.value,
                "first_time": evs[0]["time"],
                "last_time": last,
                "day": _day(last),
                "status": _STATUS.get(deciding["kind"]) if deciding is not None else None,
                "reply": deciding["reply"] if deciding is not None else None,
                "dsn": deciding["enhanced_status"] if deciding is not None else None,
                "relay_host": relay,
                "reason": deciding["reason"] if deciding is not None else None,
                "hard_bounce": None if hard is None else bool(hard),
                "provider": _provider_of(relay) or _provider_of(domain),
                "dsn_queue_id": None,
                "remote_queue_id": None,
                "n_attempts": len(attempts),
                "attempts": _dumps(attempts),
            }
        )
    accepted = [r["time"] for r in rows if r["kind"] == EventKind.ACCEPTED.value]
    pmid = next((r["provider_message_id"] for r in rows if r["provider_message_id"]), None)
    qid = pmid or mkey.split("|", 2)[2]
    msg = {
        "mkey": mkey,
        "mta": ESP_MTA,
        "host": provider,
        "queue_id": _short(qid, 64),
        "received": min(accepted) if accepted else None,
        "completed": None,
        "first_time": rows[0]["time"],
        "last_time": rows[-1]["time"],
        "sender": next((r["sender"] for r in rows if r["sender"]), None),
        "message_id": next((r["message_id"] for r in rows if r["message_id"]), None),
        "size": None,
        "nrcpt": len(per_rcpt),
        "client_host": None,
        "client_ip": None,
        "dsn_of": None,
        "next_hops": None,
        "source": f"{provider} webhook",
    }
    return msg, drows


def same_message_relation(own_mta: str, other_mta: str) -> str | None:
    """How a message with the same Message-ID as a stored message relates to it when one of the
    two was reported by an ESP (the MTA log's copy and the ESP's): ``esp``, ``previous-hop`` or
    None (both from logs, or both from ESPs: not the same hand-off)."""
    if other_mta == ESP_MTA and own_mta != ESP_MTA:
        return "esp"
    if other_mta != ESP_MTA and own_mta == ESP_MTA:
        return "previous-hop"
    return None


def same_message_links(conn: Connection, row: Any) -> list[tuple[str, str]]:
    """(relation, mkey) of the messages that carry the same Message-ID as the stored message
    ``row`` when one of the two was reported by an ESP (see :func:`same_message_relation`)."""
    mid = row["message_id"]
    if not mid:
        return []
    bare = mid.strip("<>")
    m = log_messages.c
    q = sa.select(m.mkey, m.mta).where(m.message_id.in_([bare, f"<{bare}>"]), m.mkey != row["mkey"])
    out = []
    for r in conn.execute(q):
        rel = same_message_relation(row["mta"], r.mta)
        if rel is not None:
            out.append((rel, r.mkey))
    return out


def stored_events(
    store: Store, *, provider: str | None = None, since: float | None = None
) -> Iterable[dict[str, Any]]:
    """Stored events (oldest first) as dicts with their raw JSON, for export and replay."""
    e = esp_events.c
    q = sa.select(esp_events).order_by(e.time, e.provider, e.event_id)
    if provider:
        q = q.where(e.provider == provider)
    if since is not None:
        q = q.where(e.time >= since)
    with store.connect() as conn:
        for r in conn.execute(q).mappings():
            yield dict(r)


def event_count(store: Store) -> int:
    with store.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(esp_events)).scalar() or 0)


__all__ = [
    "ESP_MTA",
    "EspWriteResult",
    "Job",
    "claim_token",
    "esp_events",
    "esp_tokens",
    "event_count",
    "message_key",
    "prune_tokens",
    "rebuild_message",
    "rebuild_messages",
    "same_message_links",
    "same_message_relation",
    "stored_events",
    "write_events",
    "write_jobs",
]
