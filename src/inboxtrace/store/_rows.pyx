# cython: language_level=3, boundscheck=False, wraparound=False
"""A message's store rows made in C from the assembler's record (:meth:`RowMaker.from_record`).

What the plain method spends its time on (perf of a worker's rows, 200k lines): per attempt a list
of 17 values, then the JSON encoder's walk over it (a new string per escaped text and per float),
then the list freed; the JSON text alone was a quarter of the method. :class:`Rows` writes each
delivery's ``attempts`` JSON straight into one reused buffer from the values as they are read,
and makes the delivery and message rows as the method does, calling the same helpers of
:mod:`inboxtrace.store.log_rows` (the classifier's caches, the clock, the day, the provider), so
the two cannot drift apart.

The JSON is the one ``json.dumps(obj, separators=(",", ":"), ensure_ascii=False)`` makes: text
escaped as its encoder escapes it (``"``, ``\\``, the five short escapes, other control
characters as ``\\u00XX``; everything else, non-ASCII included, as it is), floats as
``float.__repr__`` gives them (``Infinity``, ``-Infinity``, ``NaN`` where not finite), integers in
decimal, ``true``/``false``/``null``. A value of any other type (a ``str`` or ``int`` subclass, an
integer beyond 64 bits) or a text that is not valid Unicode (a lone surrogate) makes
:meth:`Rows.__call__` return None: the method's own code then makes that message.
"""

from cpython.float cimport PyFloat_AS_DOUBLE
from cpython.long cimport PyLong_AsLongLongAndOverflow
from cpython.mem cimport PyMem_Free
from cpython.ref cimport PyObject
from libc.math cimport isfinite, isnan
from libc.stdio cimport snprintf
from libc.stdlib cimport free, realloc
from libc.string cimport memcmp, memcpy


cdef extern from "Python.h":
    bint PyUnicode_IS_ASCII(object o)
    void *PyUnicode_DATA(object o)
    Py_ssize_t PyUnicode_GET_LENGTH(object o)
    object PyUnicode_New(Py_ssize_t size, Py_UCS4 maxchar)
    object PyUnicode_DecodeUTF8(const char *s, Py_ssize_t size, const char *errors)
    const char *PyUnicode_AsUTF8AndSize(object o, Py_ssize_t *size) except? NULL
    bint PyUnicode_CheckExact(object o)
    bint PyLong_CheckExact(object o)
    bint PyFloat_CheckExact(object o)
    PyObject *PyDict_GetItem(object d, object k)
    int PyUnicode_READY(object o) except -1
    char *PyOS_double_to_string(double val, char format_code, int precision, int flags, int *ptype) except NULL
    int Py_DTSF_ADD_DOT_0


# positions in an attempt record (timeline/records.py: a private contract with the assembler;
# log_rows uses this module only where LAYOUT is that of records.py)
cdef enum:
    A_TS = 0
    A_STATUS = 1
    A_RELAY_HOST = 2
    A_RELAY_IP = 3
    A_RELAY_PORT = 4
    A_REPLY = 5
    A_DSN = 6
    A_DELAY = 7
    A_DELAYS = 8
    A_PHASE_VID = 9
    A_RQID = 10
    A_LN = 11
    A_LINE = 12
    A_TLS = 13
    A_SOURCE = 14

LAYOUT = {
    "A_TS": A_TS,
    "A_STATUS": A_STATUS,
    "A_RELAY_HOST": A_RELAY_HOST,
    "A_RELAY_IP": A_RELAY_IP,
    "A_RELAY_PORT": A_RELAY_PORT,
    "A_REPLY": A_REPLY,
    "A_DSN": A_DSN,
    "A_DELAY": A_DELAY,
    "A_DELAYS": A_DELAYS,
    "A_PHASE_VID": A_PHASE_VID,
    "A_RQID": A_RQID,
    "A_LN": A_LN,
    "A_LINE": A_LINE,
    "A_TLS": A_TLS,
    "A_SOURCE": A_SOURCE,
}

cdef const char *_HEX = b"0123456789abcdef"
# 1 for each byte a JSON string escapes (control characters, the quote, the backslash), and the
# letter of its short escape where it has one (others: \u00XX)
cdef unsigned char _ESCAPED[256]
cdef char _SHORT[256]
for _c in range(256):
    _ESCAPED[_c] = _c < 0x20 or _c == 0x22 or _c == 0x5C
    _SHORT[_c] = 0
