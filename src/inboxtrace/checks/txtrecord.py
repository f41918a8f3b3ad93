"""The shared first step of the versioned tag=value TXT records (MTA-STS, TLS-RPT): ask for the
record, then report it unchecked, missing, duplicated or unparsable — or hand back its tags."""

from __future__ import annotations

import re

from inboxtrace.checks.context import Context, unchecked
from inboxtrace.checks.findings import finding
from inboxtrace.checks.tags import TagError, parse_tags
from inboxtrace.model.check import Finding


async def tag_record(
    ctx: Context,
    name: str,
    version: re.Pattern[str],
    *,
    what: str,
    check: str,
    missing: str,
    invalid: str,
    many_detail: str,
) -> tuple[str, dict[str, str]] | list[Finding]:
    """``(record, tags)`` of the one TXT record at ``name`` matching ``version``, or the findings."""
    domain = ctx.domain
    answer = await ctx.q(name, "TXT")
    if answer.failed:
        return [unchecked(what, answer, check=check)]
    records = [t for t in answer.texts() if version.match(t.strip())] if answer.ok else []
    if not records:
        return [finding(missing, subject=domain, found=answer.describe(), domain=domain)]
    if len(records) > 1:
        return [
            finding(invalid, subject=domain, found=" | ".join(records), domain=domain, detail=many_detail)
        ]
    try:
        return records[0], parse_tags(records[0])
    except TagError as exc:
        return [finding(invalid, subject=domain, found=records[0], domain=domain, detail=str(exc))]
