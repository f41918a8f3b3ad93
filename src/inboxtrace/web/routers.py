"""The one place where routers from other parts of inboxtrace are mounted on the web app.

Each entry of :data:`EXTRA_ROUTERS` is a function that gets the app's open store and returns a
FastAPI ``APIRouter``; add one line to serve another. Each router brings its own paths and its own
authentication (the ESP webhooks verify their providers' signatures, not inboxtrace tokens); routes
under ``/api/v1`` are part of its OpenAPI document, the webhooks (the providers' contracts) are not.
The app's security headers, metrics and error handling apply to all of them.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter

from inboxtrace.store.core import Store


def esp_webhooks(store: Store) -> APIRouter:
    """``POST /webhooks/<provider>`` for every ESP (:mod:`inboxtrace.esp.http`), settings from the environment."""
    from fastapi.routing import APIRoute

    from inboxtrace.esp.http import webhook_router

    router = webhook_router(store)
    for route in router.routes:  # the providers' own contracts, not part of the /api/v1 document
        if isinstance(route, APIRoute):
            route.include_in_schema = False
    return router


def feedback_reports(store: Store) -> APIRouter:
    """DMARC aggregate/failure and TLS-RPT report pages and API (:mod:`inboxtrace.web.reports`)."""
    from inboxtrace.web.reports import router

    return router


def content_check(store: Store) -> APIRouter:
    """The content check of a message (:mod:`inboxtrace.web.content`)."""
    from inboxtrace.web.content import router

    return router


def alerts_api(store: Store) -> APIRouter:
    """``GET /api/v1/alerts``: the alert rules' active alerts (:mod:`inboxtrace.alerts`), read scope."""
    from inboxtrace.alerts.http import alerts_router
    from inboxtrace.web.api import READ

    return alerts_router(store, dependencies=[READ])


EXTRA_ROUTERS: tuple[Callable[[Store], APIRouter], ...] = (
    esp_webhooks,
    feedback_reports,
    content_check,
    alerts_api,
)


def extra_routers(store: Store) -> list[APIRouter]:
    return [make(store) for make in EXTRA_ROUTERS]
