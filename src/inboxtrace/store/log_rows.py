"""The store's rows of a log timeline: what :class:`RowMaker` makes of one message (compiled).

One message becomes a ``log_messages`` row and its ``log_deliveries`` rows: lists of plain values in
the tables' column order (:data:`MSG_COLUMNS`, :data:`DELIV_COLUMNS`), which ``executemany`` and
``COPY`` take as they are, with no dict made or read per row. They are made either from a
:class:`~inboxtrace.model.Message` or straight from the assembler's compact record
(:meth:`RowMaker.from_record`, what the log reader's workers call). Pure but for caches.
This is one of the hot paths of :mod:`inboxtrace.native`: plain typed Python that mypyc compiles
as it is; :mod:`inboxtrace.store.logs` keys, matches and writes the rows.
"""

from __future__ import annotations

import json
import json.encoder
import zlib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from inboxtrace import native
from inboxtrace.logs.clock import Clock
from inboxtrace.model.log import Attempt, Delivery, FinalState, Message, MessageFact
from inboxtrace.model.reply import Phase, Verdict
from inboxtrace.timeline import records
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


# The columns of ``log_messages`` and ``log_deliveries``, in table order (store/logs.py defines the
# tables; a test holds the two equal). A row is a list of values in this order; the message key
# (``mkey``, first in both) is "" until the writer gives it.
MSG_COLUMNS = (
    "mkey", "mta", "host", "queue_id", "received", "completed", "first_time", "last_time", "sender",
    "message_id", "size", "nrcpt", "client_host", "client_ip", "dsn_of", "next_hops", "source", "facts",
    "subject",
)  # fmt: skip
DELIV_COLUMNS = (
    "mkey", "recipient", "original_recipient", "rcpt_domain", "final_state", "first_time", "last_time",
    "day", "status", "reply", "dsn", "relay_host", "reason", "hard_bounce", "provider", "dsn_queue_id",
    "remote_queue_id", "n_attempts", "attempts",
)  # fmt: skip
# positions in a message row
M_KEY, M_HOST, M_QID, M_RECEIVED, M_COMPLETED, M_FIRST, M_LAST = 0, 2, 3, 4, 5, 6, 7
M_SENDER, M_HOPS, M_SOURCE, M_FACTS = 8, 15, 16, 17
# positions in a delivery row
D_KEY, D_RCPT, D_ORIG, D_DOMAIN, D_STATE, D_FIRST, D_LAST, D_DAY = 0, 1, 2, 3, 4, 5, 6, 7
D_STATUS, D_REPLY, D_DSN, D_RELAY, D_REASON, D_HARD, D_PROVIDER = 8, 9, 10, 11, 12, 13, 14
D_DSN_QID, D_RQID, D_N, D_ATTEMPTS = 15, 16, 17, 18


