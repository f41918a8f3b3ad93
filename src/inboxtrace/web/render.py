"""Jinja2 rendering of the pages: autoescaping everywhere, the caller's language, the CSRF token."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from inboxtrace.i18n import DEFAULT_LANG, has_message, languages, message
from inboxtrace.safetext import visible
from inboxtrace.web.security import csrf_token

LANG_COOKIE = "itx_lang"


def pick_lang(request: Request) -> str:
    """``?lang=``, then the language cookie, then ``Accept-Language``, then English."""
    known = languages()
    for cand in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if cand is not None and cand in known:
            return str(cand)
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in known:
            return code
    return DEFAULT_LANG


def _when(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return str(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def _pct(value: Any) -> str:
    try:
        return f"{float(value) * 100:.1f}%"
    except (TypeError, ValueError):
        return ""


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("inboxtrace.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # attacker-written text: control characters (terminal escapes) shown as \xNN, then HTML-escaped
    env.filters["visible"] = lambda v: visible(str(v)) if v is not None else ""
    env.filters["when"] = _when
    env.filters["pct"] = _pct
    return env


def translator(lang: str) -> Any:
    def t(key: str, **params: object) -> str:
        full = f"web.{key}"
        if has_message(full, lang) or has_message(full, DEFAULT_LANG):
            return message(full, lang, **params)
        return key

    return t


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    lang = pick_lang(request)
    principal = getattr(request.state, "principal", None)
    ctx = {
        "request": request,
        "lang": lang,
        "languages": languages(),
        "t": translator(lang),
        "csrf": csrf_token(request),
        "principal": principal,
        "auth_on": request.app.state.auth.required(),
        "path": request.url.path,
        **context,
    }
    html = environment().get_template(template).render(ctx)
    resp = HTMLResponse(html, status_code=status)
    if request.query_params.get("lang") in languages():
        resp.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", httponly=True)
    return resp


def error_page(
    request: Request, status: int, title: str, detail: str | None, headers: dict[str, str] | None = None
) -> HTMLResponse:
    resp = page(request, "error.html", status=status, title=title, detail=detail)
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp
