"""Reading a seed list (TOML) into :class:`~inboxtrace.model.placement.Seed` records.

::

    [defaults]                     # optional, applies to every seed
    security = "tls"               # tls (default), starttls, or plain (needs allow_plain = true)
    ca_file = "test-ca.pem"        # extra CA to trust (paths are relative to the seed list)

    [providers.gmail]              # optional, applies to seeds with provider = "gmail"
    host = "imap.gmail.com"
    port = 993

    [[seed]]
    address = "seed1@gmail.com"
    provider = "gmail"
    user = "seed1@gmail.com"       # default: the address
    password_env = "SEED1_PASSWORD"  # or password_file = "secrets/seed1" (first line is used)
    folders = { "Promotions" = "tab:promotions", "Quarantine" = "spam" }
    authserv_id = "mx.google.com"  # optional: trust only Authentication-Results by this receiver

    [[seed]]                       # Microsoft 365 / Outlook.com and Gmail: OAuth 2.0 instead of a password
    address = "seed2@outlook.com"
    host = "outlook.office365.com"
    auth = "xoauth2"               # or "oauthbearer" (RFC 7628)
    token_env = "SEED2_TOKEN"      # or token_file = "secrets/seed2.token", or a helper that prints a
                                   # fresh access token: token_command = ["oauth2-helper", "seed2"]

Passwords and tokens may not be written inline: a seed list is shared and printed; secrets are not.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from inboxtrace.errors import ConfigError
from inboxtrace.imapauth import ImapLogin, Mechanism, command_argv
from inboxtrace.model.placement import Security, Seed

_KEYS = {
    "address", "provider", "host", "port", "security", "user", "password_env", "password_file",
    "ca_file", "folders", "timeout", "allow_plain", "authserv_id", "auth", "token_env", "token_file",
    "token_command",
}  # fmt: skip
_SECRET_KEYS = ("password_env", "password_file", "token_env", "token_file", "token_command")
_DEFAULT_PORT = {Security.TLS: 993, Security.STARTTLS: 143, Security.PLAIN: 143}
_PLACEMENT = re.compile(r"^(inbox|spam|trash|archive|all|skip|tab:[\w.-]+|other:.+)$")
_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+$")


def load_seeds(path: str | Path) -> tuple[Seed, ...]:
    """Read and validate a seed list; raises :class:`ConfigError` with the seed and key at fault."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"seed list not found: {p}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read seed list {p}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"seed list {p} is not valid TOML: {exc}") from exc
    return parse_seeds(data, base=p.parent)


def parse_seeds(data: Mapping[str, Any], *, base: Path | None = None) -> tuple[Seed, ...]:
    """Build seeds from an already-parsed seed list mapping (see the module docstring)."""
    defaults = data.get("defaults", {})
    providers = data.get("providers", {})
    entries = data.get("seed", [])
    if not isinstance(defaults, dict) or not isinstance(providers, dict) or not isinstance(entries, list):
        raise ConfigError("seed list: [defaults], [providers.*] must be tables and [[seed]] an array")
    if not entries:
        raise ConfigError("seed list has no [[seed]] entries")
    seeds: list[Seed] = []
    seen: set[str] = set()
    for n, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise ConfigError(f"seed #{n}: must be a table")
        address = str(entry.get("address", "")).strip()
        provider = str(entry.get("provider") or defaults.get("provider") or address.rpartition("@")[2])
        prov = providers.get(provider, {}) if provider else {}
        layers = [defaults, prov if isinstance(prov, dict) else {}, entry]
        merged: dict[str, Any] = {}
        for layer in layers:
            if any(k in layer for k in _SECRET_KEYS):
                # the most specific layer naming a secret source decides it alone
                for k in _SECRET_KEYS:
                    merged.pop(k, None)
            merged.update(layer)
        seed = _seed(merged, n, base)
        key = seed.address.lower()
        if key in seen:
            raise ConfigError(f"seed #{n}: {seed.address} is listed twice")
        seen.add(key)
        seeds.append(seed)
    return tuple(seeds)