def epoch(dt: datetime | None) -> float | None:
    """Epoch seconds of ``dt`` (naive datetimes are taken as UTC)."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def _fp(*parts: str | None) -> str:
    """A short fingerprint of ``parts`` (CRC-32: it only separates attempts with equal keys)."""
    data = "\x00".join(p or "" for p in parts).encode("utf-8", "surrogatepass")
    return f"{zlib.crc32(data):08x}"


def _is_noqueue(queue_id: str) -> bool:
    return queue_id[:7] in ("NOQUEUE", "noqueue", "NoQueue")


def _domain(address: str) -> str | None:
    _, at, dom = address.rpartition("@")
    return dom.strip(">").lower() or None if at else None


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


def utc_day(ts: float) -> str:
    """The UTC date (YYYY-MM-DD) of epoch seconds ``ts``."""
    n = int(ts // 86400)
    day = _DAYS.get(n)
    if day is None:
        day = _DAYS[n] = datetime.fromtimestamp(n * 86400, UTC).date().isoformat()
    return day


# A message as rows: (message row, (source, digest) for a never-queued rejection else None,
# delivery rows), rows as lists in column order. Keys ("mkey") are given by the writer. Plain
# values only: marshal-able, so worker processes can make them.
PreparedMessage = tuple[list[Any], tuple[str, str] | None, list[list[Any]]]

_MIN_TS = datetime.min.replace(tzinfo=UTC).timestamp()
_NO_TS = -1.0e300  # (not an epoch: a miss in a cache of epochs)
# timestamp texts kept per clock (as many as the clock itself keeps): a full cache holds ~0.4 MB
_EPOCHS_MAX = 4096


def _epoch_of(clock: Clock, ts: str, cache: dict[str, float] | None) -> float:
    """Epoch seconds of timestamp text ``ts`` read by ``clock`` (_MIN_TS when it is not one),
    kept in ``cache`` (emptied when full, as the clock's own cache is)."""
    dt = clock(ts)
    t = dt.timestamp() if dt is not None else _MIN_TS
    if cache is not None:
        if len(cache) >= _EPOCHS_MAX:
            cache.clear()
        cache[ts] = t
    return t


def _epoch_or_none(clock: Clock, ts: str, cache: dict[str, float]) -> float | None:
    """Epoch seconds of timestamp text ``ts`` read by ``clock`` (None when it is not one), through
    ``cache`` as :func:`_epoch_of` keeps it (the arrival and removal times of a message mostly
    share their second with one of its attempts)."""
    t = cache.get(ts, _NO_TS)
    if t == _NO_TS:
        t = _epoch_of(clock, ts, cache)
    return None if t == _MIN_TS else t


ROWS = "inboxtrace.store._rows"
# the positions of an attempt record's fields (timeline/records.py), which _rows.pyx has as constants
_LAYOUT = {name: getattr(records, name) for name in dir(records) if name.startswith("A_")}
_PHASES = {p: p.value for p in Phase}
_STATE_VALUES = {s.value: s.value for s in FinalState}


def _fact_list(f: MessageFact) -> list[Any]:
    """A fact as stored in ``log_messages.facts``."""
    if f.kind == "expired":
        return [f.kind, _ts(f.time), f.evidence.line_no, f.evidence.source, f.evidence.line, None]
    return [f.kind, _ts(f.time), f.evidence.line_no, f.evidence.source, f.dsn_kind, f.dsn_queue_id]


def _message_row(  # noqa: PLR0917 (one row, one argument per column, called in two places)
    mta: str, host: str, qid: str, received: float | None, completed: float | None, first: float | None,
    last: float | None, sender: str | None, message_id: str | None, size: int | None, nrcpt: int | None,
    client_host: str | None, client_ip: str | None, dsn_of: str | None, hops: Sequence[str], source: str | None,
    facts: str | None, subject: str | None,
) -> list[Any]:  # fmt: skip
    """A ``log_messages`` row, :data:`MSG_COLUMNS` order (its key, ``mkey``, is given by the writer)."""
    return [
        "", mta, host, qid, received, completed, first, last, sender, message_id, size, nrcpt, client_host,
        client_ip, dsn_of, " ".join(hops) or None, source, facts, subject,
    ]  # fmt: skip


class RowMaker:
    """Turns a :class:`~inboxtrace.model.Message` into the rows the store writes.

    Pure but for caches, so it can run in the log reader's worker processes (``ingest`` passes
    one to :func:`~inboxtrace.timeline.read_logs` as its ``transform``); the writer only keys,
    matches and writes the rows.
    """

    def __init__(self) -> None:
        self._cls = _Classifier()
        # epoch seconds of timestamp texts, per clock (a source's clock is replaced when its
        # reference date is set): most attempts share their second with an earlier line
        self._epochs: dict[Clock, dict[str, float]] = {}
        # from_record made in C (store/_rows.pyx) on this maker's own helpers and caches, where built
        # for the records' layout
        rows = native.extension(ROWS)
        self._c: Any = None
        if rows is not None and rows.LAYOUT == _LAYOUT:
            self._c = rows.Rows(
                self._epochs_of, self._cls.reason_of, self._cls.provider_of, _epoch_of, _epoch_or_none,
                _domain, utc_day, _message_row, RowMaker._facts, _is_noqueue, _fp, _PHASES, _STATE_VALUES,
            )  # fmt: skip

    def _epochs_of(self, clock: Clock) -> dict[str, float]:
        epochs = self._epochs.get(clock)
        if epochs is None:
            if len(self._epochs) >= 64:
                self._epochs.clear()
            epochs = self._epochs[clock] = {}
        return epochs

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
        row = _message_row(
            msg.mta, msg.host, msg.queue_id, epoch(msg.received), epoch(msg.completed), first, last,
            msg.sender, msg.message_id, msg.size, msg.nrcpt, msg.client_host, msg.client_ip, msg.dsn_of,
            msg.next_hops, source,
            compact_json([_fact_list(f) for f in msg.facts]) if msg.facts else None, msg.subject,
        )  # fmt: skip
        drows = [self._delivery_row(d, t, source) for d, t in zip(msg.deliveries, times, strict=True)]
        return row, nq, drows

    def from_record(self, rec: MessageRec, verdicts: list[Verdict], builder: Builder) -> PreparedMessage:
        """The same rows as ``self(builder.build(rec, verdicts))``, without making the model
        objects first (the log reader's workers call this: a third of their time saved)."""
        if self._c is not None:  # the same rows made in C, unless a value there is of another type
            made: PreparedMessage | None = self._c(rec, verdicts, builder)
            if made is not None:
                return made
        (mta, host, qid, received_ts, completed_ts, sender, message_id, size, nrcpt, client_host, client_ip,
         dsn_of, hops, source, deliveries, facts, subject) = rec  # fmt: skip
        clock = builder.clock(source)
        epochs = self._epochs_of(clock)
        reason_of = self._cls.reason_of
        known: list[float] = []
        drows = []
        nq_line: str | None = None
        nq_source = source or ""
        for addr, state, orig, dsn_qid, attempts in deliveries:
            lists = []
            for a in attempts:
                a_source = a[A_SOURCE]
                ts = a[A_TS]
                if a_source == source:
                    t = epochs.get(ts, _NO_TS)
                    if t == _NO_TS:
                        t = _epoch_of(clock, ts, epochs)
                else:
                    t = _epoch_of(builder.clock(a_source), ts, None)
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
            known.extend(x[0] for x in lists)
            drows.append(self._delivery(addr, orig, _STATE_VALUES[state], dsn_qid, lists))
        r_ts = _epoch_or_none(clock, received_ts, epochs) if received_ts else None
        c_ts = _epoch_or_none(clock, completed_ts, epochs) if completed_ts else None
        if r_ts is not None:
            known.append(r_ts)
        if c_ts is not None:
            known.append(c_ts)
        first_t, last_t = (min(known), max(known)) if known else (None, None)
        nq = None
        if _is_noqueue(qid):
            nq = (nq_source, _fp(sender, ",".join(d[0] for d in deliveries), nq_line or ""))
        row = _message_row(
            mta, host, qid, r_ts, c_ts, first_t, last_t, sender, message_id, size, nrcpt, client_host,
            client_ip, dsn_of, hops, source, self._facts(facts, builder, source) if facts else None, subject,
        )  # fmt: skip
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
        return compact_json(out)

    def _delivery_row(self, d: Delivery, times: list[float], source: str | None) -> list[Any]:
        lists = [self._attempt_list(a, t, source) for a, t in zip(d.attempts, times, strict=True)]
        return self._delivery(d.recipient, d.original_recipient, d.final_state.value, d.dsn_queue_id, lists)

    def _delivery(
        self, addr: str, orig: str | None, state: str, dsn_qid: str | None, lists: list[list[Any]]
    ) -> list[Any]:
        """A delivery row (:data:`DELIV_COLUMNS` order); ``lists``: its attempts as stored
        (ATTEMPT_FIELDS order), oldest first."""
        domain = _domain(addr)
        if lists:
            deciding = lists[-1]
            relay = deciding[2]
            return [
                "", addr, orig, domain, state, lists[0][0], deciding[0], utc_day(deciding[0]), deciding[1],
                deciding[5], deciding[6], relay, deciding[11], deciding[12], self._cls.provider_of(relay, domain),
                dsn_qid, deciding[10], len(lists), compact_json(lists),
            ]  # fmt: skip
        return [
            "", addr, orig, domain, state, None, None, None, None, None, None, None, None, None,
            self._cls.provider_of(None, domain), dsn_qid, None, 0, "[]",
        ]  # fmt: skip

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


def _compact_encoder() -> Callable[[Any], str]:
    """JSON without spaces, as stored in ``attempts`` and ``facts``: what
    ``json.dumps(obj, separators=(",", ":"), ensure_ascii=False)`` makes, without its set-up on
    every call (``JSONEncoder.encode`` makes a new C encoder each time, a third of the cost of a
    delivery's attempts): the standard library's C encoder is made once here, with the settings
    ``JSONEncoder`` would give it. Where there is none (not CPython), ``JSONEncoder.encode``."""
    encoder = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, check_circular=False)
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return encoder.encode
    # (markers, default, string encoder, indent, key separator, item separator, sort_keys,
    # skipkeys, allow_nan): JSONEncoder.iterencode's own call
    chunks = make(None, encoder.default, json.encoder.encode_basestring, None, ":", ",", False, False, True)

    def encode(obj: Any) -> str:
        return "".join(chunks(obj, 0))

    return encode


compact_json = _compact_encoder()


__all__ = [
    "ATTEMPT_FIELDS",
    "DELIV_COLUMNS",
    "MSG_COLUMNS",
    "PreparedMessage",
    "RowMaker",
    "compact_json",
    "epoch",
    "utc_day",
]
