"""SMTP TLS reporting (RFC 8460): the _smtp._tls TXT record."""

from __future__ import annotations

import re

from inboxtrace.checks.context import Context
from inboxtrace.checks.findings import finding
from inboxtrace.checks.txtrecord import tag_record
from inboxtrace.model.check import Finding

_RE = re.compile(r"^v\s*=\s*TLSRPTv1\s*(;|$)", re.IGNORECASE)
_URI = re.compile(r"^(mailto:[^@\s]+@[^@\s]+|https://\S+)$", re.IGNORECASE)


async def check(ctx: Context) -> list[Finding]:
    domain = ctx.domain
    got = await tag_record(
        ctx,
        f"_smtp._tls.{domain}",
        _RE,
        what=f"the TLS-RPT record of {domain}",
        check="tlsrpt",
        missing="tlsrpt.missing",
        invalid="tlsrpt.invalid",
        many_detail="more than one record",
    )
    if isinstance(got, list):
        return got
    record, tags = got
    uris = [u.strip() for u in tags.get("rua", "").split(",") if u.strip()]
    bad = [u for u in uris if not _URI.match(u)]
    if not uris or bad:
        detail = "rua= is missing" if not uris else f"invalid rua URI(s): {', '.join(bad)}"
        return [finding("tlsrpt.invalid", subject=domain, found=record, domain=domain, detail=detail)]
    ctx.records["tlsrpt"] = record
    return [finding("tlsrpt.ok", subject=domain, found=record, domain=domain, detail=", ".join(uris))]
