"""Bulk-sender rules of Gmail and Yahoo (February 2024) and Microsoft Outlook.com (May 2025)."""

from __future__ import annotations

import re
from functools import cache

from inboxtrace.checks.align import Alignment
from inboxtrace.checks.dkim import SigResult
from inboxtrace.checks.findings import finding, load_data
from inboxtrace.checks.sample import Sample
from inboxtrace.model.check import Finding

_SINGLE = (
    "date",
    "from",
    "sender",
    "reply-to",
    "to",
    "cc",
    "subject",
    "message-id",
    "in-reply-to",
    "references",
)
_HTTPS_URI = re.compile(r"<\s*https://[^>\s]+>", re.IGNORECASE)
_CLEARTEXT = {"SMTP", "ESMTP", "ESMTPA"}  # RFC 3848: the S variants (ESMTPS, ESMTPSA) mean TLS
_ONE_CLICK = re.compile(r"^\s*List-Unsubscribe\s*=\s*One-Click\s*$", re.IGNORECASE)


def check(
    sample: Sample,
    alignment: Alignment,
    sigs: list[SigResult],
    spf_detail: str,
    dmarc_found: bool | None,
) -> list[Finding]:
    out: list[Finding] = []
    domain = sample.from_domain or "?"
    if alignment.spf_pass is False:
        out.append(finding("bulk.spf", subject=domain, found=spf_detail, detail=spf_detail))
    good = [s for s in sigs if s.passed]
    if not good:
        detail = "; ".join(f"d={s.domain}: {s.detail}" for s in sigs) or "unsigned"
        out.append(finding("bulk.dkim", subject=domain, found=detail, detail=detail))
    if not alignment.dmarc_pass and not alignment.undetermined:
        out.append(finding("bulk.alignment", subject=domain, found=f"From domain {domain}"))
        if domain in _freemail():
            out.append(
                finding("bulk.freemail-from", subject=domain, found=f"From: {sample.from_addresses[0]}")
            )
    if dmarc_found is False:
        out.append(finding("bulk.dmarc", subject=domain, found=f"_dmarc.{domain}: none"))
    lu, lup = sample.list_unsubscribe, sample.list_unsubscribe_post
    if lu is None:
        out.append(finding("bulk.list-unsubscribe", subject=domain, found="no List-Unsubscribe header"))
    else:
        missing = []
        if not _HTTPS_URI.search(lu):
            missing.append(f"no https URI in List-Unsubscribe: {lu}")
        if lup is None:
            missing.append("no List-Unsubscribe-Post header")
        elif not _ONE_CLICK.match(lup):
            missing.append(f"List-Unsubscribe-Post is {lup!r}, not 'List-Unsubscribe=One-Click'")
        if missing:
            detail = "; ".join(missing)
            out.append(finding("bulk.one-click", subject=domain, found=detail, detail=detail))
        signed = {h for s in good for h in _sig_headers(sample, s)}
        need = [
            h
            for h in ("list-unsubscribe", "list-unsubscribe-post")
            if h not in signed and (h != "list-unsubscribe-post" or lup is not None)
        ]
        if good and need:
            detail = ", ".join(need)
            out.append(finding("bulk.unsubscribe-unsigned", subject=domain, found=detail, detail=detail))
    if sample.received_protocol in _CLEARTEXT:
        detail = f"with {sample.received_protocol}"
        out.append(finding("bulk.tls", subject=domain, found=detail, detail=detail))
    if not sample.message_id_valid:
        detail = " | ".join(sample.message_ids) or "no Message-ID header"
        out.append(finding("bulk.message-id", subject=domain, found=detail, detail=detail, domain=domain))
    if sample.from_header_count != 1 or len(sample.from_addresses) != 1:
        detail = f"{sample.from_header_count} From header(s), {len(sample.from_addresses)} address(es)"
        out.append(finding("bulk.from", subject=domain, found=detail, detail=detail))
    problems = [
        f"{h} appears {sample.header_counts[h]} times" for h in _SINGLE if sample.header_counts.get(h, 0) > 1
    ]
    if not sample.header_counts.get("date"):
        problems.append("no Date header")
    problems.extend(sample.problems)
    if problems:
        detail = "; ".join(problems)
        out.append(finding("bulk.rfc5322", subject=domain, found=detail, detail=detail))
    if not out:
        out.append(finding("bulk.ok", subject=domain))
    return out


@cache
def _freemail() -> frozenset[str]:
    return frozenset(str(d).lower() for d in load_data("freemail.toml")["domains"])


def _sig_headers(sample: Sample, sig: SigResult) -> tuple[str, ...]:
    for s in sample.signatures:
        if s.domain == sig.domain and s.selector == sig.selector:
            return s.headers
    return ()
