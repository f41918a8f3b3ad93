"""A DNS failure is "could not check", never "missing"; one failing check never aborts the rest."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from inboxtrace.checks import CheckOptions, check_domain
from tests.checks.checkhelp import codes

pytestmark = pytest.mark.dns

MISSING = {"spf.missing", "dmarc.missing", "mx.none", "dkim.no-selector", "zone.nxdomain", "ptr.missing"}


def test_servfail_is_unchecked(opts: Callable[..., CheckOptions]) -> None:
    result = check_domain("servfail.test", opts(ips=("192.0.2.10",)))
    found = codes(result)
    assert not (MISSING & found), found
    unchecked = result.by_code("dns.unchecked")
    assert unchecked and all(not f.checked and "servfail" in f.found for f in unchecked)
    assert {"spf", "dmarc", "mx", "zone"} <= {f.check for f in unchecked}  # attributed to what they blocked
    assert not result.complete
    assert {f.title for f in unchecked} >= {
        "Could not check the SPF record of servfail.test",
        "Could not check the DMARC record of servfail.test",
    }


def test_timeout_is_unchecked_not_missing(opts: Callable[..., CheckOptions], blackhole: str) -> None:
    result = check_domain(
        "good.test", opts(nameservers=(blackhole,), timeout=0.3, tries=1, ips=("192.0.2.10",))
    )
    found = codes(result)
    assert not (MISSING & found), found
    # a silent resolver is not the domain's fault: one finding says DNS itself does not work
    assert found == {"dns.resolver-failed"}
    assert not result.complete
    assert result.score is None  # nothing could be checked: no number pretends otherwise
    assert all(not f.checked for f in result.findings)


def test_check_crash_becomes_a_finding(opts: Callable[..., CheckOptions], tmp_path: object) -> None:
    from pathlib import Path

    bad = Path(str(tmp_path)) / "lists.toml"
    bad.write_text("[[list]]\nname = 'no zone'\n")
    result = check_domain("good.test", opts(dnsbl_file=str(bad), probe_selectors=False))
    crashed = result.by_code("dns.check-crashed")
    assert len(crashed) == 1 and "zone" in crashed[0].found
    assert crashed[0].check == "dnsbl"
    assert "spf.ok" in codes(result) and "dmarc.ok" in codes(result)


def test_many_domains_bounded_and_complete(opts: Callable[..., CheckOptions]) -> None:
    from inboxtrace.checks import check_many
    from inboxtrace.errors import InputError

    names = ["good.test", "spf-none.test", "bad name", "nullmx.test", "servfail.test"]
    seen: list[str] = []
    results = dict(
        check_many(names, opts(concurrency=1, probe_selectors=False), on_result=lambda t, _r: seen.append(t))
    )
    assert seen == names  # one at a time: input order
    assert isinstance(results["bad name"], InputError)
    assert {k for k, v in results.items() if not isinstance(v, InputError)} == set(names) - {"bad name"}
    many = dict(check_many(names * 4, opts(concurrency=50, probe_selectors=False)))
    assert set(many) == set(names)
