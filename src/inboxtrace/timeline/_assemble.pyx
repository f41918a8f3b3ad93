# cython: language_level=3, boundscheck=False, wraparound=False
"""The frequent events of :class:`inboxtrace.timeline.assembler.Assembler`, called from C.

``logs/_fastscan.pyx`` reads the frequent Postfix lines (client=, message-id=, from=, to=...status=,
removed, expired, notifications) and calls the :class:`Core` of the assembler it feeds directly,
as C functions: no tuple of arguments, no Python call, no Python frame per event. Each method does
what the assembler method of the same name does, step by step (the test suite compares every
record of every log corpus with the plain implementation).

The state of a message the core handles is a :class:`Msg` (a C struct, where ``_Msg`` of
``assembler.py`` is a mypyc class the core could only reach through attribute lookups). Both kinds
live in the assembler's one ``open`` dict, so that the order messages are flushed in is the same.
Every other event (rejects, notes, TLS, subjects, other MTAs, lines the fast path leaves to
Python) runs the plain assembler method, which first asks :meth:`Core.settle` to turn the states it
will touch into plain ``_Msg`` objects, in place. An event of the core on a settled message runs
the plain method too. A :class:`Msg` pickles as a plain ``_Msg`` (the unfinished messages a
worker sends to the parent), and the idle flush, the end flush and the floor of last-seen times
are the core's while it is there, since they walk both kinds.
"""

cimport cython
from cpython.dict cimport PyDict_GetItem
from cpython.ref cimport PyObject

from inboxtrace.model.log import FinalState
from inboxtrace.timeline.assembler import (
    DSN_REPORTS_ON,
    FINAL_BY_STATUS,
    QUIET_SECONDS,
    _QUIET_CHECK as QUIET_CHECK,
    _RELAYS,
    _Msg,
    _Rcpt,
    _remote_queue_id,
    _msg_of,
    _rcpt_of,
    _seconds,
    relay_from_text,
    split_relay_cached,
)

# FinalState values, looked up once (an enum's .value is a property call)
cdef dict _STATE_VALUE = {status: state.value for status, state in FINAL_BY_STATUS.items()}
cdef str _UNKNOWN = FinalState.UNKNOWN.value
cdef str _DEFERRED = FinalState.DEFERRED.value
cdef frozenset _NON_DELIVERY = DSN_REPORTS_ON["non-delivery"]
cdef dict _RELAY_PARTS = _RELAYS  # split_relay_cached's memo (read here first, one C look-up)


# Not tracked by the garbage collector: a state refers to no state, so it is in no cycle, and the
# collector need not walk the open messages (GC was ~12% of a profile of this stage).
@cython.no_gc
cdef class Msg:
    """``assembler._Msg`` as a C struct (same attributes, same meaning)."""

    def __init__(self, mta, host, qid, source, Py_ssize_t ln, bint born):
        self.mta = mta
        self.host = host
        self.qid = qid
        self.source = source
        self.first_ln = ln
        self.born = born
        self.rcpts = {}
        self.hops = []
        self.notes = []
        self.facts = []
        self.last_ts = ""
        self.expired_ln = 0

    cdef tuple state(self, object rcpts):
        """The values ``assembler._Msg.__reduce__`` gives (in ``_MSG_STATE`` order), with ``rcpts``."""
        return (self.born, self.client_host, self.client_ip, self.completed_ts, self.dsn_of, self.expired_ln,
                self.facts, self.first_ln, self.hops, self.host, self.last_ts, self.message_id, self.mta,
                self.notes, self.notes_pid, self.nrcpt, self.qid, rcpts, self.received_ts, self.sender,
                self.size, self.source, self.subject)

    def __reduce__(self):
        # unpickled as the plain class: the parent of a parallel read merges plain states
        return _msg_of, (self.state(self.rcpts),)

    cpdef object plain(self):
        """The same state as a plain ``assembler._Msg``."""
        return _msg_of(self.state({key: (<Rcpt>r).plain() for key, r in self.rcpts.items()}))


@cython.no_gc
cdef class Rcpt:
    """``assembler._Rcpt`` as a C struct."""

    def __init__(self, addr, orig):
        self.addr = addr
        self.orig = orig
        self.attempts = []
        self.status = None
        self.dsn_qid = None

    def __reduce__(self):
        return _rcpt_of, ((self.addr, self.attempts, self.dsn_qid, self.orig, self.status),)

    cpdef object plain(self):
        return _rcpt_of((self.addr, self.attempts, self.dsn_qid, self.orig, self.status))


