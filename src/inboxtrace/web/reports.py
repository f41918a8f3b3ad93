"""DMARC and TLS-RPT reports on the web: ``/dmarc`` (page) and ``/api/v1/dmarc``, ``/api/v1/tlsrpt``
(the JSON of ``inboxtrace dmarc report --json`` / ``tlsrpt report --json``), ``POST /api/v1/ingest/reports``
(upload reports, write scope). Mounted through
:data:`inboxtrace.web.routers.EXTRA_ROUTERS`; read scope, like the other reports."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from inboxtrace.errors import InputError
from inboxtrace.report.period import parse_when
from inboxtrace.web.problems import problem_responses
from inboxtrace.web.render import page
from inboxtrace.web.security import require

UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}

router = APIRouter()
api = APIRouter(prefix="/api/v1", responses=problem_responses(400, 401, 403, 422, 503))
pages = APIRouter(include_in_schema=False)
Domain = Annotated[str | None, Query(max_length=253, description="Only reports about this domain.")]
Since = Annotated[str | None, Query(max_length=40, description="From this date/time or age on (30d).")]


def _summaries(request: Request, domain: str | None, since: str | None) -> tuple[Any, Any]:
    from inboxtrace.feedback import dmarc_summary, tls_summary

    store = request.app.state.store
    when = parse_when(since)
    return dmarc_summary(store, domain=domain or None, since=when), tls_summary(
        store, domain=domain or None, since=when
    )


@api.get("/dmarc", dependencies=[Depends(require("read"))])
def dmarc(request: Request, domain: Domain = None, since: Since = None) -> dict[str, Any]:
    """Who sends as the domain: per source IP the volume, DMARC pass, SPF/DKIM alignment and the
    receivers' dispositions; sources never passing DMARC; overrides; failure reports."""
    from inboxtrace.feedback import dmarc_summary

    summary = dmarc_summary(request.app.state.store, domain=domain or None, since=parse_when(since))
    out: dict[str, Any] = summary.to_dict()
    return out


@api.get("/tlsrpt", dependencies=[Depends(require("read"))])
def tlsrpt(request: Request, domain: Domain = None, since: Since = None) -> dict[str, Any]:
    """TLS sessions per policy domain, and failures by receiving MX and result type."""
    from inboxtrace.feedback import tls_summary

    summary = tls_summary(request.app.state.store, domain=domain or None, since=parse_when(since))
    out: dict[str, Any] = summary.to_dict()
    return out


@api.post(
    "/ingest/reports",
    dependencies=[Depends(require("write"))],
    openapi_extra=UPLOAD_BODY,
    responses=problem_responses(413),
)
async def ingest_reports_api(request: Request) -> dict[str, Any]:
    """Upload DMARC aggregate/failure or TLS reports as the request body: a report file (.xml,
    .xml.gz, .zip, .json, .json.gz), a report email or an mbox of them. Stored once by report id;
    unreadable ones are counted and named."""
    from pathlib import Path

    from starlette.concurrency import run_in_threadpool

    from inboxtrace.web.api import save_upload

    path = await save_upload(request, request.app.state.config.max_upload)

    def work(upload: Path) -> dict[str, Any]:
        from inboxtrace.feedback import read_blob
        from inboxtrace.store.feedback import ingest_reports

        counts = ingest_reports(
            request.app.state.store, read_blob(upload.read_bytes(), "upload"), source="upload"
        )
        return counts.to_dict()

    try:
        return await run_in_threadpool(work, path)
    finally:
        path.unlink(missing_ok=True)


@pages.get("/dmarc", dependencies=[Depends(require("read", page=True))])
def dmarc_page(request: Request, domain: Domain = None, since: Since = None) -> HTMLResponse:
    error = None
    try:
        summary, tls = _summaries(request, domain, since)
    except InputError as exc:
        error = str(exc)
        summary, tls = _summaries(request, domain, None)
    return page(
        request,
        "dmarc.html",
        summary=summary,
        data=summary.to_dict(),
        tls=tls.to_dict(),
        domain=domain or "",
        since=since or "",
        error=error,
    )


router.include_router(api)
router.include_router(pages)
