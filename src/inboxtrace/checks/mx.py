"""MX (RFC 5321 section 5.1, RFC 7505 null MX): present, resolvable, or explicitly none."""

from __future__ import annotations

import asyncio

from inboxtrace.checks.context import Context, unchecked
from inboxtrace.checks.findings import finding
from inboxtrace.model.check import Finding


async def check(ctx: Context) -> list[Finding]:
    domain = ctx.domain
    answer = await ctx.q(domain, "MX")
    if answer.failed:
        return [unchecked(f"the MX of {domain}", answer)]
    if not answer.ok:
        a, aaaa = await asyncio.gather(ctx.q(domain, "A"), ctx.q(domain, "AAAA"))
        if a.ok or aaaa.ok:
            return [finding("mx.implicit", subject=domain, found=answer.describe(), domain=domain)]
        if a.failed or aaaa.failed:
            return [unchecked(f"the address of {domain}", a if a.failed else aaaa)]
        return [finding("mx.none", subject=domain, found=answer.describe(), domain=domain)]
    mxs = sorted(
        ((rd.preference, rd.exchange.to_text().rstrip(".").lower()) for rd in answer.records),
    )
    ctx.records["mx"] = [f"{p} {h or '.'}" for p, h in mxs]
    if len(mxs) == 1 and mxs[0][1] in ("", "."):
        return [finding("mx.null", subject=domain, found=answer.describe(), domain=domain)]
    hosts = [h for _p, h in mxs if h]
    ctx.mx_hosts = hosts
    out: list[Finding] = []

    async def resolve(host: str) -> Finding | None:
        a, aaaa = await ctx.resolver.resolve_host(host)
        if a.ok or (aaaa is not None and aaaa.ok):
            return None
        failed = a if a.failed else aaaa if aaaa is not None and aaaa.failed else None
        if failed is not None:
            return unchecked(f"the address of MX {host}", failed)
        return finding("mx.unresolvable", subject=host, found=a.describe(), domain=domain)

    for f in await asyncio.gather(*(resolve(h) for h in hosts)):
        if f is not None:
            out.append(f)
    if not out:
        out.append(finding("mx.ok", subject=domain, found=", ".join(ctx.records["mx"]), domain=domain))
    return out