cdef inline bint is_core(object st):
    return type(st) is Msg


cdef void apply_fact(Msg st, tuple fact) except *:
    """``Assembler.apply_fact`` on a core state."""
    cdef Rcpt r
    what, a, n, b, source, _ = fact
    if what == "dsn":
        wanted = DSN_REPORTS_ON.get(a, _NON_DELIVERY)
        for r in st.rcpts.values():
            if r.status in wanted:
                r.dsn_qid = b
        return
    for r in st.rcpts.values():
        if r.status == "deferred" or r.status == "tried" or r.status is None:
            if r.attempts:
                last = r.attempts[len(r.attempts) - 1]
                rec = (a, "expired", last[2], last[3], last[4], last[5], last[6], None, None, last[9], None,
                       n, b, None, source)
            else:
                rec = (a, "expired", None, None, None, None, None, None, None, -1, None, n, b, None, source)
            r.attempts.append(rec)
            r.status = "expired"


cdef tuple finish(Msg st, bint closed):
    """``Assembler.finish`` of a core state."""
    cdef Rcpt r
    cdef list deliveries = []
    for r in st.rcpts.values():
        status = r.status
        state = _STATE_VALUE.get(status or "", _UNKNOWN)
        if closed and state == _DEFERRED and st.expired_ln == 0:
            state = _UNKNOWN  # deleted from the queue while deferred (postsuper -d)
        if status == "tried":
            state = _UNKNOWN if closed else _DEFERRED
        deliveries.append((r.addr, state, r.orig, r.dsn_qid, r.attempts))
    return (st.mta, st.host, st.qid, st.received_ts, st.completed_ts, st.sender, st.message_id, st.size,
            st.nrcpt, st.client_host, st.client_ip, st.dsn_of, st.hops, st.source, deliveries, st.facts,
            st.subject)


