"""Streaming assembly of parser events into :class:`~inboxtrace.model.Message` timelines.

State is kept per (host, queue id) only while a message is in flight: it is emitted as a compact
record (see :mod:`inboxtrace.timeline.records`; appended to :attr:`Assembler.out`) when the MTA says it left the queue (Postfix ``removed``, Exim
``Completed``), when it has been idle longer than ``idle_seconds`` of log time, or by
:meth:`Assembler.flush` at the end of the input. A message that has no recipient yet (a bounce's
DSN whose delivery the log never shows, a held message) is handed out sooner, once idle for a
day of log time (:data:`QUIET_SECONDS`): otherwise such messages pile up for the whole idle limit
(7 days by default), and memory grows with the log. A later line of the same queue id starts a
new part, which the store merges by (host, queue id) as it merges any message idle-flushed in
one read and continued in the next. Rejections of never-queued messages
(``NOQUEUE``) are emitted at once as messages whose only delivery is ``rejected``.
"""

# Event calls are positional on purpose: they run once per log line and keywords cost time.
# ruff: noqa: PLR0917

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable
from datetime import datetime
from typing import Any

from inboxtrace import native
from inboxtrace.logs.clock import Clock
from inboxtrace.model.log import FinalState
from inboxtrace.model.reply import Verdict
from inboxtrace.timeline.records import (
    A_DSN,
    A_PHASE_VID,
    A_RELAY_HOST,
    A_RELAY_IP,
    A_RELAY_PORT,
    A_REPLY,
    A_RQID,
    AttemptRec,
    MessageRec,
)
from inboxtrace.timeline.verdicts import VerdictCache

FINAL_BY_STATUS = {
    "sent": FinalState.DELIVERED,
    "deliverable": FinalState.DELIVERED,
    "suppressed": FinalState.DELIVERED,
    "discarded": FinalState.DELIVERED,
    "bounced": FinalState.BOUNCED,
    "undeliverable": FinalState.BOUNCED,
    "expired": FinalState.EXPIRED,
    "rejected": FinalState.REJECTED,
    "deferred": FinalState.DEFERRED,
    "SOFTBOUNCE": FinalState.DEFERRED,  # Postfix soft_bounce=yes: a bounce kept as a deferral
}

# Which recipients a DSN of each kind reports on (by their status when it was sent).
DSN_REPORTS_ON = {
    "non-delivery": frozenset({"bounced", "expired", "undeliverable"}),
    "delay": frozenset({"deferred"}),
    "delivery status": frozenset({"sent", "bounced", "expired"}),  # NOTIFY=SUCCESS and friends
}

# A message without any recipient yet is handed out when idle this long (or idle_seconds if that is
# less), looked for at most every _QUIET_CHECK of log time (a scan of the open messages).
QUIET_SECONDS = 86400.0
_QUIET_CHECK = QUIET_SECONDS / 8

# SMTP stages at which a refusal is of a whole message (not of a connection or a command).
_MESSAGE_STAGES = frozenset({"DATA", "END-OF-MESSAGE", "BDAT", "AFTER DATA"})

# A message-level fact, kept so that a later part of the message (another ingest, another file)
# can apply it to recipients it did not see: ("expired", ts, line_no, line, source, ts) or
# ("dsn", kind, line_no, dsn_queue_id, source, ts).
Fact = tuple[str, str, int, str, str, str]

# The latest never-queued rejections remembered to number identical lines (each ~200 bytes: a
# busy log keeps the window full, 10,000 took ~1.7 MB per process; 2,000 are hours of a log).
# The store numbers them again with the same window (store/log_match.py).
NOQUEUE_WINDOW = 2_000

_RELAY_IN_TEXT = ("connect to ", "lost connection with ", "conversation with ", "host ")


def relay_from_text(text: str) -> str | None:
    """The server a Postfix failure text names (``connect to mx[1.2.3.4]:25: ...``), if any."""
    for prefix in _RELAY_IN_TEXT:
        i = text.find(prefix)
        if i >= 0:
            spec = text[i + len(prefix) :].split(" ", 1)[0].rstrip(":")
            if "[" in spec:
                return spec
    return None


# (read in place by _assemble.pyx before it calls split_relay_cached: keep it this one dict)
_RELAYS: dict[str, tuple[str | None, str | None, int | None]] = {}


