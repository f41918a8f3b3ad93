"""The webhook endpoints as a FastAPI router: ``POST /webhooks/<provider>`` for every provider.

Each request is verified first (signature or credentials); a request that fails is answered 401/403
with nothing stored. Verified events are committed to the store before the 2xx answer, so an
acknowledged event is never lost; a retried request is answered 200 and adds nothing twice. A store
failure is a 503, so the provider retries later.

The ``inboxtrace serve`` app mounts :func:`webhook_router`; it can also run on its own with
:func:`webhook_app` (tests, a dedicated webhook receiver).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import queue
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, InvalidStateError
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from inboxtrace.errors import ConfigError, InboxtraceError, StoreError
from inboxtrace.esp.base import MAX_BODY, EspEvent, Parsed, Provider, WebhookError, WebhookRequest
from inboxtrace.esp.config import EspSettings
from inboxtrace.esp.mailgun import MailgunProvider
from inboxtrace.esp.registry import PROVIDERS, all_providers
from inboxtrace.store.core import Store
from inboxtrace.store.esp import EspWriteResult, Job, prune_tokens, write_jobs

# How long single-use request tokens (Mailgun) are remembered: longer than the oldest signature
# timestamp accepted (INBOXTRACE_MAILGUN_MAX_AGE, default one day).
TOKEN_MEMORY = 3 * 86400.0
# Bodies up to this size are verified and parsed in the event loop (well under a millisecond);
# larger ones, and providers whose check may fetch something (SNS certificates), in a thread.
INLINE_BODY = 64 * 1024


# Who waits for a job: a thread (a concurrent future) or a coroutine (an asyncio future and its loop).
Waiter = Future[EspWriteResult] | tuple[asyncio.AbstractEventLoop, "asyncio.Future[EspWriteResult]"]
Outcome = EspWriteResult | BaseException


class Committer:
    """One writer thread that commits the events of concurrent requests together (group commit).

    Each request waits for the commit of the transaction its events went into, so a 2xx still
    means "stored"; under load many requests share one transaction instead of queueing for the
    store one by one, and the requests of one event loop are woken together, once per commit. A
    failing group is retried request by request, so one bad request cannot fail the others.
    """

    def __init__(self, store: Store, max_events: int = 5000, token_memory: float = TOKEN_MEMORY) -> None:
        self.store = store
        self.max_events = max_events
        self.token_memory = token_memory
        self._queue: queue.SimpleQueue[tuple[Job, Waiter]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def _put(self, job: Job, waiter: Waiter) -> None:
        if self._thread is None or not self._thread.is_alive():
            with self._lock:
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(
                        target=self._run, name="inboxtrace-webhook-writer", daemon=True
                    )
                    self._thread.start()
        self._queue.put((job, waiter))

    def submit(self, events: Sequence[EspEvent], token: tuple[str, str] | None) -> Future[EspWriteResult]:
        """Queue a request's events; the future is done once they are committed (from any thread)."""
        fut: Future[EspWriteResult] = Future()
        self._put((events, token), fut)
        return fut

    async def commit(self, events: Sequence[EspEvent], token: tuple[str, str] | None) -> EspWriteResult:
        """Queue a request's events and wait (in the event loop) until they are committed."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[EspWriteResult] = loop.create_future()
        self._put((events, token), (loop, fut))
        return await fut

    def _run(self) -> None:
        pruned = 0.0
        while True:
            group = [self._queue.get()]
            now = time.time()
            if now - pruned > 3600:  # forget single-use tokens older than any accepted signature
                pruned = now
                with contextlib.suppress(StoreError):
                    prune_tokens(self.store, now - self.token_memory)
            size = len(group[0][0][0])
            while size < self.max_events:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                group.append(item)
                size += len(item[0][0])
            _settle([(waiter, outcome) for waiter, outcome in self._write(group)])

    def _write(self, group: list[tuple[Job, Waiter]]) -> list[tuple[Waiter, Outcome]]:
        try:
            results = write_jobs(self.store, [job for job, _ in group])
        except Exception as exc:
            if len(group) > 1:
                return [done for item in group for done in self._write([item])]
            return [(group[0][1], exc)]
        return [(waiter, result) for (_, waiter), result in zip(group, results, strict=True)]


def _settle(done: list[tuple[Waiter, Outcome]]) -> None:
    """Hand each outcome to its waiting request: threads directly, coroutines with one call into
    each event loop."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[EspWriteResult], Outcome]]] = {}
    for waiter, outcome in done:
        if isinstance(waiter, Future):
            _settle_one(waiter, outcome)
        else:
            by_loop.setdefault(waiter[0], []).append((waiter[1], outcome))
    for loop, pairs in by_loop.items():
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody is waiting any more
            loop.call_soon_threadsafe(_settle_in_loop, pairs)


