# cython: language_level=3, boundscheck=False, wraparound=False
"""Instances of frozen slots dataclasses (the timeline records) made without running ``__init__``.

:class:`inboxtrace.timeline.records.Builder` makes four objects per message (Message, Delivery,
Attempt, Evidence). A frozen dataclass's ``__init__`` sets each field through
``object.__setattr__``, one Python call per field: most of what building costs. A :class:`Maker`
allocates the instance and stores each value straight into its slot, which is what that
``__init__`` ends up doing. It is used only for a class where that holds (checked once): a frozen
dataclass with ``slots=True``, no ``__post_init__``, no base class but ``object``, its slots the
fields in order; with any other number of values than it has fields it calls the class.

:class:`Build` is :meth:`inboxtrace.timeline.records.Builder.build` on top of six makers: the
objects of a whole message made in one C call (no tuple of arguments per object, no call through
``tp_call``), field by field as that method makes them.
"""

import dataclasses

from cpython.dict cimport PyDict_GetItem
from cpython.ref cimport PyObject, Py_INCREF
from cpython.tuple cimport PyTuple_New, PyTuple_SET_ITEM
from libc.stdlib cimport free, malloc


cdef extern from "Python.h":
    ctypedef struct PyMemberDef:
        const char* name
        int type
        Py_ssize_t offset
        int flags
    ctypedef struct PyMemberDescrObject:
        PyMemberDef* d_member
    object PyType_GenericAlloc(type cls, Py_ssize_t nitems)
    int Py_T_OBJECT_EX "T_OBJECT_EX"


def makes_fast(cls):
    """Why ``cls`` cannot be made by a :class:`Maker` (None: it can)."""
    if not dataclasses.is_dataclass(cls) or not isinstance(cls, type):
        return "not a dataclass"
    if not cls.__dataclass_params__.frozen:
        return "not frozen"
    if cls.__mro__ != (cls, object) or type(cls) is not type:
        return "a base class or a metaclass"
    if hasattr(cls, "__post_init__") or cls.__new__ is not object.__new__:
        return "its own __post_init__ or __new__"
    names = tuple(f.name for f in dataclasses.fields(cls))
    if tuple(cls.__dict__.get("__slots__", ())) != names:
        return "its slots are not its fields"
    for name in names:
        descr = cls.__dict__[name]
        if type(descr).__name__ != "member_descriptor":
            return f"{name} is not a slot"
        if (<PyMemberDescrObject*>descr).d_member.type != Py_T_OBJECT_EX:
            return f"{name} is not an object slot"
    return None


cdef class Maker:
    """Makes instances of one frozen slots dataclass from all its field values, in field order."""

    cdef type cls
    cdef Py_ssize_t n
    cdef Py_ssize_t* offsets

    def __cinit__(self, type cls):
        reason = makes_fast(cls)
        if reason is not None:
            raise TypeError(f"{cls.__name__}: {reason}")
        names = [f.name for f in dataclasses.fields(cls)]
        self.cls = cls
        self.n = len(names)
        self.offsets = <Py_ssize_t*>malloc(max(self.n, 1) * sizeof(Py_ssize_t))
        if self.offsets == NULL:
            raise MemoryError()
        for i, name in enumerate(names):
            self.offsets[i] = (<PyMemberDescrObject*>cls.__dict__[name]).d_member.offset

    def __dealloc__(self):
        free(self.offsets)

    cdef inline object new(self):
        """An instance with every slot empty: each is then set once with :meth:`put`."""
        return PyType_GenericAlloc(self.cls, 0)

    cdef inline void put(self, object obj, Py_ssize_t i, object value) noexcept:
        """Field ``i`` of a new instance (a reference to ``value`` is taken)."""
        Py_INCREF(value)
        (<PyObject**>((<char*><PyObject*>obj) + self.offsets[i]))[0] = <PyObject*>value

    def __call__(self, *args):
        cdef Py_ssize_t i
        cdef object obj
        cdef PyObject* value
        if len(args) != self.n:
            return self.cls(*args)
        obj = PyType_GenericAlloc(self.cls, 0)  # zeroed: every slot starts empty
        for i in range(self.n):
            value = <PyObject*>args[i]
            Py_INCREF(<object>value)
            (<PyObject**>((<char*><PyObject*>obj) + self.offsets[i]))[0] = value
        return obj


cdef inline object time_of(dict seen, object at, object ts):
    """``at(ts)``, read first from ``seen``, the cache of times by text of the clock of ``at``
    (one C look-up, where the call makes the same one behind a call)."""
    cdef PyObject* hit = PyDict_GetItem(seen, ts)
    return <object>hit if hit != NULL else at(ts)


