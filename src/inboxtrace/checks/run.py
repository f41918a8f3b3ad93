"""Runs all checks for one domain (concurrently) or many domains (concurrently, bounded)."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable, Iterator
from typing import Any, TypeVar

from inboxtrace.checks import (
    align,
    bimi,
    bulk,
    dkim,
    dmarc,
    dnsbl,
    dnssec,
    mta_sts,
    mx,
    ptr,
    spf,
    tlsrpt,
    zone,
)
from inboxtrace.checks.context import CheckOptions, Context
from inboxtrace.checks.dnsq import DnsAnswer, Resolver
from inboxtrace.checks.findings import finding, order, score
from inboxtrace.checks.sample import Sample, parse_sample
from inboxtrace.checks.tags import TagError
from inboxtrace.errors import InputError
from inboxtrace.model.check import CheckResult, Finding

T = TypeVar("T")


def normalize_domain(text: str) -> str:
    """Lower-case, IDNA-encoded, without trailing dot; raises InputError when not a domain name."""
    shown = text if len(text) <= 80 else text[:80] + "…"
    name = text.strip().rstrip(".").lower()
    if len(name) > 253:
        raise InputError(f"not a domain name (longer than 253 characters): {shown!r}")
    if "@" in name:
        name = name.rsplit("@", 1)[1]
    try:
        name = name.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise InputError(f"not a domain name: {shown!r}") from exc
    labels = name.split(".")
    if len(labels) < 2 or any(not lab or len(lab) > 63 for lab in labels) or len(name) > 253:
        raise InputError(f"not a domain name: {shown!r}")
    if not all(c.isascii() and (c.isalnum() or c in "-_") for lab in labels for c in lab):
        raise InputError(f"not a domain name: {shown!r}")
    return name


def domain_of_message(raw: bytes) -> str:
    """The domain a sample message speaks for: its From domain (else its Return-Path domain)."""
    sample = parse_sample(raw)
    domain = sample.from_domain or sample.mail_from_domain
    if domain is None:
        raise InputError("the message has no single From address to take the domain from; give DOMAIN")
    return normalize_domain(domain)


def normalize_ip(text: str) -> str:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError as exc:
        raise InputError(f"not an IP address: {text!r}") from exc


async def _guard(check: str, what: str, coro: Awaitable[list[Finding]]) -> list[Finding]:
    """Exceptions become a finding: one broken check never aborts the others."""
    try:
        return await coro
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        f = finding(
            "dns.check-crashed", found=f"{type(exc).__name__}: {exc}", checked=False, what=what, check=check
        )
        return [f]


async def check_domain_async(
    domain: str, options: CheckOptions | None = None, *, resolver: Resolver | None = None
) -> CheckResult:
    """Check one domain; see :class:`CheckOptions` for the IPs, selectors, sample, resolver."""
    options = options or CheckOptions()
    domain = normalize_domain(domain)
    ips = tuple(normalize_ip(i) for i in options.ips)
    if resolver is None:
        own = Resolver(options.nameservers or None, timeout=options.timeout, tries=options.tries)
        try:
            return await check_domain_async(domain, options, resolver=own)
        finally:
            own.close()
    sample = parse_sample(options.message) if options.message is not None else None
    ctx = Context(domain=domain, options=options, resolver=resolver, sample=sample)
    # without --ip, the sample's sending address (as its receiver saw it) gets PTR and blocklists
    host_ips = ips or ((sample.received_ip,) if sample is not None and sample.received_ip else ())

    # a name that exists whatever the domain: if even the root does not resolve, the resolver is broken
    probe, (exists, zone_findings) = await asyncio.gather(resolver.query(".", "SOA"), zone.check(ctx))
    if not probe.ok and (not exists or not any(f.checked for f in zone_findings)):
        return _result(ctx, [_resolver_failed(ctx, resolver, probe)])
    findings: list[Finding] = list(zone_findings)
    if not exists:
        if host_ips:
            findings += await _guard("ptr", "PTR", ptr.check(ctx, host_ips))
        return _result(ctx, findings)

    link_domains: tuple[str, ...] = ()
    if sample is not None and options.blocklists:
        link_domains = tuple(d for d in sample.link_domains if d != domain)
    jobs: list[Awaitable[list[Finding]]] = [
        _guard("spf", "SPF", spf.check(ctx, domain)),
        _guard("dmarc", "DMARC", dmarc.check(ctx)),
        _guard("mx", "MX", mx.check(ctx)),
        _guard("dkim", "DKIM", dkim.check(ctx)),
        _guard("dnssec", "DNSSEC", dnssec.check(ctx)),
        _guard("tlsrpt", "TLS-RPT", tlsrpt.check(ctx)),
    ]
    if host_ips:
        jobs.append(_guard("ptr", "PTR", ptr.check(ctx, host_ips)))
    if ips:
        jobs.append(_guard("spf", "SPF evaluation", spf.check_ips(ctx, domain, ips)))
    if options.blocklists:
        jobs.append(_guard("dnsbl", "blocklists", dnsbl.check(ctx, host_ips, (domain, *link_domains))))
    for fs in await asyncio.gather(*jobs):
        findings += fs
    # these need DMARC / MX results
    later: list[Awaitable[list[Finding]]] = [
        _guard("mta-sts", "MTA-STS", mta_sts.check(ctx)),
        _guard("bimi", "BIMI", bimi.check(ctx)),
    ]
    if sample is not None:
        later.append(_guard("bulk", "sample message", _sample_checks(ctx, sample, ips)))
    for fs in await asyncio.gather(*later):
        findings += fs
    return _result(ctx, findings)


def _resolver_failed(ctx: Context, resolver: Resolver, probe: DnsAnswer) -> Finding:
    servers = ", ".join(f"{h}:{p}" if p != 53 else h for h, p in resolver.servers)
    return finding(
        "dns.resolver-failed",
        subject=ctx.domain,
        found=probe.describe(),
        checked=False,
        probe=". SOA (the root zone)",
        servers=servers or "the system resolver",
    )


def _result(ctx: Context, findings: list[Finding]) -> CheckResult:
    ordered = order(findings)
    return CheckResult(
        domain=ctx.domain,
        findings=ordered,
        score=(
            0
            if any(f.code == "zone.nxdomain" for f in ordered)
            else score(ordered)
            if any(f.checked for f in ordered)
            else None
        ),
        complete=all(f.checked for f in ordered),
        records=ctx.records,
    )


async def _sample_checks(ctx: Context, sample: Sample, ips: tuple[str, ...]) -> list[Finding]:
    out: list[Finding] = []
    from_domain = sample.from_domain
    if from_domain is None:
        out.append(
            finding(
                "message.no-from", found=f"{sample.from_header_count} From header(s): {sample.from_addresses}"
            )
        )
    from_domain = from_domain or ctx.domain
    mail_from_domain = sample.mail_from_domain or from_domain
    ctx.records["sample"] = {
        "from_domain": from_domain,
        "mail_from_domain": mail_from_domain,
        "dkim_domains": [s.domain for s in sample.signatures],
    }
    if sample.receiver_verdict is not None:
        server, verdict = sample.receiver_verdict
        summary = ", ".join(f"{k}={v}" for k, v in verdict.items())
        out.append(finding("message.receiver-verdict", subject=server, found=summary, detail=summary))
    sample_ips = ips or ((sample.received_ip,) if sample.received_ip else ())
    spf_results: list[str] = []
    spf_detail = ""
    if mail_from_domain != ctx.domain:
        out += await spf.check(ctx, mail_from_domain, label="spf_mail_from")
    if sample_ips:
        evaluated = await asyncio.gather(
            *(spf.evaluate(ctx.resolver, ip, mail_from_domain, sample.mail_from) for ip in sample_ips)
        )
        spf_results = [r for r, _e in evaluated]
        spf_detail = "; ".join(f"{ip}: {r}" for ip, (r, _e) in zip(sample_ips, evaluated, strict=True))
        if not ips or mail_from_domain != ctx.domain:  # else the domain's own SPF check reported them
            for ip, (r, e) in zip(sample_ips, evaluated, strict=True):
                code = spf.IP_CODES.get(r)
                if code:
                    out.append(finding(code, subject=ip, found=f"{r}: {e}", domain=mail_from_domain))
    else:
        out.append(finding("message.no-ip", subject=mail_from_domain))
    dkim_findings, sigs = await dkim.verify_sample(ctx, sample)
    out += dkim_findings
    if from_domain == ctx.domain:
        record = ctx.records.get("dmarc", {}).get("record")
        dmarc_found = ctx.dmarc_found
    else:
        record, _where, fetched = await dmarc.fetch(ctx, from_domain)
        dmarc_found = None if any(not f.checked for f in fetched) else record is not None
    tags: dict[str, str] = {}
    if record:
        try:
            tags, _problems = dmarc.validate(record)
        except TagError:
            tags = {}
    alignment, align_findings = align.check(from_domain, mail_from_domain, spf_results, sigs, tags)
    out += align_findings
    out += bulk.check(sample, alignment, sigs, spf_detail, dmarc_found)
    return out


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` on a fresh event loop: uvloop's when it is installed (a faster loop for
    thousands of DNS questions), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro)


def check_domain(domain: str, options: CheckOptions | None = None) -> CheckResult:
    """Synchronous :func:`check_domain_async`."""
    return run_async(check_domain_async(domain, options))


async def check_many_async(
    domains: Iterable[str], options: CheckOptions | None = None
) -> AsyncIterator[tuple[str, CheckResult | InputError]]:
    """Check many domains, at most ``options.concurrency`` at a time, sharing one resolver cache.

    Yields (input line, result or the InputError for a line that is not a domain) as each
    finishes.
    """
    options = options or CheckOptions()
    resolver = Resolver(options.nameservers or None, timeout=options.timeout, tries=options.tries)
    sem = asyncio.Semaphore(max(1, options.concurrency))
    queue: asyncio.Queue[tuple[str, CheckResult | InputError]] = asyncio.Queue()
    items = list(domains)
    running: set[asyncio.Task[None]] = set()

    async def one(text: str) -> None:
        try:
            res: CheckResult | InputError = await check_domain_async(text, options, resolver=resolver)
        except InputError as exc:
            res = exc
        finally:
            sem.release()
        await queue.put((text, res))

    async def feed() -> None:
        for text in items:
            await sem.acquire()  # released by the check when it ends: at most `concurrency` at once
            task = asyncio.create_task(one(text))
            running.add(task)
            task.add_done_callback(running.discard)

    feeder = asyncio.create_task(feed())
    try:
        for _ in range(len(items)):
            yield await queue.get()
        await feeder
    finally:
        feeder.cancel()
        for task in list(running):
            task.cancel()
        resolver.close()


def check_many(
    domains: Iterable[str],
    options: CheckOptions | None = None,
    on_result: Callable[[str, CheckResult | InputError], Any] | None = None,
) -> Iterator[tuple[str, CheckResult | InputError]]:
    """Synchronous wrapper of :func:`check_many_async` (collects, then yields in finishing order)."""

    async def collect() -> list[tuple[str, CheckResult | InputError]]:
        out = []
        async for item in check_many_async(domains, options):
            if on_result is not None:
                on_result(*item)
            out.append(item)
        return out

    return iter(run_async(collect()))
