"""MX (RFC 5321 section 5.1, RFC 7505 null MX): present, resolvable, not aliases, reverse DNS of
the hosts, DANE TLSA (RFC 7672) only in signed zones — the MX checks checkdmarc makes too."""

from __future__ import annotations

import asyncio

from inboxtrace.checks.context import Context, unchecked
from inboxtrace.checks.findings import finding
from inboxtrace.checks.ptr import fcrdns
from inboxtrace.checks.tags import org_domain
from inboxtrace.model.check import Finding

MAX_HOSTS = 10
MAX_ADDRESSES = 4


async def check(ctx: Context) -> list[Finding]:
    """MX set, each host's addresses (and alias), reverse DNS of those addresses, DANE TLSA."""
    domain = ctx.domain
    answer = await ctx.q(domain, "MX")
    if answer.failed:
        return [unchecked(f"the MX of {domain}", answer, check="mx")]
    if not answer.ok:
        a, aaaa = await asyncio.gather(ctx.q(domain, "A"), ctx.q(domain, "AAAA"))
        if a.ok or aaaa.ok:
            return [finding("mx.implicit", subject=domain, found=answer.describe(), domain=domain)]
        if a.failed or aaaa.failed:
            return [unchecked(f"the address of {domain}", a if a.failed else aaaa, check="mx")]
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

    async def one(host: str) -> list[Finding]:
        a, aaaa = await ctx.resolver.resolve_host(host)
        found: list[Finding] = []
        if a.cname_chain or (aaaa is not None and aaaa.cname_chain):
            chain = " → ".join(a.cname_chain or (aaaa.cname_chain if aaaa else ()))
            found.append(finding("mx.cname", subject=host, found=f"{host} → {chain}", domain=domain))
        addresses = a.addresses() if a.ok else (aaaa.addresses() if aaaa is not None and aaaa.ok else [])
        if not addresses:
            failed = a if a.failed else aaaa if aaaa is not None and aaaa.failed else None
            if failed is not None:
                return [*found, unchecked(f"the address of MX {host}", failed, check="mx")]
            return [*found, finding("mx.unresolvable", subject=host, found=a.describe(), domain=domain)]
        reverse, tlsa = await asyncio.gather(
            asyncio.gather(*(fcrdns(ctx, ip) for ip in addresses[:MAX_ADDRESSES])),
            ctx.q(f"_25._tcp.{host}", "TLSA"),
        )
        for rev in reverse:
            if rev.status == "missing":
                found.append(finding("mx.ptr-missing", subject=rev.ip, found=rev.detail, host=host))
            elif rev.status == "mismatch":
                found.append(finding("mx.ptr-mismatch", subject=rev.ip, found=rev.detail, host=host))
        if tlsa.ok:
            zone_keys = await ctx.q(org_domain(host), "DNSKEY")
            if zone_keys.ok:
                found.append(finding("mx.dane", subject=host, found=tlsa.describe()))
            elif not zone_keys.failed:
                found.append(finding("mx.tlsa-unsigned", subject=host, found=tlsa.describe()))
        return found

    for fs in await asyncio.gather(*(one(h) for h in hosts[:MAX_HOSTS])):
        out.extend(fs)
    if not any(f.severity.value == "error" for f in out):
        out.append(finding("mx.ok", subject=domain, found=", ".join(ctx.records["mx"]), domain=domain))
    return out
