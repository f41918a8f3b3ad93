"""SPF findings on real zones: record count, syntax, lookup limits, risky terms, IP evaluation."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from inboxtrace.checks import CheckOptions, check_domain
from tests.checks.checkhelp import GOOD_IP, PROVIDER_IP, assert_findings, codes

pytestmark = pytest.mark.dns


@pytest.mark.parametrize(
    ("domain", "present", "absent"),
    [
        ("good.test", {"spf.ok"}, {"spf.missing", "spf.too-many-lookups", "spf.plus-all"}),
        ("spf-lookups.test", {"spf.too-many-lookups"}, {"spf.ok"}),
        ("spf-void.test", {"spf.too-many-void"}, {"spf.ok"}),
        ("spf-plusall.test", {"spf.plus-all"}, {"spf.ok"}),
        ("spf-neutral.test", {"spf.neutral-all"}, {"spf.plus-all"}),
        ("spf-ptr.test", {"spf.ptr"}, {"spf.missing"}),
        ("spf-multi.test", {"spf.multiple"}, {"spf.ok"}),
        ("spf-syntax.test", {"spf.syntax"}, {"spf.ok"}),
        ("spf-none.test", {"spf.missing"}, {"spf.ok"}),
        ("spf-badinclude.test", {"spf.include-missing"}, {"spf.ok"}),
        ("spf-loop.test", {"spf.loop"}, {"spf.ok"}),
        ("spf-redirect.test", {"spf.redirect-missing"}, {"spf.ok", "spf.no-all"}),
    ],
)
def test_spf_findings(
    opts: Callable[..., CheckOptions], domain: str, present: set[str], absent: set[str]
) -> None:
    assert_findings(opts(blocklists=False, probe_selectors=False), domain, present, absent)


def test_lookup_count_is_reported(opts: Callable[..., CheckOptions]) -> None:
    result = check_domain("spf-lookups.test", opts(blocklists=False, probe_selectors=False))
    assert result.records["spf"]["spf-lookups.test"]["dns_lookups"] == 11
    (f,) = result.by_code("spf.too-many-lookups")
    assert "11" in f.fix
    assert "include:l0.spf-lookups.test (1)" in f.found
    assert result.records["spf"]["spf-lookups.test"]["lookups_per_term"]["include:l7.spf-lookups.test"] == 1
    assert f.severity.value == "error"


def test_include_cost_counts_its_subtree(opts: Callable[..., CheckOptions]) -> None:
    result = check_domain("good.test", opts(blocklists=False, probe_selectors=False))
    per_term = result.records["spf"]["good.test"]["lookups_per_term"]
    assert per_term == {"include:_spf.provider.test": 1}
    nested = check_domain("spf-nested.test", opts(blocklists=False, probe_selectors=False))
    assert nested.records["spf"]["spf-nested.test"]["lookups_per_term"] == {
        "include:n1.spf-nested.test": 3,
        "a": 1,
        "redirect=n2.spf-nested.test": 1,
    }
    assert nested.records["spf"]["spf-nested.test"]["dns_lookups"] == 5
    assert "spf.no-all" not in codes(nested)  # the redirect target ends in -all


def test_void_lookups_are_named(opts: Callable[..., CheckOptions]) -> None:
    result = check_domain("spf-void.test", opts(blocklists=False, probe_selectors=False))
    (f,) = result.by_code("spf.too-many-void")
    assert "nx1.spf-void.test" in f.found and "nx3.spf-void.test" in f.found


def test_ip_evaluation_through_include(opts: Callable[..., CheckOptions]) -> None:
    result = check_domain(
        "good.test", opts(ips=(GOOD_IP, PROVIDER_IP, "203.0.113.5"), blocklists=False, probe_selectors=False)
    )
    by_ip = {f.subject: f.code for f in result.findings if f.code.startswith("spf.ip-")}
    assert by_ip == {GOOD_IP: "spf.ip-pass", PROVIDER_IP: "spf.ip-pass", "203.0.113.5": "spf.ip-fail"}


def test_neutral_and_softfail_evaluation(opts: Callable[..., CheckOptions]) -> None:
    result = check_domain(
        "spf-neutral.test", opts(ips=("203.0.113.5",), blocklists=False, probe_selectors=False)
    )
    assert "spf.ip-neutral" in codes(result)
