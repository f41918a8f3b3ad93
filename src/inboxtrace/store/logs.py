"""Log timelines in the store: messages, per-recipient deliveries, attempts, source checkpoints.

Writing is idempotent. A message is identified by its natural key (host, queue id, time span):
re-ingesting a file, or a rotation that overlaps the previous one, matches the stored rows and adds
nothing twice; a message cut in two by a rotation (first part in ``mail.log.1``, rest in
``mail.log``) is merged into one row, and each recipient's final state is recomputed from the
union of what both parts said (the latest decisive attempt wins). Attempts carry a unique key
(message, recipient, time, status, fingerprint of the reply), so they are never duplicated.

Times are stored as UNIX epoch seconds (``Float``), the same on SQLite and PostgreSQL; the
query functions hand back :mod:`inboxtrace.model` records with timezone-aware UTC datetimes.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from inboxtrace.model.log import Attempt, Delivery, FinalState, Message, MessageFact
from inboxtrace.model.reply import Phase, Verdict
from inboxtrace.store.core import Store, db_errors, metadata, register_schema, register_upgrade, schema_lock
from inboxtrace.timeline.assembler import DSN_REPORTS_ON, FINAL_BY_STATUS
from inboxtrace.timeline.records import (
    A_DELAY,
    A_DELAYS,
    A_DSN,
    A_LINE,
    A_LN,
    A_PHASE_VID,
    A_RELAY_HOST,
    A_RELAY_IP,
    A_RELAY_PORT,
    A_REPLY,
    A_RQID,
    A_SOURCE,
    A_STATUS,
    A_TLS,
    A_TS,
    Builder,
    MessageRec,
)

# How far apart two parts of one message (same host and queue id) may be and still be merged:
# a little more than Postfix's default maximal_queue_lifetime (5 days).
MERGE_WINDOW = 7 * 86400.0
# Two parts that both know the arrival time are the same message only if these agree this closely.
RECEIVED_TOLERANCE = 120.0

register_schema("logs", 3)

log_messages = sa.Table(
    "log_messages",
    metadata,
    sa.Column("mkey", sa.String(320), primary_key=True),
    sa.Column("mta", sa.String(16), nullable=False),
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("queue_id", sa.String(64), nullable=False),
    sa.Column("received", sa.Float),
    sa.Column("completed", sa.Float),
    sa.Column("first_time", sa.Float),
    sa.Column("last_time", sa.Float),
    sa.Column("sender", sa.Text),
    sa.Column("message_id", sa.Text),
    sa.Column("size", sa.BigInteger),
    sa.Column("nrcpt", sa.Integer),
    sa.Column("client_host", sa.Text),
    sa.Column("client_ip", sa.String(64)),
    sa.Column("dsn_of", sa.String(64)),
    sa.Column("next_hops", sa.Text),  # space-separated remote queue ids
    sa.Column("source", sa.Text),
    # message-level facts a later part of the message may need (expiry, DSN sent), JSON list of
    # [kind, time, line_no, source, x, y]: ["expired", t, n, source, line, null] or
    # ["dsn", t, n, source, dsn kind, dsn queue id]
    sa.Column("facts", sa.Text),
    sa.Index("ix_log_messages_qid", "queue_id"),
    sa.Index("ix_log_messages_msgid", "message_id"),
    sa.Index("ix_log_messages_sender", sa.func.lower(sa.column("sender"))),
    sa.Index("ix_log_messages_dsn_of", "dsn_of"),
)


def _add_facts_column(conn: Connection) -> None:
    """Version 2 -> 3: ``log_messages.facts`` (stores of version 2 have none: no facts known)."""
    if "facts" not in {c["name"] for c in sa.inspect(conn).get_columns("log_messages")}:
        conn.exec_driver_sql("ALTER TABLE log_messages ADD COLUMN facts TEXT")


register_upgrade("logs", 2, _add_facts_column)

log_deliveries = sa.Table(
    "log_deliveries",
    metadata,
    sa.Column("mkey", sa.String(320), sa.ForeignKey("log_messages.mkey"), primary_key=True),
    sa.Column("recipient", sa.String(512), primary_key=True),
    sa.Column("original_recipient", sa.Text),
    sa.Column("rcpt_domain", sa.String(255)),
    sa.Column("final_state", sa.String(16), nullable=False),
    sa.Column("first_time", sa.Float),
    sa.Column("last_time", sa.Float),
    sa.Column("day", sa.String(10)),  # UTC date of the final state (YYYY-MM-DD)
    sa.Column("status", sa.String(32)),  # status of the deciding attempt, as logged
    sa.Column("reply", sa.Text),
    sa.Column("dsn", sa.String(16)),
    sa.Column("relay_host", sa.String(255)),
    sa.Column("reason", sa.String(40)),
    sa.Column("hard_bounce", sa.Boolean),
    sa.Column("provider", sa.String(40)),
    sa.Column("dsn_queue_id", sa.String(64)),
    sa.Column("remote_queue_id", sa.String(64)),  # "queued as" of the deciding (sent) attempt
    sa.Column("n_attempts", sa.Integer, nullable=False, default=0),
    # the attempts, oldest first, as a compact JSON list of lists in ATTEMPT_FIELDS order
    sa.Column("attempts", sa.Text, nullable=False, default="[]"),
    sa.Index("ix_log_deliveries_rcpt", sa.func.lower(sa.column("recipient"))),
    sa.Index("ix_log_deliveries_rqid", "remote_queue_id"),
)

log_sources = sa.Table(
    "log_sources",
    metadata,
    sa.Column("key", sa.String(128), primary_key=True),  # fingerprint of the file's first bytes
    sa.Column("path", sa.Text, nullable=False),  # JSON of the saved Position
    sa.Column("position", sa.BigInteger, nullable=False, default=0),  # bytes consumed
    sa.Column("line_no", sa.BigInteger, nullable=False, default=0),  # lines consumed
    sa.Column("size", sa.BigInteger),
    sa.Column("complete", sa.Boolean, nullable=False, default=False),
    sa.Column("updated", sa.Float, nullable=False),
)

# The order of an attempt's fields in ``log_deliveries.attempts``.
ATTEMPT_FIELDS = (
    "time",
    "status",
    "relay_host",
    "relay_ip",
    "relay_port",
    "reply",
    "dsn",
    "delay",
    "delays",
    "phase",
    "remote_queue_id",
    "reason",
    "hard_bounce",
    "source",
    "line_no",
    "line",
    "tls",
)

# Indexes only the trace queries need, with random keys (each insert touches a random page): on a
# first, empty-store ingest they are built once at the end instead of row by row (~20% faster).
DEFERRABLE_INDEXES = (
    "ix_log_messages_msgid",
    "ix_log_messages_sender",
    "ix_log_messages_dsn_of",
    "ix_log_deliveries_rcpt",
    "ix_log_deliveries_rqid",
)


@contextlib.contextmanager
def deferred_indexes(store: Store) -> Iterator[bool]:
    """On an empty log store, drop the trace-only indexes for a bulk load and rebuild them after
    (also after an interruption; a hard kill is repaired by :func:`open_store`, which recreates
    missing indexes). Yields whether the indexes were deferred."""
    with store.connect() as conn:
        empty = conn.execute(sa.select(log_messages.c.mkey).limit(1)).first() is None
    if not empty:
        yield False
        return
    indexes = [
        ix for t in (log_messages, log_deliveries) for ix in t.indexes if ix.name in DEFERRABLE_INDEXES
    ]
    with schema_lock(store), store.begin() as conn:
        for ix in indexes:
            conn.execute(sa.schema.DropIndex(ix, if_exists=True))
    try:
        yield True
    finally:
        with schema_lock(store), store.begin() as conn:  # another ingest may be rebuilding them too
            for ix in indexes:
                conn.execute(sa.schema.CreateIndex(ix, if_not_exists=True))


_TERMINAL = frozenset({FinalState.DELIVERED, FinalState.BOUNCED, FinalState.EXPIRED, FinalState.REJECTED})


def epoch(dt: datetime | None) -> float | None:
    """Epoch seconds of ``dt`` (naive datetimes are taken as UTC)."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def from_epoch(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


