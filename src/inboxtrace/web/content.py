"""The content check on the web: ``POST /api/v1/content`` with a sample message as the body answers
what ``inboxtrace check --message sample.eml --json`` prints (the sender check of its From domain,
the content check, the verdict out of 10). Mounted through :data:`inboxtrace.web.routers.EXTRA_ROUTERS`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from inboxtrace.web.problems import problem_responses
from inboxtrace.web.reports import UPLOAD_BODY
from inboxtrace.web.security import require

MAX_MESSAGE = 50 * 1024 * 1024
router = APIRouter(prefix="/api/v1", responses=problem_responses(400, 401, 403, 413, 422, 503))


def _check(request: Request, path: Path, spamassassin: bool, blocklists: bool) -> dict[str, Any]:
    from inboxtrace.checks import CheckOptions, check_domain, domain_of_message
    from inboxtrace.content import ContentOptions, check_content, overall

    cfg = request.app.state.config
    raw = path.read_bytes()
    content = check_content(
        raw,
        ContentOptions(
            spamassassin=spamassassin,
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


@router.post(
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
