"""The one place where routers from other parts of inboxtrace are mounted on the web app.

Each entry of :data:`EXTRA_ROUTERS` is a function that gets the app's open store and returns a
FastAPI ``APIRouter``; add one line to serve another. Each router brings its own paths and its own
authentication (the ESP webhooks verify their providers' signatures, not inboxtrace tokens) and
stays out of the ``/api/v1`` OpenAPI document; the app's security headers, metrics and error
handling apply to them too.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter

from inboxtrace.store.core import Store


def esp_webhooks(store: Store) -> APIRouter:
    """``POST /webhooks/<provider>`` for every ESP (:mod:`inboxtrace.esp.http`), settings from the environment."""
    from inboxtrace.esp.http import webhook_router

    return webhook_router(store)


def feedback_reports(store: Store) -> APIRouter:
    """DMARC aggregate/failure and TLS-RPT report pages and API (:mod:`inboxtrace.web.reports`)."""
    from inboxtrace.web.reports import router

    return router


def content_check(store: Store) -> APIRouter:
    """The content check of a message (:mod:`inboxtrace.web.content`)."""
    from inboxtrace.web.content import router

    return router


EXTRA_ROUTERS: tuple[Callable[[Store], APIRouter], ...] = (esp_webhooks, feedback_reports, content_check)


def extra_routers(store: Store) -> list[APIRouter]:
    return [make(store) for make in EXTRA_ROUTERS]