for _c, _letter in ((8, b"b"), (9, b"t"), (10, b"n"), (12, b"f"), (13, b"r"), (0x22, b'"'), (0x5C, b"\\")):
    _SHORT[_c] = _letter[0]
# the text of the float written last (a log's attempts mostly share their second)
cdef double _last_float = 0.0
cdef char _last_text[32]
cdef Py_ssize_t _last_len = 0


cdef struct Buf:
    char *data
    Py_ssize_t size
    Py_ssize_t cap
    bint ascii  # every byte written is below 0x80


cdef int _grow(Buf *b, Py_ssize_t more) except -1:
    cdef Py_ssize_t cap = b.cap * 2 if b.cap else 4096
    while cap < b.size + more:
        cap *= 2
    cdef char *data = <char *>realloc(b.data, cap)
    if data == NULL:
        raise MemoryError()
    b.data = data
    b.cap = cap
    return 0


cdef inline int _put(Buf *b, const char *s, Py_ssize_t n) except -1:
    if b.size + n > b.cap:
        _grow(b, n)
    memcpy(b.data + b.size, s, n)
    b.size += n
    return 0


cdef inline int _byte(Buf *b, char c) except -1:
    if b.size + 1 > b.cap:
        _grow(b, 1)
    b.data[b.size] = c
    b.size += 1
    return 0


cdef int _text(Buf *b, object s) except -1:
    """``s`` as a JSON string: 1 written, 0 when it cannot be (not valid Unicode)."""
    cdef Py_ssize_t n, i, start
    cdef const unsigned char *p
    cdef unsigned char c
    PyUnicode_READY(s)
    if PyUnicode_IS_ASCII(s):
        p = <const unsigned char *>PyUnicode_DATA(s)
        n = PyUnicode_GET_LENGTH(s)
    else:
        try:
            p = <const unsigned char *>PyUnicode_AsUTF8AndSize(s, &n)
        except UnicodeError:  # (a lone surrogate: the encoder keeps it, UTF-8 cannot carry it)
            return 0
        b.ascii = False
    # at most 6 bytes per input byte (\u00XX), and the quotes
    if b.size + 6 * n + 2 > b.cap:
        _grow(b, 6 * n + 2)
    b.data[b.size] = b'"'
    b.size += 1
    start = 0
    for i in range(n):
        c = p[i]
        if not _ESCAPED[c]:
            continue
        if i > start:
            memcpy(b.data + b.size, p + start, i - start)
            b.size += i - start
        start = i + 1
        b.data[b.size] = b'\\'
        if _SHORT[c]:
            b.data[b.size + 1] = _SHORT[c]
            b.size += 2
        else:
            memcpy(b.data + b.size + 1, b"u00", 3)
            b.data[b.size + 4] = _HEX[c >> 4]
            b.data[b.size + 5] = _HEX[c & 15]
            b.size += 6
    if n > start:
        memcpy(b.data + b.size, p + start, n - start)
        b.size += n - start
    b.data[b.size] = b'"'
    b.size += 1
    return 1


cdef int _float(Buf *b, double x) except -1:
    global _last_float, _last_len
    cdef char *text
    cdef Py_ssize_t n
    if _last_len and memcmp(&x, &_last_float, sizeof(double)) == 0:  # (0.0 is not -0.0)
        return _put(b, _last_text, _last_len)
    if not isfinite(x):
        if isnan(x):
            _put(b, b"NaN", 3)
        elif x > 0:
            _put(b, b"Infinity", 8)
        else:
            _put(b, b"-Infinity", 9)
        return 0
    text = PyOS_double_to_string(x, b'r', 0, Py_DTSF_ADD_DOT_0, NULL)
    n = 0
    while text[n]:
        n += 1
    try:
        _put(b, text, n)
        if n < 32:
            memcpy(_last_text, text, n)
            _last_float, _last_len = x, n
    finally:
        PyMem_Free(text)
    return 0


