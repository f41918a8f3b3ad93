# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The fast path of :meth:`inboxtrace.logs.scanner.Scanner.scan`, for the frequent Postfix lines.

It reads each line's characters in place (one byte each: ``str`` whose code points are all below
256) and handles the envelopes ``Mmm dd hh:mm:ss host prog[pid]: msg`` and ``2025-03-14T...
host prog[pid]: msg`` followed by the line shapes that make up nearly all of a busy Postfix log:
smtpd ``connect from``/``disconnect from`` (counted), smtpd ``QID: client=``, cleanup ``QID:
message-id=``, qmgr ``QID: from=<...>`` and ``QID: removed``, any daemon's ``QID: to=<...>,
status=``, and bounce/defer/trace ``QID: sender ... notification: QID``. Only the values handed
to the sink become ``str`` objects; repeated timestamps and host names are shared.

Every other line, and any line with something unusual in the parts read here, goes to
``Scanner.line`` (plain Python), which parses it the way a build without this extension would.
Each shape below follows :class:`inboxtrace.logs.postfix.PostfixParser` step by step; the test
suite reads every corpus with and without this module and compares every record.
"""

from libc.string cimport memchr, memcmp, memcpy

from inboxtrace.logs.postfix import PostfixParser
from inboxtrace.logs.scanner import smtpd_session
from inboxtrace.timeline._assemble cimport Core


cdef extern from "Python.h":
    int PyUnicode_KIND(object)
    void* PyUnicode_DATA(object)
    Py_ssize_t PyUnicode_GET_LENGTH(object)
    int PyUnicode_1BYTE_KIND
    object PyUnicode_FromKindAndData(int kind, const void* buffer, Py_ssize_t size)
    object PyUnicode_New(Py_ssize_t size, Py_UCS4 maxchar)

cdef enum Daemon:
    D_OTHER = 0  # a Postfix program whose lines are left to Python
    D_SMTPD = 1
    D_CLEANUP = 2
    D_QMGR = 3
    D_NOTIFY = 4  # bounce, defer, trace
    D_AGENT = 5  # any other daemon name: only its "to=" lines are read here


cdef Py_ssize_t find(const unsigned char* s, Py_ssize_t start, Py_ssize_t end, const char* needle,
                     Py_ssize_t n) noexcept nogil:
    """Index of ``needle`` in ``s[start:end]``, or -1 (as ``str.find``)."""
    if start < 0:
        start = 0
    if end - start < n:
        return -1
    cdef const unsigned char* p = s + start
    cdef const unsigned char* last = s + end - n  # the last place the needle can start
    # memchr for its first byte, then a compare: the needles here start with a byte that is rare
    # in a line (memmem's set-up per call cost more than the search)
    while p <= last:
        p = <const unsigned char*>memchr(p, needle[0], last - p + 1)
        if p == NULL:
            return -1
        if memcmp(p + 1, needle + 1, n - 1) == 0:
            return p - s
        p += 1
    return -1


cdef inline object sub(const unsigned char* s, Py_ssize_t a, Py_ssize_t b, bint ascii):
    """``s[a:b]`` as ``str`` (one byte per character, as ``str`` slicing gives it); ``ascii``:
    the characters are known to be ASCII."""
    cdef object text
    if ascii and b - a > 1:  # (no look for characters past U+007F first)
        text = PyUnicode_New(b - a, 127)
        memcpy(PyUnicode_DATA(text), s + a, b - a)
        return text
    return PyUnicode_FromKindAndData(PyUnicode_1BYTE_KIND, s + a, b - a)


cdef inline bint starts(const unsigned char* s, Py_ssize_t at, Py_ssize_t end, const char* prefix,
                        Py_ssize_t n) noexcept nogil:
    return end - at >= n and memcmp(s + at, prefix, n) == 0


cdef inline bint is_space(unsigned char c) noexcept nogil:
    """What ``str.strip()`` removes, among the first 256 code points."""
    return (9 <= c <= 13) or (28 <= c <= 32) or c == 0x85 or c == 0xA0


cdef inline bint hexdigit_upper(unsigned char c) noexcept nogil:
    return (48 <= c <= 57) or (65 <= c <= 70)


cdef inline bint qid_alnum(unsigned char c) noexcept nogil:
    """The letters of Postfix's long queue ids: digits and consonants (``z`` included)."""
    if 48 <= c <= 57:
        return True
    if 97 <= c <= 122:
        c -= 32
    elif not (65 <= c <= 90):
        return False
    return c != 65 and c != 69 and c != 73 and c != 79 and c != 85  # no vowels


