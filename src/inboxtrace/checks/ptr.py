"""PTR and forward-confirmed reverse DNS of the sending IPs, and generic-name detection."""

from __future__ import annotations

import asyncio
import ipaddress
import re
from functools import cache
from typing import Any

from inboxtrace.checks.context import Context, unchecked
from inboxtrace.checks.dnsq import reverse_name
from inboxtrace.checks.findings import finding, load_data
from inboxtrace.model.check import Finding


@cache
def _conf() -> dict[str, Any]:
    return load_data("ptr.toml")


def generic_reason(name: str, ip: str) -> str | None:
    """Why ``name`` looks like a generic/dynamic reverse name for ``ip`` (None if it does not)."""
    name = name.rstrip(".").lower()
    conf = _conf()
    for suffix in conf["suffixes"]:
        if name.endswith("." + suffix) or name == suffix:
            return f"provider default name (*.{suffix})"
    addr = ipaddress.ip_address(ip)
    if addr.version == 4:
        octets = str(addr).split(".")
        digits = re.sub(r"[^0-9]+", ".", name)
        for seq in (octets, octets[::-1]):
            if ".".join(seq) in digits or "".join(f"{int(o):03d}" for o in seq) in name.replace("-", ""):
                return "contains the IP address"
        if f"{int(addr):x}" in name or f"{int(addr):08x}" in name:
            return "contains the IP address in hex"
    else:
        compact = addr.exploded.replace(":", "")
        if compact[-8:] in name.replace("-", "").replace(".", ""):
            return "contains the IP address"
    first = name.split(".")[0]
    parts = [p for p in re.split(r"[-_.0-9]+", first) if p]
    hits = [p for p in parts if p in conf["words"]]
    if hits and re.search(r"\d", first):
        return f"generic word(s) {', '.join(hits)} with numbers"
    return None


async def check_ip(ctx: Context, ip: str) -> list[Finding]:
    try:
        rname = reverse_name(ip)
    except ValueError:
        return [finding("ptr.missing", subject=ip, found="not an IP address")]
    answer = await ctx.q(rname, "PTR")
    if answer.failed:
        return [unchecked(f"the PTR of {ip}", answer)]
    if not answer.ok:
        return [finding("ptr.missing", subject=ip, found=answer.describe())]
    names = [rd.target.to_text().rstrip(".") for rd in answer.records]
    rdtype = "AAAA" if ipaddress.ip_address(ip).version == 6 else "A"
    forwards = await asyncio.gather(*(ctx.q(n, rdtype) for n in names))
    confirmed = [
        n
        for n, fw in zip(names, forwards, strict=True)
        if fw.ok and any(ipaddress.ip_address(a) == ipaddress.ip_address(ip) for a in fw.addresses())
    ]
    ctx.records.setdefault("ptr", {})[ip] = names
    out: list[Finding] = []
    if not confirmed:
        failed = [fw for fw in forwards if fw.failed]
        if failed:
            return [unchecked(f"the address of {names[0]} (FCrDNS of {ip})", failed[0])]
        detail = "; ".join(
            f"{n} → {', '.join(fw.addresses()) or fw.status.value}"
            for n, fw in zip(names, forwards, strict=True)
        )
        out.append(finding("ptr.mismatch", subject=ip, found=detail, detail=f"PTR {detail}"))
        return out
    name = confirmed[0]
    reason = generic_reason(name, ip)
    if reason:
        out.append(finding("ptr.generic", subject=ip, found=name, detail=f"{name}: {reason}"))
    else:
        out.append(finding("ptr.ok", subject=ip, found=name, detail=name))
    return out


async def check(ctx: Context, ips: tuple[str, ...]) -> list[Finding]:
    results = await asyncio.gather(*(check_ip(ctx, ip) for ip in ips))
    return [f for fs in results for f in fs]