cdef int _value(Buf *b, object v) except -1:
    """``v`` as JSON: 1 written, 0 when it is of a type written otherwise (the caller falls back)."""
    cdef long long i
    cdef int overflow
    cdef char digits[24]
    if v is None:
        _put(b, b"null", 4)
    elif v is True:
        _put(b, b"true", 4)
    elif v is False:
        _put(b, b"false", 5)
    elif PyUnicode_CheckExact(v):
        return _text(b, v)
    elif PyFloat_CheckExact(v):
        _float(b, PyFloat_AS_DOUBLE(v))
    elif PyLong_CheckExact(v):
        i = PyLong_AsLongLongAndOverflow(v, &overflow)
        if overflow:
            return 0
        _put(b, digits, snprintf(digits, sizeof(digits), b"%lld", i))
    else:
        return 0
    return 1


cdef object _made(Buf *b):
    """The buffer's text as a ``str``."""
    cdef object out
    if b.ascii:
        out = PyUnicode_New(b.size, 127)
        memcpy(PyUnicode_DATA(out), b.data, b.size)
        return out
    return PyUnicode_DecodeUTF8(b.data, b.size, NULL)


cdef int _attempt(Buf *b, tuple a, object t, object status, object phase, object reason, object hard,
                  bint same) except -1:
    """One attempt as stored (``ATTEMPT_FIELDS`` order) written as a JSON array: 1, or 0 when a
    value is of a type written otherwise."""
    # (borrowed: each is held by the record or by the caller while this runs)
    cdef PyObject *values[17]
    cdef int k
    values[0] = <PyObject *>t
    values[1] = <PyObject *>status
    values[2] = <PyObject *>a[A_RELAY_HOST]
    values[3] = <PyObject *>a[A_RELAY_IP]
    values[4] = <PyObject *>a[A_RELAY_PORT]
    values[5] = <PyObject *>a[A_REPLY]
    values[6] = <PyObject *>a[A_DSN]
    values[7] = <PyObject *>a[A_DELAY]
    values[8] = <PyObject *>a[A_DELAYS]
    values[9] = <PyObject *>phase
    values[10] = <PyObject *>a[A_RQID]
    values[11] = <PyObject *>reason
    values[12] = <PyObject *>hard
    values[13] = <PyObject *>(None if same else a[A_SOURCE])
    values[14] = <PyObject *>a[A_LN]
    values[15] = <PyObject *>(None if status == "sent" else a[A_LINE])
    values[16] = <PyObject *>a[A_TLS]
    _byte(b, b'[')
    for k in range(17):
        if k:
            _byte(b, b',')
        if not _value(b, <object>values[k]):
            return 0
    _byte(b, b']')
    return 1


cdef class _Span:
    """The earliest and the latest of a message's times (the first of equal ones, as ``min`` and
    ``max`` give them)."""

    cdef double lo, hi
    cdef object lo_t, hi_t
    cdef bint any

    cdef inline int see(self, object t) except -1:
        cdef double value = PyFloat_AS_DOUBLE(t)  # (an exact float: checked by the caller)
        if not self.any or value < self.lo:
            self.lo, self.lo_t = value, t
        if not self.any or value > self.hi:
            self.hi, self.hi_t = value, t
        self.any = True
        return 0


