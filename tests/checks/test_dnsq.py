"""The DNS client tells NXDOMAIN, no data, SERVFAIL and timeout apart (real Knot, real sockets)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import dns.message
import dns.rcode
import dns.rrset
import pytest

from inboxtrace.checks.dnsq import DnsStatus, Resolver, parse_nameserver
from inboxtrace.errors import ConfigError
from tests.checks.fakedns import scripted_udp_server
from tests.rigs.knot import KnotServer

pytestmark = pytest.mark.dns


def ask(ns: str, name: str, rdtype: str, timeout: float = 2.0) -> DnsStatus:
    async def go() -> DnsStatus:
        async with Resolver([ns], timeout=timeout, tries=1) as res:
            return (await res.query(name, rdtype)).status

    return asyncio.run(go())


def test_statuses_are_told_apart(knot: KnotServer) -> None:
    ns = knot.nameserver
    assert ask(ns, "good.test", "TXT") is DnsStatus.OK
    assert ask(ns, "good.test", "AAAA") is DnsStatus.NODATA
    assert ask(ns, "nothing.good.test", "TXT") is DnsStatus.NXDOMAIN
    assert ask(ns, "outside.example", "A") is DnsStatus.NXDOMAIN  # the rig's catch-all root
    assert ask(ns, "servfail.test", "TXT") is DnsStatus.SERVFAIL


def test_timeout_is_not_nxdomain(blackhole: str) -> None:
    assert ask(blackhole, "good.test", "TXT", timeout=0.2) is DnsStatus.TIMEOUT


def test_second_nameserver_used_when_first_is_silent(blackhole: str, knot: KnotServer) -> None:
    async def go() -> DnsStatus:
        async with Resolver([blackhole, knot.nameserver], timeout=0.2, tries=1) as res:
            return (await res.query("good.test", "TXT")).status

    assert asyncio.run(go()) is DnsStatus.OK


def test_answers_are_cached_and_shared(knot: KnotServer) -> None:
    async def go() -> int:
        async with Resolver([knot.nameserver]) as res:
            answers = await asyncio.gather(*(res.query("good.test", "MX") for _ in range(20)))
            assert all(a.ok for a in answers)
            return res.queries

    assert asyncio.run(go()) == 1


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("127.0.0.1", ("127.0.0.1", 53)),
        ("127.0.0.1:5353", ("127.0.0.1", 5353)),
        ("::1", ("::1", 53)),
        ("[::1]:5353", ("::1", 5353)),
    ],
)
def test_parse_nameserver(spec: str, expected: tuple[str, int]) -> None:
    assert parse_nameserver(spec) == expected


@pytest.mark.parametrize("spec", ["", "dns.google", "127.0.0.1:0", "127.0.0.1:99999", "[::1", "1.2.3.4:x"])
def test_parse_nameserver_rejects(spec: str) -> None:
    with pytest.raises(ConfigError):
        parse_nameserver(spec)


@pytest.fixture
def edns_intolerant() -> Iterator[str]:
    """An old-style server: FORMERR to any question carrying EDNS, a TXT answer otherwise."""

    def answer(query: dns.message.Message) -> list[bytes]:
        reply = dns.message.make_response(query)
        if query.edns >= 0:
            reply.set_rcode(dns.rcode.FORMERR)
        else:
            reply.answer.append(dns.rrset.from_text(query.question[0].name, 60, "IN", "TXT", '"v=spf1 -all"'))
        return [reply.to_wire()]

    with scripted_udp_server(answer) as server:
        yield server


def test_formerr_to_edns_is_asked_again_without_it(edns_intolerant: str) -> None:
    async def go() -> list[str]:
        async with Resolver([edns_intolerant], timeout=1.0, tries=1) as res:
            answer = await res.query("old.example", "TXT")
        assert answer.ok, answer
        return answer.texts()

    assert asyncio.run(go()) == ["v=spf1 -all"]


@pytest.fixture
def spoofing_server() -> Iterator[str]:
    """Answers every question twice: first for another name (same id), then correctly —
    except for names starting with "only-wrong", which only get the wrong answer."""

    def answer(query: dns.message.Message) -> list[bytes]:
        qname = query.question[0].name
        wrong = dns.message.make_query("elsewhere.example", "TXT")
        wrong.id = query.id
        fake = dns.message.make_response(wrong)
        fake.answer.append(dns.rrset.from_text("elsewhere.example.", 60, "IN", "TXT", '"forged"'))
        if qname.to_text().startswith("only-wrong"):
            return [fake.to_wire()]
        reply = dns.message.make_response(query)
        reply.answer.append(dns.rrset.from_text(qname, 60, "IN", "TXT", '"genuine"'))
        return [fake.to_wire(), reply.to_wire()]

    with scripted_udp_server(answer) as server:
        yield server


def test_answers_for_another_question_are_ignored(spoofing_server: str) -> None:
    async def go() -> tuple[list[str], DnsStatus, str]:
        async with Resolver([spoofing_server], timeout=0.6, tries=1) as res:
            good = await res.query("real.example", "TXT")
            bad = await res.query("only-wrong.example", "TXT")
        return good.texts(), bad.status, bad.error

    texts, status, error = asyncio.run(go())
    assert texts == ["genuine"]
    assert status is DnsStatus.ERROR and "another question" in error


@pytest.mark.parametrize("dnssec", [False, True])  # the lean wire client, and dnspython's
def test_a_cname_into_another_zone_is_followed(knot: KnotServer, dnssec: bool) -> None:
    async def go() -> tuple[DnsStatus, tuple[str, ...], int]:
        async with Resolver([knot.nameserver], timeout=2.0, tries=1) as res:
            answer = await res.query("alias.mxalias.test", "A", dnssec=dnssec)
            return answer.status, answer.cname_chain, len(answer.records)

    status, chain, records = asyncio.run(go())
    assert status is DnsStatus.OK and records >= 1
    assert [c.rstrip(".") for c in chain] == ["mail.good.test"]
