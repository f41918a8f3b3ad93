# What logs/_fastscan.pyx calls without going through Python (see _assemble.pyx).

cdef class Msg:
    cdef public object mta, host, qid, source, received_ts, completed_ts, sender, message_id
    cdef public object size, nrcpt, client_host, client_ip, dsn_of, notes_pid, subject, last_ts
    cdef public dict rcpts
    cdef public list hops, notes, facts
    cdef public Py_ssize_t first_ln, expired_ln
    cdef public bint born

    cdef tuple state(self, object rcpts)
    cpdef object plain(self)


cdef class Rcpt:
    cdef public object addr, orig, status, dsn_qid
    cdef public list attempts

    cpdef object plain(self)


cdef class Core:
    cdef object asm, cache_get, idle_seconds, floor, floor_clock, touched_ts, quiet_floor
    cdef dict open, tls, vid
    cdef list verdicts
    cdef bint orphans_partial

    cdef Msg opened(self, tuple key, Py_ssize_t ln, bint born)
    cdef object state(self, object host, object qid, Py_ssize_t ln, bint born)
    cdef object birth(self, object host, object qid, Py_ssize_t ln)
    cdef void touch(self, Msg st, object ts) except *
    cdef void lower_to(self, object ts) except *
    cdef tuple attempt(self, object ts, object status, object relay, object text, object dsn, object delay,
                       object delays, object ln, object line, object tls, object rcpt)
    cdef void emit(self, object st, bint closed) except *
    cdef int client(self, object host, object qid, object ts, object client_host, object client_ip,
                    Py_ssize_t ln) except -1
    cdef int message_id(self, object host, object qid, object ts, object message_id, Py_ssize_t ln) except -1
    cdef int queued(self, object host, object qid, object ts, object sender, object size, object nrcpt,
                    Py_ssize_t ln) except -1
    cdef int delivery(self, object host, object qid, object ts, object rcpt, object orig, object status,
                      object relay, object delay, object delays, object dsn, object text, object pid,
                      Py_ssize_t ln, object line) except -1
    cdef int removed(self, object host, object qid, object ts, Py_ssize_t ln) except -1
    cdef int expired(self, object host, object qid, object ts, Py_ssize_t ln, object line) except -1
    cdef int notification(self, object host, object qid, object ts, object kind, object dsn_qid,
                          Py_ssize_t ln) except -1
