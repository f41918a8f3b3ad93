"""News from the store as a Server-Sent Events stream (``text/event-stream``).

The store's write counter (:func:`inboxtrace.store.rollup.write_counter`: one lookup) is read
every ``every`` seconds; each time it moved, the stream sends ``event: change``. Comments keep
idle connections open through proxies. A stream lasts ``lifetime`` seconds and tells the browser
to reconnect after ``retry`` ms, so a server shutting down is never held up for long.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from starlette.concurrency import run_in_threadpool

from inboxtrace.errors import InboxtraceError
from inboxtrace.store.core import Store
from inboxtrace.store.rollup import write_counter


def event(name: str, data: str) -> str:
    """One SSE message (``data`` is one line: the caller's own plain text, never user input)."""
    return f"event: {name}\ndata: {data}\n\n"


async def store_changes(
    store: Store,
    disconnected: Callable[[], Awaitable[bool]],
    *,
    every: float = 1.0,
    lifetime: float = 120.0,
    keepalive: float = 15.0,
    retry_ms: int = 2000,
) -> AsyncIterator[str]:
    """The stream: ``ready`` with the counter now, then ``change`` with the new counter after
    each write; ends when the client goes away, after ``lifetime``, or on a store error."""
    try:
        last = await run_in_threadpool(write_counter, store)
    except InboxtraceError:
        yield f"retry: {retry_ms * 5}\n\n"
        return
    yield f"retry: {retry_ms}\n\n" + event("ready", str(last))
    started = quiet = time.monotonic()
    while time.monotonic() - started < lifetime:
        await asyncio.sleep(every)
        if await disconnected():
            return
        try:
            now = await run_in_threadpool(write_counter, store)
        except InboxtraceError:
            return  # the browser reconnects after `retry`
        if now != last:
            last = now
            quiet = time.monotonic()
            yield event("change", str(now))
        elif time.monotonic() - quiet >= keepalive:
            quiet = time.monotonic()
            yield ": still here\n\n"


__all__ = ["event", "store_changes"]
