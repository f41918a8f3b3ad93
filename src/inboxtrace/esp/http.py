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
import queue
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, InvalidStateError

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

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


class Committer:
    """One writer thread that commits the events of concurrent requests together (group commit).

    Each request waits for the commit of the transaction its events went into, so a 2xx still
    means "stored"; under load many requests share one transaction instead of queueing for the
    store one by one. A failing group is retried request by request, so one bad request cannot
    fail the others.
    """

    def __init__(self, store: Store, max_events: int = 5000, token_memory: float = TOKEN_MEMORY) -> None:
        self.store = store
        self.max_events = max_events
        self.token_memory = token_memory
        self._queue: queue.Queue[tuple[Job, Future[EspWriteResult]]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, events: Sequence[EspEvent], token: tuple[str, str] | None) -> Future[EspWriteResult]:
        fut: Future[EspWriteResult] = Future()
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="inboxtrace-webhook-writer", daemon=True
                )
                self._thread.start()
        self._queue.put(((events, token), fut))
        return fut

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
            self._write(group)

    def _write(self, group: list[tuple[Job, Future[EspWriteResult]]]) -> None:
        try:
            results = write_jobs(self.store, [job for job, _ in group])
        except Exception as exc:
            if len(group) > 1:
                for item in group:
                    self._write([item])
                return
            _settle(group[0][1], exc)
            return
        for (_, fut), result in zip(group, results, strict=True):
            _settle(fut, result)


def _settle(fut: Future[EspWriteResult], outcome: EspWriteResult | BaseException) -> None:
    """Hand the outcome to the waiting request (which may have gone away: client disconnected)."""
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
        token = None
        if isinstance(self.provider, MailgunProvider):
            token = (self.provider.name, self.provider.token(request))
        return parsed, token

    def receive(self, request: WebhookRequest) -> tuple[EspWriteResult, str]:
        """Synchronously: verify, parse, store (for library callers outside an event loop)."""
        parsed, token = self.parse(request)
        return self.committer.submit(parsed.events, token).result(), parsed.note


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


class _Receivers:
    """The receivers of one app: one per provider, sharing one committer (one writer per store)."""

    def __init__(self, store: Store, providers: Mapping[str, Provider]) -> None:
        ages = [p.max_age for p in providers.values() if isinstance(p, MailgunProvider)]
        committer = Committer(store, token_memory=max([TOKEN_MEMORY, *(2 * a for a in ages)]))
        self.by_name = {n: WebhookReceiver(p, committer) for n, p in providers.items()}


def webhook_router(
    store: Store | None = None,
    settings: EspSettings | None = None,
    *,
    providers: Mapping[str, Provider] | None = None,
    prefix: str = "/webhooks",
) -> APIRouter:
    """A router with ``POST {prefix}/{provider}`` for every registered provider.

    Events go into ``store``; without one, into the serving app's ``app.state.store`` (how
    ``inboxtrace serve`` mounts :data:`router`). ``settings`` default to the environment
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
                return _error(413, "body too large")
            body = await request.body()
            if len(body) > MAX_BODY:
                return _error(413, "body too large")
            req = WebhookRequest(
                body,
                {k.lower(): v for k, v in request.headers.items()},
                request.headers.get("content-type", ""),
            )
            try:
                receiver = receivers(request).by_name[name]
                parsed, token = await run_in_threadpool(receiver.parse, req)
                result = await asyncio.wrap_future(receiver.committer.submit(parsed.events, token))
            except WebhookError as exc:
                return _error(exc.status, str(exc))
            except StoreError:
                return _error(503, "the store is unavailable, retry later")
            except ConfigError:
                return _error(503, "webhooks are misconfigured on this server (see its configuration)")
            except InboxtraceError as exc:
                return _error(500, type(exc).__name__)
            payload: dict[str, object] = {"ok": True, **result.to_dict()}
            if parsed.note:
                payload["note"] = parsed.note
            return JSONResponse(payload)

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


# For ``inboxtrace serve`` (listed in inboxtrace.web.routers): stores into the app's own store,
# credentials from the environment.
router = webhook_router()


def webhook_app(store: Store, settings: EspSettings | None = None) -> FastAPI:
    """A FastAPI app serving only the webhook endpoints."""
    app = FastAPI(title="inboxtrace webhooks", docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(webhook_router(store, settings))
    return app


__all__ = ["Committer", "WebhookReceiver", "router", "webhook_app", "webhook_router"]
