"""The webhook endpoints as a FastAPI router: ``POST /webhooks/<provider>`` for every provider.

Each request is verified first (signature or credentials); a request that fails is answered 401/403
with nothing stored. Verified events are committed to the store before the 2xx answer, so an
acknowledged event is never lost; a retried request is answered 200 and adds nothing twice. A store
failure is a 503, so the provider retries later.

The ``inboxtrace serve`` app mounts :func:`webhook_router`; it can also run on its own with
:func:`webhook_app` (tests, a dedicated webhook receiver).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from inboxtrace.errors import InboxtraceError, StoreError
from inboxtrace.esp.base import MAX_BODY, Provider, WebhookError, WebhookRequest
from inboxtrace.esp.config import EspSettings
from inboxtrace.esp.mailgun import MailgunProvider
from inboxtrace.esp.registry import all_providers
from inboxtrace.store.core import Store
from inboxtrace.store.esp import EspWriteResult, write_events


class WebhookReceiver:
    """Verifies, parses and stores one webhook request for one provider (no HTTP in here)."""

    def __init__(self, store: Store, provider: Provider, lock: threading.Lock) -> None:
        self.store = store
        self.provider = provider
        self.lock = lock

    def receive(self, request: WebhookRequest) -> tuple[EspWriteResult, str]:
        parsed = self.provider.handle(request)
        token = None
        if isinstance(self.provider, MailgunProvider):
            token = (self.provider.name, self.provider.token(request))
        with self.lock:  # one writer at a time: no SQLite lock upgrades failing under load
            result = write_events(self.store, parsed.events, token=token)
        return result, parsed.note


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def webhook_router(
    store: Store,
    settings: EspSettings | None = None,
    *,
    providers: Mapping[str, Provider] | None = None,
    prefix: str = "/webhooks",
) -> APIRouter:
    """A router with ``POST {prefix}/{provider}`` for every registered provider, storing into ``store``.

    ``settings`` default to the environment (:meth:`EspSettings.from_env`).
    """
    chosen = dict(providers) if providers is not None else all_providers(settings)
    lock = threading.Lock()
    router = APIRouter(prefix=prefix, tags=["webhooks"])

    def endpoint(receiver: WebhookReceiver):  # type: ignore[no-untyped-def]
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
                result, note = await run_in_threadpool(receiver.receive, req)
            except WebhookError as exc:
                return _error(exc.status, str(exc))
            except StoreError:
                return _error(503, "the store is unavailable, retry later")
            except InboxtraceError as exc:
                return _error(500, type(exc).__name__)
            payload: dict[str, object] = {"ok": True, **result.to_dict()}
            if note:
                payload["note"] = note
            return JSONResponse(payload)

        handler.__name__ = f"webhook_{receiver.provider.name}"
        return handler

    for name, prov in chosen.items():
        router.add_api_route(
            f"/{name}",
            endpoint(WebhookReceiver(store, prov, lock)),
            methods=["POST"],
            summary=f"{prov.title} event webhook",
            response_class=JSONResponse,
        )
    return router


def webhook_app(store: Store, settings: EspSettings | None = None) -> FastAPI:
    """A FastAPI app serving only the webhook endpoints."""
    app = FastAPI(title="inboxtrace webhooks", docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(webhook_router(store, settings))
    return app


__all__ = ["WebhookReceiver", "webhook_app", "webhook_router"]