def _settle_in_loop(pairs: list[tuple[asyncio.Future[EspWriteResult], Outcome]]) -> None:
    for fut, outcome in pairs:
        if fut.done():  # the request went away (client disconnected)
            continue
        if isinstance(outcome, BaseException):
            fut.set_exception(outcome)
        else:
            fut.set_result(outcome)


def _settle_one(fut: Future[EspWriteResult], outcome: Outcome) -> None:
    """Hand the outcome to the waiting thread (which may have gone away)."""
    if fut.done():
        return
    try:
        if isinstance(outcome, BaseException):
            fut.set_exception(outcome)
        else:
            fut.set_result(outcome)
    except InvalidStateError:
        pass


class WebhookReceiver:
    """Verifies and parses one webhook request for one provider, then has it committed."""

    def __init__(self, provider: Provider, committer: Committer) -> None:
        self.provider = provider
        self.committer = committer

    def parse(self, request: WebhookRequest) -> tuple[Parsed, tuple[str, str] | None]:
        parsed = self.provider.handle(request)
        token = self.provider.token(request)
        return parsed, (self.provider.name, token) if token is not None else None

    def receive(self, request: WebhookRequest) -> tuple[EspWriteResult, str]:
        """Synchronously: verify, parse, store (for library callers outside an event loop)."""
        parsed, token = self.parse(request)
        return self.committer.submit(parsed.events, token).result(), parsed.note


class _Receivers:
    """The receivers of one app: one per provider, sharing one committer (one writer per store)."""

    def __init__(self, store: Store, providers: Mapping[str, Provider]) -> None:
        ages = [p.max_age for p in providers.values() if isinstance(p, MailgunProvider)]
        committer = Committer(store, token_memory=max([TOKEN_MEMORY, *(2 * a for a in ages)]))
        self.by_name = {n: WebhookReceiver(p, committer) for n, p in providers.items()}

    async def answer(self, name: str, request: WebhookRequest) -> tuple[int, dict[str, Any]]:
        """The HTTP status and JSON answer to one webhook request for provider ``name``."""
        receiver = self.by_name.get(name)
        if receiver is None:
            return 404, {"error": "no such webhook"}
        if len(request.body) > MAX_BODY:
            return 413, {"error": "body too large"}
        try:
            if receiver.provider.blocking or len(request.body) > INLINE_BODY:
                parsed, token = await run_in_threadpool(receiver.parse, request)
            else:  # a small body whose check needs no network: cheaper here than a thread hop
                parsed, token = receiver.parse(request)
            result = await receiver.committer.commit(parsed.events, token)
        except WebhookError as exc:
            return exc.status, {"error": str(exc)}
        except StoreError:
            return 503, {"error": "the store is unavailable, retry later"}
        except ConfigError:
            return 503, {"error": _MISCONFIGURED}
        except InboxtraceError as exc:
            return 500, {"error": type(exc).__name__}
        payload: dict[str, Any] = {"ok": True, **result.to_dict()}
        if parsed.note:
            payload["note"] = parsed.note
        return 200, payload


