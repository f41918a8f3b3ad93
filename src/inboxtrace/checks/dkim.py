"""DKIM (RFC 6376): the keys of the selectors, and verification of the sample's signatures (dkimpy)."""

from __future__ import annotations

import asyncio
import base64
import binascii
from dataclasses import dataclass
from functools import cache
from typing import Any

import dkim as dkimpy
from dkim.crypto import UnparsableKeyError, parse_public_key

from inboxtrace.checks.context import Context, unchecked
from inboxtrace.checks.dnsq import DnsAnswer
from inboxtrace.checks.findings import finding, load_data
from inboxtrace.checks.sample import Sample
from inboxtrace.checks.tags import TagError, parse_tags
from inboxtrace.model.check import Finding


@cache
def _conf() -> dict[str, Any]:
    return load_data("dkim.toml")


@dataclass(frozen=True)
class SigResult:
    domain: str
    selector: str
    passed: bool | None  # None: could not check
    detail: str


def key_name(selector: str, domain: str) -> str:
    return f"{selector}._domainkey.{domain}"


def key_findings(selector: str, domain: str, answer: DnsAnswer) -> list[Finding]:
    """Findings about the key record of one selector."""
    subject = selector
    if answer.failed:
        return [unchecked(f"the DKIM key {key_name(selector, domain)}", answer, check="dkim")]
    texts = [t for t in answer.texts() if "p=" in t.replace(" ", "")] if answer.ok else []
    if not texts:
        return [finding("dkim.key-missing", subject=subject, found=answer.describe(), domain=domain)]
    record = texts[0]
    try:
        tags = parse_tags(record)
    except TagError as exc:
        return [finding("dkim.key-invalid", subject=subject, found=f"{record} ({exc})", domain=domain)]
    out: list[Finding] = []
    if tags.get("v", "DKIM1") != "DKIM1":
        return [
            finding("dkim.key-invalid", subject=subject, found=f"{record} (v= is not DKIM1)", domain=domain)
        ]
    p = "".join(tags.get("p", "").split())
    if not p:
        return [finding("dkim.key-revoked", subject=subject, found=record, domain=domain)]
    ktype = tags.get("k", "rsa").lower()
    try:
        der = base64.b64decode(p, validate=True)
    except (binascii.Error, ValueError):
        return [
            finding("dkim.key-invalid", subject=subject, found=f"{record} (p= is not base64)", domain=domain)
        ]
    if ktype == "rsa":
        try:
            bits = int(parse_public_key(der)["modulus"]).bit_length()
        except (UnparsableKeyError, Exception) as exc:
            return [finding("dkim.key-invalid", subject=subject, found=f"{record} ({exc})", domain=domain)]
        desc = f"RSA {bits} bits"
        if bits < int(_conf()["weak_bits"]):
            out.append(finding("dkim.key-weak", subject=subject, found=desc, domain=domain, bits=bits))
        elif bits < int(_conf()["short_bits"]):
            out.append(finding("dkim.key-short", subject=subject, found=desc, domain=domain, bits=bits))
    elif ktype == "ed25519":
        if len(der) != 32:
            return [
                finding(
                    "dkim.key-invalid",
                    subject=subject,
                    found=f"{record} (ed25519 key is not 32 bytes)",
                    domain=domain,
                )
            ]
        desc = "Ed25519"
    else:
        return [
            finding(
                "dkim.key-invalid",
                subject=subject,
                found=f"{record} (unknown key type k={ktype})",
                domain=domain,
            )
        ]
    flags = [f.strip() for f in tags.get("t", "").split(":")]
    if "y" in flags:
        out.append(finding("dkim.testing", subject=subject, found=record, domain=domain))
    if not any(f.severity.value == "error" for f in out):
        out.append(finding("dkim.key-ok", subject=subject, found=record, domain=domain, bits=desc))
    return out


