"""MX, PTR/FCrDNS, DNSSEC, MTA-STS (with a local policy server), TLS-RPT, BIMI, zone existence."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from inboxtrace.checks import CheckOptions, check_domain
from inboxtrace.checks.ptr import generic_reason
from tests.checks.checkhelp import GENERIC_IP, GOOD_IP, MISMATCH_IP, NO_PTR_IP, assert_findings, codes

pytestmark = pytest.mark.dns


@pytest.mark.parametrize(
    ("domain", "present", "absent"),
    [
        ("good.test", {"mx.ok", "zone.ok", "tlsrpt.ok", "bimi.ok"}, {"mx.none", "bimi.dmarc-not-enforced"}),
        ("nullmx.test", {"mx.null"}, {"mx.ok", "mx.none"}),
        ("nomx.test", {"mx.implicit"}, {"mx.ok"}),
        ("spf-none.test", {"mx.none", "tlsrpt.missing", "bimi.missing", "mta-sts.missing"}, {"mx.ok"}),
        ("mxbad.test", {"mx.unresolvable"}, {"mx.ok"}),
        ("dmarc-none.test", {"bimi.dmarc-not-enforced", "bimi.no-certificate"}, {"bimi.missing"}),
        ("signed.test", {"dnssec.ok", "mx.dane"}, {"dnssec.unsigned", "dnssec.no-ds", "dnssec.bogus"}),
        ("mxalias.test", {"mx.cname", "mx.ok"}, {"mx.unresolvable"}),
        ("mxnoptr.test", {"mx.ptr-missing", "mx.ok"}, {"mx.ptr-mismatch"}),
        ("dane-bad.test", {"mx.tlsa-unsigned"}, {"mx.dane", "mx.ptr-missing"}),
        ("unchained.test", {"dnssec.no-ds"}, {"dnssec.ok", "dnssec.unsigned"}),
        ("good.test", {"dnssec.unsigned"}, {"dnssec.ok"}),
    ],
)
def test_infra_findings(
    opts: Callable[..., CheckOptions], domain: str, present: set[str], absent: set[str]
) -> None:
    assert_findings(opts(blocklists=False, probe_selectors=False), domain, present, absent)


def test_nxdomain_scores_zero(opts: Callable[..., CheckOptions]) -> None:
    result = check_domain("does-not-exist.test", opts())
    assert codes(result) == {"zone.nxdomain"}
    assert result.score == 0


def test_ptr_and_fcrdns(opts: Callable[..., CheckOptions]) -> None:
    ips = (GOOD_IP, MISMATCH_IP, GENERIC_IP, NO_PTR_IP)
    result = check_domain("good.test", opts(ips=ips, blocklists=False, probe_selectors=False))
    by_ip = {f.subject: f.code for f in result.findings if f.check == "ptr"}
    assert by_ip == {
        GOOD_IP: "ptr.ok",
        MISMATCH_IP: "ptr.mismatch",
        GENERIC_IP: "ptr.generic",
        NO_PTR_IP: "ptr.missing",
    }
    (mismatch,) = result.by_code("ptr.mismatch")
    assert "192.0.2.200" in mismatch.found


def test_ipv6_fcrdns(opts: Callable[..., CheckOptions]) -> None:
    result = check_domain("good.test", opts(ips=("2001:db8::10", "2001:db8::11"), probe_selectors=False))
    by_ip = {f.subject: f.code for f in result.findings if f.check == "ptr"}
    assert by_ip == {"2001:db8::10": "ptr.ok", "2001:db8::11": "ptr.missing"}


@pytest.mark.parametrize(
    ("name", "ip", "generic"),
    [
        ("mail.example.com", "192.0.2.1", False),
        ("192-0-2-1.static.isp.example", "192.0.2.1", True),
        ("1.2.0.192.in-addr.dyn.example", "192.0.2.1", True),
        ("host-c0000201.example.net", "192.0.2.1", True),
        ("ec2-3-4-5-6.compute-1.amazonaws.com", "3.4.5.6", True),
        ("ppp42.pool.isp.example", "192.0.2.1", True),
        ("mx1.mailer.example", "192.0.2.1", False),
    ],
)
def test_generic_names(name: str, ip: str, generic: bool) -> None:
    assert (generic_reason(name, ip) is not None) is generic


def test_mta_sts_policy_fetched_from_test_server(opts: Callable[..., CheckOptions], policy_url: str) -> None:
    good = check_domain("good.test", opts(fetch_policies=True, mta_sts_url=policy_url, blocklists=False))
    assert "mta-sts.ok" in codes(good)
    assert "mta-sts.mx-not-covered" not in codes(good)
    assert good.records["mta_sts"]["policy"]["mode"] == "enforce"
    bad = check_domain(
        "mta-sts-bad.test", opts(fetch_policies=True, mta_sts_url=policy_url, blocklists=False)
    )
    assert [f.subject for f in bad.by_code("mta-sts.mx-not-covered")] == ["mx.elsewhere.test"]


def test_mta_sts_policy_unavailable(opts: Callable[..., CheckOptions], policy_url: str) -> None:
    # the policy server has nothing for nullmx.test: publish the TXT? not needed; use a dead port
    url = "http://127.0.0.1:9/{domain}/mta-sts.txt"
    result = check_domain("good.test", opts(fetch_policies=True, mta_sts_url=url, blocklists=False))
    assert "mta-sts.policy-unavailable" in codes(result)