cdef bint is_qid(const unsigned char* s, Py_ssize_t a, Py_ssize_t b) noexcept nogil:
    """``postfix._QID`` fullmatch: 5+ upper hex digits, or 8+ id letters, ``z``, 2+ id letters."""
    cdef Py_ssize_t i
    cdef bint hexonly = b - a >= 5
    for i in range(a, b):
        if not hexdigit_upper(s[i]):
            hexonly = False
            break
    if hexonly:
        return True
    for i in range(a, b):
        if not qid_alnum(s[i]):
            return False
    for i in range(a + 8, b - 2):
        if s[i] == 122:  # "z"
            return True
    return False


cdef object small_int(const unsigned char* s, Py_ssize_t a, Py_ssize_t b):
    """``events.number(s[a:b])``: ASCII digits short enough for a 64-bit column, else None."""
    cdef long long v = 0
    cdef Py_ssize_t i
    if a >= b or b - a > 18:
        return None
    for i in range(a, b):
        if not (48 <= s[i] <= 57):
            return None
        v = v * 10 + (s[i] - 48)
    return v


cdef class _Recent:
    """The last text seen at one place of the line (timestamp, host), to share its ``str``."""

    cdef bytes raw
    cdef object text

    def __cinit__(self):
        self.raw = b""
        self.text = None

    cdef object get(self, const unsigned char* s, Py_ssize_t a, Py_ssize_t b, bint ascii):
        cdef Py_ssize_t n = b - a
        cdef const unsigned char* r = self.raw
        if self.text is not None and len(self.raw) == n and memcmp(r, s + a, n) == 0:
            return self.text
        self.text = sub(s, a, b, ascii)
        self.raw = (<const char*>(s + a))[:n]
        return self.text


cdef class _Texts:
    """Texts of the fields whose values repeat (status, dsn, relay, client), shared: a
    value met again is not made again (fewer objects to make and free, and :mod:`marshal`, which
    hands a parallel read's records over, writes a shared one once). A small table by a hash of
    the characters; a value that meets another in its place replaces it."""

    cdef list raws, texts

    def __cinit__(self):
        self.raws = [None] * 64
        self.texts = [None] * 64

    cdef object get(self, const unsigned char* s, Py_ssize_t a, Py_ssize_t b, bint ascii):
        cdef Py_ssize_t n = b - a, i, slot
        cdef size_t h = 2166136261
        cdef bytes raw
        if n < 2 or n > 80:  # (one character is shared by Python itself; long ones rarely repeat)
            return sub(s, a, b, ascii)
        for i in range(a, b):  # FNV-1a
            h = (h ^ s[i]) * 16777619
        slot = (h ^ (h >> 16)) & 63
        raw = self.raws[slot]
        if raw is not None and len(raw) == n and memcmp(<const char*>raw, s + a, n) == 0:
            return self.texts[slot]
        text = sub(s, a, b, ascii)
        self.raws[slot] = (<const char*>(s + a))[:n]
        self.texts[slot] = text
        return text


cdef class _Prog:
    """What the scanner says about one program name (``postfix/smtp``), kept per block."""

    cdef bytes raw
    cdef object parser
    cdef object daemon
    cdef int code


cdef int daemon_code(str daemon):
    if daemon == "smtpd":
        return D_SMTPD
    if daemon == "cleanup":
        return D_CLEANUP
    if daemon == "qmgr":
        return D_QMGR
    if daemon == "bounce" or daemon == "defer" or daemon == "trace":
        return D_NOTIFY
    if daemon == "postsuper" or daemon == "pickup":
        return D_OTHER
    return D_AGENT


# What a shape method returns when it has called the assembler's core itself.
cdef tuple DONE = ()


cdef enum:
    PYTHON = -1  # leave the line to Scanner.line
    FAILED = -3  # the sink raised: counted as unknown, as Scanner.line would


