"""Errors as RFC 9457 ``application/problem+json`` (API) or a small HTML page (browser)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from inboxtrace.errors import ConfigError, InboxtraceError, InputError, NotAReplyError, StoreError

log = logging.getLogger("inboxtrace.web")

PROBLEM = "application/problem+json"
TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    413: "Upload too large",
    415: "Unsupported media type",
    422: "Invalid parameters",
    429: "Too many requests",
    500: "Internal error",
    503: "Store unavailable",
}


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for these error statuses."""
    return {
        c: {"model": Problem, "content": {PROBLEM: {}}, "description": TITLES.get(c, "Error")} for c in codes
    }


def wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")


def problem(
    request: Request, status: int, detail: str | None, headers: dict[str, str] | None = None
) -> Response:
    if wants_html(request):
        from inboxtrace.web.render import error_page

        return error_page(request, status, TITLES.get(status, "Error"), detail, headers=headers)
    body = Problem(title=TITLES.get(status, "Error"), status=status, detail=detail, instance=request.url.path)
    return JSONResponse(
        body.model_dump(exclude_none=True), status_code=status, media_type=PROBLEM, headers=headers
    )


def install(app: FastAPI) -> None:
    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        detail = exc.detail if isinstance(exc.detail, str) else None
        return problem(request, exc.status_code, detail, getattr(exc, "headers", None))

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        parts = []
        for err in exc.errors()[:5]:
            where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("query", "body", "path"))
            parts.append(f"{where}: {err.get('msg', 'invalid')}" if where else str(err.get("msg", "invalid")))
        return problem(request, 422, "; ".join(parts) or "invalid request")

    async def inboxtrace_error(request: Request, exc: Exception) -> Response:
        from inboxtrace.report.message import MessageNotFound

        if isinstance(exc, MessageNotFound):
            return problem(request, 404, str(exc))
        if isinstance(exc, (InputError, NotAReplyError, ConfigError)):
            return problem(request, 400, str(exc))
        if isinstance(exc, StoreError):
            return problem(request, 503, str(exc))
        return problem(request, 500, str(exc))

    async def unexpected(request: Request, exc: Exception) -> Response:
        log.error("unexpected error on %s: %s", request.url.path, type(exc).__name__, exc_info=exc)
        return problem(request, 500, "the server failed on this request; the log has details")

    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(InboxtraceError, inboxtrace_error)
    app.add_exception_handler(Exception, unexpected)
