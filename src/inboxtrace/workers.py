"""Worker processes that never outlive the process that started them.

A forked worker of a killed parent (``kill -9``, out of memory) would go on parsing and then block
for ever writing to a pipe nobody reads, holding the database and its memory. :func:`die_with_parent`,
called first thing in a worker, asks Linux to kill it when its parent dies (``PR_SET_PDEATHSIG``)
and exits at once if the parent is already gone; elsewhere it only does the latter.

A worker that has finished a piece and waits for the next (or for the end) still holds the heap
that piece grew: :func:`release_memory` collects it and gives the C allocator's free pages back to
the system (glibc's ``malloc_trim``), so an idle worker costs little next to a busy one.

Parsing workers (and the process that reads beside them) collect garbage rarely
(:data:`GC_THRESHOLDS`, :func:`relaxed_gc`), and a worker that ends without its answer is reported
in one way (:data:`WORKER_DIED`), whichever kind of worker it was. Light to import (``ctypes`` is
loaded by the two calls that use it): the short forked bounce read uses it too.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys
from collections.abc import Iterator

_PR_SET_PDEATHSIG = 1
# Garbage-collector thresholds while parsing: many short-lived records and rows, few reference cycles.
GC_THRESHOLDS = (50_000, 20, 100)
WORKER_DIED = "a worker process ended without an answer (killed, or out of memory?)"


@contextlib.contextmanager
def relaxed_gc() -> Iterator[None]:
    """Collect garbage as rarely as the workers do (:data:`GC_THRESHOLDS`) while the block lasts (a
    bulk read or ingest); the thresholds are restored."""
    saved = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*saved)


def die_with_parent(parent_pid: int) -> None:
    """Make this (forked) process die when the process ``parent_pid`` does."""
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # died before the request took effect
        os._exit(1)


def release_memory() -> None:
    """Free what is garbage now and return the allocator's free pages to the system."""
    gc.collect()
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).malloc_trim(0)


__all__ = ["GC_THRESHOLDS", "WORKER_DIED", "die_with_parent", "relaxed_gc", "release_memory"]
