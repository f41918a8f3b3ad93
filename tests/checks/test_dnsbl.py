"""Blocklists: a listing, a refusal code that must never count as a listing, domains and links."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from inboxtrace.checks import CheckOptions, check_domain
from inboxtrace.checks.dnsbl import default_lists
from tests.checks.checkhelp import GOOD_IP, LISTED_IP, REFUSED_IP, make_message

pytestmark = pytest.mark.dns


def test_listed_refused_and_clean(opts: Callable[..., CheckOptions]) -> None:
    result = check_domain("good.test", opts(ips=(LISTED_IP, REFUSED_IP, GOOD_IP), probe_selectors=False))
    listed = result.by_code("dnsbl.listed")
    assert [f.subject for f in listed] == [LISTED_IP]
    assert "listed for tests" in listed[0].why
    refused = result.by_code("dnsbl.refused")
    assert [f.subject for f in refused] == [REFUSED_IP]
    assert refused[0].severity.value == "warning" and refused[0].penalty == 0
    assert "127.255.255.254" in refused[0].found
    clean = {f.subject for f in result.by_code("dnsbl.clean")}
    assert GOOD_IP in clean and "good.test" in clean
    assert REFUSED_IP not in clean


def test_listed_domain_and_link_domain(opts: Callable[..., CheckOptions]) -> None:
    assert [f.subject for f in check_domain("spammy.test", opts()).by_code("dnsbl.listed")] == ["spammy.test"]
    result = check_domain("good.test", opts(message=make_message(), probe_selectors=False))
    assert [f.subject for f in result.by_code("dnsbl.listed")] == ["spammy.test"]


def test_listing_lowers_the_score(opts: Callable[..., CheckOptions]) -> None:
    clean = check_domain("good.test", opts(ips=(GOOD_IP,), probe_selectors=False))
    listed = check_domain("good.test", opts(ips=(GOOD_IP, LISTED_IP), probe_selectors=False))
    refused = check_domain("good.test", opts(ips=(GOOD_IP, REFUSED_IP), probe_selectors=False))
    assert listed.score < clean.score
    # a refusal is unknown, not bad: only the IP's own PTR/SPF problems lower the score
    assert refused.score == listed.score + 25


@pytest.mark.parametrize(
    ("zone", "answer", "status"),
    [
        ("zen.spamhaus.org", "127.0.0.2", "listed"),
        ("zen.spamhaus.org", "127.0.0.11", "listed"),
        ("zen.spamhaus.org", "127.255.255.254", "refused"),
        ("zen.spamhaus.org", "127.255.255.252", "refused"),
        ("zen.spamhaus.org", "127.0.0.99", "unknown"),
        ("dbl.spamhaus.org", "127.0.1.2", "listed"),
        ("dbl.spamhaus.org", "127.255.255.255", "refused"),
        ("multi.surbl.org", "127.0.0.72", "listed"),
        ("multi.surbl.org", "127.0.0.1", "refused"),
        ("multi.uribl.com", "127.0.0.1", "refused"),
        ("multi.uribl.com", "127.0.0.2", "listed"),
        ("multi.uribl.com", "10.0.0.1", "unknown"),
    ],
)
def test_bundled_return_codes(zone: str, answer: str, status: str) -> None:
    (bl,) = [b for b in default_lists() if b.zone == zone]
    assert bl.decode(answer)[0] == status


def test_surbl_bitmask_meanings() -> None:
    (bl,) = [b for b in default_lists() if b.zone == "multi.surbl.org"]
    assert bl.decode("127.0.0.72") == ("listed", "PH: phishing; ABUSE: spam and abuse")