def _fp(*parts: str | None) -> str:
    """A short fingerprint of ``parts`` (CRC-32: it only separates attempts with equal keys)."""
    data = "\x00".join(p or "" for p in parts).encode("utf-8", "surrogatepass")
    return f"{zlib.crc32(data):08x}"


def _is_noqueue(queue_id: str) -> bool:
    return queue_id[:7] in ("NOQUEUE", "noqueue", "NoQueue")


def _domain(address: str) -> str | None:
    _, at, dom = address.rpartition("@")
    return dom.strip(">").lower() or None if at else None


@dataclass(slots=True)
class WriteCounts:
    """What a :class:`LogWriter` has written so far."""

    messages: int = 0  # messages handed in
    new_messages: int = 0  # of which not already stored
    deliveries: int = 0
    new_deliveries: int = 0
    attempts: int = 0


class _Classifier:
    """Caches verdict reasons and providers from :mod:`inboxtrace.codes` (imported lazily)."""

    def __init__(self) -> None:
        self._verdicts: dict[tuple[str, str | None], tuple[str | None, bool | None]] = {}
        self._providers: dict[str, str | None] = {}
        self._pairs: dict[tuple[str | None, str | None], str | None] = {}
        try:
            from inboxtrace import codes

            self._codes: Any = codes
        except ImportError:  # the vocabulary is not installed: store what the log said, no verdict
            self._codes = None

    def reason(self, attempt: Attempt) -> tuple[str | None, bool | None]:
        return self.reason_of(attempt.verdict, attempt.status, attempt.reply, attempt.relay_host)

    def reason_of(
        self, verdict: Verdict | None, status: str, reply: str | None, relay_host: str | None
    ) -> tuple[str | None, bool | None]:
        """(reason, hard bounce) of an attempt: its verdict's, else the reply classified here."""
        if verdict is not None:
            return verdict.reason, verdict.hard_bounce
        if status == "sent":
            return "delivered", False
        if not reply or self._codes is None:
            return ("expired", False) if status == "expired" else (None, None)
        key = (reply, relay_host)
        hit = self._verdicts.get(key)
        if hit is None:
            try:
                v = self._codes.classify(reply, remote_host=relay_host)
                hit = (v.reason, v.hard_bounce)
            except Exception:  # an unclassifiable reply must never stop an ingest
                hit = (None, None)
            if len(self._verdicts) < 200_000:
                self._verdicts[key] = hit
        return hit

    def provider_of(self, relay_host: str | None, domain: str | None) -> str | None:
        """The provider by the relay (MX) name, else by the recipient's domain."""
        key = (relay_host, domain)
        try:
            return self._pairs[key]
        except KeyError:
            pass
        value = self.provider(relay_host) or self.provider(domain)
        if len(self._pairs) < 100_000:
            self._pairs[key] = value
        return value

    def provider(self, host: str | None) -> str | None:
        if not host or self._codes is None:
            return None
        if host not in self._providers:
            try:
                self._providers[host] = self._codes.provider_for_host(host)
            except Exception:
                self._providers[host] = None
        return self._providers[host]