def split_relay_cached(relay: str | None) -> tuple[str | None, str | None, int | None]:
    """:func:`split_relay` memoised (relay specs repeat all the time)."""
    if relay is None:
        return None, None, None
    try:
        return _RELAYS[relay]
    except KeyError:
        value = split_relay(relay)
        if len(_RELAYS) > 20_000:
            _RELAYS.clear()
        _RELAYS[relay] = value
        return value


def split_relay(relay: str | None) -> tuple[str | None, str | None, int | None]:
    """``mx.example[1.2.3.4]:25`` -> ("mx.example", "1.2.3.4", 25); ``none``/``local`` -> (name, None, None)."""
    if not relay or relay == "none":
        return None, None, None
    b = relay.find("[")
    if b < 0:
        return relay, None, None
    e = relay.find("]", b)
    name = relay[:b].strip() or None
    ip = relay[b + 1 : e] if e > 0 else None
    port = None
    if e > 0 and relay[e + 1 : e + 2] == ":" and relay[e + 2 :].isdigit():
        port = int(relay[e + 2 :])
    if ip is not None and (ip.startswith(("private/", "public/", "unix:")) or "/" in ip):
        ip = None
    return name, ip, port


_rqid: Callable[[str], str | None] | None = None


# Replies that differ only in digits and hex letters have the same shape; a shape that held no
# queue id once holds none the next time (the id patterns look for digits in fixed places). The
# shape is made of the UTF-8 bytes (every text encodes, and only ASCII bytes are digits or hex
# letters): bytes.translate is ~9x faster than str.translate, which ran for every "sent" reply.
_SHAPE = bytes.maketrans(b"0123456789abcdefABCDEF", b"######################")
_NO_RQID: set[bytes] = set()


def _remote_queue_id(text: str) -> str | None:
    global _rqid
    i = text.find("queued as ")
    if i >= 0:
        tok = text[i + 10 :].split(" ", 1)[0].rstrip(").,;>")
        if len(tok) >= 5 and tok.isalnum():
            return tok
    shape = text.encode("utf-8", "surrogatepass").translate(_SHAPE)
    if shape in _NO_RQID:
        return None
    if _rqid is None:
        from inboxtrace.codes import remote_queue_id

        _rqid = remote_queue_id
    found = _rqid(text)
    if found is None:
        if len(_NO_RQID) > 10_000:
            _NO_RQID.clear()
        _NO_RQID.add(shape)
    return found


def _seconds(delay: str | None) -> float | None:
    if delay is None:
        return None
    try:
        return float(delay)
    except ValueError:
        pass
    if ":" in delay:  # sendmail [d+]hh:mm:ss
        days = 0
        if "+" in delay:
            d, _, delay = delay.partition("+")
            days = int(d) if d.isdigit() else 0
        parts = delay.split(":")
        try:
            secs = 0.0
            for p in parts:
                secs = secs * 60 + float(p)
        except ValueError:
            return None
        return days * 86400 + secs
    return None


class _Rcpt:
    __slots__ = ("addr", "attempts", "dsn_qid", "orig", "status")

    def __init__(self, addr: str, orig: str | None) -> None:
        self.addr = addr
        self.orig = orig
        self.attempts: list[AttemptRec] = []
        self.status: str | None = None
        self.dsn_qid: str | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        # pickled with a message cut by a chunk boundary (a compiled class has no __dict__)
        return _rcpt_of, ((self.addr, self.attempts, self.dsn_qid, self.orig, self.status),)