cdef class _Block:
    """One call of :func:`scan_block`: the scanner's block state, its sink's methods, shared texts."""

    cdef object scanner, sink, valid, line_fn, formats
    cdef object m_client, m_message_id, m_queued, m_expired, m_removed, m_delivery, m_notification
    cdef object target  # the sink method the line being read calls
    # the line being read: its characters, their number, its str (None until the_line makes it)
    cdef const unsigned char* s
    cdef Py_ssize_t n
    cdef object cur
    cdef bint ascii  # every line is ASCII (scan_bytes)
    # The sink's C side (timeline/_assemble.pyx), called directly; None: the sink's methods
    cdef Core core
    cdef _Recent ts, host
    cdef _Texts texts
    cdef object ts_ok  # the timestamp text last found valid
    cdef list progs
    # Scanner._ts, _last, _handled, _events while this block runs
    cdef object last_ts, last
    cdef Py_ssize_t handled, events
    cdef Py_ssize_t connects, disconnects  # smtpd session lines counted (never parsed)

    def __cinit__(self, scanner):
        self.scanner = scanner
        self.sink = scanner.sink
        self.valid = scanner._valid
        self.line_fn = scanner.line
        self.formats = scanner.stats.formats
        self.ts = _Recent()
        self.host = _Recent()
        self.texts = _Texts()
        self.ts_ok = None
        self.progs = []
        sink = self.sink
        self.m_client = sink.client
        self.m_message_id = sink.message_id
        self.m_queued = sink.queued
        self.m_expired = sink.expired
        self.m_removed = sink.removed
        self.m_delivery = sink.delivery
        self.m_notification = sink.notification
        core = getattr(sink, "_core", None)
        self.core = core if isinstance(core, Core) else None
        self.load()

    cdef void load(self) except *:
        scanner = self.scanner
        self.last_ts = scanner._ts
        self.last = scanner._last
        self.handled = scanner._handled
        self.events = scanner._events

    cdef void store(self) except *:
        scanner = self.scanner
        scanner._ts = self.last_ts
        scanner._last = self.last
        scanner._handled = self.handled
        scanner._events = self.events

    cdef inline object sub(self, const unsigned char* s, Py_ssize_t a, Py_ssize_t b):
        return sub(s, a, b, self.ascii)

    cdef object the_line(self):
        """The whole line being read, as ``str`` (made once, when first needed)."""
        if self.cur is None:
            self.cur = self.sub(self.s, 0, self.n)
        return self.cur

    cdef void python(self, object line, Py_ssize_t ln) except *:
        """``Scanner.line`` for a line this module does not handle."""
        self.store()
        self.line_fn(line, ln)
        self.load()

    cdef _Prog prog(self, const unsigned char* s, Py_ssize_t a, Py_ssize_t b,
                    Py_ssize_t e):
        """The program of the tag ``s[a:e]`` (``prog[pid]:``, its ``[`` at ``b``)."""
        cdef _Prog p
        cdef Py_ssize_t n = b - a
        for p in self.progs:
            if len(p.raw) == n and memcmp(<const char*>p.raw, s + a, n) == 0:
                return p
        info = self.scanner.tag_info(self.sub(s, a, e))
        p = _Prog()
        p.raw = (<const char*>(s + a))[:n]
        p.parser = info[0]
        p.daemon = info[1]
        p.code = daemon_code(info[1]) if type(info[0]) is PostfixParser else -1
        if len(self.progs) < 64:
            self.progs.append(p)
        return p

    cdef tuple shape(self, const unsigned char* s, Py_ssize_t n, Py_ssize_t ln):
        """The arguments of the sink method (set in ``target``) that the line calls, after
        ``begin``; DONE: the core was called; None: nothing done, the line is left to Python."""
        cdef Py_ssize_t ts_end, h, t, m, sp, b, i, q
        # --- envelope: Scanner.line's two common forms ------------------------------------
        if n > 20 and s[15] == 32 and s[3] == 32 and s[12] == 58:
            ts_end = 15
            h = 16
        elif n > 10 and s[10] == 84 and s[4] == 45:  # "T", "-"
            ts_end = find(s, 0, n, b" ", 1)
            if ts_end < 0:
                return None
            h = ts_end + 1
        else:
            return None
        t = find(s, h, n, b" ", 1)
        if t < 0:
            return None
        t += 1
        m = find(s, t, n, b" ", 1)
        if m < 0:
            return None
        m += 1
        if t - h >= 1 and s[h] == 60:  # "<": "<mail.notice> host prog: msg" and such
            return None
        # tag s[t:m-1] = "prog[pid]:"
        sp = m - 1
        if sp - t < 3 or s[sp - 1] != 58 or s[sp - 2] != 93:
            return None
        b = find(s, t, sp, b"[", 1)
        if b <= t:
            return None
        p = self.prog(s, t, b, sp)
        if p.code < 0:
            return None
        # --- Postfix: "QID: rest" ----------------------------------------------------------
        i = find(s, m, n, b": ", 2)
        if i <= m or not is_qid(s, m, i):
            return None
        r = i + 2
        if starts(s, r, n, b"to=", 3):
            return self.delivery(s, n, ln, ts_end, h, t, m, b, sp, i, r, p)
        if p.code == D_QMGR:
            if starts(s, r, n, b"from=<", 6):
                return self.queued(s, n, ln, ts_end, h, t, m, i, r, p)
            if n - r == 7 and starts(s, r, n, b"removed", 7):
                if not self.begin(s, ts_end, h, t, p):
                    return None
                if self.core is not None:
                    self.core.removed(self.host.text, self.sub(s, m, i), self.ts.text, ln)
                    return DONE
                self.target = self.m_removed
                return (self.host.text, self.sub(s, m, i), self.ts.text, ln)
            return None
        if p.code == D_CLEANUP:
            if not starts(s, r, n, b"message-id=", 11):
                return None
            return self.message_id(s, n, ln, ts_end, h, t, m, i, r, p)
        if p.code == D_SMTPD:
            if not starts(s, r, n, b"client=", 7):
                return None
            return self.client(s, n, ln, ts_end, h, t, m, i, r, p)
        if p.code == D_NOTIFY:
            return self.notification(s, n, ln, ts_end, h, t, m, i, r, p)
        return None

    cdef int one(self, object line, const unsigned char* s, Py_ssize_t n, Py_ssize_t ln) except -2:
        """Handle one line: 1 (an event), FAILED, or PYTHON (nothing done). ``line`` is its
        ``str``, or None: made of ``s[:n]`` only if something needs the whole line."""
        self.s = s
        self.n = n
        self.cur = line
        try:
            args = self.shape(s, n, ln)
            if args is None:
                return PYTHON
            if args is not DONE:
                self.target(*args)
        except (ValueError, IndexError) as exc:  # counted as Scanner.line counts it
            self.scanner.failed(self.the_line(), exc)
            return FAILED
        return 1

    cdef bint begin(self, const unsigned char* s, Py_ssize_t ts_end, Py_ssize_t h,
                    Py_ssize_t t, _Prog p) except -1:
        """The line is handled here: its timestamp checked (False: leave it to Python), the
        parser switched to Postfix when it was another one (``Scanner.switch``)."""
        ts = self.ts.get(s, 0, ts_end, self.ascii)
        if ts is not self.ts_ok:
            if self.valid is not None and self.valid(ts) is None:
                return False
            self.ts_ok = ts
        self.host.get(s, h, t - 1, self.ascii)
        self.last_ts = ts
        if p.parser is not self.last:
            if self.last is not None and self.handled:
                name = self.last.name
                self.formats[name] = self.formats.get(name, 0) + self.handled
            self.handled = 0
            self.sink.mta = p.parser.name
            self.last = p.parser
        return True

    cdef tuple client(self, const unsigned char* s, Py_ssize_t n, Py_ssize_t ln,
                    Py_ssize_t ts_end, Py_ssize_t h, Py_ssize_t t, Py_ssize_t m, Py_ssize_t i,
                    Py_ssize_t r, _Prog p):
        # PostfixParser.handle: spec = rest[7:] up to a ",", then split_client(spec)
        cdef Py_ssize_t a = r + 7, e, b, c
        cdef Py_ssize_t comma = find(s, a, n, b",", 1)
        e = n if comma < 0 else comma
        if not self.begin(s, ts_end, h, t, p):
            return None
        b = find(s, a, e, b"[", 1)
        if b < 0:
            ch = self.texts.get(s, a, e, self.ascii) if e > a else None
            ci = None
        else:
            c = find(s, b, e, b"]", 1)
            ch = self.texts.get(s, a, b, self.ascii) if b > a else None
            c = c if c > b else e
            ci = self.texts.get(s, b + 1, c, self.ascii) if c > b + 1 else None
        if self.core is not None:
            self.core.client(self.host.text, self.sub(s, m, i), self.ts.text, ch, ci, ln)
            return DONE
        self.target = self.m_client
        return (self.host.text, self.sub(s, m, i), self.ts.text, ch, ci, ln)

    cdef tuple message_id(self, const unsigned char* s, Py_ssize_t n, Py_ssize_t ln,
                        Py_ssize_t ts_end, Py_ssize_t h, Py_ssize_t t, Py_ssize_t m, Py_ssize_t i,
                        Py_ssize_t r, _Prog p):
        # _strip_angle(rest[11:].strip())
        cdef Py_ssize_t a = r + 11, e = n
        if a >= e or is_space(s[a]) or is_space(s[e - 1]):
            return None
        if e - a >= 2 and s[a] == 60 and s[e - 1] == 62:
            a += 1
            e -= 1
        if not self.begin(s, ts_end, h, t, p):
            return None
        if self.core is not None:
            self.core.message_id(self.host.text, self.sub(s, m, i), self.ts.text,
                                 self.sub(s, a, e), ln)
            return DONE
        self.target = self.m_message_id
        return (self.host.text, self.sub(s, m, i), self.ts.text, self.sub(s, a, e), ln)

    cdef tuple queued(self, const unsigned char* s, Py_ssize_t n, Py_ssize_t ln,
                    Py_ssize_t ts_end, Py_ssize_t h, Py_ssize_t t, Py_ssize_t m, Py_ssize_t i,
                    Py_ssize_t r, _Prog p):
        cdef Py_ssize_t end, c1, c2, a
        cdef const char* tail = b"returned to sender"
        if (n - r >= 18 and starts(s, n - 18, n, tail, 18)) or find(s, r, n, b", status=expired", 16) >= 0:
            if not self.begin(s, ts_end, h, t, p):
                return None
            if self.core is not None:
                self.core.expired(self.host.text, self.sub(s, m, i), self.ts.text, ln, self.the_line())
                return DONE
            self.target = self.m_expired
            return (self.host.text, self.sub(s, m, i), self.ts.text, ln, self.the_line())
        # PostfixParser._queued
        end = find(s, r + 6, n, b">, ", 3)
        if end < 0:
            end = find(s, r + 6, n, b">", 1)
        sender = None
        size = nrcpt = None
        if end > r:
            end -= r  # as an index into rest
            sender = self.sub(s, r + 6, r + end)
            a = r + end + 3  # parts = rest[end + 3:].split(", ", 2)
            if a > n:
                a = n
            c1 = find(s, a, n, b", ", 2)
            if c1 < 0:
                c1 = n
            if starts(s, a, c1, b"size=", 5):
                size = small_int(s, a + 5, c1)
                if c1 < n:
                    c2 = find(s, c1 + 2, n, b", ", 2)
                    if c2 < 0:
                        c2 = n
                    if starts(s, c1 + 2, c2, b"nrcpt=", 6):
                        e = find(s, c1 + 8, c2, b" ", 1)
                        if e < 0:
                            e = c2
                        nrcpt = small_int(s, c1 + 8, e)
        if not self.begin(s, ts_end, h, t, p):
            return None
        if self.core is not None:
            self.core.queued(self.host.text, self.sub(s, m, i), self.ts.text, sender, size, nrcpt, ln)
            return DONE
        self.target = self.m_queued
        return (self.host.text, self.sub(s, m, i), self.ts.text, sender, size, nrcpt, ln)

    cdef tuple notification(self, const unsigned char* s, Py_ssize_t n, Py_ssize_t ln,
                          Py_ssize_t ts_end, Py_ssize_t h, Py_ssize_t t, Py_ssize_t m, Py_ssize_t i,
                          Py_ssize_t r, _Prog p):
        # k = rest.find(" notification: "); kind = rest[:k].split(" ", 1)[-1]; dsn = rest[k+15:].strip()
        cdef Py_ssize_t k = find(s, r, n, b" notification: ", 15), a, e, sp
        if k <= r:
            return None
        a = k + 15
        e = n
        if a >= e or is_space(s[a]) or is_space(s[e - 1]):
            return None
        sp = find(s, r, k, b" ", 1)
        if not self.begin(s, ts_end, h, t, p):
            return None
        kind = self.sub(s, r if sp < 0 else sp + 1, k)
        if self.core is not None:
            self.core.notification(self.host.text, self.sub(s, m, i), self.ts.text, kind,
                                   self.sub(s, a, e), ln)
            return DONE
        self.target = self.m_notification
        return (self.host.text, self.sub(s, m, i), self.ts.text, kind, self.sub(s, a, e), ln)

    cdef tuple delivery(self, const unsigned char* s, Py_ssize_t n, Py_ssize_t ln,
                      Py_ssize_t ts_end, Py_ssize_t h, Py_ssize_t t, Py_ssize_t m, Py_ssize_t b,
                      Py_ssize_t sp_tag, Py_ssize_t i, Py_ssize_t r, _Prog p):
        # PostfixParser._delivery, on rest = s[r:n]
        cdef Py_ssize_t k = find(s, r, n, b", status=", 9), st, sp, ta, te, hd, he, e, c, q, eq, ne
        cdef Py_ssize_t va, ve
        if k < 0:
            return None  # (unknown: Python counts it)
        st = k + 9
        sp = find(s, st, n, b" ", 1)
        if sp < 0:
            status = self.texts.get(s, st, n, self.ascii)
            text = None
        else:
            status = self.texts.get(s, st, sp, self.ascii)
            ta = sp + 1
            te = n
            if te - ta >= 2 and s[ta] == 40 and s[te - 1] == 41:  # "(...)"
                ta += 1
                te -= 1
            text = self.sub(s, ta, te)
        hd = r + 3
        he = k
        if he > hd and s[hd] == 60:  # "<"
            e = find(s, hd, he, b">", 1)
            if e > hd:
                rcpt = self.sub(s, hd + 1, e)
                hd = e + 3
                if hd > he:
                    hd = he
            else:
                rcpt = self.sub(s, hd + 1, he)
                hd = he
        else:
            c = find(s, hd, he, b", ", 2)
            if c < 0:
                rcpt = self.sub(s, hd, he)
                hd = he
            else:
                rcpt = self.sub(s, hd, c)
                hd = c + 2
        orig = relay = delay = delays = dsn = None
        while hd < he:
            q = find(s, hd, he, b", ", 2)
            if q < 0:
                q = he
            eq = find(s, hd, q, b"=", 1)
            if eq < 0:  # part[:-1] as the name, the whole part as the value
                ne = q - 1
                va = hd
            else:
                ne = eq
                va = eq + 1
            ve = q
            if ne - hd == 5 and starts(s, hd, he, b"relay", 5):
                relay = self.texts.get(s, va, ve, self.ascii)
            elif ne - hd == 5 and starts(s, hd, he, b"delay", 5):
                delay = self.sub(s, va, ve)
            elif ne - hd == 6 and starts(s, hd, he, b"delays", 6):
                delays = self.sub(s, va, ve)
            elif ne - hd == 3 and starts(s, hd, he, b"dsn", 3):
                dsn = self.texts.get(s, va, ve, self.ascii)
            elif ne - hd == 7 and starts(s, hd, he, b"orig_to", 7):
                if ve - va >= 2 and s[va] == 60 and s[ve - 1] == 62:
                    orig = self.sub(s, va + 1, ve - 1)
                else:
                    orig = self.sub(s, va, ve)
            if q == he:
                break
            hd = q + 2
            if hd == he:  # "a, " ends with an empty part: no name matches it
                break
        if not self.begin(s, ts_end, h, t, p):
            return None
        pid = self.sub(s, b + 1, sp_tag - 2)
        if self.core is not None:
            self.core.delivery(self.host.text, self.sub(s, m, i), self.ts.text, rcpt, orig, status,
                               relay, delay, delays, dsn, text, pid, ln, self.the_line())
            return DONE
        self.target = self.m_delivery
        return (self.host.text, self.sub(s, m, i), self.ts.text, rcpt, orig, status, relay, delay, delays, dsn, text, pid, ln, self.the_line())