@dataclass(slots=True)
class BatchChanges:
    """What one written batch changed: the stored delivery rows of the messages it met (by
    (mkey, recipient), all of each message's), the delivery rows it wrote that differ from them,
    and per message (its sender as stored, None when new; its sender now; its queue id)."""

    old: dict[tuple[str, str], dict[str, Any]]
    changed: list[dict[str, Any]]
    senders: dict[str, tuple[str | None, str | None, str]]


@dataclass(slots=True)
class _MsgRow:
    row: dict[str, Any]
    existed: bool
    stored: dict[str, Any] | None = None  # the row as read from the store, to skip no-op rewrites


def _ts(dt: datetime) -> float:
    return dt.timestamp() if dt.tzinfo is not None else dt.replace(tzinfo=UTC).timestamp()


def _attempt_times(msg: Message) -> list[list[float]]:
    """Epoch seconds of every attempt, per delivery (computed once per message)."""
    return [[_ts(a.time) for a in d.attempts] for d in msg.deliveries]


def _span(msg: Message, times: list[list[float]]) -> tuple[float | None, float | None]:
    known = [t for ts in times for t in ts]
    if msg.received is not None:
        known.append(_ts(msg.received))
    if msg.completed is not None:
        known.append(_ts(msg.completed))
    return (min(known), max(known)) if known else (None, None)


_DAYS: dict[int, str] = {}