class _Msg:
    __slots__ = (
        "born", "client_host", "client_ip", "completed_ts", "dsn_of", "expired_ln", "facts", "first_ln",
        "hops", "host", "last_ts", "message_id", "mta", "notes", "notes_pid", "nrcpt", "qid", "rcpts",
        "received_ts", "sender", "size", "source", "subject",
    )  # fmt: skip

    def __init__(self, mta: str, host: str, qid: str, source: str, ln: int, born: bool) -> None:
        self.mta = mta
        self.host = host
        self.qid = qid
        self.source = source
        self.first_ln = ln
        self.born = born
        self.received_ts: str | None = None
        self.completed_ts: str | None = None
        self.sender: str | None = None
        self.message_id: str | None = None
        self.size: int | None = None
        self.nrcpt: int | None = None
        self.client_host: str | None = None
        self.client_ip: str | None = None
        self.rcpts: dict[tuple[str, str | None], _Rcpt] = {}
        self.dsn_of: str | None = None
        self.hops: list[str] = []
        self.notes: list[AttemptRec] = []
        self.notes_pid: str | None = None
        self.last_ts: str = ""
        self.expired_ln: int = 0
        self.facts: list[Fact] = []
        self.subject: str | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        return _msg_of, ((
            self.born, self.client_host, self.client_ip, self.completed_ts, self.dsn_of, self.expired_ln,
            self.facts, self.first_ln, self.hops, self.host, self.last_ts, self.message_id, self.mta,
            self.notes, self.notes_pid, self.nrcpt, self.qid, self.rcpts, self.received_ts, self.sender,
            self.size, self.source, self.subject,
        ),)  # fmt: skip


# The state pickled, in the order ``__reduce__`` gives it (a compiled class cannot read its
# __slots__: they are listed again here); _msg_of and _rcpt_of make the objects again.
_RCPT_STATE = ("addr", "attempts", "dsn_qid", "orig", "status")
_MSG_STATE = (
    "born", "client_host", "client_ip", "completed_ts", "dsn_of", "expired_ln", "facts", "first_ln",
    "hops", "host", "last_ts", "message_id", "mta", "notes", "notes_pid", "nrcpt", "qid", "rcpts",
    "received_ts", "sender", "size", "source", "subject",
)  # fmt: skip


def _rcpt_of(state: tuple[Any, ...]) -> _Rcpt:
    """A recipient state from its ``__reduce__`` values (for :mod:`pickle`: each set directly, where
    a generic set by name costs a look-up per field)."""
    addr, attempts, dsn_qid, orig, status = state
    r = _Rcpt(addr, orig)
    r.attempts = attempts
    r.dsn_qid = dsn_qid
    r.status = status
    return r


def _msg_of(state: tuple[Any, ...]) -> _Msg:
    """A message state from its ``__reduce__`` values (see :func:`_rcpt_of`)."""
    (born, client_host, client_ip, completed_ts, dsn_of, expired_ln, facts, first_ln, hops, host, last_ts,
     message_id, mta, notes, notes_pid, nrcpt, qid, rcpts, received_ts, sender, size, source, subject) = state  # fmt: skip
    st = _Msg(mta, host, qid, source, first_ln, born)
    st.client_host = client_host
    st.client_ip = client_ip
    st.completed_ts = completed_ts
    st.dsn_of = dsn_of
    st.expired_ln = expired_ln
    st.facts = facts
    st.hops = hops
    st.last_ts = last_ts
    st.message_id = message_id
    st.notes = notes
    st.notes_pid = notes_pid
    st.nrcpt = nrcpt
    st.rcpts = rcpts
    st.received_ts = received_ts
    st.sender = sender
    st.size = size
    st.subject = subject
    return st


ASSEMBLE = "inboxtrace.timeline._assemble"  # Cython: the frequent events, called from _fastscan


def sendmail_complete(st: Any) -> bool:
    """Whether a Sendmail message's state (plain or the C core's) is complete: each of its
    ``nrcpts`` recipients delivered, or bounced with its DSN logged (Sendmail logs no "removed")."""
    if st.mta != "sendmail" or not st.nrcpt or len(st.rcpts) < st.nrcpt:
        return False
    return all(r.status == "sent" or (r.status == "bounced" and r.dsn_qid) for r in st.rcpts.values())


