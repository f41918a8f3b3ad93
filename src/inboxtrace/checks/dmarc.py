"""DMARC (RFC 7489): the record, its syntax and policy, report destinations and their authorization."""

from __future__ import annotations

import asyncio
import re
from functools import cache
from typing import Any

from inboxtrace.checks.context import Context, unchecked
from inboxtrace.checks.findings import finding, load_data
from inboxtrace.checks.tags import TagError, org_domain, parse_tags
from inboxtrace.model.check import Finding

_DMARC_RE = re.compile(r"^v\s*=\s*DMARC1\s*(;|$)", re.IGNORECASE)
_STRENGTH = {"none": 0, "quarantine": 1, "reject": 2}


@cache
def _rules() -> dict[str, Any]:
    return load_data("dmarc.toml")


def dmarc_records(texts: list[str]) -> list[str]:
    return [t for t in texts if _DMARC_RE.match(t.strip())]


def validate(record: str) -> tuple[dict[str, str], list[str]]:
    """Tags of a DMARC record and the list of syntax problems (empty when valid)."""
    problems: list[str] = []
    try:
        tags = parse_tags(record)
    except TagError as exc:
        return {}, [str(exc)]
    if next(iter(tags), None) != "v":
        problems.append("v=DMARC1 must be the first tag")
    rules = _rules()
    if "p" not in tags:
        problems.append("the required p= tag is missing")
    for tag, allowed in rules["values"].items():
        if tag in tags and tags[tag].lower() not in allowed:
            problems.append(f"{tag}={tags[tag]} is not one of {', '.join(allowed)}")
    for tag in ("pct", "ri"):
        if tag in tags:
            v = tags[tag]
            if not v.isdigit() or (tag == "pct" and int(v) > 100):
                problems.append(f"{tag}={v} is not a valid number")
    for tag in ("rua", "ruf"):
        for uri in _uris(tags.get(tag, "")):
            if not re.match(r"^(mailto:[^@\s]+@[^@\s!]+|https?://\S+)(![0-9]+[kmgt]?)?$", uri, re.IGNORECASE):
                problems.append(f"{tag} URI {uri!r} is not a mailto: or http(s): URI")
    unknown = [t for t in tags if t not in rules["known_tags"]]
    if unknown:
        problems.append("unknown tag(s): " + ", ".join(unknown))
    return tags, problems


def _uris(value: str) -> list[str]:
    return [u.strip() for u in value.split(",") if u.strip()]


async def fetch(ctx: Context, domain: str) -> tuple[str | None, str, list[Finding]]:
    """(record, where it was found, findings about fetching it) for ``domain`` with org fallback."""
    name = f"_dmarc.{domain}"
    answer = await ctx.q(name, "TXT")
    if answer.failed:
        return None, name, [unchecked(f"the DMARC record of {domain}", answer, check="dmarc")]
    records = dmarc_records(answer.texts()) if answer.ok else []
    if len(records) > 1:
        return (
            None,
            name,
            [finding("dmarc.multiple", subject=domain, found=" | ".join(records), domain=domain)],
        )
    if records:
        return records[0], name, []
    org = org_domain(domain)
    if org != domain:
        org_name = f"_dmarc.{org}"
        answer = await ctx.q(org_name, "TXT")
        if answer.failed:
            return None, org_name, [unchecked(f"the DMARC record of {org}", answer, check="dmarc")]
        records = dmarc_records(answer.texts()) if answer.ok else []
        if len(records) == 1:
            return (
                records[0],
                org_name,
                [finding("dmarc.org-fallback", subject=org, found=records[0], domain=domain)],
            )
    return None, name, []


async def check(ctx: Context) -> list[Finding]:
    domain = ctx.domain
    record, where, out = await fetch(ctx, domain)
    if record is None:
        if not out:
            ctx.dmarc_found = False
            out.append(
                finding("dmarc.missing", subject=domain, found=f"{where}: no v=DMARC1 record", domain=domain)
            )
        return out
    ctx.dmarc_found = True
    ctx.records["dmarc"] = {"record": record, "name": where}
    tags, problems = validate(record)
    uri_problems = [p for p in problems if " URI " in p]
    fatal = [p for p in problems if not p.startswith("unknown tag") and p not in uri_problems]
    if fatal or not tags:
        detail = "; ".join(problems)
        out.append(finding("dmarc.syntax", subject=domain, found=record, domain=domain, detail=detail))
        return out
    if uri_problems:  # receivers skip a bad report URI but still apply the policy
        detail = "; ".join(uri_problems)
        out.append(finding("dmarc.rua-invalid", subject=domain, found=record, domain=domain, detail=detail))
    policy = tags.get("p", "none").lower()
    from_org = where != f"_dmarc.{domain}"
    effective = tags.get("sp", policy).lower() if from_org else policy
    ctx.dmarc_policy = effective
    try:
        ctx.dmarc_pct = int(tags.get("pct", "100"))
    except ValueError:
        ctx.dmarc_pct = 100
    if effective == "none":
        out.append(finding("dmarc.policy-none", subject=domain, found=record, domain=domain))
    else:
        out.append(finding("dmarc.ok", subject=domain, found=record, domain=domain, detail=effective))
    if ctx.dmarc_pct < 100:
        out.append(
            finding("dmarc.pct-partial", subject=domain, found=record, domain=domain, count=ctx.dmarc_pct)
        )
    sp = tags.get("sp", "").lower()
    if sp in _STRENGTH and _STRENGTH[sp] < _STRENGTH.get(policy, 0):
        out.append(finding("dmarc.sp-weaker", subject=domain, found=record, domain=domain, detail=sp))
    if "rua" not in tags:
        out.append(finding("dmarc.no-rua", subject=domain, found=record, domain=domain))
    out.extend(await _authorizations(ctx, domain, tags))
    return out


async def _authorizations(ctx: Context, domain: str, tags: dict[str, str]) -> list[Finding]:
    """RFC 7489 section 7.1: external report destinations must publish <domain>._report._dmarc.<dest>."""
    mine = org_domain(domain)
    dests: list[str] = []
    for tag in ("rua", "ruf"):
        for uri in _uris(tags.get(tag, "")):
            if uri.lower().startswith("mailto:") and "@" in uri:
                dest = uri.split("@", 1)[1].split("!", 1)[0].strip().rstrip(".").lower()
                if dest and org_domain(dest) != mine and dest not in dests:
                    dests.append(dest)

    async def one(dest: str) -> Finding | None:
        name = f"{domain}._report._dmarc.{dest}"
        answer = await ctx.q(name, "TXT")
        if answer.failed:
            return unchecked(f"the report authorization of {dest}", answer, check="dmarc")
        if answer.ok and dmarc_records(answer.texts()):
            return None
        return finding("dmarc.external-unauthorized", subject=dest, found=answer.describe(), detail=name)

    results = await asyncio.gather(*(one(d) for d in dests))
    return [r for r in results if r is not None]
