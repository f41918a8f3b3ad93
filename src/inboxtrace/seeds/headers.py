"""What a seed's copy says about its trip: Authentication-Results, Received chain, Message-ID, Date."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import parsedate_to_datetime
from functools import cache

from inboxtrace.datafiles import load_toml
from inboxtrace.errors import DataFileError
from inboxtrace.model.placement import AuthResult

_METHOD = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=\s*([A-Za-z0-9_-]+)")
_PROP = re.compile(r"([A-Za-z0-9_-]+\.[A-Za-z0-9_.-]+)\s*=\s*(\"[^\"]*\"|[^\s;()]+)")
_COMMENT = re.compile(r"\([^()]*\)")
MAX_RECEIVED = 30


@cache
def _domain_props() -> dict[str, tuple[str, ...]]:
    data = load_toml("seeds", "auth.toml")
    try:
        return {m: tuple(v["domain"]) for m, v in data["methods"].items()}
    except (KeyError, TypeError) as exc:
        raise DataFileError(f"seeds/data/auth.toml is missing or malformed: {exc}") from exc


def _unfold(value: str) -> str:
    return re.sub(r"\r?\n[ \t]+", " ", value).strip()


def parse_authentication_results(value: str) -> tuple[AuthResult, ...]:
    """The method results of one Authentication-Results header (RFC 8601), comments removed."""
    text = _unfold(value)
    for _ in range(3):  # nested comments
        text = _COMMENT.sub(" ", text)
    parts = [p.strip() for p in text.split(";")]
    if not parts:
        return ()
    authserv = parts[0].split()[0] if parts[0].split() else None
    props_for = _domain_props()
    out: list[AuthResult] = []
    for part in parts[1:]:
        m = _METHOD.match(part)
        if not m:
            continue
        method, result = m.group(1).lower(), m.group(2).lower()
        props = {k.lower(): v.strip('"') for k, v in _PROP.findall(part)}
        domain = None
        for key in props_for.get(method, ()):
            if props.get(key):
                domain = props[key]
                if "@" in domain:
                    domain = domain.rpartition("@")[2]
                break
        out.append(AuthResult(method, result, domain.lower() if domain else None, authserv))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class CopyFacts:
    auth: tuple[AuthResult, ...]
    received: tuple[str, ...]
    message_id: str | None
    date: datetime | None


def copy_facts(raw_headers: bytes, *, trusted_authserv: tuple[str, ...] = ()) -> CopyFacts:
    """Facts from a copy's header block. Only the topmost Authentication-Results headers are kept
    (the receiver adds its own on top; lower ones may be forged by the sender), or those whose
    authserv-id is in ``trusted_authserv`` when given."""
    msg = BytesHeaderParser(policy=compat32).parsebytes(raw_headers)
    auth: list[AuthResult] = []
    for value in msg.get_all("Authentication-Results", []) or []:
        results = parse_authentication_results(str(value))
        if trusted_authserv:
            results = tuple(r for r in results if (r.authserv_id or "").lower() in trusted_authserv)
            auth.extend(results)
        elif results:
            auth.extend(results)
            break  # the receiver's own header is the first one
    received = tuple(_unfold(str(v))[:1000] for v in (msg.get_all("Received", []) or [])[:MAX_RECEIVED])
    mid = msg.get("Message-ID")
    date = None
    if msg.get("Date"):
        try:
            date = parsedate_to_datetime(str(msg["Date"]))
        except (TypeError, ValueError, IndexError):
            date = None
    return CopyFacts(tuple(auth), received, _unfold(str(mid)) if mid else None, date)
