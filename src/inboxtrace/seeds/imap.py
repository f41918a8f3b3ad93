"""IMAP sessions to seed mailboxes: connect with verified TLS, log in, list folders, find a test copy.

Every failure becomes one of the project's errors with a one-line message: :class:`AuthenticationError`
(credentials refused), :class:`TLSError` (handshake or certificate), :class:`UnreachableError` (refused,
timed out, name not found), :class:`RemoteError` (anything else the server said).
"""

from __future__ import annotations

import imaplib
import socket
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from datetime import date, datetime
from typing import Any

from imapclient import IMAPClient
from imapclient import exceptions as imap_exc

from inboxtrace.errors import (
    AuthenticationError,
    ConfigError,
    InboxtraceError,
    RemoteError,
    TLSError,
    UnreachableError,
)
from inboxtrace.imapauth import reply_text
from inboxtrace.model.placement import Folder, Security, Seed
from inboxtrace.seeds.config import seed_login
from inboxtrace.seeds.folders import assign_roles


def tls_context(ca_file: str | None) -> ssl.SSLContext:
    """A verifying client context; ``ca_file`` replaces the system trust store when given."""
    try:
        ctx = ssl.create_default_context(cafile=ca_file) if ca_file else ssl.create_default_context()
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"cannot load CA file {ca_file}: {exc}") from exc
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def map_error(exc: BaseException, seed: Seed) -> InboxtraceError:
    """Turn a socket/TLS/IMAP exception into the project's error with a clear message."""
    where = f"{seed.host}:{seed.port}"
    if isinstance(exc, InboxtraceError):
        return exc
    if isinstance(exc, ssl.SSLCertVerificationError):
        return TLSError(f"{where}: certificate verification failed: {exc.verify_message or exc.reason}")
    if isinstance(exc, ssl.SSLError):
        return TLSError(f"{where}: TLS failed: {exc.reason or exc}")
    if isinstance(exc, imap_exc.LoginError):
        return AuthenticationError(f"{where}: login refused for {seed.login}: {reply_text(exc)}")
    if isinstance(exc, socket.gaierror):
        return UnreachableError(f"{where}: host name not found ({exc.strerror})")
    if isinstance(exc, ConnectionRefusedError):
        return UnreachableError(f"{where}: connection refused")
    if isinstance(exc, TimeoutError | socket.timeout):
        return UnreachableError(f"{where}: timed out after {seed.timeout:g}s")
    if isinstance(exc, EOFError | ConnectionResetError | imaplib.IMAP4.abort):
        return UnreachableError(f"{where}: connection closed by the server: {reply_text(exc)}")
    if isinstance(exc, OSError):
        return UnreachableError(f"{where}: {exc.strerror or exc}")
    return RemoteError(f"{where}: IMAP error: {reply_text(exc)}")


class SeedSession:
    """A logged-in IMAP session on one seed; use :func:`open_session`."""

    def __init__(self, seed: Seed, client: IMAPClient) -> None:
        self.seed = seed
        self.client = client
        caps = {c.upper() for c in client.capabilities()}
        self.gmail = b"X-GM-EXT-1" in caps
        self._folders: tuple[Folder, ...] | None = None

    def folders(self) -> tuple[Folder, ...]:
        """Every selectable folder with its role (Gmail's tabs are not folders: see ``gmail_tab``)."""
        if self._folders is None:
            rows = self.client.list_folders()
            sep = "/"
            if rows and rows[0][1]:
                sep = _decode(rows[0][1])
            listing = [(flags, name) for flags, _delim, name in rows]
            self._folders = assign_roles(listing, self.seed.folders, separator=sep)
        return self._folders

    def search(self, folder: str, token: str, header: str, *, since: date | None = None) -> list[int]:
        """UIDs in ``folder`` whose header ``header`` or body carries ``token`` (arrived ``since`` that
        day or later, when given: keeps the body search cheap on big seed mailboxes)."""
        self.client.select_folder(folder, readonly=True)
        when: list[Any] = ["SINCE", since] if since is not None else []
        found = set(self.client.search([*when, "OR", "HEADER", header, token, "BODY", token]))
        if self.gmail and not found:
            # Gmail's own index finds the body marker even where plain SEARCH BODY is slow or partial
            found.update(self.client.search(["X-GM-RAW", f'"{token}"']))
        return sorted(found)

    def gmail_tab(self, uid: int, tabs: tuple[str, ...]) -> str | None:
        """The Gmail category (tab) of message ``uid`` in the selected inbox, or ``None`` for Primary.

        Categories are not IMAP labels; an ``X-GM-RAW "category:x"`` search restricted to the UID says it.
        """
        for tab in tabs:
            if self.client.search(["X-GM-RAW", f"category:{tab}", "UID", str(uid)]):
                return tab
        return None

    def headers(self, uid: int) -> tuple[bytes, datetime | None]:
        """The raw header block of one message and its INTERNALDATE (the arrival time)."""
        data = self.client.fetch([uid], ["INTERNALDATE", "BODY.PEEK[HEADER]"]).get(uid, {})
        raw = data.get(b"BODY[HEADER]", b"") or b""
        internal = data.get(b"INTERNALDATE")
        return bytes(raw), internal if isinstance(internal, datetime) else None

    def close(self) -> None:
        try:
            self.client.logout()
        except Exception:  # the session is over either way
            with suppress(Exception):
                self.client.shutdown()


def _decode(x: Any) -> str:
    return x.decode("utf-8", "replace") if isinstance(x, bytes) else str(x)


def connect(seed: Seed, *, environ: Mapping[str, str] | None = None) -> SeedSession:
    """Connect and log in to a seed mailbox, or raise a mapped error."""
    creds = seed_login(seed, environ)
    ctx = tls_context(seed.ca_file)
    client: IMAPClient | None = None
    try:
        if seed.security is Security.TLS:
            client = IMAPClient(seed.host, port=seed.port, ssl=True, ssl_context=ctx, timeout=seed.timeout)
        else:
            client = IMAPClient(seed.host, port=seed.port, ssl=False, timeout=seed.timeout)
            if seed.security is Security.STARTTLS:
                if not client.has_capability("STARTTLS"):
                    raise TLSError(f"{seed.host}:{seed.port}: the server does not offer STARTTLS")
                client.starttls(ctx)
        creds.login(client)
        return SeedSession(seed, client)
    except BaseException as exc:
        if client is not None:
            with suppress(Exception):
                client.shutdown()
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        if isinstance(exc, AuthenticationError):
            raise AuthenticationError(f"{seed.host}:{seed.port}: {exc}") from None
        err = map_error(exc, seed)
        raise type(err)(creds.redact(str(err))) from None


@contextmanager
def session(seed: Seed, *, environ: Mapping[str, str] | None = None) -> Iterator[SeedSession]:
    """``with session(seed) as s:`` — a logged-in session, logged out afterwards."""
    s = connect(seed, environ=environ)
    try:
        yield s
    except InboxtraceError:
        raise
    except Exception as exc:
        raise map_error(exc, seed) from exc
    finally:
        s.close()
