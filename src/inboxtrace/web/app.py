"""The web app factory: :func:`create_app` builds the FastAPI app over one store."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from importlib import resources

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from inboxtrace import __version__
from inboxtrace.store import open_store
from inboxtrace.web.config import WebConfig
from inboxtrace.web.metrics import Metrics
from inboxtrace.web.security import CSRF_COOKIE, HEADERS, AuthState, LoginLimiter, NeedsLogin, set_cookie


def create_app(config: WebConfig | None = None) -> FastAPI:
    """The app: JSON API under ``/api/v1`` (OpenAPI at ``/api/v1/openapi.json``), the pages,
    ``/healthz``, ``/metrics``, static files, and the routers listed in :mod:`inboxtrace.web.routers`."""
    from inboxtrace.web import api, pages, problems
    from inboxtrace.web.routers import extra_routers

    cfg = config or WebConfig()
    store = open_store(cfg.db)

    from inboxtrace.report.overview import OverviewCache

    overviews = OverviewCache(store, max_age=cfg.overview_max_age)
    from inboxtrace.content.spamd_pool import SharedSpamd

    spamd = SharedSpamd(nameservers=cfg.nameservers)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        overviews.refresh(30)  # the first visit of the overview need not wait
        import inboxtrace.diagnose.run  # noqa: F401  (the message page's diagnosis: loaded once, now)
        from inboxtrace.alerts.http import start_alert_loop

        alerts = start_alert_loop(store)  # the alert rules, evaluated continuously (off: interval 0)
        from inboxtrace.store.retention import start_daily_prune

        pruner = start_daily_prune(store, cfg.retention_days)  # retention, applied daily (off: None)
        yield
        spamd.stop()
        if pruner is not None:
            pruner.stop()
        if alerts is not None:
            alerts.stop()
        store.close()

    app = FastAPI(
        title="inboxtrace",
        version=__version__,
        description="Where did the mail go after the 250 OK: deliveries, timelines, bounces, checks.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.config = cfg
    app.state.store = store
    app.state.auth = AuthState(store, cfg.auth)
    app.state.overviews = overviews
    from inboxtrace.store.log_queries import SpanCache

    app.state.span = SpanCache(store)  # the logs' time span, for the message pages' diagnoses
    app.state.spamd = spamd
    app.state.metrics = Metrics()
    app.state.login_limiter = LoginLimiter(cfg.login_attempts, cfg.login_window)
    problems.install(app)

    @app.exception_handler(NeedsLogin)
    async def needs_login(request: Request, exc: Exception) -> Response:
        from urllib.parse import quote

        from fastapi.responses import RedirectResponse

        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.middleware("http")
    async def headers_and_metrics(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        start = time.perf_counter()
        response = await call_next(request)
        for k, v in HEADERS.items():
            response.headers.setdefault(k, v)
        new = getattr(request.state, "new_csrf", None)
        if new and not request.cookies.get(CSRF_COOKIE):
            set_cookie(request, response, CSRF_COOKIE, new, max_age=None)
        route = request.scope.get("route")
        name = getattr(route, "path", None) or (
            "static" if request.url.path.startswith("/static/") else "other"
        )
        app.state.metrics.observe(request.method, name, response.status_code, time.perf_counter() - start)
        return response

    @app.get("/healthz", include_in_schema=False)
    def healthz(request: Request) -> Response:
        from inboxtrace.errors import StoreError
        from inboxtrace.store.activity import latest_time

        try:
            newest = latest_time(store)
        except StoreError as exc:
            return JSONResponse({"status": "error", "detail": str(exc)}, status_code=503)
        return JSONResponse({"status": "ok", "newest_event": newest.isoformat() if newest else None})

    @app.get("/metrics", include_in_schema=False)
    def metrics(request: Request, _p: object = api.READ) -> Response:
        return api.metrics_response(request)

    static = resources.files("inboxtrace.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)
    for router in extra_routers(store):
        app.include_router(router)
    return app
