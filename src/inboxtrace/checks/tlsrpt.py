"""SMTP TLS reporting (RFC 8460): the _smtp._tls TXT record."""

from __future__ import annotations

import re

from inboxtrace.checks.context import Context, unchecked
from inboxtrace.checks.findings import finding
from inboxtrace.checks.tags import TagError, parse_tags
from inboxtrace.model.check import Finding

_RE = re.compile(r"^v\s*=\s*TLSRPTv1\s*(;|$)", re.IGNORECASE)
_URI = re.compile(r"^(mailto:[^@\s]+@[^@\s]+|https://\S+)$", re.IGNORECASE)


async def check(ctx: Context) -> list[Finding]:
    domain = ctx.domain
    answer = await ctx.q(f"_smtp._tls.{domain}", "TXT")
    if answer.failed:
        return [unchecked(f"the TLS-RPT record of {domain}", answer, check="tlsrpt")]
    records = [t for t in answer.texts() if _RE.match(t.strip())] if answer.ok else []
    if not records:
        return [finding("tlsrpt.missing", subject=domain, found=answer.describe(), domain=domain)]
    if len(records) > 1:
        return [
            finding(
                "tlsrpt.invalid",
                subject=domain,
                found=" | ".join(records),
                domain=domain,
                detail="more than one record",
            )
        ]
    try:
        tags = parse_tags(records[0])
    except TagError as exc:
        return [finding("tlsrpt.invalid", subject=domain, found=records[0], domain=domain, detail=str(exc))]
    uris = [u.strip() for u in tags.get("rua", "").split(",") if u.strip()]
    bad = [u for u in uris if not _URI.match(u)]
    if not uris or bad:
        detail = "rua= is missing" if not uris else f"invalid rua URI(s): {', '.join(bad)}"
        return [finding("tlsrpt.invalid", subject=domain, found=records[0], domain=domain, detail=detail)]
    ctx.records["tlsrpt"] = records[0]
    return [finding("tlsrpt.ok", subject=domain, found=records[0], domain=domain, detail=", ".join(uris))]
