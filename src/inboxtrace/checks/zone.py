"""Does the domain exist, and do its name servers resolve (the checks checkdmarc calls NS/SOA)?"""

from __future__ import annotations

import asyncio

from inboxtrace.checks.context import Context, unchecked
from inboxtrace.checks.dnsq import DnsAnswer
from inboxtrace.checks.findings import finding
from inboxtrace.checks.tags import org_domain
from inboxtrace.model.check import Finding


async def check(ctx: Context) -> tuple[bool, list[Finding]]:
    """(exists, findings). ``exists`` is False only on a definite NXDOMAIN."""
    domain = ctx.domain
    soa, ns = await asyncio.gather(ctx.q(domain, "SOA"), ctx.q(domain, "NS"))
    if soa.status.value == "nxdomain":
        return False, [finding("zone.nxdomain", subject=domain, found=soa.describe(), domain=domain)]
    out: list[Finding] = []
    if ns.failed:
        return True, [unchecked(f"the name servers of {domain}", ns, check="zone")]
    if not ns.ok:
        if org_domain(domain) == domain:
            out.append(finding("zone.no-ns", subject=domain, found=ns.describe(), domain=domain))
        return True, out
    names = sorted({rd.target.to_text().rstrip(".") for rd in ns.records})
    ctx.records["ns"] = names
    if soa.ok:
        ctx.records["soa"] = soa.records[0].to_text()
    if len(names) < 2:
        out.append(finding("zone.single-ns", subject=domain, found=", ".join(names), domain=domain))

    async def addr(name: str) -> tuple[str, list[DnsAnswer]]:
        a, aaaa = await ctx.resolver.resolve_host(name)
        return name, [a] if aaaa is None else [a, aaaa]

    for name, answers in await asyncio.gather(*(addr(n) for n in names)):
        if any(a.ok for a in answers):
            continue
        failed = [a for a in answers if a.failed]
        if failed:
            out.append(unchecked(f"the address of name server {name}", failed[0], check="zone"))
        else:
            out.append(
                finding("zone.ns-unresolvable", subject=name, found=answers[0].describe(), domain=domain)
            )
    if not out:
        out.append(finding("zone.ok", subject=domain, found=", ".join(names), domain=domain))
    return True, out