def webhook_router(
    store: Store | None = None,
    settings: EspSettings | None = None,
    *,
    providers: Mapping[str, Provider] | None = None,
    prefix: str = "/webhooks",
) -> APIRouter:
    """A router with ``POST {prefix}/{provider}`` for every registered provider.

    Events go into ``store``; without one, into the serving app's ``app.state.store``. ``settings`` default to the environment
    (:meth:`EspSettings.from_env`), read when the first webhook arrives if no store is given.
    """
    fixed = (
        _Receivers(store, dict(providers) if providers is not None else all_providers(settings))
        if store
        else None
    )
    lock = threading.Lock()
    router = APIRouter(prefix=prefix, tags=["webhooks"])

    def receivers(request: Request) -> _Receivers:
        if fixed is not None:
            return fixed
        state = request.app.state
        with lock:
            found: _Receivers | None = getattr(state, "esp_webhooks", None)
            if found is None:
                chosen = dict(providers) if providers is not None else all_providers(settings)
                found = _Receivers(state.store, chosen)
                state.esp_webhooks = found
        return found

    def endpoint(name: str):  # type: ignore[no-untyped-def]
        async def handler(request: Request) -> JSONResponse:
            declared = request.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > MAX_BODY:
                return JSONResponse({"error": "body too large"}, status_code=413)
            req = WebhookRequest(
                await request.body(),
                {k.lower(): v for k, v in request.headers.items()},
                request.headers.get("content-type", ""),
            )
            try:
                found = receivers(request)
            except ConfigError:
                return JSONResponse({"error": _MISCONFIGURED}, status_code=503)
            status, payload = await found.answer(name, req)
            return JSONResponse(payload, status_code=status)

        handler.__name__ = f"webhook_{name}"
        return handler

    for name in providers if providers is not None else PROVIDERS:
        title = PROVIDERS[name].title if name in PROVIDERS else name
        router.add_api_route(
            f"/{name}",
            endpoint(name),
            methods=["POST"],
            summary=f"{title} event webhook",
            response_class=JSONResponse,
        )
    return router


class WebhookApp:
    """A bare ASGI app serving only ``POST {prefix}/<provider>``: the dedicated receiver of
    ``inboxtrace events receive``, without a web framework's per-request layers (routing tables,
    dependency solving, middleware), which cost more than verifying and queueing one event."""

    def __init__(self, receivers: _Receivers, prefix: str = "/webhooks") -> None:
        self.receivers = receivers
        self.prefix = prefix.rstrip("/") + "/"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        if not path.startswith(self.prefix) or "/" in path[len(self.prefix) :]:
            await _send_json(send, 404, {"error": "not found"})
            return
        if scope["method"] != "POST":
            await _send_json(send, 405, {"error": "method not allowed"}, [(b"allow", b"POST")])
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY:
            await _send_json(send, 413, {"error": "body too large"})
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY:
                await _send_json(send, 413, {"error": "body too large"})
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        request = WebhookRequest(b"".join(chunks), headers, headers.get("content-type", ""))
        status, payload = await self.receivers.answer(path[len(self.prefix) :], request)
        await _send_json(send, status, payload)


async def _send_json(
    send: Send, status: int, payload: Mapping[str, Any], extra: Sequence[tuple[bytes, bytes]] = ()
) -> None:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def webhook_app(
    store: Store, settings: EspSettings | None = None, *, prefix: str = "/webhooks"
) -> WebhookApp:
    """An ASGI app serving only the webhook endpoints (every registered provider)."""
    return WebhookApp(_Receivers(store, all_providers(settings)), prefix)


# The store of each worker process of ``inboxtrace events receive --workers N``: the URL as given
# (with its credentials), handed to the workers through their environment.
RECEIVER_DB_ENV = "INBOXTRACE_RECEIVER_DB"


def webhook_app_from_env() -> WebhookApp:
    """The webhook app of one worker process of ``events receive --workers N`` (a uvicorn app
    factory): each worker opens the store named by ``$INBOXTRACE_RECEIVER_DB`` and commits its own
    groups; a 2xx still means committed, and an event two workers receive is stored once (its
    provider's event id is a unique key)."""
    from inboxtrace.store import open_store

    return webhook_app(open_store(os.environ[RECEIVER_DB_ENV]))


_MISCONFIGURED = "webhooks are misconfigured on this server (see its configuration)"


__all__ = [
    "RECEIVER_DB_ENV",
    "Committer",
    "WebhookApp",
    "WebhookReceiver",
    "webhook_app",
    "webhook_app_from_env",
    "webhook_router",
]
