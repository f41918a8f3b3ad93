"""Reading a mailbox over IMAP from the command line: the login the options ask for, then the messages.

``bounces`` and ``dmarc/tlsrpt ingest`` take the same IMAP options (defined in :mod:`.options`); this
turns them into a checked login (a password, or an OAuth access token for XOAUTH2/OAUTHBEARER) and
the folder's messages, with one wording for every mistake in them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

    from inboxtrace.bounces.sources import RawMessage
    from inboxtrace.imapauth import ImapLogin


def imap_login(
    user: str, auth: str, *, password_env: str | None, password_file: Path | None,
    token_env: str | None, token_file: Path | None, token_command: str | None,
) -> ImapLogin:  # fmt: skip
    """The IMAP login from the options: a password, or an OAuth access token (XOAUTH2/OAUTHBEARER)."""
    from inboxtrace.errors import ConfigError
    from inboxtrace.imapauth import ImapLogin, Mechanism, SecretSource, command_argv

    try:
        mech = Mechanism(auth.lower())
    except ValueError:
        raise ConfigError(f"--auth must be password, xoauth2 or oauthbearer, not {auth!r}") from None
    if mech is Mechanism.PASSWORD:
        if token_env or token_file or token_command:
            raise ConfigError("--token-env/--token-file/--token-command need --auth xoauth2 or oauthbearer")
        if password_env and password_file:
            raise ConfigError("give either --password-env or --password-file, not both")
        if not password_env and not password_file:
            raise ConfigError("--imap needs a password: --password-env VAR or --password-file FILE")
        source = SecretSource(env=password_env, file=str(password_file) if password_file else None)
        return ImapLogin(user, mech, source.read("IMAP", noun="password"))
    if password_env or password_file:
        raise ConfigError(
            f"--auth {mech.value} logs in with a token: use --token-env, --token-file or --token-command"
        )
    if sum(1 for x in (token_env, token_file, token_command) if x) != 1:
        raise ConfigError(f"--auth {mech.value} needs one of --token-env, --token-file or --token-command")
    source = SecretSource(
        env=token_env,
        file=str(token_file) if token_file else None,
        command=command_argv(token_command, "--token-command") if token_command else (),
    )
    return ImapLogin(user, mech, source.read("IMAP", noun="access token"))


def imap_messages(
    host: str,
    user: str | None,
    folder: str,
    *,
    auth: str = "password",
    password_env: str | None,
    password_file: Path | None,
    token_env: str | None = None,
    token_file: Path | None = None,
    token_command: str | None = None,
    port: int | None,
    starttls: bool,
    cafile: Path | None,
) -> Iterator[RawMessage]:
    """The messages of ``folder`` on ``host``, read-only. The user and the secret are checked (and the
    secret read) now; the server is reached when the first message is asked for."""
    from inboxtrace.bounces.sources import iter_imap
    from inboxtrace.errors import InputError

    if not user:
        raise InputError("--imap needs --user")
    login = imap_login(
        user,
        auth,
        password_env=password_env,
        password_file=password_file,
        token_env=token_env,
        token_file=token_file,
        token_command=token_command,
    )
    return iter_imap(
        host, user, login, folder, port=port, starttls=starttls, cafile=str(cafile) if cafile else None
    )
