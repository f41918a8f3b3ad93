"""DKIM keys (size, testing flag, revoked, unusable, missing), probing, and sample verification."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from inboxtrace.checks import CheckOptions, check_domain
from tests.checks.checkhelp import Key, codes, make_message, sign

pytestmark = pytest.mark.dns


def by_selector(result: object) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in result.findings:  # type: ignore[attr-defined]
        if f.check == "dkim":
            out.setdefault(f.subject, set()).add(f.code)
    return out


def test_key_findings(opts: Callable[..., CheckOptions]) -> None:
    sels = ("k512", "k1024", "k2048", "ktest", "krevoked", "kjunk", "nokey")
    result = check_domain("keys.test", opts(selectors=sels, blocklists=False))
    got = by_selector(result)
    assert got["k512"] == {"dkim.key-weak"}
    assert got["k1024"] == {"dkim.key-short", "dkim.key-ok"}
    assert got["k2048"] == {"dkim.key-ok"}
    assert got["ktest"] == {"dkim.testing", "dkim.key-ok"}
    assert got["krevoked"] == {"dkim.key-revoked"}
    assert got["kjunk"] == {"dkim.key-invalid"}
    assert got["nokey"] == {"dkim.key-missing"}
    (weak,) = result.by_code("dkim.key-weak")
    assert "512" in weak.title and weak.severity.value == "error"


def test_probing_finds_common_selector(opts: Callable[..., CheckOptions]) -> None:
    result = check_domain("keys.test", opts(blocklists=False))
    assert result.records["dkim_selectors"] == ["selector1"]
    assert "dkim.no-selector" not in codes(result)


def test_probing_reports_nothing_found(opts: Callable[..., CheckOptions]) -> None:
    result = check_domain("spf-none.test", opts(blocklists=False))
    (f,) = result.by_code("dkim.no-selector")
    assert f.found == "probed: google, selector1, selector2"  # _domainkey is NXDOMAIN (RFC 8020)
    # a domain with keys under other selectors: each common selector is asked
    other = check_domain("dmarc-none.test", opts(blocklists=False))
    assert "dkim.no-selector" in codes(other)


def test_sample_signature_verifies_and_selector_is_taken_from_it(
    opts: Callable[..., CheckOptions], keys: dict[int, Key]
) -> None:
    raw = sign(make_message(), keys[2048], "good.test", "k2048")
    result = check_domain("good.test", opts(message=raw, blocklists=False, probe_selectors=False))
    assert "dkim.sig-pass" in codes(result)
    assert "k2048" in {f.subject for f in result.by_code("dkim.key-ok")}


def test_tampered_sample_fails(opts: Callable[..., CheckOptions], keys: dict[int, Key]) -> None:
    raw = sign(make_message(), keys[2048], "good.test", "k2048").replace(b"Hello", b"Hallo")
    result = check_domain("good.test", opts(message=raw, blocklists=False))
    assert "dkim.sig-fail" in codes(result)
    assert "dkim.sig-pass" not in codes(result)


def test_signature_with_wrong_key_fails(opts: Callable[..., CheckOptions], keys: dict[int, Key]) -> None:
    raw = sign(make_message(), keys[1024], "good.test", "k2048")  # published key is the 2048 one
    result = check_domain("good.test", opts(message=raw, blocklists=False))
    assert "dkim.sig-fail" in codes(result)
