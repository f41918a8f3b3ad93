"""Configured secrets (passwords read from environment variables or files), never shown or stored.

A server may echo what it was sent (a plain IMAP server quoting the whole ``LOGIN user password``
line in its error). Every password inboxtrace reads is :func:`register`-ed; from then on
:func:`redact` replaces it, however it was quoted, in every error message
(:class:`~inboxtrace.errors.InboxtraceError` redacts its own text) and in everything
:mod:`inboxtrace.safetext` prints (terminal, CSV, JSON).
"""

from __future__ import annotations

import json

MASK = "[redacted]"

_variants: list[str] = []  # every spelling of every registered secret, longest first


def _spellings(secret: str) -> set[str]:
    quoted = secret.replace("\\", "\\\\").replace('"', '\\"')  # as sent in an IMAP/SMTP quoted string
    out: set[str] = set()
    for form in (secret, quoted):
        out.update(
            (
                form,
                json.dumps(form)[1:-1],  # inside a JSON string
                repr(form)[1:-1],  # inside a Python repr
                repr(form.encode("utf-8", "surrogateescape"))[2:-1],  # inside the repr of bytes
            )
        )
    return out


def register(secret: str) -> str:
    """Remember ``secret`` (returned unchanged) so it is redacted from now on; empty is ignored."""
    if secret:
        for v in _spellings(secret):
            if v and v not in _variants:
                _variants.append(v)
        _variants.sort(key=len, reverse=True)
    return secret


def redact(text: str) -> str:
    """``text`` with every registered secret replaced by ``[redacted]``."""
    if not _variants:
        return text
    for v in _variants:
        if v in text:
            text = text.replace(v, MASK)
    return text


__all__ = ["MASK", "redact", "register"]
