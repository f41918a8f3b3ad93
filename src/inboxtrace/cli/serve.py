"""``inboxtrace serve``, ``inboxtrace tokens`` and ``inboxtrace users``: the web app and its credentials."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from inboxtrace.cli.options import DbOption

tokens_app = typer.Typer(
    help="API tokens for the web app and HTTP API (only a hash is stored).", no_args_is_help=True
)
users_app = typer.Typer(help="Users who sign in to the web app with a password.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command(name="serve")(serve)
    app.add_typer(tokens_app, name="tokens")
    app.add_typer(users_app, name="users")


def serve(
    *,
    db: DbOption = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on (0: any free port).")] = 8025,
    no_auth: Annotated[
        bool,
        typer.Option("--no-auth", help="Serve without authentication even if tokens exist (loopback only)."),
    ] = False,
    require_auth: Annotated[
        bool, typer.Option("--auth", help="Require a token or sign-in even before any token exists.")
    ] = False,
    tls_cert: Annotated[
        str | None, typer.Option("--tls-cert", help="Serve HTTPS with this certificate.")
    ] = None,
    tls_key: Annotated[str | None, typer.Option("--tls-key", help="Private key of --tls-cert.")] = None,
    behind_tls: Annotated[
        bool,
        typer.Option("--behind-tls", help="A TLS proxy is in front: mark cookies Secure, trust its headers."),
    ] = False,
    seeds: Annotated[
        str | None, typer.Option("--seeds", help="Seed list for placement tests made in the browser.")
    ] = None,
    nameserver: Annotated[
        list[str] | None, typer.Option("--nameserver", help="Resolver for sender checks (repeatable).")
    ] = None,
    max_upload_mb: Annotated[int, typer.Option("--max-upload-mb", help="Largest accepted upload.")] = 64,
    workers: Annotated[int, typer.Option("--workers", help="Worker processes.")] = 1,
    retention_days: Annotated[
        int | None,
        typer.Option(
            "--retention-days",
            help="Prune timelines older than this many days, daily (as inboxtrace prune).",
            min=1,
        ),
    ] = None,
) -> None:
    """Serve the web app and the HTTP API (/api/v1) over the store; binds 127.0.0.1 by default."""
    import uvicorn

    from inboxtrace.errors import ConfigError
    from inboxtrace.store import open_store
    from inboxtrace.store.auth import credentials_configured
    from inboxtrace.web.config import is_loopback

    if no_auth and require_auth:
        raise ConfigError("--auth and --no-auth contradict each other")
    with open_store(db) as store:
        configured = credentials_configured(store)
    if not is_loopback(host):
        if no_auth or not (configured or require_auth):
            raise ConfigError(
                f"refusing to listen on {host} without authentication: create a token first "
                "(inboxtrace tokens create --scope read) or listen on 127.0.0.1"
            )
        if not configured:
            raise ConfigError(
                f"--auth on {host} needs a credential: run `inboxtrace tokens create --scope admin`"
            )
    if bool(tls_cert) != bool(tls_key):
        raise ConfigError("--tls-cert and --tls-key go together")
    os.environ["INBOXTRACE_WEB_CONFIG"] = _config_json(
        db, auth=None if not (no_auth or require_auth) else require_auth, secure=bool(tls_cert) or behind_tls,
        seeds=seeds, nameservers=tuple(nameserver or ()), max_upload_mb=max_upload_mb,
        retention_days=retention_days,
    )  # fmt: skip
    scheme = "https" if tls_cert else "http"
    shown = f"[{host}]" if ":" in host else host
    print(f"inboxtrace serving on {scheme}://{shown}:{port}/  (Ctrl-C stops)", file=sys.stderr, flush=True)
    uvicorn.run(
        "inboxtrace.web.serve_app:app",
        host=host,
        port=port,
        workers=workers,
        ssl_certfile=tls_cert,
        ssl_keyfile=tls_key,
        proxy_headers=behind_tls,
        forwarded_allow_ips="127.0.0.1" if behind_tls else None,
        log_level="warning",
        server_header=False,
        timeout_graceful_shutdown=5,  # open event streams (Activity pages) do not hold a stop up
    )


def _config_json(
    db: str | None,
    *,
    auth: bool | None,
    secure: bool,
    seeds: str | None,
    nameservers: tuple[str, ...],
    max_upload_mb: int,
    retention_days: int | None = None,
) -> str:
    import json

    return json.dumps(
        {
            "db": db,
            "auth": auth,
            "secure_cookies": secure,
            "seeds": seeds,
            "nameservers": list(nameservers),
            "max_upload": max_upload_mb * 1024 * 1024,
            "retention_days": retention_days,
        }
    )


@tokens_app.command("create")
def tokens_create(
    scope: Annotated[str, typer.Option("--scope", help="read, write or admin.")] = "read",
    name: Annotated[str | None, typer.Option("--name", help="What the token is for.")] = None,
    db: DbOption = None,
) -> None:
    """Create an API token and print it once (store it now: only its hash is kept)."""
    from inboxtrace.store import open_store
    from inboxtrace.store.auth import create_token

    with open_store(db) as store:
        token_id, secret = create_token(store, scope, name=name)
    print(f"token {token_id} ({scope}) created; it is shown only now:", file=sys.stderr)
    print(secret)


@tokens_app.command("list")
def tokens_list(db: DbOption = None) -> None:
    """The tokens: id, scope, name, created, revoked (never the secrets)."""
    from datetime import UTC, datetime

    from inboxtrace.safetext import visible
    from inboxtrace.store import open_store
    from inboxtrace.store.auth import list_tokens

    with open_store(db) as store:
        for t in list_tokens(store):
            created = datetime.fromtimestamp(float(str(t["created"])), UTC).strftime("%Y-%m-%d %H:%M")
            state = "revoked" if t["revoked"] else "active"
            print(f"{t['token_id']}\t{t['scope']}\t{state}\t{created}\t{visible(str(t['name'] or ''))}")


@tokens_app.command("revoke")
def tokens_revoke(
    token_id: Annotated[str, typer.Argument(help="The token's id.")], db: DbOption = None
) -> None:
    """Revoke a token: it stops working at once."""
    from inboxtrace.errors import InputError
    from inboxtrace.store import open_store
    from inboxtrace.store.auth import revoke_token

    with open_store(db) as store:
        if not revoke_token(store, token_id):
            raise InputError(f"no token {token_id!r}")


@users_app.command("set")
def users_set(
    username: Annotated[str, typer.Argument(help="User name.")],
    scope: Annotated[str, typer.Option("--scope", help="read, write or admin.")] = "read",
    password_env: Annotated[
        str | None, typer.Option("--password-env", help="Read the password from this environment variable.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Create a user or change their password (asked for, or from --password-env); stored Argon2id-hashed."""
    from inboxtrace.errors import ConfigError
    from inboxtrace.store import open_store
    from inboxtrace.store.auth import set_user

    if password_env:
        password = os.environ.get(password_env)
        if not password:
            raise ConfigError(f"${password_env} is not set")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    with open_store(db) as store:
        set_user(store, username, password, scope)
