# cython: language_level=3, boundscheck=False, wraparound=False
"""Instances of frozen slots dataclasses (the timeline records) made without running ``__init__``.

:class:`inboxtrace.timeline.records.Builder` makes four objects per message (Message, Delivery,
Attempt, Evidence). A frozen dataclass's ``__init__`` sets each field through
``object.__setattr__``, one Python call per field: most of what building costs. A :class:`Maker`
allocates the instance and stores each value straight into its slot, which is what that
``__init__`` ends up doing. It is used only for a class where that holds (checked once): a frozen
dataclass with ``slots=True``, no ``__post_init__``, no base class but ``object``, its slots the
fields in order; with any other number of values than it has fields it calls the class.
"""

import dataclasses

from cpython.ref cimport PyObject, Py_INCREF
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
