"""The HTTP API under ``/api/v1``: the same data as the CLI's ``--json``, for programs."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field

from inboxtrace.report.period import parse_when
from inboxtrace.store.activity import ActivityFilter, search_deliveries
from inboxtrace.web.problems import problem_responses
from inboxtrace.web.security import require

READ = Depends(require("read"))
WRITE = Depends(require("write"))
ERRORS = problem_responses(400, 401, 403, 422, 503)

router = APIRouter(prefix="/api/v1", responses=ERRORS)
Json = dict[str, Any]


def _store(request: Request) -> Any:
    return request.app.state.store


class DeliveryItem(BaseModel):
    id: str
    recipient: str
    sender: str | None
    message_id: str | None
    subject: str | None
    queue_id: str
    host: str
    final_state: str
    first_time: str | None
    last_time: str | None
    rcpt_domain: str | None
    provider: str | None
    reason: str | None
    hard_bounce: bool | None
    dsn: str | None
    reply: str | None
    relay_host: str | None
    remote_queue_id: str | None
    attempts: int


class DeliveryPage(BaseModel):
    items: list[DeliveryItem]
    next_cursor: str | None
    subject_capped: bool = Field(
        False,
        description="A subject search looks at the 500 newest matching messages of each source before the "
        "page's point; true when a source had more. With no next_cursor, older matches may exist: pass an "
        "earlier `until`.",
    )


class ExplainRequest(BaseModel):
    reply: str | None = Field(None, max_length=10000, description="An SMTP reply text to explain.")
    codes: list[str] | None = Field(None, max_length=10, description="Two or more reply codes to compare.")
    lang: str = Field("en", max_length=8)
    remote_host: str | None = Field(None, max_length=255)


class CheckRequest(BaseModel):
    domain: str = Field(..., min_length=1, max_length=253)
    ip: str | None = Field(None, max_length=64)
    selector: str | None = Field(None, max_length=63)


class PlacementCreate(BaseModel):
    note: str | None = Field(None, max_length=500)


def activity_filter(  # noqa: PLR0917 (FastAPI maps each parameter to a query field)
    q: str | None = None,
    subject: Annotated[str | None, Query(max_length=500)] = None,
    recipient: str | None = None,
    sender: str | None = None,
    message_id: str | None = None,
    queue_id: str | None = None,
    state: str | None = None,
    domain: str | None = None,
    provider: str | None = None,
    reason: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> ActivityFilter:
    """The activity filters of a query string (shared by the API and the Activity page)."""
    return ActivityFilter(
        q=q or None, subject=subject or None, recipient=recipient or None, sender=sender or None, message_id=message_id or None,
        queue_id=queue_id or None, state=state or None, domain=domain or None, provider=provider or None,
        reason=reason or None, since=parse_when(since), until=parse_when(until),
    )  # fmt: skip


@router.get("/deliveries", response_model=DeliveryPage, dependencies=[READ])
def deliveries(
    request: Request,
    filters: Annotated[ActivityFilter, Depends(activity_filter)],
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> Json:
    """Deliveries (one per message and recipient), newest first; pass ``next_cursor`` as ``cursor``."""
    return search_deliveries(_store(request), filters, limit=limit, cursor=cursor).to_dict()


@router.get("/trace", dependencies=[READ])
def trace(request: Request, q: Annotated[str, Query(min_length=1, max_length=1000)], limit: int = 20) -> Json:
    """What ``inboxtrace trace --json Q`` prints."""
    from inboxtrace.report import build_trace

    return build_trace(_store(request), q, limit=max(1, min(limit, 100))).to_dict()


@router.get("/messages/{message_id}", dependencies=[READ], responses=problem_responses(404))
def message(request: Request, message_id: str) -> Json:
    """One stored message (its id from ``/deliveries``): story, postmaster notes, diagnoses."""
    from inboxtrace.report.message import message_view

    return message_view(_store(request), message_id, span=request.app.state.span).to_dict()


@router.get("/report", dependencies=[READ])
def report(request: Request, since: str | None = None, until: str | None = None) -> Json:
    """What ``inboxtrace report --json`` prints."""
    from inboxtrace.report import build_report

    return build_report(_store(request), since=parse_when(since), until=parse_when(until)).to_dict()


@router.get("/overview", dependencies=[READ])
def overview(request: Request, days: Annotated[int, Query(ge=1, le=366)] = 30) -> Json:
    """The report of the last ``days`` days of the store, with rate alerts (recomputed at most
    once a minute: ``computed_at`` says when)."""
    overview: Json = request.app.state.overviews.get(days).to_dict()
    return overview


@router.get("/bounces", dependencies=[READ])
def bounces(
    request: Request,
    since: str | None = None,
    reason: str | None = None,
    recipient: str | None = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 200,
) -> Json:
    """Failed recipients of stored bounce messages, newest first, and their counts by reason."""
    from inboxtrace.report.bounce_list import bounce_list

    return bounce_list(
        _store(request), since=parse_when(since), reason=reason, recipient=recipient, limit=limit
    )


@router.get(
    "/suppressions",
    dependencies=[READ],
    responses={200: {"content": {"application/json": {}, "text/csv": {"schema": {"type": "string"}}}}},
)
def suppressions(request: Request, since: str | None = None) -> Any:
    """Hard-bounced addresses never delivered since; CSV with ``Accept: text/csv``."""
    from inboxtrace.report import build_suppressions

    sup = build_suppressions(_store(request), since=parse_when(since))
    if "text/csv" in request.headers.get("accept", ""):
        return PlainTextResponse(sup.to_csv(), media_type="text/csv; charset=utf-8")
    return sup.to_dict()


def _explain(reply: str | None, codes: list[str] | None, lang: str, remote_host: str | None) -> Json:
    from inboxtrace.errors import InputError
    from inboxtrace.explain import compare_codes, explain_reply, is_code_list
    from inboxtrace.i18n import languages

    if lang not in languages():
        raise InputError(f"unknown language {lang!r}; available: {', '.join(languages())}")
    if codes:
        if len(codes) < 2 or not is_code_list(codes):
            raise InputError("give two or more reply codes to compare, like 550 and 554")
        return compare_codes(codes, lang=lang).to_dict()
    if not reply or not reply.strip():
        raise InputError("give a reply text, or two or more codes")
    return explain_reply(reply, lang=lang, remote_host=remote_host).to_dict()


@router.post("/explain", dependencies=[READ])
def explain_post(body: Annotated[ExplainRequest, Body()]) -> Json:
    """Explain a reply (``{"reply": "550 5.1.1 ..."}``) or compare codes (``{"codes": ["550", "554"]}``)."""
    return _explain(body.reply, body.codes, body.lang, body.remote_host)


@router.get("/explain", dependencies=[READ])
def explain_get(
    reply: Annotated[str | None, Query(max_length=10000)] = None,
    code: Annotated[list[str] | None, Query(max_length=10)] = None,
    lang: str = "en",
) -> Json:
    """``?reply=...`` explains one reply; ``?code=550&code=554`` compares codes."""
    return _explain(reply, code, lang, None)


def run_check(request: Request, domain: str, ip: str | None, selector: str | None) -> Any:
    """Run a sender check with the server's resolvers, add what the stored DMARC aggregate reports
    say about the domain (as ``check --db``), and keep it in the history."""
    from inboxtrace.checks import CheckOptions, check_domain
    from inboxtrace.checks.reports import with_report_findings
    from inboxtrace.checks.run import normalize_domain, normalize_ip
    from inboxtrace.store.check_runs import save_check

    cfg = request.app.state.config
    ips = (normalize_ip(ip),) if ip else ()
    opts = CheckOptions(
        ips=ips, selectors=(selector,) if selector else (), nameservers=cfg.nameservers,
        timeout=cfg.dns_timeout, fetch_policies=False,
    )  # fmt: skip
    result = with_report_findings(check_domain(normalize_domain(domain), opts), _store(request))
    return save_check(_store(request), result, ip=ips[0] if ips else None)


@router.post("/checks", dependencies=[WRITE], status_code=201)
def checks_create(request: Request, body: Annotated[CheckRequest, Body()]) -> Json:
    """Check a sending domain (and IP, DKIM selector): findings most harmful first, a score."""
    run: Any = run_check(request, body.domain, body.ip, body.selector)
    data: Json = run.to_dict()
    return data


@router.get("/checks", dependencies=[READ])
def checks_list(
    request: Request, domain: str | None = None, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> Json:
    """Earlier checks, newest first."""
    from inboxtrace.store.check_runs import check_history

    return {"items": [r.to_dict() for r in check_history(_store(request), domain, limit=limit)]}


@router.get("/checks/{check_id}", dependencies=[READ], responses=problem_responses(404))
def checks_get(request: Request, check_id: str) -> Json:
    from inboxtrace.store.check_runs import get_check

    run = get_check(_store(request), check_id)
    if run is None:
        raise HTTPException(404, f"no check with id {check_id!r}")
    return run.to_dict()


@router.get("/placement/tests", dependencies=[READ])
def placement_tests(request: Request, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> Json:
    from inboxtrace.store.placement import list_tests

    return {"items": [t.to_dict() for t in list_tests(_store(request), limit=limit)]}


@router.post("/placement/tests", dependencies=[WRITE], status_code=201)
def placement_create(request: Request, body: Annotated[PlacementCreate, Body()]) -> Json:
    """A new placement test (with the server's seed list): send its token in your campaign."""
    from inboxtrace.diagnose.workflow import create_test

    test = create_test(_store(request), seed_file=request.app.state.config.seeds, note=body.note)
    out: Json = test.to_dict()
    return out


def _test_or_404(request: Request, test_id: str) -> Any:
    from inboxtrace.errors import InboxtraceError
    from inboxtrace.store.placement import get_test

    try:
        return get_test(_store(request), test_id)
    except InboxtraceError:
        raise HTTPException(404, f"no placement test {test_id!r}") from None


@router.post("/placement/tests/{test_id}/check", dependencies=[WRITE], responses=problem_responses(404))
def placement_check(request: Request, test_id: str) -> Json:
    """Look in every seed mailbox once now and store where each copy is."""
    from inboxtrace.diagnose.workflow import placement_report
    from inboxtrace.diagnose.workflow import run_check as seeds_check

    test = _test_or_404(request, test_id)
    seeds_check(_store(request), test.test_id, seed_file=request.app.state.config.seeds, wait=0.0)
    return placement_report(_store(request), test.test_id).to_dict()


@router.get("/placement/tests/{test_id}/report", dependencies=[READ], responses=problem_responses(404))
def placement_report_api(request: Request, test_id: str) -> Json:
    from inboxtrace.diagnose.workflow import placement_report

    test = _test_or_404(request, test_id)
    return placement_report(_store(request), test.test_id).to_dict()


@router.get("/placement/tests/{test_id}/diagnosis", dependencies=[READ], responses=problem_responses(404))
def placement_diagnosis(request: Request, test_id: str) -> Json:
    """One conclusion per seed of the test that is not in the inbox."""
    from inboxtrace.diagnose.run import diagnose_test

    test = _test_or_404(request, test_id)
    return diagnose_test(_store(request), test.test_id).to_dict()


@router.get("/diagnosis", dependencies=[READ])
def diagnosis(
    request: Request, address: Annotated[str, Query(min_length=3, max_length=512)], since: str = "30d"
) -> Json:
    """Why a recipient says "I never got it": one conclusion per logged message since ``since``."""
    from inboxtrace.diagnose.run import diagnose_address

    start = parse_when(since) or datetime.now(UTC)
    return diagnose_address(_store(request), address, since=start).to_dict()


async def save_upload(request: Request, limit: int) -> Path:
    """The request body streamed into a temporary file, refused past ``limit`` bytes (413)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"the upload is larger than the limit of {limit:,} bytes")
    tmp = tempfile.NamedTemporaryFile(prefix="inboxtrace-upload-", delete=False)  # noqa: SIM115
    size = 0
    try:
        with tmp:
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise HTTPException(413, f"the upload is larger than the limit of {limit:,} bytes")
                tmp.write(chunk)
    except BaseException:
        Path(tmp.name).unlink(missing_ok=True)
        raise
    if size == 0:
        Path(tmp.name).unlink(missing_ok=True)
        raise HTTPException(400, "the upload is empty")
    return Path(tmp.name)


_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}


Wait = Annotated[
    bool,
    Query(
        description="Answer when the file is ingested (the summary); false: at once, 202 with the job to follow."
    ),
]


async def _upload(request: Request, kind: str, wait: bool) -> Any:
    from starlette.concurrency import run_in_threadpool

    from inboxtrace.store.ingest_jobs import get_job
    from inboxtrace.uploads import start_upload

    store = _store(request)
    path = await save_upload(request, request.app.state.config.max_upload)
    job_id = await run_in_threadpool(start_upload, store, path, kind, "upload", background=not wait)
    job = get_job(store, job_id)
    assert job is not None
    if not wait:
        headers = {"Location": f"/api/v1/ingest/jobs/{job_id}"}
        return JSONResponse(job.to_dict(), status_code=202, headers=headers)
    return {**(job.result or {}), "job": job_id}


@router.post(
    "/ingest/logs", dependencies=[WRITE], openapi_extra=_UPLOAD_BODY, responses=problem_responses(413)
)
async def ingest_logs(request: Request, wait: Wait = True) -> Any:
    """Upload one MTA log file as the request body (plain, .gz, .bz2 or .xz); it becomes an
    ingest job (``GET /api/v1/ingest/jobs/{id}`` follows it)."""
    return await _upload(request, "logs", wait)


@router.post(
    "/ingest/bounces", dependencies=[WRITE], openapi_extra=_UPLOAD_BODY, responses=problem_responses(413)
)
async def ingest_bounces_api(request: Request, wait: Wait = True) -> Any:
    """Upload one bounce message or an mbox of them as the request body (an ingest job too)."""
    return await _upload(request, "bounces", wait)


@router.get("/ingest/jobs/{job_id}", dependencies=[READ], responses=problem_responses(404))
def ingest_job(request: Request, job_id: Annotated[str, PathParam(max_length=64)]) -> Json:
    """An upload being ingested: state (running, done, failed, interrupted), bytes and lines read,
    messages stored, lines not understood; the summary once done, or why it failed."""
    from inboxtrace.store.ingest_jobs import get_job

    job = get_job(_store(request), job_id)
    if job is None:
        raise HTTPException(404, "no such ingest job")
    return job.to_dict()


@router.get("/tokens", dependencies=[Depends(require("admin"))])
def tokens(request: Request) -> Json:
    """The API tokens (ids, scopes, names; never the secrets)."""
    from inboxtrace.store.auth import list_tokens

    return {"items": list_tokens(_store(request))}


def metrics_response(request: Request) -> Response:
    from inboxtrace.store.activity import latest_time, state_counts

    store = _store(request)
    newest = latest_time(store)
    lag = (datetime.now(UTC) - newest).total_seconds() if newest else None
    text = request.app.state.metrics.render(state_counts(store), lag)
    return PlainTextResponse(text, media_type="text/plain; version=0.0.4; charset=utf-8")