cdef inline int session(const unsigned char* s, Py_ssize_t n) noexcept nogil:
    """``scanner.smtpd_session`` on a line's characters: 1 connect, 2 disconnect, 0 other."""
    if find(s, 0, n, b"/smtpd[", 7) >= 0:
        if find(s, 0, n, b"]: connect from ", 16) >= 0:
            return 1
        if find(s, 0, n, b"]: disconnect from ", 19) >= 0:
            return 2
    return 0


cdef inline void read_line(_Block blk, object line, const unsigned char* s, Py_ssize_t n, Py_ssize_t ln,
                           bint quick) except *:
    """One line of one byte per character: an smtpd session line counted (``quick``), else read
    here, or in ``Scanner.line``."""
    cdef int done, kind = session(s, n) if quick else 0
    if kind == 1:
        blk.connects += 1
        return
    if kind == 2:
        blk.disconnects += 1
        return
    done = blk.one(line, s, n, ln)
    if done == 1:
        blk.handled += 1
        blk.events += 1
    elif done == PYTHON:
        blk.python(blk.the_line(), ln)


def scan_block(scanner, list lines, Py_ssize_t first_line_no, bint quick):
    """Scan ``lines`` as ``Scanner.scan`` does, in the scanner's block state (``_ts``, ``_last``,
    ``_handled``, ``_events``); returns the smtpd (connect, disconnect) lines it counted."""
    cdef _Block blk = _Block(scanner)
    cdef Py_ssize_t ln = first_line_no - 1
    cdef int kind
    cdef object line
    for line in lines:
        ln += 1
        if PyUnicode_KIND(line) != PyUnicode_1BYTE_KIND:  # characters past U+00FF: all in Python
            kind = smtpd_session(line) if quick else 0
            if kind == 0:
                blk.python(line, ln)
            elif kind == 1:
                blk.connects += 1
            else:
                blk.disconnects += 1
            continue
        read_line(blk, line, <const unsigned char*>PyUnicode_DATA(line), PyUnicode_GET_LENGTH(line), ln, quick)
    blk.store()
    return blk.connects, blk.disconnects


