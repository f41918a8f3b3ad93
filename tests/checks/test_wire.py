"""The lean DNS client decodes what dnspython decodes, and hostile datagrams only raise WireError."""

from __future__ import annotations

import asyncio
import contextlib

import dns.message
import dns.query
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inboxtrace.checks import wire
from inboxtrace.checks.dnsq import Resolver
from tests.rigs.knot import KnotServer

pytestmark = pytest.mark.dns


@pytest.mark.parametrize(
    ("name", "rdtype"),
    [
        ("good.test", "TXT"),
        ("good.test", "MX"),
        ("good.test", "NS"),
        ("good.test", "SOA"),
        ("mail.good.test", "A"),
        ("10.2.0.192.in-addr.arpa", "PTR"),
        ("k2048._domainkey.keys.test", "TXT"),
        ("nullmx.test", "MX"),
    ],
)
def test_lean_client_agrees_with_dnspython(knot: KnotServer, name: str, rdtype: str) -> None:
    reference = dns.query.udp(dns.message.make_query(name, rdtype), knot.host, port=knot.port, timeout=2)
    (rrset,) = [r for r in reference.answer if r.rdtype == dns.rdatatype.from_text(rdtype)]
    expected = sorted(rd.to_text() for rd in rrset)

    async def lean() -> list[str]:
        async with Resolver([knot.nameserver]) as res:
            answer = await res.query(name, rdtype)
        assert answer.ok
        return sorted(rec.to_text() for rec in answer.records)

    assert asyncio.run(lean()) == expected


def test_truncated_answer_falls_back_to_tcp(knot: KnotServer) -> None:
    big = " ".join(f'"{"x" * 200}{i}"' for i in range(12))  # > 1232 bytes: TC over UDP
    knot.set_zone("big.test", f"@ TXT {big}\n")

    async def go() -> list[str]:
        async with Resolver([knot.nameserver]) as res:
            answer = await res.query("big.test", "TXT")
        assert answer.ok, answer
        return answer.texts()

    (text,) = asyncio.run(go())
    assert len(text) > 2400


QUESTION = wire.build_query(0x1234, "good.test", "TXT")[1]


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=600))
def test_junk_datagrams_raise_wire_error_only(data: bytes) -> None:
    for buf in (data, b"\x12\x34\x81\x80\x00\x01" + data, b"\x12\x34\x81\x80\x00\x00\x00\x03" + data):
        with contextlib.suppress(wire.WireError, wire.Truncated):
            wire.parse_response(buf, 0x1234, QUESTION)


def test_compression_loop_is_rejected() -> None:
    header = b"\x12\x34\x81\x80\x00\x00\x00\x01\x00\x00\x00\x00"
    rr = b"\xc0\x0c" + b"\x00\x10\x00\x01\x00\x00\x00\x3c\x00\x01\x00"  # name points at itself
    with pytest.raises(wire.WireError):
        wire.parse_response(header + rr, 0x1234, QUESTION)


@pytest.mark.parametrize("name", ["a" * 64 + ".test", "a..test", ("abc." * 70) + "test"])
def test_bad_names_are_refused(name: str) -> None:
    with pytest.raises(wire.WireError):
        wire.encode_name(name)
