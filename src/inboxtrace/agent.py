"""A log agent: ``ingest --follow`` that outlives its database.

One agent runs on each MTA host and tails that host's log into a shared store (usually one
PostgreSQL for the whole fleet). :func:`run_agent` opens the store and follows the log; when the
database goes away (restarted, failed over, network cut), the follow stops with a store error,
and the agent waits and starts again, with exponential backoff (and a little jitter, so a fleet
does not reconnect in step), until the database answers. Each restart resumes from the position
saved with the rows already written, and rows are written idempotently, so lines read twice
around the outage add nothing twice and nothing is lost.

Only connection-level failures are retried; a store that is refused for another reason (an
unsupported schema, a bad URL) ends the agent at once with its message.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from inboxtrace.errors import StoreError
from inboxtrace.ingest import IngestSummary, follow
from inboxtrace.store.core import open_store


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is the database being unreachable or the connection
    lost, which a retry later may cure."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, sa.exc.DBAPIError) and cur.connection_invalidated:
            return True
        if isinstance(cur, sa.exc.OperationalError | sa.exc.InterfaceError | sa.exc.DisconnectionError):
            return True
        if isinstance(cur, ConnectionError | TimeoutError):
            return True
        cur = cur.__cause__ or cur.__context__
    return False


def run_agent(
    path: str,
    url: str | None,
    *,
    should_stop: Callable[[], bool] | None = None,
    on_retry: Callable[[StoreError, float], None] | None = None,
    first_delay: float = 0.5,
    max_delay: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
    **follow_args: Any,
) -> IngestSummary:
    """Follow ``path`` into the store at ``url`` until ``should_stop()``, retrying a lost database
    with backoff (``on_retry(error, seconds)`` is told of each wait). Returns the summary of the
    last follow. ``follow_args`` go to :func:`inboxtrace.ingest.follow`."""
    stop = should_stop or (lambda: False)
    delay = first_delay
    while True:
        started = time.monotonic()
        try:
            with open_store(url) as store:
                return follow(path, store, should_stop=stop, **follow_args)
        except StoreError as exc:
            if not is_transient(exc) or stop():
                raise
            if time.monotonic() - started > 60:  # it had been running: a new outage starts over
                delay = first_delay
            wait = delay * random.uniform(0.8, 1.2)
            if on_retry is not None:
                on_retry(exc, wait)
            end = time.monotonic() + wait
            while time.monotonic() < end and not stop():
                sleep(min(0.2, max(0.0, end - time.monotonic())))
            if stop():
                raise
            delay = min(max_delay, delay * 2)


__all__ = ["is_transient", "run_agent"]
