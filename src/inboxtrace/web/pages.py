"""The browser pages: server-rendered, readable without JavaScript; forms carry a CSRF token."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response, StreamingResponse

from inboxtrace.errors import InboxtraceError, InputError
from inboxtrace.store.activity import STATES, SUBJECT_MATCHES, ActivityPage, search_deliveries
from inboxtrace.web import api, charts
from inboxtrace.web.render import page
from inboxtrace.web.security import (
    CSRF_FIELD,
    SESSION_COOKIE,
    bounded_upload_form,
    check_form_csrf,
    require,
    set_cookie,
)

router = APIRouter(include_in_schema=False)
READ = Depends(require("read", page=True))
WRITE = [Depends(require("write", page=True)), Depends(check_form_csrf)]
FILTER_KEYS = ("q", "subject", "state", "domain", "provider", "reason", "since", "until")


def _store(request: Request) -> Any:
    return request.app.state.store


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/activity", status_code=303)


def _activity(request: Request, cursor: str | None) -> tuple[dict[str, str], Any, str | None]:
    params = {k: request.query_params.get(k, "") for k in FILTER_KEYS}
    error = None
    try:
        filters = api.activity_filter(**{k: (v or None) for k, v in params.items()})
        result = search_deliveries(_store(request), filters, limit=50, cursor=cursor)
    except InputError as exc:
        error = str(exc)
        result = ActivityPage((), None)
    return params, result, error


@router.get("/activity", dependencies=[READ])
def activity(request: Request, cursor: Annotated[str | None, Query(max_length=2000)] = None) -> HTMLResponse:
    params, result, error = _activity(request, cursor)
    keep = {k: v for k, v in params.items() if v}
    older = f"/activity?{urlencode({**keep, 'cursor': result.next_cursor})}" if result.next_cursor else None
    live = None if cursor else f"/activity/rows?{urlencode(keep)}"
    return page(
        request, "activity.html", params=params, rows=result.rows, older=older, live=live, error=error,
        states=STATES, poll=request.app.state.config.poll_seconds,
        capped=SUBJECT_MATCHES if result.subject_capped else 0,
    )  # fmt: skip


@router.get("/activity/rows", dependencies=[READ])
def activity_rows(request: Request) -> HTMLResponse:
    """The first page's table rows alone (what the page's script polls for new events)."""
    _params, result, _error = _activity(request, None)
    return page(request, "activity_rows.html", rows=result.rows)


@router.get("/activity/events", dependencies=[READ])
async def activity_events(request: Request) -> StreamingResponse:
    """Server-Sent Events: ``change`` each time a writer (``ingest --follow``, webhooks, an upload)
    has committed new events to the store; the Activity page then fetches its rows again. The
    store is asked once a second (one index lookup) per open page; a stream ends after a few
    minutes and the browser opens the next one by itself."""
    from inboxtrace.web.live import store_changes

    cfg = request.app.state.config
    stream = store_changes(_store(request), request.is_disconnected, every=cfg.live_seconds)
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream, media_type="text/event-stream", headers=headers)


@router.get("/messages/{message_id}", dependencies=[READ])
def message(request: Request, message_id: str) -> HTMLResponse:
    from inboxtrace.report.message import message_view

    view = message_view(_store(request), message_id, span=request.app.state.span)
    return page(request, "message.html", view=view, data=view.to_dict())


@router.get("/overview", dependencies=[READ])
def overview(request: Request, days: Annotated[int, Query(ge=1, le=366)] = 30) -> HTMLResponse:
    from inboxtrace.store.alerts import active_alerts

    data = request.app.state.overviews.get(days).to_dict()
    rep = data["report"]
    return page(
        request, "overview.html", ov=data, rep=rep, days=days, rule_alerts=active_alerts(_store(request)),
        by_day=charts.day_columns(rep.get("by_day", [])),
        by_provider=charts.share_rows(rep.get("by_provider", [])[:12]),
        states=charts.CHART_STATES,
    )  # fmt: skip


@router.get("/bounces", dependencies=[READ])
def bounces(request: Request, reason: str | None = None, recipient: str | None = None) -> HTMLResponse:
    from inboxtrace.report.bounce_list import bounce_list

    data = bounce_list(_store(request), reason=reason or None, recipient=recipient or None, limit=200)
    return page(request, "bounces.html", data=data, reason=reason or "", recipient=recipient or "")


@router.get("/suppressions", dependencies=[READ])
def suppressions(request: Request) -> HTMLResponse:
    from inboxtrace.report import build_suppressions

    return page(request, "suppressions.html", rows=build_suppressions(_store(request)).rows())


@router.get("/suppressions.csv", dependencies=[READ])
def suppressions_csv(request: Request) -> Response:
    from inboxtrace.report import build_suppressions

    return PlainTextResponse(
        build_suppressions(_store(request)).to_csv(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="suppressions.csv"'},
    )


@router.get("/placement", dependencies=[READ])
def placement(request: Request, error: str | None = None) -> HTMLResponse:
    from inboxtrace.store.placement import list_tests

    tests = [t.to_dict() for t in list_tests(_store(request), limit=100)]
    return page(request, "placement.html", tests=tests, error=error, seeds=request.app.state.config.seeds)


@router.post("/placement", dependencies=WRITE)
async def placement_new(request: Request) -> Response:
    from starlette.concurrency import run_in_threadpool

    from inboxtrace.diagnose.workflow import create_test

    form = await request.form()
    note = str(form.get("note") or "")[:500] or None
    test = await run_in_threadpool(
        lambda: create_test(_store(request), seed_file=request.app.state.config.seeds, note=note)
    )
    return RedirectResponse(f"/placement/{test.test_id}", status_code=303)


@router.get("/placement/{test_id}", dependencies=[READ])
def placement_test(request: Request, test_id: str, error: str | None = None) -> HTMLResponse:
    from inboxtrace.diagnose.run import diagnose_test

    api._test_or_404(request, test_id)
    report = api.placement_report_api(request, test_id)
    diag = diagnose_test(_store(request), test_id).to_dict()
    return page(request, "placement_test.html", rep=report, diag=diag, test_id=test_id, error=error)


@router.post("/placement/{test_id}/check", dependencies=WRITE)
def placement_check(request: Request, test_id: str) -> Response:
    try:
        api.placement_check(request, test_id)
    except InboxtraceError as exc:
        return RedirectResponse(
            f"/placement/{test_id}?{urlencode({'error': str(exc)[:300]})}", status_code=303
        )
    return RedirectResponse(f"/placement/{test_id}", status_code=303)


@router.get("/checks", dependencies=[READ])
def checks(request: Request, domain: str | None = None) -> HTMLResponse:
    from inboxtrace.store.check_runs import check_history

    history = [r.to_dict() for r in check_history(_store(request), domain or None, limit=50)]
    return page(request, "checks.html", history=history, domain=domain or "", error=None)


@router.post("/checks", dependencies=WRITE)
async def checks_run(request: Request) -> Response:
    from starlette.concurrency import run_in_threadpool

    form = await request.form()
    domain = str(form.get("domain") or "").strip()[:253]
    ip = str(form.get("ip") or "").strip()[:64] or None
    selector = str(form.get("selector") or "").strip()[:63] or None
    try:
        run = await run_in_threadpool(api.run_check, request, domain, ip, selector)
    except InputError as exc:
        from inboxtrace.store.check_runs import check_history

        history = [r.to_dict() for r in check_history(_store(request), None, limit=50)]
        return page(request, "checks.html", status=400, history=history, domain=domain, error=str(exc))
    return RedirectResponse(f"/checks/{run.run_id}", status_code=303)


@router.get("/checks/{check_id}", dependencies=[READ])
def check_page(request: Request, check_id: str) -> HTMLResponse:
    from inboxtrace.store.check_runs import check_history

    run = api.checks_get(request, check_id)
    history = [r.to_dict() for r in check_history(_store(request), run["domain"], limit=20)]
    order = {"error": 0, "warning": 1, "info": 2}
    findings = sorted(run["result"]["findings"], key=lambda f: (order.get(f["severity"], 3), -f["penalty"]))
    from inboxtrace.feedback import dmarc_summary, tls_summary

    store = _store(request)  # what receivers reported about the domain (inboxtrace dmarc/tlsrpt ingest)
    dmarc = dmarc_summary(store, domain=run["domain"]).to_dict()
    tls = tls_summary(store, domain=run["domain"]).to_dict()
    return page(request, "check.html", run=run, findings=findings, history=history, dmarc=dmarc, tls=tls)


@router.get("/explain", dependencies=[READ])
def explain(
    request: Request,
    reply: Annotated[str | None, Query(max_length=10000)] = None,
    codes: Annotated[str | None, Query(max_length=200)] = None,
) -> HTMLResponse:
    result = None
    error = None
    lang = request.query_params.get("lang") or "en"
    if reply or codes:
        try:
            code_list = codes.replace(",", " ").split() if codes else None
            result = api._explain(
                None if code_list else reply, code_list, lang if lang in ("en", "vi") else "en", None
            )
        except InboxtraceError as exc:
            error = str(exc)
    return page(request, "explain.html", reply=reply or "", codes=codes or "", result=result, error=error)


@router.get("/ingest", dependencies=[READ])
def ingest_form(request: Request) -> HTMLResponse:
    return page(request, "ingest.html", result=None, error=None, limit=request.app.state.config.max_upload)


@router.post("/ingest")
async def ingest_upload(
    request: Request, _p: Annotated[object, Depends(require("write", page=True))]
) -> Response:
    from starlette.concurrency import run_in_threadpool

    limit = request.app.state.config.max_upload
    form = await bounded_upload_form(
        request, limit, f"the upload is larger than the limit of {limit:,} bytes"
    )
    upload = form.get("file")
    kind = str(form.get("kind") or "logs")
    if upload is None or isinstance(upload, str):
        return page(request, "ingest.html", status=400, result=None, error="choose a file", limit=limit)
    import tempfile

    with tempfile.NamedTemporaryFile(prefix="inboxtrace-upload-", delete=False) as tmp:
        size = 0
        while chunk := await upload.read(1 << 20):
            size += len(chunk)
            if size > limit:
                break
            tmp.write(chunk)
    from inboxtrace.uploads import KINDS, start_upload

    path = Path(tmp.name)
    name = upload.filename or "upload"
    if size > limit:
        path.unlink(missing_ok=True)
        raise HTTPException(413, f"the upload is larger than the limit of {limit:,} bytes")
    error = "the file is empty" if size == 0 else None if kind in KINDS else "choose logs or bounces"
    if error:
        path.unlink(missing_ok=True)
        return page(request, "ingest.html", status=400, result=None, error=error, limit=limit)
    job_id = await run_in_threadpool(start_upload, _store(request), path, kind, name, background=True)
    return RedirectResponse(f"/ingest/jobs/{job_id}", status_code=303)


@router.get("/ingest/jobs/{job_id}", dependencies=[READ])
def ingest_job_page(request: Request, job_id: str) -> HTMLResponse:
    """An upload being ingested: its progress (the page reloads itself every second, no script
    needed), then its summary or why it failed."""
    from inboxtrace.store.ingest_jobs import get_job

    job = get_job(_store(request), job_id[:64])
    if job is None:
        raise HTTPException(404, "no such ingest job")
    return page(request, "ingest_job.html", job=job.to_dict(), limit=request.app.state.config.max_upload)


def _safe_next(target: str | None) -> str:
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/activity"
    return target


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    return page(request, "login.html", next=_safe_next(next), error=None)


@router.post("/login", dependencies=[Depends(check_form_csrf)])
async def login(request: Request) -> Response:
    from starlette.concurrency import run_in_threadpool

    from inboxtrace.store.auth import open_session, verify_token, verify_user

    limiter = request.app.state.login_limiter
    client = request.client.host if request.client else "?"
    wait = limiter.blocked(client)
    if wait:
        raise HTTPException(
            429, f"too many failed sign-ins; try again in {wait:.0f} s", {"Retry-After": f"{wait:.0f}"}
        )
    form = await request.form()
    token = str(form.get("token") or "").strip()
    user = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    target = _safe_next(str(form.get("next") or ""))
    store = _store(request)
    if token:
        who = await run_in_threadpool(verify_token, store, token)
    elif user:
        who = await run_in_threadpool(verify_user, store, user, password)
    else:
        who = None
    if who is None:
        limiter.failed(client)
        return page(request, "login.html", status=401, next=target, error="login.failed")
    sid = await run_in_threadpool(open_session, store, who)
    resp = RedirectResponse(target, status_code=303)
    set_cookie(request, resp, SESSION_COOKIE, sid, max_age=12 * 3600)
    return resp


@router.post("/logout", dependencies=[Depends(check_form_csrf)])
def logout(request: Request) -> Response:
    from inboxtrace.store.auth import close_session

    sid = request.cookies.get(SESSION_COOKIE)
    if sid:
        close_session(_store(request), sid)
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


__all__ = ["CSRF_FIELD", "router"]