cdef class Core:
    """The C side of one :class:`~inboxtrace.timeline.assembler.Assembler` (its ``_core``)."""

    def __cinit__(self, asm):
        self.asm = asm
        self.open = asm.open
        self.tls = asm._tls
        self.vid = asm._vid
        self.verdicts = asm.verdicts
        self.cache_get = asm._verdict_cache.get
        self.idle_seconds = asm.idle_seconds
        self.orphans_partial = asm.orphans_partial
        # No open message's last line is older than floor, by the clock floor_clock (None:
        # unknown); touched_ts: the last timestamp text already compared with it.
        self.floor = None
        self.floor_clock = None
        self.touched_ts = None
        self.quiet_floor = None  # the same for the open messages without recipients (QUIET_SECONDS)

    # --- for the plain assembler ---------------------------------------------------------------
    def settle(self, host, qid):
        """The state of (host, qid), if the core's, becomes a plain ``_Msg`` at the same place in
        ``open``: a plain method is about to touch it."""
        key = (host, qid)
        st = self.open.get(key)
        if st is not None and is_core(st):
            self.open[key] = (<Msg>st).plain()

    def lower(self, ts):
        """A plain method touched a message at ``ts`` (``Assembler._touch``)."""
        self.lower_to(ts)

    def flush_idle(self, now_ts):
        """``Assembler.flush_idle`` over both kinds of state."""
        if self.idle_seconds is None or not self.open:
            return
        clock = self.asm.clock
        now = clock(now_ts)
        if now is None:
            return
        floor, quiet_floor = self.floor, self.quiet_floor
        quiet = min(self.idle_seconds, QUIET_SECONDS)
        if (
            floor is not None
            and quiet_floor is not None
            and self.floor_clock is clock
            and (now - floor).total_seconds() <= self.idle_seconds
            and (now - quiet_floor).total_seconds() <= quiet + QUIET_CHECK
        ):
            return  # every open message's last line is at floor or later: none is idle
        stale = []
        lowest = lowest_quiet = now
        for key, st in self.open.items():
            if is_core(st):
                last_ts, no_rcpts = (<Msg>st).last_ts, not (<Msg>st).rcpts
            else:
                last_ts, no_rcpts = st.last_ts, not st.rcpts
            last = clock(last_ts) if last_ts else None
            if last is not None:
                idle = (now - last).total_seconds()
                if idle > self.idle_seconds or (idle > quiet and no_rcpts):
                    stale.append(key)
                else:
                    if last < lowest:
                        lowest = last
                    if no_rcpts and last < lowest_quiet:
                        lowest_quiet = last
        self.floor = lowest
        self.quiet_floor = lowest_quiet
        self.floor_clock = clock
        self.touched_ts = None
        for key in stale:
            st = self.open.pop(key)
            born = (<Msg>st).born if is_core(st) else st.born
            if self.orphans_partial and not born:
                self.asm.partials.append((<Msg>st).plain() if is_core(st) else st)
            else:
                self.emit(st, False)

    def flush(self):
        """``Assembler.flush``: every message still open."""
        for st in self.open.values():
            self.emit(st, False)
        self.open.clear()

    def oldest_open_line(self, source):
        lines = [(<Msg>st).first_ln if is_core(st) else st.first_ln
                 for st in self.open.values() if ((<Msg>st).source if is_core(st) else st.source) == source]
        return min(lines) if lines else None

    # --- helpers -----------------------------------------------------------------------------
    cdef void emit(self, object st, bint closed) except *:
        self.asm.out.append(finish(<Msg>st, closed) if is_core(st) else self.asm.finish(st, closed=closed))

    cdef void lower_to(self, object ts) except *:
        """``Assembler._touch``'s part on the floor."""
        if self.floor is None or ts is self.touched_ts:
            return  # (the same text as the last one compared: the floor is at or below its time)
        clock = self.asm.clock
        if self.floor_clock is not clock:
            self.floor = None
            return
        when = clock(ts)
        self.touched_ts = ts
        if when is not None and when < self.floor:
            self.floor = when
        if when is not None and self.quiet_floor is not None and when < self.quiet_floor:
            self.quiet_floor = when

    cdef void touch(self, Msg st, object ts) except *:
        st.last_ts = ts
        self.lower_to(ts)

    cdef Msg opened(self, tuple key, Py_ssize_t ln, bint born):
        """A new core state for ``key`` = (host, qid), open from line ``ln``."""
        asm = self.asm
        st = Msg(asm.mta, key[0], key[1], asm.source, ln, born)
        self.open[key] = st
        return st

    cdef object state(self, object host, object qid, Py_ssize_t ln, bint born):
        """``Assembler._get``: the open state (either kind), or a new core one."""
        key = (host, qid)
        st = self.open.get(key)
        if st is None:
            st = self.opened(key, ln, born)
        return st

    cdef object birth(self, object host, object qid, Py_ssize_t ln):
        """``Assembler._birth``; a plain state is returned as it is (the caller runs the plain method)."""
        key = (host, qid)
        st = self.open.get(key)
        if st is not None:
            if not is_core(st):
                return st
            if (<Msg>st).rcpts and (<Msg>st).born:
                del self.open[key]
                self.emit(st, False)
                st = None
        if st is None:
            st = self.opened(key, ln, True)
        return st

    cdef tuple attempt(self, object ts, object status, object relay, object text, object dsn, object delay,
                       object delays, object ln, object line, object tls, object rcpt):
        """``Assembler._attempt``."""
        cdef PyObject* known = PyDict_GetItem(_RELAY_PARTS, relay) if relay is not None else NULL
        rh, rip, rport = <object>known if known != NULL else split_relay_cached(relay)
        vid = -1
        if text:
            verdict = self.cache_get(text, rh, status, dsn, rcpt)
            if verdict is not None:
                ident = id(verdict)
                vid = self.vid.get(ident, -1)
                if vid < 0:
                    vid = len(self.verdicts)
                    self.verdicts.append(verdict)
                    self.vid[ident] = vid
        rq = _remote_queue_id(text) if text and status == "sent" else None
        if type(delay) is str:  # (what _seconds tries first, without the call)
            try:
                seconds = float(delay)
            except ValueError:
                seconds = _seconds(delay)
        else:
            seconds = _seconds(delay)
        return (ts, status, rh, rip, rport, text, dsn, seconds, delays, vid, rq, ln, line, tls,
                self.asm.source)

    # --- the events (EventSink methods of the same names) ------------------------------------
    cdef int client(self, object host, object qid, object ts, object client_host, object client_ip,
                    Py_ssize_t ln) except -1:
        st = self.birth(host, qid, ln)
        if not is_core(st):
            self.asm.client(host, qid, ts, client_host, client_ip, ln)
            return 0
        cdef Msg m = <Msg>st
        m.born = True
        m.client_host = client_host
        m.client_ip = client_ip
        if m.received_ts is None:
            m.received_ts = ts
        self.touch(m, ts)
        return 0

    cdef int message_id(self, object host, object qid, object ts, object message_id, Py_ssize_t ln) except -1:
        key = (host, qid)
        st = self.open.get(key)
        cdef Msg m
        if st is None:
            m = self.opened(key, ln, True)
            m.received_ts = ts
        elif not is_core(st):
            self.asm.message_id(host, qid, ts, message_id, ln)
            return 0
        else:
            m = <Msg>st
        m.message_id = message_id
        self.touch(m, ts)
        return 0

    cdef int queued(self, object host, object qid, object ts, object sender, object size, object nrcpt,
                    Py_ssize_t ln) except -1:
        st = self.state(host, qid, ln, False)
        if not is_core(st):
            self.asm.queued(host, qid, ts, sender, size, nrcpt, ln)
            return 0
        cdef Msg m = <Msg>st
        m.sender = sender
        if size is not None:
            m.size = size
        if nrcpt is not None:
            m.nrcpt = nrcpt
        if m.received_ts is None and m.born:
            m.received_ts = ts
        self.touch(m, ts)
        return 0

    cdef int delivery(self, object host, object qid, object ts, object rcpt, object orig, object status,
                      object relay, object delay, object delays, object dsn, object text, object pid,
                      Py_ssize_t ln, object line) except -1:
        st = self.state(host, qid, ln, False)
        if not is_core(st) or (<Msg>st).mta == "sendmail":
            self.settle(host, qid)
            self.asm.delivery(host, qid, ts, rcpt, orig, status, relay, delay, delays, dsn, text, pid, ln, line)
            return 0
        cdef Msg m = <Msg>st
        cdef Rcpt r
        self.touch(m, ts)
        key = (rcpt, orig)
        found = m.rcpts.get(key)
        if found is None:
            r = Rcpt(rcpt, orig)
            m.rcpts[key] = r
        else:
            r = <Rcpt>found
        if m.notes and m.notes_pid == pid:
            r.attempts.extend(m.notes)
        tls = self.tls.pop((host, pid), None) if self.tls else None
        if (relay is None or relay == "none") and text and status != "sent":
            relay = relay_from_text(text) or relay
        a = self.attempt(ts, status, relay, text, dsn, delay, delays, ln, line, tls, rcpt)
        r.attempts.append(a)
        r.status = status
        if a[10]:
            m.hops.append(a[10])
        return 0

    cdef int removed(self, object host, object qid, object ts, Py_ssize_t ln) except -1:
        key = (host, qid)
        st = self.open.get(key)
        cdef Msg m
        if st is None:
            asm = self.asm
            m = Msg(asm.mta, host, qid, asm.source, ln, False)  # (never open: gone at once)
        elif not is_core(st):
            self.asm.removed(host, qid, ts, ln)
            return 0
        else:
            del self.open[key]
            m = <Msg>st
        m.completed_ts = ts
        self.touch(m, ts)
        if self.orphans_partial and not m.born:
            self.asm.partials.append(m.plain())
        else:
            self.asm.out.append(finish(m, True))
        return 0

    cdef int expired(self, object host, object qid, object ts, Py_ssize_t ln, object line) except -1:
        st = self.state(host, qid, ln, False)
        if not is_core(st):
            self.asm.expired(host, qid, ts, ln, line)
            return 0
        cdef Msg m = <Msg>st
        self.touch(m, ts)
        m.expired_ln = ln
        fact = ("expired", ts, ln, line, self.asm.source, ts)
        m.facts.append(fact)
        apply_fact(m, fact)
        return 0

    cdef int notification(self, object host, object qid, object ts, object kind, object dsn_qid,
                          Py_ssize_t ln) except -1:
        st = self.state(host, qid, ln, False)
        if not is_core(st) or (<Msg>st).mta == "sendmail":
            self.settle(host, qid)
            self.asm.notification(host, qid, ts, kind, dsn_qid, ln)
            return 0
        cdef Msg m = <Msg>st
        self.touch(m, ts)
        fact = ("dsn", kind, ln, dsn_qid, self.asm.source, ts)
        m.facts.append(fact)
        apply_fact(m, fact)
        dsn = self.state(host, dsn_qid, ln, False)
        if is_core(dsn):
            (<Msg>dsn).dsn_of = qid
        else:
            dsn.dsn_of = qid
        return 0
