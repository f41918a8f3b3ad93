"""DMARC alignment of a sample message: its From domain against the SPF and DKIM domains."""

from __future__ import annotations

from dataclasses import dataclass

from inboxtrace.checks.dkim import SigResult
from inboxtrace.checks.findings import finding
from inboxtrace.checks.tags import org_domain
from inboxtrace.model.check import Finding


def aligned(a: str, b: str, mode: str) -> bool:
    """Strict (``s``): identical names; relaxed (``r``): same organizational domain."""
    a, b = a.rstrip(".").lower(), b.rstrip(".").lower()
    if mode == "s":
        return a == b
    return org_domain(a) == org_domain(b)


def _modes(a: str, b: str) -> str:
    if aligned(a, b, "s"):
        return "strict and relaxed"
    if aligned(a, b, "r"):
        return "relaxed only"
    return "not aligned"


@dataclass(frozen=True)
class Alignment:
    spf_pass: bool | None  # None: not evaluated
    spf_aligned: bool
    dkim_aligned: bool

    @property
    def dmarc_pass(self) -> bool:
        return self.spf_aligned or self.dkim_aligned

    @property
    def undetermined(self) -> bool:
        """DKIM does not align and SPF was not evaluated (no sending IP): DMARC may pass or fail."""
        return not self.dmarc_pass and self.spf_pass is None


def check(
    from_domain: str,
    mail_from_domain: str,
    spf_results: list[str],
    sigs: list[SigResult],
    tags: dict[str, str],
) -> tuple[Alignment, list[Finding]]:
    adkim = tags.get("adkim", "r").lower()
    aspf = tags.get("aspf", "r").lower()
    spf_pass = (all(r == "pass" for r in spf_results)) if spf_results else None
    spf_al = bool(spf_pass) and aligned(mail_from_domain, from_domain, aspf)
    good_sigs = [s for s in sigs if s.passed]
    dkim_al = [s for s in good_sigs if aligned(s.domain, from_domain, adkim)]
    result = Alignment(spf_pass, spf_al, bool(dkim_al))
    out: list[Finding] = []
    if result.dmarc_pass:
        parts = []
        if dkim_al:
            parts.append(
                f"DKIM d={dkim_al[0].domain} {_modes(dkim_al[0].domain, from_domain)}, adkim={adkim}"
            )
        if spf_al:
            parts.append(f"SPF {mail_from_domain} {_modes(mail_from_domain, from_domain)}, aspf={aspf}")
        out.append(finding("align.ok", subject=from_domain, found="; ".join(parts), detail="; ".join(parts)))
        return result, out
    if result.undetermined:
        detail = (
            "DKIM: "
            + (
                ", ".join(f"d={s.domain} {_modes(s.domain, from_domain)}" for s in good_sigs)
                or "no valid signature"
            )
            + f", adkim={adkim}; SPF for {mail_from_domain} ({_modes(mail_from_domain, from_domain)}, aspf={aspf}) "
            "not evaluated: no sending IP"
        )
        out.append(
            finding("align.undetermined", subject=from_domain, found=detail, detail=detail, checked=False)
        )
        return result, out
    spf_txt = "pass" if spf_pass else "not pass"
    detail = (
        f"SPF for {mail_from_domain}: {spf_txt} ({_modes(mail_from_domain, from_domain)}, aspf={aspf}); "
        f"DKIM: "
        + (
            ", ".join(f"d={s.domain} {_modes(s.domain, from_domain)}" for s in good_sigs)
            or "no valid signature"
        )
        + f", adkim={adkim}"
    )
    out.append(finding("align.fail", subject=from_domain, found=detail, detail=detail))
    if spf_pass and not spf_al:
        out.append(
            finding(
                "align.spf-unaligned", subject=from_domain, found=mail_from_domain, detail=mail_from_domain
            )
        )
    for s in good_sigs:
        out.append(
            finding("align.dkim-unaligned", subject=from_domain, found=f"d={s.domain}", detail=s.domain)
        )
    return result, out
