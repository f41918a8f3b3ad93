"""An asynchronous DNS client that tells the outcomes apart.

A sender check must never call a record "missing" when the resolver only failed to answer, so
every query ends in one :class:`DnsStatus`: ``ok``, ``nxdomain``, ``nodata`` (the name exists,
no record of the type), ``servfail``, ``refused``, ``timeout`` or ``error``. Answers are cached
per :class:`Resolver` and identical concurrent queries share one request.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset

from inboxtrace.checks import wire
from inboxtrace.errors import ConfigError


class DnsStatus(StrEnum):
    OK = "ok"
    NXDOMAIN = "nxdomain"
    NODATA = "nodata"
    SERVFAIL = "servfail"
    REFUSED = "refused"
    TIMEOUT = "timeout"
    ERROR = "error"


MAX_CACHE = 200_000
_FAILED = {DnsStatus.SERVFAIL, DnsStatus.REFUSED, DnsStatus.TIMEOUT, DnsStatus.ERROR}


@dataclass(frozen=True, slots=True)
class DnsAnswer:
    """The outcome of one query: status, the records of the asked type, their signatures."""

    name: str
    rdtype: str
    status: DnsStatus
    records: tuple[Any, ...] = ()  # dnspython rdata, or wire.Record (same attribute names)
    rrset: dns.rrset.RRset | None = None
    rrsig: dns.rrset.RRset | None = None
    error: str = ""
    cname_chain: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.status is DnsStatus.OK

    @property
    def void(self) -> bool:
        """NXDOMAIN or no data: the name answers that there is nothing (RFC 7208 "void")."""
        return self.status in (DnsStatus.NXDOMAIN, DnsStatus.NODATA)

    @property
    def failed(self) -> bool:
        """The resolver could not say: the question stays open ("could not check")."""
        return self.status in _FAILED

    def texts(self) -> list[str]:
        """TXT records, each with its strings joined, decoded leniently."""
        out: list[str] = []
        for rd in self.records:
            strings = getattr(rd, "strings", None)
            if strings is not None:
                out.append(b"".join(strings).decode("utf-8", "replace"))
        return out

    def has_address(self) -> bool:
        return self.ok and bool(self.records)

    def addresses(self) -> list[str]:
        return [str(getattr(rd, "address", "")) for rd in self.records if hasattr(rd, "address")]

    def describe(self) -> str:
        """One line for a finding's "found" field."""
        if self.ok:
            return f"{self.name} {self.rdtype}: " + ", ".join(rd.to_text() for rd in self.records)
        detail = f" ({self.error})" if self.error else ""
        return f"{self.name} {self.rdtype}: {self.status.value}{detail}"


def parse_nameserver(spec: str) -> tuple[str, int]:
    """``127.0.0.1``, ``127.0.0.1:5353``, ``::1``, ``[::1]:5353`` → (host, port)."""
    spec = spec.strip()
    if not spec:
        raise ConfigError("empty nameserver")
    host, port = spec, 53
    if spec.startswith("["):
        end = spec.find("]")
        if end < 0:
            raise ConfigError(f"bad nameserver {spec!r}")
        host = spec[1:end]
        rest = spec[end + 1 :]
        if rest.startswith(":"):
            port = _port(rest[1:], spec)
    elif spec.count(":") == 1:
        host, p = spec.split(":")
        port = _port(p, spec)
    try:
        ipaddress.ip_address(host)
    except ValueError as exc:
        raise ConfigError(f"nameserver must be an IP address (optionally :port), got {spec!r}") from exc
    return host, port


