"""``seeds check``: connect to every seed and report its folders and their roles, or a clear error."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

from inboxtrace.errors import (
    AuthenticationError,
    ConfigError,
    InboxtraceError,
    TLSError,
    UnreachableError,
)
from inboxtrace.model.placement import Seed, SeedCheck, SeedErrorKind
from inboxtrace.seeds.imap import session
from inboxtrace.seeds.pool import DEFAULT_PER_HOST, DEFAULT_TOTAL, run_per_seed


def error_kind(exc: InboxtraceError) -> SeedErrorKind:
    if isinstance(exc, AuthenticationError):
        return SeedErrorKind.AUTH
    if isinstance(exc, TLSError):
        return SeedErrorKind.TLS
    if isinstance(exc, UnreachableError):
        return SeedErrorKind.UNREACHABLE
    if isinstance(exc, ConfigError):
        return SeedErrorKind.CONFIG
    return SeedErrorKind.PROTOCOL


def check_seed(seed: Seed, *, environ: Mapping[str, str] | None = None) -> SeedCheck:
    """Log in to one seed and list its folders with roles; errors come back as values."""
    start = time.monotonic()
    try:
        with session(seed, environ=environ) as s:
            folders = s.folders()
            gmail = s.gmail
        return SeedCheck(seed, True, folders, gmail, elapsed=time.monotonic() - start)
    except InboxtraceError as exc:
        return SeedCheck(
            seed, False, error_kind=error_kind(exc), error=str(exc), elapsed=time.monotonic() - start
        )


def check_seeds(
    seeds: Sequence[Seed],
    *,
    per_host: int = DEFAULT_PER_HOST,
    total: int = DEFAULT_TOTAL,
    environ: Mapping[str, str] | None = None,
) -> list[SeedCheck]:
    """:func:`check_seed` for every seed, concurrently with per-host connection caps."""
    return run_per_seed(seeds, lambda s: check_seed(s, environ=environ), per_host=per_host, total=total)