async def check(ctx: Context) -> list[Finding]:
    """Keys of the given selectors, of the sample's signatures for this domain, or probed ones."""
    domain = ctx.domain
    selectors = list(dict.fromkeys(ctx.options.selectors))
    if ctx.sample is not None:
        for sig in ctx.sample.signatures:
            if sig.domain == domain and sig.selector and sig.selector not in selectors:
                selectors.append(sig.selector)
    probing = not selectors
    if probing:
        if not ctx.options.probe_selectors:
            return []
        selectors = list(_conf()["probe"])
        # RFC 8020: NXDOMAIN for _domainkey.<domain> means no name exists below it, so only the
        # few selectors of the biggest providers are still asked (in case a server gets RFC 8020
        # wrong), not every probed one.
        base = await ctx.q(f"_domainkey.{domain}", "TXT")
        if base.status.value == "nxdomain":
            selectors = list(_conf()["probe_always"])
    answers = await asyncio.gather(*(ctx.q(key_name(s, domain), "TXT") for s in selectors))
    out: list[Finding] = []
    found: list[str] = []
    for sel, answer in zip(selectors, answers, strict=True):
        if probing and not answer.ok:
            continue  # a probe that finds nothing (or fails) says nothing
        fs = key_findings(sel, domain, answer)
        if probing and any(f.code == "dkim.key-missing" for f in fs):
            continue
        found.append(sel)
        out.extend(fs)
    ctx.records["dkim_selectors"] = found
    failed = [a for a in answers if a.failed]
    if probing and not found and failed:
        return [unchecked(f"the DKIM selectors of {domain}", failed[0], check="dkim")]
    if probing and not found:
        out.append(
            finding(
                "dkim.no-selector",
                subject=domain,
                found="probed: " + ", ".join(selectors),
                domain=domain,
                count=len(selectors),
            )
        )
    return out


async def verify_sample(ctx: Context, sample: Sample) -> tuple[list[Finding], list[SigResult]]:
    """Verify every DKIM-Signature of the sample with keys fetched through our resolver."""
    if not sample.signatures:
        return [
            finding("dkim.unsigned", subject=sample.from_domain or "", domain=sample.from_domain or "?")
        ], []
    names = {key_name(s.selector, s.domain): s for s in sample.signatures if s.domain and s.selector}
    answers = dict(zip(names, await asyncio.gather(*(ctx.q(n, "TXT") for n in names)), strict=True))
    out: list[Finding] = []
    results: list[SigResult] = []
    for sig in sample.signatures:
        name = key_name(sig.selector, sig.domain)
        answer = answers.get(name)
        if sig.algorithm == "rsa-sha1":
            out.append(finding("dkim.sha1", subject=sig.domain, found=f"a={sig.algorithm}"))
        if answer is None:
            results.append(SigResult(sig.domain, sig.selector, False, "signature lacks d= or s="))
            out.append(
                finding(
                    "dkim.sig-fail",
                    subject=sig.domain or "?",
                    found="d= or s= missing",
                    detail="signature lacks d= or s=",
                )
            )
            continue
        if answer.failed:
            results.append(SigResult(sig.domain, sig.selector, None, answer.status.value))
            out.append(
                finding(
                    "dkim.not-checked",
                    subject=sig.domain,
                    found=answer.describe(),
                    checked=False,
                    detail=answer.status.value,
                )
            )
            continue
        passed, detail = _verify(sample.raw, sig.index, answer)
        results.append(SigResult(sig.domain, sig.selector, passed, detail))
        code = "dkim.sig-pass" if passed else "dkim.sig-fail"
        out.append(
            finding(
                code, subject=sig.domain, found=f"s={sig.selector} d={sig.domain}: {detail}", detail=detail
            )
        )
    return out, results


def _verify(raw: bytes, index: int, answer: DnsAnswer) -> tuple[bool, str]:
    texts = answer.texts() if answer.ok else []
    record = texts[0].encode() if texts else None

    def dnsfunc(_name: Any, timeout: float = 5) -> bytes | None:
        return record

    d = dkimpy.DKIM(raw, logger=_quiet_logger())
    try:
        ok = bool(d.verify(idx=index, dnsfunc=dnsfunc))
    except dkimpy.DKIMException as exc:
        return False, str(exc)
    except Exception as exc:  # dkimpy on hostile input
        return False, f"{type(exc).__name__}: {exc}"
    if ok:
        return True, f"verified ({d.keysize} bit key)" if getattr(d, "keysize", 0) else "verified"
    return False, "body hash or signature does not match" if record else "no key published"


@cache
def _quiet_logger() -> Any:
    import logging

    log = logging.getLogger("inboxtrace.checks.dkim.dkimpy")
    log.addHandler(logging.NullHandler())
    log.propagate = False
    return log