def _port(text: str, spec: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ConfigError(f"bad port in nameserver {spec!r}")
    return int(text)


def system_nameservers() -> list[tuple[str, int]]:
    """The resolvers from /etc/resolv.conf (used only when none is given)."""
    import dns.resolver

    try:
        res = dns.resolver.Resolver(configure=True)
    except dns.exception.DNSException as exc:
        raise ConfigError(f"no nameserver configured and /etc/resolv.conf unusable: {exc}") from exc
    return [(str(ns), 53) for ns in res.nameservers]


class Resolver:
    """Asynchronous, caching DNS client over the given nameservers (tried in order on failure)."""

    def __init__(
        self,
        nameservers: Sequence[str] | None = None,
        *,
        timeout: float = 3.0,
        tries: int = 2,
    ) -> None:
        self.servers = [parse_nameserver(n) for n in nameservers] if nameservers else system_nameservers()
        self.timeout = timeout
        self.tries = max(1, tries)
        self._cache: dict[tuple[str, str, bool], asyncio.Future[DnsAnswer]] = {}
        self._channels: dict[tuple[str, int], wire.Channel] = {}
        self.queries = 0

    async def __aenter__(self) -> Resolver:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the UDP sockets (call before the event loop ends)."""
        for chan in self._channels.values():
            chan.close()
        self._channels.clear()

    async def resolve_host(self, name: str) -> tuple[DnsAnswer, DnsAnswer | None]:
        """(A answer, AAAA answer or None): AAAA is only asked when A gives no address."""
        a = await self.query(name, "A")
        if a.ok:
            return a, None
        return a, await self.query(name, "AAAA")

    def _channel(self, host: str, port: int) -> wire.Channel:
        chan = self._channels.get((host, port))
        if chan is None:
            chan = self._channels[(host, port)] = wire.Channel(host, port)
        return chan

    async def query(self, name: str, rdtype: str, *, dnssec: bool = False) -> DnsAnswer:
        name = name.rstrip(".").lower() + "."
        key = (name, rdtype, dnssec)
        fut = self._cache.get(key)
        if fut is None:
            if len(self._cache) >= MAX_CACHE:  # long --from-file runs: forget finished answers
                self._cache = {k: f for k, f in self._cache.items() if not f.done()}
            fut = asyncio.get_running_loop().create_future()
            self._cache[key] = fut
            try:
                answer = await self._query(name, rdtype, dnssec)
            except Exception as exc:  # never let one query break a check
                answer = DnsAnswer(name, rdtype, DnsStatus.ERROR, error=str(exc) or type(exc).__name__)
            fut.set_result(answer)
            return answer
        return await asyncio.shield(fut)

    async def _query(self, name: str, rdtype: str, dnssec: bool, depth: int = 0) -> DnsAnswer:
        last = DnsAnswer(name, rdtype, DnsStatus.TIMEOUT, error="no answer")
        lean = not dnssec and rdtype in wire.TYPES
        try:
            qname = None if lean else dns.name.from_text(name)
        except (dns.exception.DNSException, wire.WireError, UnicodeError) as exc:
            return DnsAnswer(name, rdtype, DnsStatus.ERROR, error=f"invalid name: {exc}")
        for _ in range(self.tries):
            for host, port in self.servers:
                if lean:
                    self.queries += 1
                    try:
                        resp = await self._channel(host, port).query(name, rdtype, self.timeout)
                    except TimeoutError:
                        last = DnsAnswer(
                            name, rdtype, DnsStatus.TIMEOUT, error=f"no answer from {host}:{port}"
                        )
                        continue
                    except wire.Truncated:
                        pass  # ask again below through dnspython (TCP)
                    except (OSError, wire.WireError) as exc:
                        last = DnsAnswer(name, rdtype, DnsStatus.ERROR, error=f"{host}:{port}: {exc}")
                        continue
                    else:
                        # FORMERR: an old server refusing EDNS; asked again plainly below
                        if resp.rcode != 1:
                            answer = interpret_wire(resp, name, rdtype)
                            if answer.status in (DnsStatus.SERVFAIL, DnsStatus.REFUSED):
                                last = answer
                                continue
                            return await self._followed(answer, name, rdtype, dnssec, depth)
                from dns import asyncquery  # the full client: DNSSEC questions, TCP after truncation

                if qname is None:
                    qname = dns.name.from_text(name)
                msg = dns.message.make_query(qname, rdtype, want_dnssec=dnssec)
                msg.flags |= dns.flags.RD
                self.queries += 1
                try:
                    full = await asyncquery.udp(msg, host, port=port, timeout=self.timeout)
                    if full.flags & dns.flags.TC:
                        full = await asyncquery.tcp(msg, host, port=port, timeout=self.timeout)
                except dns.exception.Timeout:
                    last = DnsAnswer(name, rdtype, DnsStatus.TIMEOUT, error=f"no answer from {host}:{port}")
                    continue
                except (OSError, dns.exception.DNSException) as exc:
                    last = DnsAnswer(name, rdtype, DnsStatus.ERROR, error=f"{host}:{port}: {exc}")
                    continue
                answer = interpret(full, qname, rdtype)
                if answer.status in (DnsStatus.SERVFAIL, DnsStatus.REFUSED):
                    last = answer
                    continue
                return await self._followed(answer, name, rdtype, dnssec, depth)
        return last

    async def _followed(
        self, answer: DnsAnswer, name: str, rdtype: str, dnssec: bool, depth: int
    ) -> DnsAnswer:
        """``answer``; or, when it is only a CNAME chain whose target lives elsewhere (NODATA), the
        target's answer asked separately, under ``name`` and with the whole chain."""
        if answer.status is not DnsStatus.NODATA or not answer.cname_chain or depth >= 8:
            return answer
        target = await self._query(answer.cname_chain[-1], rdtype, dnssec, depth + 1)
        return DnsAnswer(
            name,
            rdtype,
            target.status,
            target.records,
            target.rrset,
            target.rrsig,
            target.error,
            answer.cname_chain + target.cname_chain,
        )


def interpret(resp: dns.message.Message, qname: dns.name.Name, rdtype: str) -> DnsAnswer:
    """Turn a response into a :class:`DnsAnswer`, following CNAMEs inside the answer section."""
    name = qname.to_text()
    rcode = resp.rcode()
    if rcode == dns.rcode.NXDOMAIN:
        return DnsAnswer(name, rdtype, DnsStatus.NXDOMAIN)
    if rcode == dns.rcode.SERVFAIL:
        return DnsAnswer(name, rdtype, DnsStatus.SERVFAIL, error="SERVFAIL")
    if rcode == dns.rcode.REFUSED:
        return DnsAnswer(name, rdtype, DnsStatus.REFUSED, error="REFUSED")
    if rcode != dns.rcode.NOERROR:
        return DnsAnswer(name, rdtype, DnsStatus.ERROR, error=dns.rcode.to_text(rcode))
    want = dns.rdatatype.from_text(rdtype)
    current = qname
    chain: list[str] = []
    for _ in range(16):
        found = None
        cname = None
        sig = None
        for rrset in resp.answer:
            if rrset.name != current:
                continue
            if rrset.rdtype == want:
                found = rrset
            elif rrset.rdtype == dns.rdatatype.CNAME and want != dns.rdatatype.CNAME:
                cname = rrset
            elif rrset.rdtype == dns.rdatatype.RRSIG and rrset.covers == want:
                sig = rrset
        if found is not None:
            return DnsAnswer(
                name, rdtype, DnsStatus.OK, tuple(found), rrset=found, rrsig=sig, cname_chain=tuple(chain)
            )
        if cname is None:
            break
        current = next(iter(cname)).target
        chain.append(current.to_text())
    return DnsAnswer(name, rdtype, DnsStatus.NODATA, cname_chain=tuple(chain))


_RCODES = {3: DnsStatus.NXDOMAIN, 2: DnsStatus.SERVFAIL, 5: DnsStatus.REFUSED}


def interpret_wire(resp: wire.Response, name: str, rdtype: str) -> DnsAnswer:
    """Like :func:`interpret`, for the lean client's responses."""
    if resp.rcode != 0:
        status = _RCODES.get(resp.rcode, DnsStatus.ERROR)
        err = "" if status is DnsStatus.NXDOMAIN else dns.rcode.to_text(dns.rcode.Rcode.make(resp.rcode))
        return DnsAnswer(name, rdtype, status, error=err)
    current = name
    chain: list[str] = []
    for _ in range(16):
        found = tuple(rec for n, t, rec in resp.answers if n == current and t == rdtype)
        if found:
            return DnsAnswer(name, rdtype, DnsStatus.OK, found, cname_chain=tuple(chain))
        cname = next((rec for n, t, rec in resp.answers if n == current and t == "CNAME"), None)
        if cname is None or cname.target is None:
            break
        current = cname.target.lower()
        chain.append(current)
    return DnsAnswer(name, rdtype, DnsStatus.NODATA, cname_chain=tuple(chain))


def reverse_name(ip: str) -> str:
    """``192.0.2.1`` → ``1.2.0.192.in-addr.arpa.`` (nibbles under ip6.arpa for IPv6)."""
    return ipaddress.ip_address(ip).reverse_pointer + "."
