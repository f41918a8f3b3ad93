"""DNSSEC status of the domain's zone: unsigned, signed and valid, bogus, or not chained (no DS)."""

from __future__ import annotations

import asyncio

import dns.exception
import dns.name

from inboxtrace.checks.context import Context, unchecked
from inboxtrace.checks.findings import finding
from inboxtrace.checks.tags import org_domain
from inboxtrace.model.check import Finding


async def check(ctx: Context) -> list[Finding]:
    zone = ctx.domain
    probe = await ctx.q(zone, "DNSKEY")  # cheap presence test first; most zones are unsigned
    if probe.void and org_domain(zone) != zone:
        zone = org_domain(zone)
        probe = await ctx.q(zone, "DNSKEY")
    if not probe.ok:
        if probe.failed:
            return [unchecked(f"the DNSKEY of {zone}", probe, check="dnssec")]
        return [finding("dnssec.unsigned", subject=zone, found=probe.describe(), domain=zone)]
    import dns.dnssec  # (cryptography) only for signed zones
    import dns.node
    import dns.rdataset

    keys = await ctx.q(zone, "DNSKEY", dnssec=True)
    if keys.failed:
        return [unchecked(f"the DNSKEY of {zone}", keys, check="dnssec")]
    if not keys.ok or keys.rrset is None:
        return [finding("dnssec.unsigned", subject=zone, found=keys.describe(), domain=zone)]
    soa, ds = await asyncio.gather(ctx.q(zone, "SOA", dnssec=True), ctx.q(zone, "DS", dnssec=True))
    name = dns.name.from_text(zone)
    keyring: dict[dns.name.Name, dns.node.Node | dns.rdataset.Rdataset] = {name: keys.rrset}
    problems: list[str] = []
    for what, ans in (("DNSKEY", keys), ("SOA", soa)):
        if ans.failed:
            return [unchecked(f"the {what} of {zone}", ans, check="dnssec")]
        if ans.rrset is None or ans.rrsig is None:
            problems.append(f"{what} answer is not signed")
            continue
        try:
            dns.dnssec.validate(ans.rrset, ans.rrsig, keyring)
        except dns.exception.ValidationFailure as exc:
            problems.append(f"{what}: {exc}")
    ctx.records["dnssec"] = {"zone": zone, "dnskeys": len(keys.records)}
    if problems:
        detail = "; ".join(problems)
        return [finding("dnssec.bogus", subject=zone, found=detail, domain=zone, detail=detail)]
    if ds.failed:
        return [unchecked(f"the DS of {zone}", ds, check="dnssec")]
    if not ds.ok:
        return [finding("dnssec.no-ds", subject=zone, found=ds.describe(), domain=zone)]
    matched = False
    for ds_rd in ds.records:
        for key in keys.records:
            try:
                made = dns.dnssec.make_ds(name, key, ds_rd.digest_type)
            except (dns.exception.DNSException, ValueError):
                continue
            if made == ds_rd:
                matched = True
    if not matched:
        detail = "no DS record at the parent matches a DNSKEY of the zone"
        return [finding("dnssec.bogus", subject=zone, found=ds.describe(), domain=zone, detail=detail)]
    return [finding("dnssec.ok", subject=zone, found=ds.describe(), domain=zone)]
