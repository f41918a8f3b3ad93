"""MTA-STS (RFC 8461): the _mta-sts TXT record and, optionally, the HTTPS policy and its MX patterns.

The policy is parsed by checkdmarc (``parse_mta_sts_policy``); the fetch uses httpx and goes to
``CheckOptions.mta_sts_url`` (a template with ``{domain}``), so tests point it at a local server.
"""

from __future__ import annotations

import re

from inboxtrace.checks.context import Context
from inboxtrace.checks.findings import finding
from inboxtrace.checks.txtrecord import tag_record
from inboxtrace.model.check import Finding

_STS_RE = re.compile(r"^v\s*=\s*STSv1\s*(;|$)", re.IGNORECASE)
_ID_RE = re.compile(r"^[A-Za-z0-9]{1,32}$")
MAX_POLICY_BYTES = 64 * 1024


async def check(ctx: Context) -> list[Finding]:
    domain = ctx.domain
    got = await tag_record(
        ctx,
        f"_mta-sts.{domain}",
        _STS_RE,
        what=f"the MTA-STS record of {domain}",
        check="mta-sts",
        missing="mta-sts.missing",
        invalid="mta-sts.record-invalid",
        many_detail="more than one v=STSv1 record",
    )
    if isinstance(got, list):
        return got
    record, tags = got
    if not _ID_RE.match(tags.get("id", "")):
        return [
            finding(
                "mta-sts.record-invalid",
                subject=domain,
                found=record,
                domain=domain,
                detail="id= must be 1-32 letters or digits",
            )
        ]
    ctx.records["mta_sts"] = {"record": record}
    if not ctx.options.fetch_policies:
        return [
            finding(
                "mta-sts.ok",
                subject=domain,
                found=record,
                domain=domain,
                detail="record only; policy not fetched",
            )
        ]
    return await _policy(ctx, domain, record)


async def _policy(ctx: Context, domain: str, record: str) -> list[Finding]:
    import httpx
    from checkdmarc.mta_sts import MTASTSPolicySyntaxError, mx_in_mta_sts_patterns, parse_mta_sts_policy

    url = ctx.options.mta_sts_url.format(domain=domain)
    host = httpx.URL(url).host
    local = host in ("localhost", "::1") or host.startswith("127.")
    try:
        async with httpx.AsyncClient(
            timeout=ctx.options.https_timeout, follow_redirects=False, trust_env=not local
        ) as client:
            resp = await client.get(url)
    except httpx.HTTPError as exc:
        return [
            finding(
                "mta-sts.policy-unavailable",
                subject=url,
                found=str(exc) or type(exc).__name__,
                domain=domain,
                detail=str(exc) or type(exc).__name__,
            )
        ]
    if resp.status_code != 200:
        detail = f"HTTP {resp.status_code}"
        return [
            finding("mta-sts.policy-unavailable", subject=url, found=detail, domain=domain, detail=detail)
        ]
    body = resp.content[:MAX_POLICY_BYTES].decode("utf-8", "replace")
    try:
        policy = parse_mta_sts_policy(body)["policy"]
    except (MTASTSPolicySyntaxError, Exception) as exc:
        return [
            finding("mta-sts.policy-invalid", subject=url, found=body[:500], domain=domain, detail=str(exc))
        ]
    mode = str(policy.get("mode", ""))
    patterns = [str(p) for p in policy.get("mx", [])]
    ctx.records["mta_sts"]["policy"] = {"mode": mode, "mx": patterns, "max_age": policy.get("max_age")}
    out: list[Finding] = []
    if mode != "none":
        for host in ctx.mx_hosts:
            if not mx_in_mta_sts_patterns(host, patterns):
                sev_code = "mta-sts.mx-not-covered"
                out.append(
                    finding(
                        sev_code, subject=host, found=f"mx patterns: {', '.join(patterns)}", domain=domain
                    )
                )
    if mode == "testing":
        out.append(finding("mta-sts.testing", subject=domain, found=f"mode: {mode}", domain=domain))
    out.append(
        finding(
            "mta-sts.ok",
            subject=domain,
            found=f"{record}; mode {mode}; mx {', '.join(patterns)}",
            domain=domain,
            detail=f"mode {mode}",
        )
    )
    return out
