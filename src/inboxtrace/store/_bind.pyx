# cython: language_level=3, boundscheck=False, wraparound=False
"""Rows written through an open ``sqlite3`` connection with SQLite's C API (``executemany`` of plain values).

The standard library's ``executemany`` binds each value of each row through its own machinery: a
type test, for ``None`` and ``bool`` the adaptation protocol (a key tuple built and looked up),
and a copy of every string (``SQLITE_TRANSIENT``). In a bulk load's piece file this binding cost
as much as SQLite's own work on the rows (perf: 24% of the samples of a piece's writes, the
inserts themselves 24%). :func:`executemany` binds the values of the same rows straight into
SQLite's prepared statement: integers, floats, ``None``, ``bool`` (as 0 or 1, what the driver
stores), ``bytes``, and strings without a copy (``SQLITE_STATIC``: the row holds the string until
its step is done). It runs on the connection's own ``sqlite3`` handle, inside the transaction the
caller began, so the rows are exactly those ``conn.executemany(sql, rows)`` writes.

It only runs where that is certain, and returns -1 otherwise, having done nothing (the caller
then uses the driver): the connection must be CPython's ``sqlite3.Connection`` of a version whose
layout is known, using the same SQLite library as this module (checked once, by address), with a
transaction open; the statement must prepare, be one and write; every row must have one plain value
per parameter.
"""

import sqlite3 as driver
import sys

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.float cimport PyFloat_AS_DOUBLE
from cpython.long cimport PyLong_AsLongLong
from cpython.ref cimport PyObject


cdef extern from "sqlite3.h":
    ctypedef struct sqlite3
    ctypedef struct sqlite3_stmt
    ctypedef void (*sqlite3_destructor_type)(void *)
    sqlite3_destructor_type SQLITE_STATIC
    int SQLITE_OK
    int SQLITE_DONE
    const char *sqlite3_libversion()
    int sqlite3_prepare_v2(sqlite3 *db, const char *sql, int n, sqlite3_stmt **stmt, const char **tail)
    int sqlite3_bind_parameter_count(sqlite3_stmt *stmt)
    int sqlite3_stmt_readonly(sqlite3_stmt *stmt)
    int sqlite3_bind_text(sqlite3_stmt *stmt, int i, const char *text, int n, sqlite3_destructor_type d)
    int sqlite3_bind_blob(sqlite3_stmt *stmt, int i, const void *data, int n, sqlite3_destructor_type d)
    int sqlite3_bind_int64(sqlite3_stmt *stmt, int i, long long value)
    int sqlite3_bind_double(sqlite3_stmt *stmt, int i, double value)
    int sqlite3_bind_null(sqlite3_stmt *stmt, int i)
    int sqlite3_step(sqlite3_stmt *stmt) nogil
    int sqlite3_reset(sqlite3_stmt *stmt)
    int sqlite3_finalize(sqlite3_stmt *stmt)
    int sqlite3_changes(sqlite3 *db)
    int sqlite3_total_changes(sqlite3 *db)
    int sqlite3_get_autocommit(sqlite3 *db)
    int sqlite3_extended_errcode(sqlite3 *db)
    const char *sqlite3_errmsg(sqlite3 *db)
    const char *sqlite3_errstr(int code)


cdef extern from "<dlfcn.h>":
    void *dlopen(const char *path, int flags)
    void *dlsym(void *handle, const char *name)
    int dlclose(void *handle)
    int RTLD_NOW
    int RTLD_NOLOAD


cdef extern from "Python.h":
    const char *PyUnicode_AsUTF8AndSize(object text, Py_ssize_t *size) except NULL


# The start of CPython's sqlite3.Connection (Modules/_sqlite/connection.h, 3.10 to 3.13): the
# object header, then the connection's sqlite3 handle.
ctypedef struct _Connection:
    Py_ssize_t ob_refcnt
    void *ob_type
    sqlite3 *db


cdef int INT_MAX = 2147483647


def _same_library() -> bool:
    """Whether the driver's SQLite is the one this module calls (one library in the process)."""
    if sys.implementation.name != "cpython" or not ((3, 10) <= sys.version_info[:2] <= (3, 13)):
        return False
    import _sqlite3

    path = getattr(_sqlite3, "__file__", None)
    if not path:
        return False
    cdef void *handle = dlopen(path.encode(), RTLD_NOW | RTLD_NOLOAD)
    if handle == NULL:
        return False
    cdef void *theirs = dlsym(handle, "sqlite3_libversion")
    dlclose(handle)
    return theirs != NULL and theirs == <void *>sqlite3_libversion