def _seed(m: dict[str, Any], n: int, base: Path | None) -> Seed:
    where = f"seed #{n}"
    if "password" in m:
        raise ConfigError(
            f'{where}: inline \'password\' is not allowed; use password_env = "VAR" or password_file = "path"'
        )
    if "token" in m:
        raise ConfigError(
            f"{where}: an inline 'token' is not allowed; use token_env, token_file or token_command"
        )
    unknown = sorted(set(m) - _KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}")
    address = str(m.get("address", "")).strip()
    if not _ADDRESS.match(address):
        raise ConfigError(f"{where}: 'address' must be an email address, got {address!r}")
    where = f"seed {address}"
    host = str(m.get("host", "")).strip()
    if not host:
        raise ConfigError(f"{where}: no IMAP 'host' (set it on the seed, its provider or [defaults])")
    try:
        security = Security(str(m.get("security", "tls")).lower())
    except ValueError as exc:
        raise ConfigError(f"{where}: 'security' must be tls, starttls or plain") from exc
    if security is Security.PLAIN and m.get("allow_plain") is not True:
        raise ConfigError(
            f'{where}: security = "plain" sends the password unencrypted; add allow_plain = true'
        )
    port = m.get("port", _DEFAULT_PORT[security])
    if not isinstance(port, int) or not 0 < port < 65536:
        raise ConfigError(f"{where}: 'port' must be an integer 1-65535")
    auth = str(m.get("auth", "password")).lower()
    if auth not in ("password", "xoauth2", "oauthbearer"):
        raise ConfigError(f"{where}: 'auth' must be password, xoauth2 or oauthbearer")
    env, file = m.get("password_env"), m.get("password_file")
    token_env, token_file = m.get("token_env"), m.get("token_file")
    command = command_argv(m["token_command"], where) if m.get("token_command") else ()
    if auth == "password":
        if not env and not file:
            raise ConfigError(
                f'{where}: set password_env or password_file (or auth = "xoauth2" with a token)'
            )
        if token_env or token_file or command:
            raise ConfigError(f'{where}: token_* keys need auth = "xoauth2" or "oauthbearer"')
    else:
        if sum(1 for x in (token_env, token_file, command) if x) != 1:
            raise ConfigError(
                f"{where}: auth = {auth!r} needs exactly one of token_env, token_file, token_command"
            )
        if env or file:
            raise ConfigError(
                f"{where}: auth = {auth!r} logs in with a token, not password_env/password_file"
            )
    folders = m.get("folders", {})
    if not isinstance(folders, dict):
        raise ConfigError(f"{where}: 'folders' must be a table of folder name = placement")
    for name, role in folders.items():
        if not isinstance(role, str) or not _PLACEMENT.match(role):
            raise ConfigError(
                f"{where}: folder {name!r} → {role!r}: use inbox, spam, trash, archive, all, skip, "
                "tab:<name> or other:<label>"
            )
    authserv = m.get("authserv_id", [])
    if isinstance(authserv, str):
        authserv = [authserv]
    if not isinstance(authserv, list) or not all(isinstance(a, str) and a for a in authserv):
        raise ConfigError(f"{where}: 'authserv_id' must be a host name or a list of them")
    timeout = m.get("timeout", 20.0)
    if not isinstance(timeout, int | float) or timeout <= 0:
        raise ConfigError(f"{where}: 'timeout' must be a positive number of seconds")
    return Seed(
        address=address,
        provider=str(m.get("provider") or address.rpartition("@")[2]).lower(),
        host=host,
        port=port,
        security=security,
        user=str(m.get("user") or address),
        password_env=str(env) if env else None,
        password_file=_path(file, base) if file else None,
        ca_file=_path(m["ca_file"], base) if m.get("ca_file") else None,
        folders=tuple((str(k), str(v)) for k, v in folders.items()),
        timeout=float(timeout),
        authserv_ids=tuple(a.lower() for a in authserv),
        auth=auth,
        token_env=str(token_env) if token_env else None,
        token_file=_path(token_file, base) if token_file else None,
        token_command=command,
    )


def _path(value: Any, base: Path | None) -> str:
    p = Path(str(value)).expanduser()
    if not p.is_absolute() and base is not None:
        p = base / p
    return str(p)


def seed_login(seed: Seed, environ: Mapping[str, str] | None = None) -> ImapLogin:
    """How to log in to the seed: its user, mechanism and the secret read from its source now."""
    noun = "password" if seed.auth == "password" else "access token"
    secret = seed.secret_source().read(f"seed {seed.address}", environ, noun=noun)
    return ImapLogin(seed.login, Mechanism(seed.auth), secret)


def read_password(seed: Seed, environ: Mapping[str, str] | None = None) -> str:
    """The seed's secret (password or access token) from its source."""
    return seed_login(seed, environ).secret
