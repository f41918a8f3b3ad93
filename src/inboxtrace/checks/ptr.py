"""PTR and forward-confirmed reverse DNS of the sending IPs, and generic-name detection."""

from __future__ import annotations

import asyncio
import ipaddress
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from inboxtrace.checks.context import Context, unchecked
from inboxtrace.checks.dnsq import DnsAnswer, reverse_name
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


@dataclass(frozen=True)
class Fcrdns:
    """Reverse DNS of one IP: ``status`` is ok, missing, mismatch or failed (DNS gave no answer)."""

    ip: str
    status: str
    names: tuple[str, ...] = ()
    confirmed: str | None = None
    detail: str = ""
    failed_answer: DnsAnswer | None = None


async def fcrdns(ctx: Context, ip: str) -> Fcrdns:
    """PTR of ``ip`` and the forward lookup of each PTR name (forward-confirmed reverse DNS)."""
    answer = await ctx.q(reverse_name(ip), "PTR")
    if answer.failed:
        return Fcrdns(ip, "failed", detail=answer.describe(), failed_answer=answer)
    if not answer.ok:
        return Fcrdns(ip, "missing", detail=answer.describe())
    names = tuple(rd.target.to_text().rstrip(".") for rd in answer.records)
    rdtype = "AAAA" if ipaddress.ip_address(ip).version == 6 else "A"
    forwards = await asyncio.gather(*(ctx.q(n, rdtype) for n in names))
    addr = ipaddress.ip_address(ip)
    for n, fw in zip(names, forwards, strict=True):
        if fw.ok and any(ipaddress.ip_address(a) == addr for a in fw.addresses()):
            return Fcrdns(ip, "ok", names, confirmed=n, detail=n)
    failed = [fw for fw in forwards if fw.failed]
    if failed:
        return Fcrdns(ip, "failed", names, detail=failed[0].describe(), failed_answer=failed[0])
    detail = "; ".join(
        f"{n} → {', '.join(fw.addresses()) or fw.status.value}" for n, fw in zip(names, forwards, strict=True)
    )
    return Fcrdns(ip, "mismatch", names, detail=detail)


async def check_ip(ctx: Context, ip: str) -> list[Finding]:
    try:
        reverse_name(ip)
    except ValueError:
        return [finding("ptr.missing", subject=ip, found="not an IP address")]
    result = await fcrdns(ctx, ip)
    ctx.records.setdefault("ptr", {})[ip] = list(result.names)
    if result.status == "failed":
        assert result.failed_answer is not None
        return [unchecked(f"the reverse DNS of {ip}", result.failed_answer, check="ptr")]
    if result.status == "missing":
        return [finding("ptr.missing", subject=ip, found=result.detail)]
    if result.status == "mismatch":
        return [finding("ptr.mismatch", subject=ip, found=result.detail, detail=f"PTR {result.detail}")]
    name = result.confirmed or ""
    reason = generic_reason(name, ip)
    if reason:
        return [finding("ptr.generic", subject=ip, found=name, detail=f"{name}: {reason}")]
    return [finding("ptr.ok", subject=ip, found=name, detail=name)]


async def check(ctx: Context, ips: tuple[str, ...]) -> list[Finding]:
    results = await asyncio.gather(*(check_ip(ctx, ip) for ip in ips))
    return [f for fs in results for f in fs]