SAME_LIBRARY = _same_library()


cdef sqlite3 *_handle(object conn) except? NULL:
    """The connection's handle, when it is certainly that (else NULL)."""
    if not SAME_LIBRARY or type(conn) is not driver.Connection:
        return NULL
    cdef sqlite3 *db = (<_Connection *><PyObject *>conn).db
    if db == NULL:
        return NULL
    # what the driver reports of its handle must be what this one says
    if conn.total_changes != sqlite3_total_changes(db) or conn.in_transaction != (not sqlite3_get_autocommit(db)):
        return NULL
    return db


cdef bint _plain(object row, Py_ssize_t n):
    """Whether ``row`` is a list or tuple of ``n`` values of the types bound here."""
    if (type(row) is not list and type(row) is not tuple) or len(row) != n:
        return False
    for value in row:
        t = type(value)
        if not (value is None or t is str or t is int or t is float or t is bool or t is bytes):
            return False
        if t is bytes and PyBytes_GET_SIZE(value) > INT_MAX:
            return False
    return True


cdef object _error(sqlite3 *db, int code):
    """The exception the driver raises for SQLite's ``code`` (its classes, its message)."""
    primary = code & 0xFF
    cls = driver.OperationalError
    if primary in (19, 20):  # CONSTRAINT, MISMATCH
        cls = driver.IntegrityError
    elif primary in (2, 12):  # INTERNAL, NOTFOUND
        cls = driver.InternalError
    elif primary == 11:  # CORRUPT
        cls = driver.DatabaseError
    elif primary == 18:  # TOOBIG
        cls = driver.DataError
    elif primary in (21, 25):  # MISUSE, RANGE
        cls = driver.InterfaceError
    exc = cls(sqlite3_errmsg(db).decode("utf-8", "replace"))
    exc.sqlite_errorcode = code
    return exc


def executemany(object conn, str sql, object rows) -> int:
    """``conn.executemany(sql, rows)`` bound here (see the module docstring): the rows changed,
    or -1 when it cannot run here (nothing done: use the driver)."""
    cdef sqlite3 *db = _handle(conn)
    if db == NULL or sqlite3_get_autocommit(db):
        return -1
    if type(rows) is not list:
        rows = list(rows)
    encoded = sql.encode("utf-8")
    cdef sqlite3_stmt *stmt = NULL
    cdef const char *tail = NULL
    if sqlite3_prepare_v2(db, encoded, <int>len(encoded), &stmt, &tail) != SQLITE_OK or stmt == NULL:
        sqlite3_finalize(stmt)
        return -1
    cdef Py_ssize_t n = sqlite3_bind_parameter_count(stmt)
    cdef Py_ssize_t i, size
    cdef const char *text
    cdef int rc
    cdef long long total = 0
    try:
        if tail[0] != 0 or sqlite3_stmt_readonly(stmt) or any(not _plain(row, n) for row in rows):
            return -1  # (more than one statement, not one that writes, or a value the driver adapts)
        for row in rows:
            for i in range(n):
                value = row[i]
                t = type(value)
                if value is None:
                    rc = sqlite3_bind_null(stmt, i + 1)
                elif t is str:
                    text = PyUnicode_AsUTF8AndSize(value, &size)
                    if size > INT_MAX:
                        raise driver.DataError("string longer than INT_MAX bytes")
                    rc = sqlite3_bind_text(stmt, i + 1, text, <int>size, SQLITE_STATIC)
                elif t is int:
                    rc = sqlite3_bind_int64(stmt, i + 1, PyLong_AsLongLong(value))
                elif t is float:
                    rc = sqlite3_bind_double(stmt, i + 1, PyFloat_AS_DOUBLE(value))
                elif t is bool:
                    rc = sqlite3_bind_int64(stmt, i + 1, 1 if value else 0)
                else:
                    rc = sqlite3_bind_blob(stmt, i + 1, PyBytes_AS_STRING(value), <int>PyBytes_GET_SIZE(value), SQLITE_STATIC)
                if rc != SQLITE_OK:
                    raise _error(db, sqlite3_extended_errcode(db))
            rc = sqlite3_step(stmt)
            if rc != SQLITE_DONE:
                raise _error(db, sqlite3_extended_errcode(db))
            total += sqlite3_changes(db)
            sqlite3_reset(stmt)
    finally:
        sqlite3_finalize(stmt)  # (its bindings with it: no pointer into a row is kept)
    return total
