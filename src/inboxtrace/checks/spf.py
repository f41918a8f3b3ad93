"""SPF (RFC 7208): one record, syntax, lookup and void-lookup counts, risky terms, IP evaluation.

Terms are parsed and validated by pyspf (``query.validate_mechanism``); the walk over include and
redirect is ours and asynchronous, so the limits are counted over the whole tree the way a
receiver could meet them. Evaluation for a given IP is pyspf's, with its DNS lookups answered by
our resolver (so ``--nameserver`` applies and failures stay "temperror", never "missing").
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import spf as pyspf

from inboxtrace.checks.context import Context, unchecked
from inboxtrace.checks.dnsq import DnsAnswer, Resolver
from inboxtrace.checks.findings import finding
from inboxtrace.model.check import Finding

MAX_LOOKUPS = 10
MAX_VOID = 2
MAX_MX_NAMES = 10
_SPF_RE = re.compile(r"^v=spf1(\s|$)", re.IGNORECASE)
_MODIFIER_RE = re.compile(r"^([a-z][a-z0-9_\-.]*)=(.*)$", re.IGNORECASE)
_PROBE_IP = "192.0.2.1"
_NO_ALL_MOOT = {"spf.syntax", "spf.redirect-missing", "spf.loop"}  # the record's end was never reached


def spf_records(answer: DnsAnswer) -> list[str]:
    return [t for t in answer.texts() if _SPF_RE.match(t.strip())]


@dataclass
class _Walk:
    lookups: int = 0
    voids: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    final_all: str | None = None
    ptr_seen: bool = False
    costs: list[tuple[str, int]] = field(default_factory=list)


async def check(ctx: Context, domain: str, *, label: str = "spf") -> list[Finding]:
    """All SPF findings for ``domain`` (the checked domain or the sample's MAIL FROM domain)."""
    answer = await ctx.q(domain, "TXT")
    if answer.failed:
        return [unchecked(f"the SPF record of {domain}", answer, check="spf")]
    records = spf_records(answer) if answer.ok else []
    if not records:
        return [finding("spf.missing", subject=domain, found=answer.describe(), domain=domain)]
    if len(records) > 1:
        found = " | ".join(records)
        return [finding("spf.multiple", subject=domain, found=found, domain=domain, count=len(records))]
    record = records[0]
    walk = _Walk()
    walk.lookups = await _walk(ctx, record, domain, walk, stack=[domain], top=True)
    breakdown = ", ".join(f"{term} ({cost})" for term, cost in sorted(walk.costs, key=lambda tc: -tc[1]))
    ctx.records.setdefault(label, {})[domain] = {
        "record": record,
        "dns_lookups": walk.lookups,
        "void_lookups": len(walk.voids),
        "lookups_per_term": dict(walk.costs),
    }
    out = walk.findings
    found = f"{record} — lookups per term: {breakdown}" if breakdown else record
    if walk.lookups > MAX_LOOKUPS:
        out.append(
            finding("spf.too-many-lookups", subject=domain, found=found, domain=domain, count=walk.lookups)
        )
    elif walk.lookups >= MAX_LOOKUPS - 1:
        out.append(
            finding("spf.lookups-near-limit", subject=domain, found=found, domain=domain, count=walk.lookups)
        )
    if len(walk.voids) > MAX_VOID:
        names = ", ".join(walk.voids)
        out.append(
            finding(
                "spf.too-many-void",
                subject=domain,
                found=names,
                domain=domain,
                names=names,
                count=len(walk.voids),
            )
        )
    if walk.final_all == "pass":
        out.append(finding("spf.plus-all", subject=domain, found=record, domain=domain))
    elif walk.final_all == "neutral":
        out.append(finding("spf.neutral-all", subject=domain, found=record, domain=domain))
    elif walk.final_all == "softfail":
        out.append(finding("spf.softfail-all", subject=domain, found=record, domain=domain))
    elif walk.final_all is None and not any(f.code in _NO_ALL_MOOT for f in out):
        out.append(finding("spf.no-all", subject=domain, found=record, domain=domain))
    if not any(f.severity.value == "error" for f in out):
        out.append(
            finding("spf.ok", subject=domain, found=f"{record} ({walk.lookups} lookups)", domain=domain)
        )
    return out


async def _fetch_spf(ctx: Context, name: str, walk: _Walk, kind: str, parent: str) -> str | None:
    answer = await ctx.q(name, "TXT")
    if answer.failed:
        walk.findings.append(
            unchecked(f"the SPF record of {name} ({kind} from {parent})", answer, check="spf")
        )
        return None
    if answer.void:
        walk.voids.append(name)
    records = spf_records(answer) if answer.ok else []
    code = "spf.include-missing" if kind == "include" else "spf.redirect-missing"
    if not records:
        walk.findings.append(finding(code, subject=name, found=answer.describe(), domain=parent))
        return None
    if len(records) > 1:
        walk.findings.append(
            finding("spf.multiple", subject=name, found=" | ".join(records), domain=name, count=len(records))
        )
        return None
    return records[0]


async def _walk(ctx: Context, record: str, domain: str, walk: _Walk, *, stack: list[str], top: bool) -> int:
    """Count the lookups of ``record`` and everything it includes (terms of one record in parallel).

    Returns the lookups this record costs; for the top record, ``walk.costs`` gets each costly
    term with its share (an include costs 1 plus everything below it).
    """
    q = pyspf.query(i=_PROBE_IP, s=f"postmaster@{domain}", h=domain)
    redirect: str | None = None
    has_all = False
    mechanisms: list[tuple[str, str, str]] = []
    for term in record.split()[1:]:
        mod = _MODIFIER_RE.match(term)
        if mod:
            if mod.group(1).lower() == "redirect":
                try:
                    redirect = q.expand_domain(mod.group(2))
                except pyspf.PermError as exc:
                    walk.findings.append(_syntax(domain, record, term, exc))
                    return 0
            continue
        try:
            _mech, m, arg, _cidr, result = q.validate_mechanism(term)
        except (pyspf.PermError, pyspf.TempError, ValueError) as exc:
            walk.findings.append(_syntax(domain, record, term, exc))
            return 0
        if m not in pyspf.ALL_MECHANISMS:
            walk.findings.append(_syntax(domain, record, term, f"unknown mechanism {m!r}"))
            return 0
        if m == "all":
            has_all = True
            if top:
                walk.final_all = result
        elif m not in ("ip4", "ip6"):
            mechanisms.append((term, m, arg))
    costs = await asyncio.gather(
        *(_mechanism(ctx, walk, t, m, a, domain=domain, stack=stack) for t, m, a in mechanisms)
    )
    if top:
        walk.costs.extend((t, c) for (t, _m, _a), c in zip(mechanisms, costs, strict=True))
    total = sum(costs)
    if redirect and not has_all:
        cost = 1
        if redirect in stack:
            walk.findings.append(finding("spf.loop", subject=redirect, found=" → ".join([*stack, redirect])))
        else:
            sub = await _fetch_spf(ctx, redirect, walk, "redirect", domain)
            if sub is not None:
                cost += await _walk(ctx, sub, redirect, walk, stack=[*stack, redirect], top=top)
        if top:
            walk.costs.append((f"redirect={redirect}", cost))
        total += cost
    return total


async def _mechanism(
    ctx: Context, walk: _Walk, term: str, m: str, arg: str, *, domain: str, stack: list[str]
) -> int:
    """Check one lookup-costing mechanism; returns its lookups (1, plus an include's subtree)."""
    if m == "include":
        if arg in stack:
            walk.findings.append(finding("spf.loop", subject=arg, found=" → ".join([*stack, arg])))
            return 1
        sub = await _fetch_spf(ctx, arg, walk, "include", domain)
        if sub is None:
            return 1
        return 1 + await _walk(ctx, sub, arg, walk, stack=[*stack, arg], top=False)
    if m == "a":
        await _void_if_empty(ctx, walk, arg, ("A", "AAAA"))
    elif m == "mx":
        answer = await ctx.q(arg, "MX")
        if answer.failed:
            walk.findings.append(unchecked(f"the MX of {arg} (SPF mx of {domain})", answer, check="spf"))
        elif answer.void:
            walk.voids.append(arg)
        elif len(answer.records) > MAX_MX_NAMES:
            walk.findings.append(
                finding("spf.mx-too-many", subject=domain, found=answer.describe(), domain=domain)
            )
    elif m == "ptr":
        if not walk.ptr_seen:
            walk.findings.append(finding("spf.ptr", subject=domain, found=term, domain=domain))
        walk.ptr_seen = True
    elif m == "exists" and "%" not in term:
        await _void_if_empty(ctx, walk, arg, ("A",))
    return 1


async def _void_if_empty(ctx: Context, walk: _Walk, name: str, rdtypes: tuple[str, ...]) -> None:
    answers = await asyncio.gather(*(ctx.q(name, t) for t in rdtypes))
    failed = [a for a in answers if a.failed]
    if failed:
        walk.findings.append(unchecked(f"the address of {name} (SPF)", failed[0], check="spf"))
    elif all(a.void for a in answers):
        walk.voids.append(name)


def _syntax(domain: str, record: str, term: str, exc: object) -> Finding:
    return finding("spf.syntax", subject=domain, found=f"{record} (term {term!r}: {exc})", domain=domain)


# ------------------------------------------------------------------ evaluation for an IP (pyspf)

_local = threading.local()
_original_lookup: Callable[..., Any] = pyspf.DNSLookup


def _dispatch_lookup(name: str, qtype: str, strict: bool = True, timeout: float = 30) -> Any:
    fn = getattr(_local, "lookup", None)
    if fn is None:
        return _original_lookup(name, qtype, strict, timeout)
    return fn(name, qtype)


pyspf.DNSLookup = _dispatch_lookup


def _make_lookup(resolver: Resolver, loop: asyncio.AbstractEventLoop) -> Callable[[str, str], list[Any]]:
    def lookup(name: str, qtype: str) -> list[Any]:
        answer = asyncio.run_coroutine_threadsafe(resolver.query(name, qtype), loop).result()
        if answer.failed:
            raise pyspf.TempError(f"DNS {answer.status.value} for {name} {qtype}")
        out: list[Any] = []
        for rd in answer.records:
            if qtype in ("A", "AAAA"):
                out.append(((name, qtype), rd.address))
            elif qtype == "MX":
                out.append(((name, qtype), (rd.preference, rd.exchange)))
            elif qtype == "PTR":
                out.append(((name, qtype), rd.target.to_text(True)))
            elif qtype in ("TXT", "SPF"):
                out.append(((name, qtype), rd.strings))
        return out

    return lookup


def _evaluate_sync(
    lookup: Callable[[str, str], list[Any]], ip: str, sender: str, helo: str
) -> tuple[str, str]:
    _local.lookup = lookup
    try:
        result, _code, explanation = pyspf.query(i=ip, s=sender, h=helo, timeout=20).check()
        return str(result), str(explanation)
    finally:
        _local.lookup = None


async def evaluate(resolver: Resolver, ip: str, domain: str, sender: str | None = None) -> tuple[str, str]:
    """pyspf's result ('pass', 'fail', 'softfail', 'neutral', 'none', 'permerror', 'temperror')."""
    loop = asyncio.get_running_loop()
    lookup = _make_lookup(resolver, loop)
    return await asyncio.to_thread(_evaluate_sync, lookup, ip, sender or f"postmaster@{domain}", domain)


IP_CODES = {
    "pass": "spf.ip-pass",
    "fail": "spf.ip-fail",
    "softfail": "spf.ip-softfail",
    "neutral": "spf.ip-neutral",
    "none": "spf.ip-neutral",
    "permerror": "spf.ip-error",
}


async def check_ips(ctx: Context, domain: str, ips: tuple[str, ...]) -> list[Finding]:
    out: list[Finding] = []
    results = await asyncio.gather(*(evaluate(ctx.resolver, ip, domain) for ip in ips))
    for ip, (result, explanation) in zip(ips, results, strict=True):
        found = f"{result}: {explanation}" if explanation else result
        ctx.records.setdefault("spf_results", {})[f"{domain} {ip}"] = result
        code = IP_CODES.get(result)
        if code is None:
            out.append(
                finding(
                    "dns.unchecked",
                    subject=ip,
                    found=found,
                    checked=False,
                    check="spf",
                    what=f"SPF of {domain} for {ip}",
                    status=result,
                    name=domain,
                    rdtype="TXT",
                )
            )
        else:
            out.append(finding(code, subject=ip, found=found, domain=domain))
    return out
