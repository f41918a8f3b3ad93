"""BIMI: the default._bimi TXT record and its DMARC-enforcement precondition (no logo fetch)."""

from __future__ import annotations

import re

from inboxtrace.checks.context import Context, unchecked
from inboxtrace.checks.findings import finding
from inboxtrace.checks.tags import TagError, parse_tags
from inboxtrace.model.check import Finding

_RE = re.compile(r"^v\s*=\s*BIMI1\s*(;|$)", re.IGNORECASE)


async def check(ctx: Context) -> list[Finding]:
    domain = ctx.domain
    selector = ctx.options.bimi_selector
    answer = await ctx.q(f"{selector}._bimi.{domain}", "TXT")
    if answer.failed:
        return [unchecked(f"the BIMI record of {domain}", answer, check="bimi")]
    records = [t for t in answer.texts() if _RE.match(t.strip())] if answer.ok else []
    if not records:
        return [finding("bimi.missing", subject=domain, found=answer.describe(), domain=domain)]
    record = records[0]
    try:
        tags = parse_tags(record)
    except TagError as exc:
        return [finding("bimi.invalid", subject=domain, found=record, domain=domain, detail=str(exc))]
    problems = []
    if len(records) > 1:
        problems.append("more than one v=BIMI1 record")
    logo = tags.get("l", "")
    if logo and not logo.lower().startswith("https://"):
        problems.append("l= must be an https:// URL of an SVG logo")
    cert = tags.get("a", "")
    if cert and not cert.lower().startswith("https://"):
        problems.append("a= must be an https:// URL of a PEM certificate")
    if not logo and not cert:
        problems.append("neither l= nor a= is set (this declines BIMI)")
    ctx.records["bimi"] = record
    if problems:
        return [
            finding("bimi.invalid", subject=domain, found=record, domain=domain, detail="; ".join(problems))
        ]
    out: list[Finding] = []
    if ctx.dmarc_policy not in ("quarantine", "reject") or ctx.dmarc_pct < 100:
        state = f"p={ctx.dmarc_policy}" if ctx.dmarc_policy else "no DMARC record"
        if ctx.dmarc_policy and ctx.dmarc_pct < 100:
            state += f" pct={ctx.dmarc_pct}"
        out.append(
            finding("bimi.dmarc-not-enforced", subject=domain, found=record, domain=domain, detail=state)
        )
    if not cert:
        out.append(finding("bimi.no-certificate", subject=domain, found=record, domain=domain))
    out.append(finding("bimi.ok", subject=domain, found=record, domain=domain))
    return out
