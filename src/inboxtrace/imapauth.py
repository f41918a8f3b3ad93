"""How inboxtrace logs in to an IMAP mailbox (seed mailboxes, bounce mailboxes): a password, or an
OAuth 2.0 access token over SASL XOAUTH2 or OAUTHBEARER (RFC 7628), as Microsoft 365 / Outlook.com
require and Gmail prefers.

A secret comes from an environment variable, a file (its first line) or a command the user configures
(its first line of output, so any token helper that refreshes tokens can be used). It is never part
of a ``repr``, a log line or an error message: :meth:`ImapLogin.redact` removes it (and its encoded
forms) from any text that might echo it back.
"""

from __future__ import annotations

import base64
import os
import shlex
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from inboxtrace.errors import AuthenticationError, ConfigError
from inboxtrace.secrets import register as register_secret

COMMAND_TIMEOUT = 60.0  # seconds a token command may take


class Mechanism(StrEnum):
    """How the secret is presented to the IMAP server."""

    PASSWORD = "password"  # IMAP LOGIN with user and password
    XOAUTH2 = "xoauth2"  # SASL XOAUTH2 (Google, Microsoft, Yahoo): user + bearer token
    OAUTHBEARER = "oauthbearer"  # SASL OAUTHBEARER (RFC 7628): the standard form of the same


@dataclass(frozen=True, slots=True)
class SecretSource:
    """Where a secret is read from: exactly one of an environment variable, a file or a command."""

    env: str | None = None
    file: str | None = None
    command: tuple[str, ...] = ()

    def describe(self) -> str:
        """Safe to print: says where the secret comes from, never what it is."""
        if self.env:
            return f"env:{self.env}"
        if self.file:
            return f"file:{self.file}"
        if self.command:
            return f"command:{Path(self.command[0]).name}"
        return "none"

    def read(self, what: str, environ: Mapping[str, str] | None = None, *, noun: str = "password") -> str:
        """The secret; ``what`` names its owner in errors (e.g. "seed a@b.test"), ``noun`` the secret.
        It is registered (:mod:`inboxtrace.secrets`): no error or output shows it from then on."""
        return register_secret(self._read(what, environ, noun=noun))

    def _read(self, what: str, environ: Mapping[str, str] | None, *, noun: str) -> str:
        env = os.environ if environ is None else environ
        if self.env:
            value = env.get(self.env)
            if value is None:
                raise ConfigError(f"{what}: environment variable {self.env} is not set")
            if not value:
                raise ConfigError(f"{what}: environment variable {self.env} is empty")
            return value
        if self.file:
            try:
                text = Path(self.file).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
                raise ConfigError(f"{what}: cannot read {noun} file {self.file}: {reason or exc}") from exc
            line = text.splitlines()[0] if text else ""
            if noun != "password":  # a token never has spaces; a password may
                line = line.strip()
            if not line:
                raise ConfigError(f"{what}: {noun} file {self.file} is empty")
            return line
        if self.command:
            return _run_command(self.command, what, env)
        raise ConfigError(f"{what}: no {noun} source given (an environment variable, a file or a command)")


def command_argv(value: Any, what: str) -> tuple[str, ...]:
    """A configured command as an argument vector: a TOML list, or a string split like a shell would
    (no shell runs it)."""
    if isinstance(value, str):
        try:
            argv = shlex.split(value)
        except ValueError as exc:
            raise ConfigError(f"{what}: cannot split the command {value!r}: {exc}") from exc
    elif isinstance(value, list | tuple) and all(isinstance(a, str) for a in value):
        argv = list(value)
    else:
        raise ConfigError(f"{what}: a command is a string or a list of strings")
    if not argv or not argv[0]:
        raise ConfigError(f"{what}: the command is empty")
    return tuple(argv)


def _run_command(argv: Sequence[str], what: str, env: Mapping[str, str]) -> str:
    name = Path(argv[0]).name
    try:
        done = subprocess.run(
            list(argv),
            capture_output=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
            stdin=subprocess.DEVNULL,
            env=dict(env),
        )
    except FileNotFoundError as exc:
        raise ConfigError(f"{what}: token command not found: {argv[0]}") from exc
    except subprocess.TimeoutExpired as exc:
        raise ConfigError(f"{what}: token command {name} did not finish in {COMMAND_TIMEOUT:g}s") from exc
    except OSError as exc:
        raise ConfigError(f"{what}: cannot run token command {name}: {exc.strerror or exc}") from exc
    out = done.stdout.decode("utf-8", "replace")
    line = out.strip().splitlines()[0].strip() if out.strip() else ""
    if done.returncode != 0:
        # its error output may quote the token it could not refresh: only the exit status is shown
        raise ConfigError(f"{what}: token command {name} failed with exit status {done.returncode}")
    if not line:
        raise ConfigError(f"{what}: token command {name} printed nothing")
    return line


@dataclass(frozen=True, slots=True)
class ImapLogin:
    """A user name, a mechanism and the secret, ready to log in. The secret never shows in ``repr``."""

    user: str
    mechanism: Mechanism
    secret: str = field(repr=False)

    def login(self, client: Any) -> None:
        """Log ``client`` (an :class:`imapclient.IMAPClient`) in; a refusal raises
        :class:`AuthenticationError` whose text carries no part of the secret."""
        from imapclient import exceptions as imap_exc

        try:
            if self.mechanism is Mechanism.PASSWORD:
                client.login(self.user, self.secret)
            else:
                mech = "XOAUTH2" if self.mechanism is Mechanism.XOAUTH2 else "OAUTHBEARER"
                if not client.has_capability(f"AUTH={mech}"):
                    raise AuthenticationError(f"the server does not offer SASL {mech} (AUTH={mech})")
                if self.mechanism is Mechanism.XOAUTH2:
                    client.oauth2_login(self.user, self.secret)
                else:
                    client.oauthbearer_login(self.user, self.secret)
        except imap_exc.LoginError as exc:
            what = "password" if self.mechanism is Mechanism.PASSWORD else f"{self.mechanism.value} token"
            raise AuthenticationError(
                f"login refused for {self.user} ({what}): {self.redact(reply_text(exc))}"
            ) from None

    def redact(self, text: str) -> str:
        """``text`` with the secret and its base64 forms (as sent in SASL) replaced by ``[redacted]``."""
        out = text
        for form in self._forms():
            if form:
                out = out.replace(form, "[redacted]")
        return out

    def _forms(self) -> list[str]:
        s = self.secret
        forms = [s]
        for payload in (
            f"user={self.user}\1auth=Bearer {s}\1\1",
            f"n,a={self.user},\1auth=Bearer {s}\1\1",
            s,
        ):
            forms.append(base64.b64encode(payload.encode()).decode())
        return sorted(set(forms), key=len, reverse=True)


def reply_text(exc: BaseException) -> str:
    """An IMAP error's text for a message: the server's reply without the ``b'...'`` of its bytes,
    at most 300 characters."""
    msg = str(exc)
    if msg.startswith(("b'", 'b"')):
        msg = msg[2:-1]
    return msg[:300]


__all__ = ["ImapLogin", "Mechanism", "SecretSource", "command_argv"]