class Assembler:
    """The :class:`~inboxtrace.logs.events.EventSink` that builds timelines.

    Set :attr:`source`, :attr:`clock` and :attr:`mta` before feeding lines of a new input.
    Finished messages collect in :attr:`out` as records; :class:`~inboxtrace.timeline.records.Builder`
    turns them into :class:`~inboxtrace.model.Message` objects (with :attr:`verdicts`, the table
    the records' verdict numbers point into). With ``orphans_partial=True`` (every chunk of a
    file but the first, when it is parsed in parallel) a message whose arrival is not in this
    chunk is kept back in :attr:`partials` instead of being emitted, to be merged with its earlier
    part from the previous chunk.
    """

    def __init__(
        self,
        *,
        classify: Callable[[str, str | None], Verdict | None] | None = None,
        idle_seconds: float | None = 7 * 86400,
        orphans_partial: bool = False,
    ) -> None:
        self.open: dict[tuple[str, str], _Msg] = {}
        self.out: list[MessageRec] = []
        self.partials: list[_Msg] = []
        self.source = ""
        self.clock = Clock()
        self.mta = "postfix"
        self.idle_seconds = idle_seconds
        self.orphans_partial = orphans_partial
        self.verdicts: list[Verdict] = []
        self._vid: dict[int, int] = {}
        self._verdict_cache = VerdictCache(classify)
        self._tls: dict[tuple[str, str | None], str] = {}
        self._noqueue_seen: dict[tuple[str, str], int] = {}
        # No open message's last line is older than this, by the clock _floor_clock (None:
        # unknown): flush_idle looks at every open message only when one may be idle.
        self._floor: datetime | None = None
        self._floor_clock: Clock | None = None
        # The same for the open messages without recipients (QUIET_SECONDS).
        self._quiet_floor: datetime | None = None
        # The C side that logs/_fastscan.pyx feeds the frequent events to (None: plain Python).
        # Its states live in ``open`` beside plain ones; every method here first has the states
        # it touches made plain (``_settle``), and the walks over ``open`` are the core's.
        fast = native.extension(ASSEMBLE)
        self._core: Any = fast.Core(self) if fast is not None else None

    def _settle(self, host: str, qid: str) -> None:
        core = self._core
        if core is not None:
            core.settle(host, qid)

    # --- helpers -----------------------------------------------------------------------------
    def _touch(self, st: _Msg, ts: str) -> None:
        """``st``'s latest line is at ``ts``: keep :attr:`_floor` below every open message's."""
        st.last_ts = ts
        if self._core is not None:
            self._core.lower(ts)
            return
        floor = self._floor
        if floor is not None:
            if self._floor_clock is not self.clock:
                self._floor = None
                return
            when = self.clock(ts)
            if when is not None and when < floor:
                self._floor = when
            quiet = self._quiet_floor
            if when is not None and quiet is not None and when < quiet:
                self._quiet_floor = when

    def _get(self, host: str, qid: str, ln: int, born: bool = False) -> _Msg:
        key = (host, qid)
        st = self.open.get(key)
        if st is None:
            st = _Msg(self.mta, host, qid, self.source, ln, born)
            self.open[key] = st
        return st

    def _birth(self, host: str, qid: str, ln: int) -> _Msg:
        """The state for a message that starts here; an open one with the same id that already
        has deliveries is an older message whose end the log lost (queue ids are reused)."""
        key = (host, qid)
        st = self.open.get(key)
        if st is not None and st.rcpts and st.born:
            del self.open[key]
            self.out.append(self.finish(st, closed=False))
            st = None
        if st is None:
            st = _Msg(self.mta, host, qid, self.source, ln, True)
            self.open[key] = st
        return st

    def _attempt(
        self,
        ts: str,
        status: str,
        relay: str | None,
        text: str | None,
        dsn: str | None,
        delay: str | None,
        delays: str | None,
        ln: int,
        line: str,
        tls: str | None = None,
        rcpt: str = "",
    ) -> AttemptRec:
        rh, rip, rport = split_relay_cached(relay)
        vid = -1
        if text:
            verdict = self._verdict_cache.get(text, rh, status, dsn, rcpt)
            if verdict is not None:
                vid = self._vid.get(id(verdict), -1)
                if vid < 0:
                    vid = len(self.verdicts)
                    self.verdicts.append(verdict)
                    self._vid[id(verdict)] = vid
        rq = _remote_queue_id(text) if text and status == "sent" else None
        return (
            ts,
            status,
            rh,
            rip,
            rport,
            text,
            dsn,
            _seconds(delay),
            delays,
            vid,
            rq,
            ln,
            line,
            tls,
            self.source,
        )

    # --- EventSink ---------------------------------------------------------------------------
    def client(
        self, host: str, qid: str, ts: str, client_host: str | None, client_ip: str | None, ln: int
    ) -> None:
        self._settle(host, qid)
        st = self._birth(host, qid, ln)
        st.born = True
        st.client_host = client_host
        st.client_ip = client_ip
        if st.received_ts is None:
            st.received_ts = ts
        self._touch(st, ts)

    def pickup(self, host: str, qid: str, ts: str, sender: str | None, ln: int) -> None:
        self._settle(host, qid)
        st = self._birth(host, qid, ln)
        st.born = True
        if st.sender is None:
            st.sender = sender
        if st.received_ts is None:
            st.received_ts = ts
        self._touch(st, ts)

    def message_id(self, host: str, qid: str, ts: str, message_id: str, ln: int) -> None:
        self._settle(host, qid)
        key = (host, qid)
        st = self.open.get(key)
        if st is None:
            st = _Msg(self.mta, host, qid, self.source, ln, True)
            self.open[key] = st
            st.received_ts = ts
        st.message_id = message_id
        self._touch(st, ts)

    def subject(self, host: str, qid: str, ts: str, subject: str, ln: int) -> None:
        self._settle(host, qid)
        st = self._get(host, qid, ln, True)
        if st.subject is None:  # the first: a later one is of an attached message
            st.subject = subject
        st.last_ts = ts

    def queued(
        self, host: str, qid: str, ts: str, sender: str | None, size: int | None, nrcpt: int | None, ln: int
    ) -> None:
        self._settle(host, qid)
        st = self._get(host, qid, ln)
        st.sender = sender
        if size is not None:
            st.size = size
        if nrcpt is not None:
            st.nrcpt = nrcpt
        if st.received_ts is None and st.born:
            st.received_ts = ts
        self._touch(st, ts)

    def arrival(
        self,
        host: str,
        qid: str,
        ts: str,
        sender: str | None,
        size: int | None,
        message_id: str | None,
        client_host: str | None,
        client_ip: str | None,
        nrcpt: int | None,
        ln: int,
    ) -> None:
        self._settle(host, qid)
        st = self._birth(host, qid, ln)
        st.born = True
        st.sender = sender
        st.size = size
        if message_id:
            st.message_id = message_id
        st.client_host = client_host
        st.client_ip = client_ip
        st.nrcpt = nrcpt
        if st.received_ts is None:
            st.received_ts = ts
        self._touch(st, ts)

    def delivery(
        self,
        host: str,
        qid: str,
        ts: str,
        rcpt: str,
        orig: str | None,
        status: str,
        relay: str | None,
        delay: str | None,
        delays: str | None,
        dsn: str | None,
        text: str | None,
        pid: str | None,
        ln: int,
        line: str,
    ) -> None:
        self._settle(host, qid)
        st = self._get(host, qid, ln)
        self._touch(st, ts)
        key = (rcpt, orig)
        r = st.rcpts.get(key)
        if r is None:
            r = st.rcpts[key] = _Rcpt(rcpt, orig)
        if st.notes and st.notes_pid == pid:
            r.attempts.extend(st.notes)
        tls = self._tls.pop((host, pid), None) if self._tls else None
        if (relay is None or relay == "none") and text and status != "sent":
            relay = relay_from_text(text) or relay
        a = self._attempt(ts, status, relay, text, dsn, delay, delays, ln, line, tls, rcpt)
        r.attempts.append(a)
        r.status = status
        if a[A_RQID]:
            st.hops.append(a[A_RQID])
        if st.mta == "sendmail":
            self._sendmail_done(st, ts, ln)

    def _sendmail_done(self, st: _Msg, ts: str, ln: int) -> None:
        """Sendmail logs no "removed": a message is complete when each of its ``nrcpts`` recipients
        was delivered, or bounced and its DSN logged (:func:`sendmail_complete`)."""
        if sendmail_complete(st):
            self.removed(st.host, st.qid, ts, ln)

    def note(self, host: str, qid: str, ts: str, pid: str | None, text: str, ln: int, line: str) -> None:
        self._settle(host, qid)
        st = self._get(host, qid, ln)
        self._touch(st, ts)
        if st.notes_pid != pid:
            st.notes = []
            st.notes_pid = pid
        relay = relay_from_text(text)
        tls = self._tls.pop((host, pid), None) if self._tls else None
        st.notes.append(self._attempt(ts, "tried", relay, text, None, None, None, ln, line, tls))

    def expired(self, host: str, qid: str, ts: str, ln: int, line: str) -> None:
        self._settle(host, qid)
        st = self._get(host, qid, ln)
        self._touch(st, ts)
        st.expired_ln = ln
        fact = ("expired", ts, ln, line, self.source, ts)
        st.facts.append(fact)
        self.apply_fact(st, fact)

    @staticmethod
    def apply_fact(st: _Msg, fact: Fact) -> None:
        """Apply a message-level fact (expiry, DSN sent) to the recipients known so far."""
        what, a, n, b, source, _ = fact
        if what == "dsn":
            kind, dsn_qid = a, b
            wanted = DSN_REPORTS_ON.get(kind, DSN_REPORTS_ON["non-delivery"])
            for r in st.rcpts.values():
                if r.status in wanted:
                    r.dsn_qid = dsn_qid
            return
        ts, ln, line = a, n, b
        for r in st.rcpts.values():
            if r.status in ("deferred", "tried", None):
                last = r.attempts[-1] if r.attempts else None
                if last is not None:
                    rec: AttemptRec = (
                        ts, "expired", last[A_RELAY_HOST], last[A_RELAY_IP], last[A_RELAY_PORT], last[A_REPLY],
                        last[A_DSN], None, None, last[A_PHASE_VID], None, ln, line, None, source,
                    )  # fmt: skip
                else:
                    rec = (
                        ts,
                        "expired",
                        None,
                        None,
                        None,
                        None,
                        None,
                        None,
                        None,
                        -1,
                        None,
                        ln,
                        line,
                        None,
                        source,
                    )
                r.attempts.append(rec)
                r.status = "expired"

    def removed(self, host: str, qid: str, ts: str, ln: int) -> None:
        self._settle(host, qid)
        st = self.open.pop((host, qid), None)
        if st is None:
            st = _Msg(self.mta, host, qid, self.source, ln, False)
        st.completed_ts = ts
        self._touch(st, ts)
        if self.orphans_partial and not st.born:
            self.partials.append(st)
        else:
            self.out.append(self.finish(st, closed=True))

    def notification(self, host: str, qid: str, ts: str, kind: str, dsn_qid: str, ln: int) -> None:
        self._settle(host, qid)
        self._settle(host, dsn_qid)
        st = self._get(host, qid, ln)
        self._touch(st, ts)
        fact = ("dsn", kind, ln, dsn_qid, self.source, ts)
        st.facts.append(fact)
        self.apply_fact(st, fact)
        dsn = self._get(host, dsn_qid, ln)
        dsn.dsn_of = qid
        if st.mta == "sendmail":
            self._sendmail_done(st, ts, ln)

    def reject(
        self,
        host: str,
        qid: str | None,
        ts: str,
        action: str,
        stage: str | None,
        client_host: str | None,
        client_ip: str | None,
        sender: str | None,
        rcpt: str | None,
        text: str,
        ln: int,
        line: str,
    ) -> None:
        status = "rejected" if action in ("reject", "milter-reject", "defer") else action
        if rcpt is None and stage is not None and stage.upper() in _MESSAGE_STAGES:
            rcpt = ""  # the whole message was refused, its recipients are not logged
        a = self._attempt(ts, status, None, text, None, None, None, ln, line, None, rcpt or "")
        if qid is not None:
            self._settle(host, qid)
            st = self._get(host, qid, ln)
            self._touch(st, ts)
            if client_host and st.client_host is None:
                st.client_host, st.client_ip = client_host, client_ip
            if sender is not None and st.sender is None:
                st.sender = sender
            key = (rcpt or "", None)
            r = st.rcpts.get(key)
            if r is None:
                r = st.rcpts[key] = _Rcpt(rcpt or "", None)
            r.attempts.append(a)
            r.status = status
            return
        # identical lines (same second, same process, same text) are distinct events when they
        # are in one file, and the same event when an overlapping rotation repeats them in another
        digest = hashlib.blake2b(line.encode("utf-8", "replace"), digest_size=8).hexdigest()
        seen = self._noqueue_seen
        n = seen.get((self.source, digest), 0) + 1
        seen[(self.source, digest)] = n
        if len(seen) > NOQUEUE_WINDOW:  # forget the oldest half: a repeat comes within its second
            for old in list(itertools.islice(seen, NOQUEUE_WINDOW // 2)):
                del seen[old]
        key_id = f"NOQUEUE-{digest}" if n == 1 else f"NOQUEUE-{digest}-{n}"
        state = "rejected" if status == "rejected" else FINAL_BY_STATUS.get(status, FinalState.UNKNOWN).value
        deliveries = [(rcpt, state, None, None, [a])] if rcpt is not None else []
        self.out.append(
            (
                self.mta,
                host,
                key_id,
                ts,
                ts,
                sender,
                None,
                None,
                1 if rcpt else 0,
                client_host,
                client_ip,
                None,
                [],
                self.source,
                deliveries,
                [],
                None,
            )
        )

    def tls(self, host: str, pid: str | None, text: str) -> None:
        i = text.find(": ", text.find("established to "))
        self._tls[(host, pid)] = text[i + 2 :] if i >= 0 else text
        if len(self._tls) > 10_000:
            self._tls.clear()

    # --- output ------------------------------------------------------------------------------
    @staticmethod
    def finish(st: _Msg, *, closed: bool) -> MessageRec:
        """The record for a state; ``closed`` when the MTA said the message is gone."""
        deliveries: list[Any] = []
        for r in st.rcpts.values():
            state = FINAL_BY_STATUS.get(r.status or "", FinalState.UNKNOWN)
            if state is FinalState.DEFERRED and closed and st.expired_ln == 0:
                state = FinalState.UNKNOWN  # deleted from the queue while deferred (postsuper -d)
            if r.status == "tried":
                state = FinalState.UNKNOWN if closed else FinalState.DEFERRED
            deliveries.append((r.addr, state.value, r.orig, r.dsn_qid, r.attempts))
        return (
            st.mta, st.host, st.qid, st.received_ts, st.completed_ts, st.sender, st.message_id, st.size, st.nrcpt,
            st.client_host, st.client_ip, st.dsn_of, st.hops, st.source, deliveries, st.facts, st.subject,
        )  # fmt: skip

    def flush_idle(self, now_ts: str) -> None:
        """Emit messages whose last line is older than ``idle_seconds`` before ``now_ts``."""
        if self._core is not None:
            self._core.flush_idle(now_ts)
            return
        if self.idle_seconds is None or not self.open:
            return
        now = self.clock(now_ts)
        if now is None:
            return
        floor, quiet_floor = self._floor, self._quiet_floor
        quiet = min(self.idle_seconds, QUIET_SECONDS)
        if (
            floor is not None
            and quiet_floor is not None
            and self._floor_clock is self.clock
            and (now - floor).total_seconds() <= self.idle_seconds
            and (now - quiet_floor).total_seconds() <= quiet + _QUIET_CHECK
        ):
            return  # every open message's last line is at floor or later: none is idle
        stale = []
        lowest = lowest_quiet = now
        for key, st in self.open.items():
            last = self.clock(st.last_ts) if st.last_ts else None
            if last is not None:
                idle = (now - last).total_seconds()
                if idle > self.idle_seconds or (idle > quiet and not st.rcpts):
                    stale.append(key)
                else:
                    lowest = min(lowest, last)
                    if not st.rcpts:
                        lowest_quiet = min(lowest_quiet, last)
        self._floor = lowest
        self._quiet_floor = lowest_quiet
        self._floor_clock = self.clock
        for key in stale:
            st = self.open.pop(key)
            if self.orphans_partial and not st.born:
                self.partials.append(st)
            else:
                self.out.append(self.finish(st, closed=False))

    def flush(self) -> None:
        """Emit every message still open (end of input)."""
        if self._core is not None:
            self._core.flush()
            return
        for st in self.open.values():
            self.out.append(self.finish(st, closed=False))
        self.open.clear()

    def oldest_open_line(self, source: str) -> int | None:
        """Line number of the first line of the oldest message still open from ``source``."""
        if self._core is not None:
            oldest: int | None = self._core.oldest_open_line(source)
            return oldest
        lines = [st.first_ln for st in self.open.values() if st.source == source]
        return min(lines) if lines else None


__all__ = [
    "DSN_REPORTS_ON",
    "FINAL_BY_STATUS",
    "QUIET_SECONDS",
    "Assembler",
    "Fact",
    "relay_from_text",
    "split_relay",
]
