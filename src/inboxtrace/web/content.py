"""The content check on the web: ``POST /api/v1/content`` with a sample message as the body answers
what ``inboxtrace check --message sample.eml --json`` prints (the sender check of its From domain,
the content check, the verdict out of 10); the ``/content`` page takes a file or pasted message and
shows the same. Mounted through :data:`inboxtrace.web.routers.EXTRA_ROUTERS`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from inboxtrace.web.problems import problem_responses
from inboxtrace.web.reports import UPLOAD_BODY
from inboxtrace.web.security import require

MAX_MESSAGE = 50 * 1024 * 1024
router = APIRouter()
api = APIRouter(prefix="/api/v1", responses=problem_responses(400, 401, 403, 413, 422, 503))
pages = APIRouter(include_in_schema=False)


def _check(request: Request, path: Path, spamassassin: bool, blocklists: bool) -> dict[str, Any]:
    from inboxtrace.checks import CheckOptions, check_domain, domain_of_message
    from inboxtrace.content import ContentOptions, check_content, overall
    from inboxtrace.errors import InboxtraceError

    cfg = request.app.state.config
    raw = path.read_bytes()
    shared = None
    if spamassassin:  # the server's one spamd (owned by the app's lifespan), started on first use
        try:
            shared = request.app.state.spamd.address()
        except InboxtraceError:
            shared = None  # the check below starts its own, and names why it could not
    content = check_content(
        raw,
        ContentOptions(
            spamassassin=spamassassin,
            spamd=shared,
            blocklists=blocklists,
            nameservers=cfg.nameservers,
            timeout=cfg.dns_timeout,
            tries=1,
        ),
    )
    domain = domain_of_message(raw)
    sender = check_domain(
        domain,
        CheckOptions(
            message=raw,
            nameservers=cfg.nameservers,
            timeout=cfg.dns_timeout,
            tries=1,
            fetch_policies=False,
            blocklists=blocklists,
        ),
    )
    out: dict[str, Any] = sender.to_dict() | {
        "content": content.to_dict(),
        "verdict": overall(sender, content).to_dict(),
    }
    return out


@api.post(
    "/content",
    dependencies=[Depends(require("write"))],
    openapi_extra=UPLOAD_BODY,
    responses=problem_responses(413),
)
async def content_check(
    request: Request,
    spamassassin: Annotated[bool, Query(description="Score with SpamAssassin (a private spamd).")] = True,
    blocklists: Annotated[bool, Query(description="Look up link domains on the blocklists.")] = True,
) -> dict[str, Any]:
    """Check a sample message (the request body): the sender check of its From domain, SpamAssassin
    and inboxtrace's content findings, and one verdict out of 10 with the top three fixes."""
    from starlette.concurrency import run_in_threadpool

    from inboxtrace.web.api import save_upload

    path = await save_upload(request, min(MAX_MESSAGE, request.app.state.config.max_upload))
    try:
        return await run_in_threadpool(_check, request, path, spamassassin, blocklists)
    finally:
        path.unlink(missing_ok=True)


@pages.get("/content", dependencies=[Depends(require("read", page=True))])
def content_form(request: Request) -> HTMLResponse:
    from inboxtrace.web.render import page

    return page(request, "content.html", result=None, error=None)


@pages.post("/content")
async def content_page(
    request: Request, _p: Annotated[object, Depends(require("write", page=True))]
) -> HTMLResponse:
    """The form: a message file or pasted text, checked like ``check --message``."""
    import tempfile

    from starlette.concurrency import run_in_threadpool

    from inboxtrace.errors import InboxtraceError
    from inboxtrace.web.render import page
    from inboxtrace.web.security import bounded_upload_form

    too_large = f"the message is larger than {MAX_MESSAGE // (1024 * 1024)} MB"
    form = await bounded_upload_form(request, MAX_MESSAGE, too_large)
    upload = form.get("file")
    raw = b""
    if upload is not None and not isinstance(upload, str):
        raw = await upload.read(MAX_MESSAGE + 1)
    if not raw:
        pasted = form.get("message")
        raw = pasted.replace("\r\n", "\n").encode("utf-8") if isinstance(pasted, str) else b""
    if not raw.strip():
        return page(
            request, "content.html", status=400, result=None, error="give a message file or paste one"
        )
    if len(raw) > MAX_MESSAGE:
        raise HTTPException(413, f"the message is larger than {MAX_MESSAGE // (1024 * 1024)} MB")
    with tempfile.NamedTemporaryFile(prefix="inboxtrace-content-", delete=False) as tmp:
        tmp.write(raw)
    path = Path(tmp.name)
    try:
        result = await run_in_threadpool(_check, request, path, True, True)
    except InboxtraceError as exc:
        return page(request, "content.html", status=400, result=None, error=str(exc))
    finally:
        path.unlink(missing_ok=True)
    return page(request, "content.html", result=result, error=None)


router.include_router(api)
router.include_router(pages)