cdef class Build:
    """``Builder.build`` (``timeline/records.py``) made in C: the same objects, the same values.

    Made for one builder (its clocks) with the makers of Attempt, Evidence, Delivery, Message and
    MessageFact (fields in the order ``records`` lists them), the table of final states by value,
    the time of an attempt or fact whose timestamp is no time, and the maker of Verdict. A timestamp
    is looked up in its clock's cache (``Clock._cache``) first: ``Clock.at`` only when it is not
    there."""

    cdef Maker attempt, evidence, delivery, message, fact, verdict
    cdef dict states, clocks
    cdef object builder, min_time

    def __cinit__(self, builder, Maker attempt, Maker evidence, Maker delivery, Maker message, Maker fact,
                  dict states, min_time, Maker verdict):
        if (attempt.n, evidence.n, delivery.n, message.n, fact.n, verdict.n) != (14, 3, 5, 17, 5, 10):
            raise TypeError("the records' fields are not those Build makes")
        self.builder = builder
        self.clocks = builder._clocks
        self.attempt, self.evidence, self.delivery, self.message = attempt, evidence, delivery, message
        self.fact = fact
        self.states = states
        self.min_time = min_time
        self.verdict = verdict

    def build(self, rec, list verdicts):
        """The Message of one record; ``verdicts`` is the producer's verdict table."""
        cdef Maker am = self.attempt, em = self.evidence, dm = self.delivery, mm = self.message
        cdef Py_ssize_t vid, i = 0, j
        cdef tuple out, built, a  # (the tuples of the message made as they are filled: no list first)
        cdef dict seen
        cdef bint own
        cdef PyObject* hit
        builder = self.builder
        (mta, host, qid, received_ts, completed_ts, sender, message_id, size, nrcpt, client_host, client_ip,
         dsn_of, hops, source, deliveries, facts, subject) = rec
        hit = PyDict_GetItem(self.clocks, source)  # (the builder's clock of that source, if made yet)
        clock = <object>hit if hit != NULL else builder.clock(source)
        at = clock.at
        seen = clock._cache  # (see time_of)
        out = PyTuple_New(len(deliveries))
        for addr, state, orig, dsn_qid, attempts in deliveries:
            built = PyTuple_New(len(attempts))
            j = 0
            for a in attempts:
                asource = a[14]
                own = asource is source or asource == source
                vid = a[9]
                verdict = verdicts[vid] if vid >= 0 else None
                reply = a[5]
                if verdict is not None and reply is not None:
                    code = verdict.reply_code
                    if code is not None and code >= 300 and verdict.text not in reply:
                        verdict = self.worded(verdict, code, reply)
                ev = em.new()
                em.put(ev, 0, asource)
                em.put(ev, 1, a[11])
                em.put(ev, 2, a[12])
                when = time_of(seen, at, a[0]) if own else builder.clock(asource).at(a[0])
                obj = am.new()
                am.put(obj, 0, when if when is not None else self.min_time)
                am.put(obj, 1, a[1])
                am.put(obj, 2, a[2])
                am.put(obj, 3, a[3])
                am.put(obj, 4, a[4])
                am.put(obj, 5, reply)
                am.put(obj, 6, a[6])
                am.put(obj, 7, a[7])
                am.put(obj, 8, a[8])
                am.put(obj, 9, verdict.phase if verdict is not None else None)
                am.put(obj, 10, a[10])
                am.put(obj, 11, verdict)
                am.put(obj, 12, ev)
                am.put(obj, 13, a[13])
                Py_INCREF(obj)  # (the tuple takes a reference)
                PyTuple_SET_ITEM(built, j, obj)
                j += 1
            obj = dm.new()
            dm.put(obj, 0, addr)
            dm.put(obj, 1, self.states[state])
            dm.put(obj, 2, built)
            dm.put(obj, 3, orig)
            dm.put(obj, 4, dsn_qid)
            Py_INCREF(obj)
            PyTuple_SET_ITEM(out, i, obj)
            i += 1
        obj = mm.new()
        mm.put(obj, 0, mta)
        mm.put(obj, 1, host)
        mm.put(obj, 2, qid)
        mm.put(obj, 3, time_of(seen, at, received_ts) if received_ts else None)
        mm.put(obj, 4, time_of(seen, at, completed_ts) if completed_ts else None)
        mm.put(obj, 5, sender)
        mm.put(obj, 6, message_id)
        mm.put(obj, 7, size)
        mm.put(obj, 8, nrcpt)
        mm.put(obj, 9, client_host)
        mm.put(obj, 10, client_ip)
        mm.put(obj, 11, out)
        mm.put(obj, 12, dsn_of)
        mm.put(obj, 13, tuple(hops))
        mm.put(obj, 14, source)
        mm.put(obj, 15, self.facts(facts, source, seen, at) if facts else ())
        mm.put(obj, 16, subject)
        return obj

    cdef object worded(self, object verdict, object code, object reply):
        """The same verdict with the reply at hand as its text (a Verdict made field by field)."""
        cdef Maker vm = self.verdict
        obj = vm.new()
        vm.put(obj, 0, code)
        vm.put(obj, 1, verdict.enhanced_status)
        vm.put(obj, 2, reply)
        vm.put(obj, 3, verdict.reply_class)
        vm.put(obj, 4, verdict.reason)
        vm.put(obj, 5, verdict.hard_bounce)
        vm.put(obj, 6, verdict.action)
        vm.put(obj, 7, verdict.explanation)
        vm.put(obj, 8, verdict.provider)
        vm.put(obj, 9, verdict.phase)
        return obj

    cdef tuple facts(self, object facts, object source, dict seen, object at):
        """``Builder._fact`` of each of a message's fact records (``source``: the message's, whose
        clock's cache is ``seen`` and its ``at``)."""
        cdef Maker em = self.evidence, fm = self.fact
        cdef tuple out = PyTuple_New(len(facts))
        cdef Py_ssize_t i = 0
        for f in facts:
            kind, a, ln, b, fsource, ts = f
            if fsource is source or fsource == source:
                when = time_of(seen, at, ts)
            else:
                when = self.builder.clock(fsource).at(ts)
            ev = em.new()
            em.put(ev, 0, fsource)
            em.put(ev, 1, ln)
            em.put(ev, 2, b if kind == "expired" else "")
            obj = fm.new()
            fm.put(obj, 0, kind)
            fm.put(obj, 1, when if when is not None else self.min_time)
            fm.put(obj, 2, ev)
            fm.put(obj, 3, None if kind == "expired" else a)
            fm.put(obj, 4, None if kind == "expired" else b)
            Py_INCREF(obj)
            PyTuple_SET_ITEM(out, i, obj)
            i += 1
        return out