def scan_bytes(scanner, bytes body, Py_ssize_t first_line_no, bint quick, Py_ssize_t max_line):
    """:func:`scan_block` on lines not decoded yet: ``body`` is ASCII, each line ends with a newline
    (``sources.lines.LineBlock.raw``). Each line is read in place, as ``str`` only when something
    needs it whole, and is what decoding would have made of it: cut to ``max_line`` characters,
    a final carriage return dropped. Returns (connect, disconnect, lines cut, lines)."""
    cdef _Block blk = _Block(scanner)
    blk.ascii = True
    cdef const unsigned char* data = body
    cdef const unsigned char* s
    cdef const void* nl
    cdef Py_ssize_t size = len(body), at = 0, end, n, ln = first_line_no - 1, cut = 0
    while at < size:
        nl = memchr(data + at, 10, size - at)
        end = size if nl == NULL else <const unsigned char*>nl - data
        s = data + at
        n = end - at
        at = end + 1
        ln += 1
        if n > max_line:
            n = max_line
            cut += 1
        if n > 0 and s[n - 1] == 13:  # "\r"
            n -= 1
        read_line(blk, None, s, n, ln, quick)
    blk.store()
    return blk.connects, blk.disconnects, cut, ln - (first_line_no - 1)


def count_newlines(const unsigned char[::1] data):
    """The newlines in ``data`` (any buffer: bytes, a mapped file): ``bytes.count(b"\\n")`` with
    ``memchr`` from newline to newline (it tests many bytes at a time, where ``count`` tests one)."""
    cdef Py_ssize_t size = data.shape[0], n = 0
    if size == 0:
        return 0
    cdef const unsigned char* p = &data[0]
    cdef const unsigned char* end = p + size
    cdef const void* nl
    with nogil:
        while p < end:
            nl = memchr(p, 10, end - p)
            if nl == NULL:
                break
            n += 1
            p = <const unsigned char*>nl + 1
    return n
