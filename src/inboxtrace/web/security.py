"""Who is calling and may they: tokens, sessions, scopes, CSRF, login rate limit, security headers."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable

from fastapi import HTTPException, Request, Response
from starlette.datastructures import FormData

from inboxtrace.store.auth import (
    Principal,
    credentials_configured,
    session_principal,
    verify_token,
)

SESSION_COOKIE = "itx_session"
CSRF_COOKIE = "itx_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ANONYMOUS = Principal("anonymous", "admin")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'; connect-src 'self'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class NeedsLogin(Exception):
    """A browser page was asked for without a session: redirect to the sign-in page."""


class AuthState:
    """Whether authentication is required: fixed by the config, or "as soon as a credential exists"
    (looked up again every few seconds, so ``inboxtrace tokens create`` takes effect while serving)."""

    def __init__(self, store: object, fixed: bool | None, ttl: float = 5.0) -> None:
        self._store = store
        self._fixed = fixed
        self._ttl = ttl
        self._value = False
        self._at = 0.0
        self._lock = threading.Lock()

    def required(self) -> bool:
        if self._fixed is not None:
            return self._fixed
        now = time.monotonic()
        with self._lock:
            if now - self._at > self._ttl:
                self._value = credentials_configured(self._store)  # type: ignore[arg-type]
                self._at = now
            return self._value


def bearer(request: Request) -> str | None:
    value = request.headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def principal(request: Request) -> Principal | None:
    """The caller: a Bearer token, else a session cookie, else anonymous when auth is off."""
    state = request.app.state
    token = bearer(request)
    if token is not None:
        return verify_token(state.store, token)
    sid = request.cookies.get(SESSION_COOKIE)
    if sid:
        p = session_principal(state.store, sid)
        if p is not None:
            return p
    if not state.auth.required():
        return ANONYMOUS
    return None


def _check_csrf(request: Request, form_token: str | None) -> None:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    given = form_token if form_token is not None else request.headers.get(CSRF_HEADER, "")
    if not cookie or not given or not hmac.compare_digest(cookie, given):
        raise HTTPException(
            403, "the form is stale or came from another site (CSRF check failed); reload the page"
        )


def require(scope: str, *, page: bool = False) -> Callable[[Request], Principal]:
    """A dependency: the caller must hold ``scope``. Unsafe requests not made with a Bearer token
    must prove they come from this app (JSON body or the CSRF header; forms check their field)."""

    def dependency(request: Request) -> Principal:
        p = principal(request)
        if p is None:
            if page:
                raise NeedsLogin()
            raise HTTPException(
                401, "give an API token (Authorization: Bearer ...)", {"WWW-Authenticate": "Bearer"}
            )
        if not p.allows(scope):
            raise HTTPException(403, f"this needs the {scope!r} scope; yours is {p.scope!r}")
        if request.method in UNSAFE and bearer(request) is None and not page:
            ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if ctype != "application/json":
                _check_csrf(request, None)
        request.state.principal = p
        return p

    return dependency


async def check_form_csrf(request: Request) -> None:
    """For HTML form posts: the hidden field must match the CSRF cookie."""
    form = await request.form()
    value = form.get(CSRF_FIELD)
    _check_csrf(request, value if isinstance(value, str) else "")


async def bounded_upload_form(request: Request, limit: int, too_large: str) -> FormData:
    """The form of a page upload (one file, a few fields), read only after its declared size is
    within ``limit`` (plus room for the other fields), then CSRF-checked: 411 without a
    Content-Length, 413 with ``too_large`` past the limit, 403 on a bad CSRF token."""
    declared = request.headers.get("content-length", "")
    if not declared.isdigit():
        raise HTTPException(411, "the upload needs a Content-Length")
    if int(declared) > limit + 65536:
        raise HTTPException(413, too_large)
    form = await request.form(max_files=1, max_fields=5)
    await check_form_csrf(request)
    return form


def csrf_token(request: Request) -> str:
    """The CSRF token of this browser (made on first sight; set as a cookie by the middleware)."""
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not token:
        token = secrets.token_urlsafe(24)
        request.state.new_csrf = token
    return token


def set_cookie(request: Request, response: Response, name: str, value: str, *, max_age: int | None) -> None:
    secure = bool(request.app.state.config.secure_cookies) or request.url.scheme == "https"
    response.set_cookie(
        name, value, max_age=max_age, httponly=True, samesite="strict", secure=secure, path="/"
    )


class LoginLimiter:
    """At most ``attempts`` failed sign-ins per client address within ``window`` seconds."""

    def __init__(self, attempts: int, window: float) -> None:
        self.attempts = attempts
        self.window = window
        self._fails: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        q = self._fails.setdefault(client, deque())
        while q and now - q[0] > self.window:
            q.popleft()
        return q

    def blocked(self, client: str) -> float:
        """Seconds to wait (0: may try now)."""
        now = time.monotonic()
        with self._lock:
            q = self._recent(client, now)
            if len(q) >= self.attempts:
                return max(1.0, self.window - (now - q[0]))
            return 0.0

    def failed(self, client: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._recent(client, now).append(now)
            if len(self._fails) > 10000:  # forget the quiet ones
                for k in [k for k, v in self._fails.items() if not v][:5000]:
                    del self._fails[k]
