"""Name the MTA or provider that wrote a standard DSN (data: ``bounces/data/vendors.toml``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from inboxtrace.bounces.view import Mail
from inboxtrace.codes.needles import Gates, needles_of
from inboxtrace.datafiles import read_text
from inboxtrace.errors import DataFileError
from inboxtrace.loadcache import compile_regex, parse_toml


@dataclass(frozen=True, slots=True)
class _Vendor:
    name: str
    headers: tuple[str, ...]
    fields: tuple[str, ...]
    from_re: re.Pattern[str] | None
    body_re: re.Pattern[str] | None
    mta_re: re.Pattern[str] | None


def _rx(value: object) -> re.Pattern[str] | None:
    return compile_regex(str(value), re.I | re.M) if value else None


@cache
def _vendors() -> tuple[_Vendor, ...]:
    try:
        text = read_text("bounces", "data", "vendors.toml")
        return tuple(
            _Vendor(
                name=v["name"],
                headers=tuple(v.get("header", [])),
                fields=tuple(v.get("fields", [])),
                from_re=_rx(v.get("from")),
                body_re=_rx(v.get("body")),
                mta_re=_rx(v.get("reporting_mta")),
            )
            for v in parse_toml(text).get("vendor", [])
        )
    except (OSError, KeyError, TypeError, ValueError, re.error) as exc:  # ValueError: not TOML
        raise DataFileError(f"bounces/data/vendors.toml: {exc}") from exc


@cache
def _body_gates() -> Gates:
    return Gates([needles_of(v.body_re.pattern, v.body_re.flags) if v.body_re else () for v in _vendors()])


def vendor_of(mail: Mail, fields: dict[str, str]) -> str | None:
    body_may_match: set[int] | None = None  # worked out when a vendor first needs it
    mta = fields.get("reporting-mta", "")
    for i, v in enumerate(_vendors()):
        if any(f in fields for f in v.fields) or any(h in mail.msg for h in v.headers):
            return v.name
        if v.from_re and v.from_re.search(mail.sender):
            return v.name
        if v.body_re:
            if body_may_match is None:
                body_may_match = set(_body_gates().candidates(mail.head_lower))
            if i in body_may_match and v.body_re.search(mail.head):
                return v.name
        if v.mta_re and mta and v.mta_re.search(mta):
            return v.name
    return None