def _day(ts: float) -> str:
    n = int(ts // 86400)
    day = _DAYS.get(n)
    if day is None:
        day = _DAYS[n] = datetime.fromtimestamp(n * 86400, UTC).date().isoformat()
    return day


def _same_message(
    row: dict[str, Any], received: float | None, first: float | None, last: float | None
) -> bool:
    """Whether a stored row and a newly read part (same host and queue id) are one message."""
    r_old = row["received"]
    if r_old is not None and received is not None:
        return bool(abs(r_old - received) <= RECEIVED_TOLERANCE)
    if first is None or row["first_time"] is None:
        return True
    if row["completed"] is not None and first > row["completed"] + 1.0:
        return False  # the stored one was removed from the queue before this part began
    if received is not None and row["first_time"] < received - 1.0:
        return False  # the stored part happened before this message arrived
    return bool(
        first <= row["last_time"] + MERGE_WINDOW and row["first_time"] <= (last or first) + MERGE_WINDOW
    )


def _merge_message(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    out = dict(old)
    for k, v in new.items():
        if k == "mkey":
            continue
        if k == "first_time":
            out[k] = v if out[k] is None else (out[k] if v is None else min(out[k], v))
        elif k in ("last_time", "completed"):
            out[k] = v if out[k] is None else (out[k] if v is None else max(out[k], v))
        elif k == "next_hops":
            hops = dict.fromkeys((out[k] or "").split() + (v or "").split())
            out[k] = " ".join(hops) or None
        elif k == "facts":
            out[k] = _merge_facts(out.get(k), v)
        elif out.get(k) is None:
            out[k] = v
    return out


def _merge_facts(a: str | None, b: str | None) -> str | None:
    """The union of two ``facts`` columns, in time order (the same fact read twice counts once)."""
    if not a or not b or a == b:
        return a or b
    merged: dict[tuple[Any, ...], list[Any]] = {}
    for f in json.loads(a) + json.loads(b):
        merged.setdefault((f[0], f[1], f[2], f[3]), f)
    return _dumps(sorted(merged.values(), key=lambda f: (f[1], f[2])))


def derive_delivery(
    drow: dict[str, Any],
    facts: str | None,
    closed: bool,
    source: str | None,
    provider_of: Callable[[str | None, str | None], str | None],
) -> dict[str, Any]:
    """A delivery row recomputed from its attempts and its message's facts, as one pass over
    all the lines would have made it: an expiry logged in another part of the message (another
    ingest, another file) ends the recipients that were deferred before it; a DSN logged there
    names its queue id on the recipients it reports on; a message removed from the queue while a
    recipient was deferred, without an expiry, leaves that recipient ``unknown``."""
    attempts = sorted(json.loads(drow["attempts"]), key=lambda a: a[0])
    if not attempts:
        return drow
    dsn_qid = drow["dsn_queue_id"]
    fact_list = json.loads(facts) if facts else []
    expired = False
    for kind, t, ln, f_source, x, y in fact_list:
        prior = [a for a in attempts if a[0] <= t]
        last = prior[-1] if prior else None
        if kind == "expired":
            expired = True
            if last is None or last[1] not in ("deferred", "tried"):
                continue
            reason, hard = (last[11], last[12]) if last[5] is not None else ("expired", False)
            rec = [t, "expired", last[2], last[3], last[4], last[5], last[6], None, None, last[9], None,
                   reason, hard, None if f_source == source else f_source, ln, x, None]  # fmt: skip
            attempts.insert(len(prior), rec)
        elif last is not None and last[1] in DSN_REPORTS_ON.get(x, DSN_REPORTS_ON["non-delivery"]):
            dsn_qid = y
    deciding = attempts[-1]
    status = deciding[1]
    state = FINAL_BY_STATUS.get(status, FinalState.UNKNOWN)
    if state is FinalState.DEFERRED and closed and not expired:
        state = FinalState.UNKNOWN
    if status == "tried":
        state = FinalState.UNKNOWN if closed else FinalState.DEFERRED
    out = dict(drow)
    out.update(
        final_state=state.value,
        first_time=attempts[0][0],
        last_time=deciding[0],
        day=_day(deciding[0]),
        status=status,
        reply=deciding[5],
        dsn=deciding[6],
        relay_host=deciding[2],
        reason=deciding[11],
        hard_bounce=deciding[12],
        provider=provider_of(deciding[2], drow["rcpt_domain"]),
        dsn_queue_id=dsn_qid,
        remote_queue_id=deciding[10],
        n_attempts=len(attempts),
        attempts=_dumps(attempts),
    )
    return out


def _delivery_wins(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Whether the newly read delivery summary decides the final state over the stored one."""
    if new["final_state"] == FinalState.UNKNOWN:
        return old["final_state"] == FinalState.UNKNOWN and new["last_time"] is not None
    if old["final_state"] == FinalState.UNKNOWN:
        return True
    t_old, t_new = old["last_time"] or 0.0, new["last_time"] or 0.0
    if t_new != t_old:
        return t_new > t_old
    return new["final_state"] in _TERMINAL and old["final_state"] not in _TERMINAL


class LogWriter:
    """Writes :class:`~inboxtrace.model.Message` records in batches, idempotently.

    ``add()`` buffers; every ``batch_size`` messages (and on ``flush()``/``close()``) one
    transaction writes the batch. Use as a context manager to flush at the end.
    """

    def __init__(self, store: Store, batch_size: int = 2000) -> None:
        self.store = store
        self.batch_size = batch_size
        self.counts = WriteCounts()
        self._buf: list[PreparedMessage] = []
        # Called when a batch is handed over for writing; may return an action that is run with
        # the connection after the batch's rows are written, in the same transaction (ingest
        # saves its resume position there: committed with the rows it covers, or not at all).
        self.on_flush: Callable[[], Callable[[Connection], None] | None] | None = None
        # Called inside each batch's transaction, after its writes, with what it changed (ingest
        # counts it for the overview's rollup: store.rollup.record_batch)
        self.on_write: Callable[[Connection, BatchChanges], None] | None = None
        self._changes = BatchChanges({}, [], {})
        self._rows = RowMaker()
        self._nq_seen: dict[tuple[str, str], int] = {}
        stmt = store.insert(log_messages)
        self._msg_stmt = stmt.on_conflict_do_update(
            index_elements=["mkey"],
            set_={c.name: stmt.excluded[c.name] for c in log_messages.c if c.name != "mkey"},
        )
        dstmt = store.insert(log_deliveries)
        self._deliv_stmt = dstmt.on_conflict_do_update(
            index_elements=["mkey", "recipient"],
            set_={
                c.name: dstmt.excluded[c.name]
                for c in log_deliveries.c
                if c.name not in ("mkey", "recipient")
            },
        )

    def __enter__(self) -> LogWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        if exc_type is None:
            self.close()

    def add(self, msg: Message) -> None:
        self.add_prepared(self._rows(msg))

    def add_prepared(self, prepared: PreparedMessage) -> None:
        """Buffer a message already turned into rows by a :class:`RowMaker` (e.g. in a worker)."""
        self._buf.append(prepared)
        if len(self._buf) >= self.batch_size:
            self.flush()

    def add_many(self, msgs: Iterable[Message]) -> None:
        for m in msgs:
            self.add(m)

    def flush(self) -> None:
        """Write the buffered messages in one transaction.

        (A background writer thread was measured: with the parser busy in the same process the
        GIL hand-offs made it twice as slow, so writes stay in the caller's thread.)
        """
        if not self._buf:
            return
        batch, self._buf = self._buf, []
        with self.store.begin() as conn:
            msg_rows, deliv_rows = self._prepare(conn, batch)
            checkpoint = self.on_flush() if self.on_flush is not None else None
            self.store.bulk(conn, self._msg_stmt, msg_rows)
            self.store.bulk(conn, self._deliv_stmt, deliv_rows)
            if self.on_write is not None:
                self.on_write(conn, self._changes)
            if checkpoint is not None:
                checkpoint(conn)

    def close(self) -> None:
        """Write what is still buffered."""
        self.flush()

    @property
    def pending(self) -> int:
        """Messages buffered, not yet written."""
        return len(self._buf)

    # -- internals -----------------------------------------------------------------------------

    def _noqueue_key(self, host: str, nq: tuple[str, str], first: float | None) -> str:
        """The natural key of a never-queued rejection: its time, its line, and which repeat it is.

        Identical reject lines in the same second of the same file are distinct events (numbered
        by occurrence in that file); the same line met again in another file (an overlapping
        rotation), in a re-read of the same file or by another ingest running at the same time
        gets the same key, so it is stored once. (A parallel read never cuts a file inside one
        second, so the occurrences of a line are all counted by one reader.)
        """
        source, digest = nq
        seen = self._nq_seen
        n = seen.get((source, digest), 0) + 1
        seen[(source, digest)] = n
        if len(seen) > 20_000:  # forget the oldest: a repeat comes within its second
            for old in list(itertools.islice(seen, 10_000)):
                del seen[old]
        return f"{first or 0:014.3f}|{host}|NOQUEUE|{digest}|{n}"

    def _existing(
        self, conn: Connection, batch: Sequence[PreparedMessage]
    ) -> dict[tuple[str, str], list[_MsgRow]]:
        found: dict[tuple[str, str], list[_MsgRow]] = {}
        qids = sorted({p[0]["queue_id"] for p in batch if p[1] is None})
        names = [c.name for c in log_messages.c]
        head = f"SELECT {', '.join(names)} FROM log_messages WHERE queue_id "
        for chunk, params in self.store.in_params(qids):
            for r in conn.exec_driver_sql(head + chunk, params).fetchall():
                row = dict(zip(names, r, strict=True))
                found.setdefault((row["host"], row["queue_id"]), []).append(_MsgRow(row, True, dict(row)))
        return found

    def _prepare(
        self, conn: Connection, batch: Sequence[PreparedMessage]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        known = self._existing(conn, batch)
        rows: dict[str, _MsgRow] = {}
        # (mkey, prepared) pairs in batch order, each message resolved to the row it belongs to
        resolved: list[tuple[str, PreparedMessage]] = []
        merged: set[str] = set()  # messages met in more than one part: their deliveries are recomputed
        for prep in batch:
            new, nq, _ = prep
            first, last = new["first_time"], new["last_time"]
            self.counts.messages += 1
            if nq is not None:
                new["mkey"] = self._noqueue_key(new["host"], nq, first)
                if new["mkey"] not in rows:
                    rows[new["mkey"]] = _MsgRow(new, False)
                resolved.append((new["mkey"], prep))
                continue
            candidates = known.setdefault((new["host"], new["queue_id"]), [])
            match = None
            if candidates:
                match = next(
                    (c for c in reversed(candidates) if _same_message(c.row, new["received"], first, last)),
                    None,
                )
            if match is None:
                # time first: keys grow with the log, so inserts append to the b-trees
                new["mkey"] = f"{first if first is not None else 0:014.3f}|{new['host']}|{new['queue_id']}"
                match = _MsgRow(new, False)
                candidates.append(match)
            else:
                match.row = _merge_message(match.row, new)
                merged.add(match.row["mkey"])
            rows[match.row["mkey"]] = match
            resolved.append((match.row["mkey"], prep))

        # NOQUEUE rows already stored are recognised by their key
        nq_keys = [k for k, r in rows.items() if not r.existed and "|NOQUEUE|" in k]  # time|host|NOQUEUE|...
        for chunk, params in self.store.in_params(nq_keys):
            for (k,) in conn.exec_driver_sql("SELECT mkey FROM log_messages WHERE mkey " + chunk, params):
                rows[k].existed = True
        self.counts.new_messages += sum(1 for r in rows.values() if not r.existed)

        # deliveries already stored for the messages we matched
        old_deliv: dict[tuple[str, str], dict[str, Any]] = {}
        matched = [k for k, r in rows.items() if r.existed]
        names = [c.name for c in log_deliveries.c]
        head = f"SELECT {', '.join(names)} FROM log_deliveries WHERE mkey "
        for chunk, params in self.store.in_params(matched):
            for r in conn.exec_driver_sql(head + chunk, params).fetchall():
                row = dict(zip(names, r, strict=True))
                old_deliv[(row["mkey"], row["recipient"])] = row

        deliv_rows: dict[tuple[str, str], dict[str, Any]] = {}
        for mkey, (mrow, _, drows) in resolved:
            own, target = mrow["source"], rows[mkey].row["source"]
            for made in drows:
                drow = made
                drow["mkey"] = mkey
                if own != target:  # merged into a row of another file: evidence names its own file
                    drow["attempts"] = _resource(drow["attempts"], own, target)
                key = (mkey, drow["recipient"])
                prev = deliv_rows.get(key) or old_deliv.get(key)
                self.counts.deliveries += 1
                if prev is None:
                    self.counts.new_deliveries += 1
                    self.counts.attempts += drow["n_attempts"]
                else:
                    before = prev["n_attempts"]
                    drow = self._merge_delivery(prev, drow)
                    self.counts.attempts += drow["n_attempts"] - before
                deliv_rows[key] = drow

        self._rederive(merged, rows, old_deliv, deliv_rows)
        # a re-read of known lines changes nothing: leave those rows alone (no rewrite)
        msg_rows = [
            r.row for r in rows.values() if not r.existed or (r.stored is not None and r.row != r.stored)
        ]
        changed = [row for key, row in deliv_rows.items() if old_deliv.get(key) != row]
        if self.on_write is not None:
            senders = {k: ((r.stored or r.row)["sender"] if r.existed else None, r.row["sender"], r.row["queue_id"])
                       for k, r in rows.items()}  # fmt: skip
            self._changes = BatchChanges(old_deliv, changed, senders)
        return msg_rows, changed

    def _rederive(
        self,
        merged: set[str],
        rows: dict[str, _MsgRow],
        old_deliv: dict[tuple[str, str], dict[str, Any]],
        deliv_rows: dict[tuple[str, str], dict[str, Any]],
    ) -> None:
        """Recompute every delivery of a message met in several parts from the union of its
        attempts and facts (:func:`derive_delivery`), into ``deliv_rows``."""
        if not merged:
            return
        provider_of = self._rows.provider_of
        for key in [k for k in old_deliv if k[0] in merged and k not in deliv_rows]:
            deliv_rows[key] = old_deliv[key]
        for key, drow in deliv_rows.items():
            if key[0] in merged:
                m = rows[key[0]].row
                deliv_rows[key] = derive_delivery(
                    drow, m.get("facts"), m["completed"] is not None, m["source"], provider_of
                )

    @staticmethod
    def _merge_delivery(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
        """One delivery from two reads: attempts united, final state from the deciding attempt."""
        win, lose = (new, old) if _delivery_wins(old, new) else (old, new)
        out = dict(win)
        firsts = [t for t in (old["first_time"], new["first_time"]) if t is not None]
        out["first_time"] = min(firsts) if firsts else None
        for k in ("original_recipient", "dsn_queue_id", "provider", "reason", "hard_bounce"):
            if out.get(k) is None:
                out[k] = lose.get(k)
        if old["attempts"] != new["attempts"]:
            merged: dict[tuple[Any, ...], list[Any]] = {}
            for a in json.loads(old["attempts"]) + json.loads(new["attempts"]):
                merged.setdefault((a[0], a[1], a[5], a[2]), a)
            attempts = sorted(merged.values(), key=lambda a: a[0])
            out["attempts"] = _dumps(attempts)
            out["n_attempts"] = len(attempts)
        return out


# A message as rows: (message row, (source, digest) for a never-queued rejection else None,
# delivery rows). Keys ("mkey") are given by the writer. Plain values only: marshal-able, so
# worker processes can make them.
PreparedMessage = tuple[dict[str, Any], tuple[str, str] | None, list[dict[str, Any]]]

_SOURCE, _LINE_NO = ATTEMPT_FIELDS.index("source"), ATTEMPT_FIELDS.index("line_no")
_MIN_TS = datetime.min.replace(tzinfo=UTC).timestamp()
_PHASES = {p: p.value for p in Phase}
_STATE_VALUES = {s.value: s.value for s in FinalState}


def _resource(attempts: str, own: str | None, target: str | None) -> str:
    """Re-express the evidence files of ``attempts`` (stored relative to ``own``) relative to ``target``."""
    out = json.loads(attempts)
    for a in out:
        if a[_SOURCE] is None and a[_LINE_NO] is not None:
            a[_SOURCE] = own
        if a[_SOURCE] == target:
            a[_SOURCE] = None
    return _dumps(out)


def _fact_list(f: MessageFact) -> list[Any]:
    """A fact as stored in ``log_messages.facts``."""
    if f.kind == "expired":
        return [f.kind, _ts(f.time), f.evidence.line_no, f.evidence.source, f.evidence.line, None]
    return [f.kind, _ts(f.time), f.evidence.line_no, f.evidence.source, f.dsn_kind, f.dsn_queue_id]


class RowMaker:
    """Turns a :class:`~inboxtrace.model.Message` into the rows the store writes.

    Pure but for caches, so it can run in the log reader's worker processes (``ingest`` passes
    one to :func:`~inboxtrace.timeline.read_logs` as its ``transform``); the writer only keys,
    matches and writes the rows.
    """

    def __init__(self) -> None:
        self._cls = _Classifier()

    def __reduce__(self) -> tuple[type[RowMaker], tuple[()]]:
        # sent to another process (a Dask worker) as a fresh one: the caches are rebuilt there
        return (RowMaker, ())

    def provider_of(self, relay_host: str | None, domain: str | None) -> str | None:
        """The provider by the relay (MX) name, else by the recipient's domain."""
        return self._cls.provider_of(relay_host, domain)

    def __call__(self, msg: Message) -> PreparedMessage:
        times = _attempt_times(msg)
        first, last = _span(msg, times)
        source = msg.source
        nq = None
        if _is_noqueue(msg.queue_id):
            line, ev_source = "", source or ""
            for d in msg.deliveries:
                for a in d.attempts:
                    if a.evidence is not None:
                        line, ev_source = a.evidence.line, a.evidence.source
                        break
                if line:
                    break
            nq = (ev_source, _fp(msg.sender, ",".join(d.recipient for d in msg.deliveries), line))
        row = {
            "mkey": "",
            "mta": msg.mta,
            "host": msg.host,
            "queue_id": msg.queue_id,
            "received": epoch(msg.received),
            "completed": epoch(msg.completed),
            "first_time": first,
            "last_time": last,
            "sender": msg.sender,
            "message_id": msg.message_id,
            "size": msg.size,
            "nrcpt": msg.nrcpt,
            "client_host": msg.client_host,
            "client_ip": msg.client_ip,
            "dsn_of": msg.dsn_of,
            "next_hops": " ".join(msg.next_hops) or None,
            "source": source,
            "facts": _dumps([_fact_list(f) for f in msg.facts]) if msg.facts else None,
        }
        drows = [self._delivery_row(d, t, source) for d, t in zip(msg.deliveries, times, strict=True)]
        return row, nq, drows

    def from_record(self, rec: MessageRec, verdicts: list[Verdict], builder: Builder) -> PreparedMessage:
        """The same rows as ``self(builder.build(rec, verdicts))``, without making the model
        objects first (the log reader's workers call this: a third of their time saved)."""
        (mta, host, qid, received_ts, completed_ts, sender, message_id, size, nrcpt, client_host, client_ip,
         dsn_of, hops, source, deliveries, facts) = rec  # fmt: skip
        clock = builder.clock(source)
        reason_of = self._cls.reason_of
        received = clock(received_ts) if received_ts else None
        completed = clock(completed_ts) if completed_ts else None
        known: list[float] = []
        drows = []
        nq_line: str | None = None
        nq_source = source or ""
        for addr, state, orig, dsn_qid, attempts in deliveries:
            lists = []
            for a in attempts:
                a_source = a[A_SOURCE]
                c = clock if a_source == source else builder.clock(a_source)
                dt = c(a[A_TS])
                t = dt.timestamp() if dt is not None else _MIN_TS
                vid = a[A_PHASE_VID]
                verdict = verdicts[vid] if vid >= 0 else None
                status = a[A_STATUS]
                reason, hard = reason_of(verdict, status, a[A_REPLY], a[A_RELAY_HOST])
                phase = verdict.phase if verdict is not None else None
                lists.append(
                    [
                        t,
                        status,
                        a[A_RELAY_HOST],
                        a[A_RELAY_IP],
                        a[A_RELAY_PORT],
                        a[A_REPLY],
                        a[A_DSN],
                        a[A_DELAY],
                        a[A_DELAYS],
                        _PHASES[phase] if phase is not None else None,
                        a[A_RQID],
                        reason,
                        hard,
                        a_source if a_source != source else None,
                        a[A_LN],
                        None if status == "sent" else a[A_LINE],
                        a[A_TLS],
                    ]
                )
            if attempts and not nq_line:
                nq_line, nq_source = attempts[0][A_LINE], attempts[0][A_SOURCE]
            domain = _domain(addr)
            if lists:
                deciding = lists[-1]
                first, last = lists[0][0], deciding[0]
                known.append(first)
                known.extend(x[0] for x in lists[1:])
                day: str | None = _day(last)
                status, relay, reply, dsn = deciding[1], deciding[2], deciding[5], deciding[6]
                rqid, reason, hard = deciding[10], deciding[11], deciding[12]
            else:
                first = last = day = status = relay = reply = dsn = rqid = reason = hard = None
            drows.append(
                {
                    "mkey": "",
                    "recipient": addr,
                    "original_recipient": orig,
                    "rcpt_domain": domain,
                    "final_state": _STATE_VALUES[state],
                    "first_time": first,
                    "last_time": last,
                    "day": day,
                    "status": status,
                    "reply": reply,
                    "dsn": dsn,
                    "relay_host": relay,
                    "reason": reason,
                    "hard_bounce": hard,
                    "provider": self._cls.provider_of(relay, domain),
                    "dsn_queue_id": dsn_qid,
                    "remote_queue_id": rqid,
                    "n_attempts": len(lists),
                    "attempts": _dumps(lists) if lists else "[]",
                }
            )
        r_ts = received.timestamp() if received is not None else None
        c_ts = completed.timestamp() if completed is not None else None
        if r_ts is not None:
            known.append(r_ts)
        if c_ts is not None:
            known.append(c_ts)
        first_t, last_t = (min(known), max(known)) if known else (None, None)
        nq = None
        if _is_noqueue(qid):
            nq = (nq_source, _fp(sender, ",".join(d[0] for d in deliveries), nq_line or ""))
        row = {
            "mkey": "",
            "mta": mta,
            "host": host,
            "queue_id": qid,
            "received": r_ts,
            "completed": c_ts,
            "first_time": first_t,
            "last_time": last_t,
            "sender": sender,
            "message_id": message_id,
            "size": size,
            "nrcpt": nrcpt,
            "client_host": client_host,
            "client_ip": client_ip,
            "dsn_of": dsn_of,
            "next_hops": " ".join(hops) or None,
            "source": source,
            "facts": self._facts(facts, builder, source) if facts else None,
        }
        return row, nq, drows

    @staticmethod
    def _facts(facts: list[Any], builder: Builder, source: str) -> str:
        """The ``facts`` column of a record's facts (see :data:`log_messages`)."""
        out = []
        for kind, a, ln, b, f_source, ts in facts:
            dt = builder.clock(f_source)(ts)
            t = dt.timestamp() if dt is not None else _MIN_TS
            out.append(
                [kind, t, ln, f_source, b, None] if kind == "expired" else [kind, t, ln, f_source, a, b]
            )
        return _dumps(out)

    def _delivery_row(self, d: Delivery, times: list[float], source: str | None) -> dict[str, Any]:
        attempts = d.attempts
        domain = _domain(d.recipient)
        status: str | None
        reply: str | None
        dsn: str | None
        relay: str | None
        rqid: str | None
        if attempts:
            deciding = attempts[-1]
            first: float | None = times[0]
            last: float | None = times[-1]
            reason, hard = self._cls.reason(deciding)
            status, reply, dsn, relay = deciding.status, deciding.reply, deciding.dsn, deciding.relay_host
            rqid = deciding.remote_queue_id
            day: str | None = _day(times[-1])
        else:
            first = last = day = rqid = None
            reason = hard = None
            status = reply = dsn = relay = None
        return {
            "mkey": "",
            "recipient": d.recipient,
            "original_recipient": d.original_recipient,
            "rcpt_domain": domain,
            "final_state": d.final_state.value,
            "first_time": first,
            "last_time": last,
            "day": day,
            "status": status,
            "reply": reply,
            "dsn": dsn,
            "relay_host": relay,
            "reason": reason,
            "hard_bounce": hard,
            "provider": self._cls.provider_of(relay, domain),
            "dsn_queue_id": d.dsn_queue_id,
            "remote_queue_id": rqid,
            "n_attempts": len(attempts),
            "attempts": _dumps(
                [self._attempt_list(a, t, source) for a, t in zip(attempts, times, strict=True)]
            ),
        }

    def _attempt_list(self, a: Attempt, t: float, source: str | None) -> list[Any]:
        """One attempt as a list in ATTEMPT_FIELDS order.

        The evidence keeps its file and line number always, and the raw log line for every attempt
        but a plain ``sent`` (whose 250 reply, relay and remote queue id are stored anyway): the
        lines that explain a failure are kept verbatim, the store stays smaller than the log.
        The file name is left out when it is the message's own (``source`` of the message).
        """
        reason, hard = self._cls.reason(a)
        ev = a.evidence
        if ev is None:
            ev_source = ev_no = ev_line = None
        else:
            ev_source = ev.source if ev.source != source else None
            ev_no = ev.line_no
            ev_line = None if a.status == "sent" else ev.line
        return [
            t,
            a.status,
            a.relay_host,
            a.relay_ip,
            a.relay_port,
            a.reply,
            a.dsn,
            a.delay,
            a.delays,
            a.phase.value if a.phase else None,
            a.remote_queue_id,
            reason,
            hard,
            ev_source,
            ev_no,
            ev_line,
            a.tls,
        ]


_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, check_circular=False).encode


@db_errors
def write_messages(store: Store, messages: Iterable[Message], batch_size: int = 2000) -> WriteCounts:
    """Store ``messages`` idempotently; returns what was written."""
    from inboxtrace.store.rollup import record_batch

    with LogWriter(store, batch_size) as w:
        w.on_write = record_batch
        w.add_many(messages)
    return w.counts
