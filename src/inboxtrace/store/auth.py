"""Credentials of the web app and HTTP API: API tokens, users and browser sessions.

Only hashes are stored. A token (``itx_`` + 32 random bytes) is printed once when created and
kept as its SHA-256 (a random secret of that length needs no slow hash); a user's password is
kept as an Argon2id hash (argon2-cffi); a session id is kept as its SHA-256. Scopes are ordered:
``admin`` includes ``write``, which includes ``read``.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import time
from dataclasses import dataclass

import sqlalchemy as sa

from inboxtrace.errors import InputError
from inboxtrace.store.core import Store, db_errors, metadata, register_schema

register_schema("auth", 1)

SCOPES = ("read", "write", "admin")
TOKEN_PREFIX = "itx_"
SESSION_SECONDS = 12 * 3600

web_tokens = sa.Table(
    "web_tokens",
    metadata,
    sa.Column("token_id", sa.String(16), primary_key=True),
    sa.Column("digest", sa.String(64), nullable=False, unique=True),
    sa.Column("scope", sa.String(8), nullable=False),
    sa.Column("name", sa.String(128)),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("revoked", sa.Boolean, nullable=False, default=False),
)

web_users = sa.Table(
    "web_users",
    metadata,
    sa.Column("username", sa.String(128), primary_key=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("scope", sa.String(8), nullable=False),
    sa.Column("created", sa.Float, nullable=False),
)

web_sessions = sa.Table(
    "web_sessions",
    metadata,
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("subject", sa.String(160), nullable=False),
    sa.Column("scope", sa.String(8), nullable=False),
    sa.Column("expires", sa.Float, nullable=False),
)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling, with what scope (``subject`` is ``token:ID``, ``user:NAME`` or ``anonymous``)."""

    subject: str
    scope: str

    def allows(self, needed: str) -> bool:
        return SCOPES.index(self.scope) >= SCOPES.index(needed)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def _check_scope(scope: str) -> str:
    if scope not in SCOPES:
        raise InputError(f"unknown scope {scope!r}; one of: {', '.join(SCOPES)}")
    return scope


@db_errors
def create_token(store: Store, scope: str, *, name: str | None = None) -> tuple[str, str]:
    """A new API token: ``(token_id, secret)``. Only the secret's hash is stored; show it once."""
    _check_scope(scope)
    token_id = secrets.token_hex(4)
    secret = f"{TOKEN_PREFIX}{secrets.token_urlsafe(32)}"
    with store.begin() as conn:
        conn.execute(
            web_tokens.insert().values(
                token_id=token_id, digest=_digest(secret), scope=scope, name=name, created=time.time()
            )
        )
    return token_id, secret


@db_errors
def revoke_token(store: Store, token_id: str) -> bool:
    with store.begin() as conn:
        res = conn.execute(web_tokens.update().where(web_tokens.c.token_id == token_id).values(revoked=True))
    return bool(res.rowcount)


@db_errors
def list_tokens(store: Store) -> list[dict[str, object]]:
    """Tokens without their secrets: id, scope, name, created (epoch), revoked."""
    t = web_tokens.c
    with store.connect() as conn:
        rows = conn.execute(sa.select(t.token_id, t.scope, t.name, t.created, t.revoked).order_by(t.created))
        return [dict(r._mapping) for r in rows]


@db_errors
def verify_token(store: Store, secret: str) -> Principal | None:
    """The principal of a presented token, or None (unknown, revoked or malformed)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    t = web_tokens.c
    with store.connect() as conn:
        row = conn.execute(
            sa.select(t.token_id, t.scope, t.revoked).where(t.digest == _digest(secret))
        ).first()
    if row is None or row.revoked:
        return None
    return Principal(f"token:{row.token_id}", row.scope)


@db_errors
def set_user(store: Store, username: str, password: str, scope: str = "read") -> None:
    """Create the user or change their password and scope (the password is stored Argon2id-hashed)."""
    from argon2 import PasswordHasher

    _check_scope(scope)
    if not username or len(username) > 128:
        raise InputError("a user name is 1 to 128 characters")
    if len(password) < 8:
        raise InputError("a password needs at least 8 characters")
    digest = PasswordHasher().hash(password)
    stmt = store.insert(web_users).values(
        username=username, password_hash=digest, scope=scope, created=time.time()
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["username"], set_={"password_hash": digest, "scope": scope}
    )
    with store.begin() as conn:
        conn.execute(stmt)


@db_errors
def verify_user(store: Store, username: str, password: str) -> Principal | None:
    """The principal of a user whose password matches, else None (also for an unknown user)."""
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerificationError

    u = web_users.c
    with store.connect() as conn:
        row = conn.execute(sa.select(u.password_hash, u.scope).where(u.username == username)).first()
    hasher = PasswordHasher()
    if row is None:
        # spend the same time as a real check, so a probe cannot tell which users exist
        with contextlib.suppress(VerificationError):
            hasher.verify(hasher.hash("x" * 12), password)
        return None
    try:
        hasher.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return Principal(f"user:{username}", row.scope)


@db_errors
def credentials_configured(store: Store) -> bool:
    """Whether any token or user exists (then the web app requires authentication)."""
    with store.connect() as conn:
        tok = conn.execute(sa.select(web_tokens.c.token_id).where(~web_tokens.c.revoked).limit(1)).first()
        usr = conn.execute(sa.select(web_users.c.username).limit(1)).first()
    return tok is not None or usr is not None


@db_errors
def open_session(store: Store, principal: Principal, *, seconds: float = SESSION_SECONDS) -> str:
    """A new browser session for ``principal``; returns the session id for the cookie."""
    sid = secrets.token_urlsafe(32)
    now = time.time()
    with store.begin() as conn:
        conn.execute(web_sessions.delete().where(web_sessions.c.expires < now))
        conn.execute(
            web_sessions.insert().values(
                digest=_digest(sid), subject=principal.subject, scope=principal.scope, expires=now + seconds
            )
        )
    return sid


@db_errors
def session_principal(store: Store, sid: str) -> Principal | None:
    if not sid or len(sid) > 200:
        return None
    s = web_sessions.c
    with store.connect() as conn:
        row = conn.execute(sa.select(s.subject, s.scope, s.expires).where(s.digest == _digest(sid))).first()
    if row is None or row.expires < time.time():
        return None
    return Principal(row.subject, row.scope)


@db_errors
def close_session(store: Store, sid: str) -> None:
    with store.begin() as conn:
        conn.execute(web_sessions.delete().where(web_sessions.c.digest == _digest(sid)))


__all__ = [
    "SCOPES",
    "Principal",
    "close_session",
    "create_token",
    "credentials_configured",
    "list_tokens",
    "open_session",
    "revoke_token",
    "session_principal",
    "set_user",
    "verify_token",
    "verify_user",
]