cdef class Rows:
    """:meth:`RowMaker.from_record` of one row maker, made in C; its helpers are the maker's."""

    cdef Buf buf
    cdef object epochs_of, reason_of, provider_of, epoch_of, epoch_or_none, domain, utc_day
    cdef object message_row, facts, is_noqueue, fp
    cdef dict phases, states

    def __init__(
        self, epochs_of, reason_of, provider_of, epoch_of, epoch_or_none, domain, utc_day, message_row,
        facts, is_noqueue, fp, dict phases, dict states,
    ):
        self.epochs_of = epochs_of  # clock -> its dict of epoch seconds by timestamp text
        self.reason_of = reason_of  # (verdict, status, reply, relay) -> (reason, hard bounce)
        self.provider_of = provider_of  # (relay, domain) -> provider
        self.epoch_of = epoch_of  # (clock, ts, cache) -> epoch seconds, kept in the cache
        self.epoch_or_none = epoch_or_none  # the same for the arrival and removal times
        self.domain = domain
        self.utc_day = utc_day
        self.message_row = message_row
        self.facts = facts  # (facts, builder, source) -> the facts column
        self.is_noqueue = is_noqueue
        self.fp = fp
        self.phases = phases  # Phase -> its value
        self.states = states  # a final state's value -> the value stored

    def __dealloc__(self):
        free(self.buf.data)

    def __call__(self, rec, verdicts, builder):
        """The rows of one message record, or None where the plain method must make them."""
        cdef Buf *b = &self.buf
        cdef Py_ssize_t i, n
        cdef _Span span = _Span.__new__(_Span)
        cdef bint same
        cdef object a, last, mta, host, qid, received_ts, completed_ts, sender, message_id, size, nrcpt
        cdef object client_host, client_ip, dsn_of, hops, source, deliveries, facts, subject
        cdef object clock, t, ts, a_source, vid, verdict, status, reason, hard, phase, relay, domain
        cdef object first_t, r_ts, c_ts, nq, nq_source, nq_line = None
        cdef PyObject *hit
        cdef dict epochs
        cdef list drows = []
        (mta, host, qid, received_ts, completed_ts, sender, message_id, size, nrcpt, client_host, client_ip,
         dsn_of, hops, source, deliveries, facts, subject) = rec
        clock = builder.clock(source)
        epochs = self.epochs_of(clock)
        nq_source = source or ""
        for addr, state, orig, dsn_qid, attempts in deliveries:
            n = len(attempts)
            domain = self.domain(addr)
            if n == 0:
                drows.append([
                    "", addr, orig, domain, self.states[state], None, None, None, None, None, None, None,
                    None, None, self.provider_of(None, domain), dsn_qid, None, 0, "[]",
                ])
                continue
            b.size = 0
            b.ascii = True
            _byte(b, b'[')
            first_t = None
            for i in range(n):
                a = attempts[i]
                if type(a) is not tuple:
                    return None
                a_source = a[A_SOURCE]
                ts = a[A_TS]
                same = a_source is source or a_source == source
                if same:
                    hit = PyDict_GetItem(epochs, ts)
                    t = <object>hit if hit != NULL else self.epoch_of(clock, ts, epochs)
                else:
                    t = self.epoch_of(builder.clock(a_source), ts, None)
                if not PyFloat_CheckExact(t):
                    return None
                vid = a[A_PHASE_VID]
                verdict = verdicts[vid] if vid >= 0 else None
                status = a[A_STATUS]
                if verdict is not None:
                    reason = verdict.reason
                    hard = verdict.hard_bounce
                    phase = verdict.phase
                    if phase is not None:
                        phase = self.phases[phase]
                elif status == "sent":
                    reason, hard, phase = "delivered", False, None
                else:
                    reason, hard = self.reason_of(None, status, a[A_REPLY], a[A_RELAY_HOST])
                    phase = None
                if i:
                    _byte(b, b',')
                if not _attempt(b, <tuple>a, t, status, phase, reason, hard, same):
                    return None
                span.see(t)
                if i == 0:
                    first_t = t
            _byte(b, b']')
            last = a  # the deciding attempt: the row's own columns are its
            if not nq_line:
                nq_line, nq_source = attempts[0][A_LINE], attempts[0][A_SOURCE]
            relay = last[A_RELAY_HOST]
            drows.append([
                "", addr, orig, domain, self.states[state], first_t, t, self.utc_day(t), status,
                last[A_REPLY], last[A_DSN], relay, reason, hard, self.provider_of(relay, domain), dsn_qid,
                last[A_RQID], n, _made(b),
            ])
        r_ts = self.epoch_or_none(clock, received_ts, epochs) if received_ts else None
        c_ts = self.epoch_or_none(clock, completed_ts, epochs) if completed_ts else None
        for t in (r_ts, c_ts):
            if t is None:
                continue
            if not PyFloat_CheckExact(t):
                return None
            span.see(t)
        nq = None
        if self.is_noqueue(qid):
            nq = (nq_source, self.fp(sender, ",".join([d[0] for d in deliveries]), nq_line or ""))
        row = self.message_row(
            mta, host, qid, r_ts, c_ts, span.lo_t, span.hi_t, sender, message_id, size, nrcpt, client_host,
            client_ip, dsn_of, hops, source, self.facts(facts, builder, source) if facts else None, subject,
        )
        return row, nq, drows
