"""A lean DNS-over-UDP client for the record types the sender check reads.

dnspython builds a full object model for every message, which costs about a millisecond per
query; checking thousands of domains asks tens of thousands of questions. This module packs the
question by hand, sends it on one long-lived UDP socket per name server (answers matched by
message id and question), and decodes only what the checks use (A, AAAA, TXT, MX, NS, PTR,
CNAME, SOA). DNSSEC questions and truncated answers still go through dnspython (see dnsq).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import random
import re
import socket
import struct
from dataclasses import dataclass
from typing import Any

TYPES = {
    "A": 1,
    "NS": 2,
    "CNAME": 5,
    "SOA": 6,
    "PTR": 12,
    "MX": 15,
    "TXT": 16,
    "AAAA": 28,
    "DS": 43,
    "DNSKEY": 48,
    "TLSA": 52,
}
_NAMES = {v: k for k, v in TYPES.items()}
_HEADER = struct.Struct("!HHHHHH")
_RR = struct.Struct("!HHIH")
_OPT = b"\x00" + struct.pack("!HHIH", 41, 1232, 0, 0)  # EDNS0, 1232-byte UDP payload
MAX_POINTERS = 64
FIRST_RESEND = 0.4  # seconds before the first retransmission; doubled after each one


class WireError(ValueError):
    """The answer is not a well-formed DNS message."""


class Truncated(Exception):
    """The answer has the TC bit: ask again over TCP."""


class Name(str):
    """A domain name in text form with a trailing dot, with dnspython's ``to_text``."""

    __slots__ = ()

    def to_text(self, omit_final_dot: bool = False) -> str:
        return self[:-1] if omit_final_dot and self.endswith(".") and len(self) > 1 else str(self)


@dataclass(frozen=True, slots=True)
class Record:
    """One decoded resource record; the attribute names follow dnspython's rdata classes."""

    rdtype: str
    text: str
    address: str | None = None
    strings: tuple[bytes, ...] | None = None
    preference: int | None = None
    exchange: Name | None = None
    target: Name | None = None

    def to_text(self) -> str:
        return self.text


def encode_name(name: str) -> bytes:
    out = bytearray()
    for label in name.rstrip(".").split("."):
        if not label:
            if name.strip(".") == "":
                break
            raise WireError(f"empty label in {name!r}")
        raw = label.encode("ascii")
        if len(raw) > 63:
            raise WireError(f"label longer than 63 bytes in {name!r}")
        out.append(len(raw))
        out += raw
    out.append(0)
    if len(out) > 255:
        raise WireError(f"name longer than 255 bytes: {name!r}")
    return bytes(out)


def build_query(qid: int, name: str, rdtype: str) -> tuple[bytes, bytes]:
    """(message, question section) for a recursive query with EDNS0."""
    question = encode_name(name) + struct.pack("!HH", TYPES[rdtype], 1)
    return _HEADER.pack(qid, 0x0100, 1, 0, 0, 1) + question + _OPT, question


def _read_name(buf: bytes, off: int) -> tuple[Name, int]:
    labels: list[str] = []
    end = -1
    hops = 0
    while True:
        if off >= len(buf):
            raise WireError("name runs past the end of the message")
        length = buf[off]
        if length == 0:
            off += 1
            break
        if length & 0xC0 == 0xC0:
            if off + 1 >= len(buf):
                raise WireError("truncated compression pointer")
            if end < 0:
                end = off + 2
            off = ((length & 0x3F) << 8) | buf[off + 1]
            hops += 1
            if hops > MAX_POINTERS:
                raise WireError("compression pointer loop")
            continue
        if length & 0xC0:
            raise WireError("unknown label type")
        label = buf[off + 1 : off + 1 + length]
        if len(label) != length:
            raise WireError("label runs past the end of the message")
        labels.append(_label_text(label))
        off += 1 + length
    return Name(".".join(labels) + "."), end if end >= 0 else off


_PLAIN_LABEL = re.compile(rb"[!-\-/-\[\]-~]*")  # printable, no "." (0x2E) and no "\\" (0x5C)
_PLAIN_TXT = re.compile(rb"[ !#-\[\]-~]*")  # printable, no '"' (0x22) and no "\\" (0x5C)


def _label_text(label: bytes) -> str:
    if _PLAIN_LABEL.fullmatch(label):
        return label.decode("ascii")
    return "".join(chr(b) if 33 <= b < 127 and b not in (0x2E, 0x5C) else f"\\{b:03d}" for b in label)


def _txt_text(strings: tuple[bytes, ...]) -> str:
    parts = []
    for s in strings:
        if _PLAIN_TXT.fullmatch(s):
            parts.append(f'"{s.decode("ascii")}"')
            continue
        body = "".join(
            chr(b)
            if 32 <= b < 127 and b not in (0x22, 0x5C)
            else ("\\" + chr(b) if b in (0x22, 0x5C) else f"\\{b:03d}")
            for b in s
        )
        parts.append(f'"{body}"')
    return " ".join(parts)


def _decode(rdtype: int, buf: bytes, off: int, rdlen: int) -> Record | None:
    end = off + rdlen
    rdata = buf[off:end]
    kind = _NAMES.get(rdtype)
    if kind == "A" and rdlen == 4:
        addr = socket.inet_ntop(socket.AF_INET, rdata)
        return Record("A", addr, address=addr)
    if kind == "AAAA" and rdlen == 16:
        addr = socket.inet_ntop(socket.AF_INET6, rdata)
        return Record("AAAA", addr, address=addr)
    if kind == "TXT":
        strings = []
        i = 0
        while i < rdlen:
            n = rdata[i]
            if i + 1 + n > rdlen:
                raise WireError("TXT string runs past its record")
            strings.append(rdata[i + 1 : i + 1 + n])
            i += 1 + n
        st = tuple(strings)
        return Record("TXT", _txt_text(st), strings=st)
    if kind == "MX" and rdlen >= 3:
        pref = struct.unpack_from("!H", buf, off)[0]
        exch, _ = _read_name(buf, off + 2)
        return Record("MX", f"{pref} {exch}", preference=pref, exchange=exch)
    if kind in ("NS", "PTR", "CNAME"):
        target, _ = _read_name(buf, off)
        return Record(kind, str(target), target=target)
    if kind == "SOA":
        mname, o = _read_name(buf, off)
        rname, o = _read_name(buf, o)
        if o + 20 > end:
            raise WireError("short SOA record")
        nums = struct.unpack_from("!IIIII", buf, o)
        return Record("SOA", f"{mname} {rname} " + " ".join(str(n) for n in nums))
    if kind in ("DS", "DNSKEY", "TLSA"):  # presence only; DNSSEC validation re-asks through dnspython
        return Record(kind, f"\\# {rdlen} {rdata.hex()}")
    return None


@dataclass(frozen=True, slots=True)
class Response:
    rcode: int
    answers: tuple[tuple[Name, str, Record], ...]


def parse_response(buf: bytes, qid: int, question: bytes) -> Response:
    if len(buf) < 12:
        raise WireError("message shorter than a header")
    rid, flags, qd, an, _ns, _ar = _HEADER.unpack_from(buf, 0)
    if rid != qid or not flags & 0x8000:
        raise WireError("not the answer to this query")
    if flags & 0x0200:
        raise Truncated
    rcode = flags & 0x000F
    off = 12
    if qd:
        if buf[off : off + len(question)].lower() != question.lower():
            raise WireError("answer is for another question")
        off += len(question)
        for _ in range(qd - 1):
            _n, off = _read_name(buf, off)
            off += 4
    answers = []
    for _ in range(an):
        name, off = _read_name(buf, off)
        if off + 10 > len(buf):
            raise WireError("truncated resource record")
        rtype, _rclass, _ttl, rdlen = _RR.unpack_from(buf, off)
        off += 10
        if off + rdlen > len(buf):
            raise WireError("record data runs past the end of the message")
        rec = _decode(rtype, buf, off, rdlen)
        if rec is not None:
            answers.append((Name(name.lower()), rec.rdtype, rec))
        off += rdlen
    return Response(rcode, tuple(answers))


_ids = random.Random(int.from_bytes(os.urandom(16), "big"))  # seeded from the OS, fast to draw


def _rand(n: int) -> int:
    return _ids.getrandbits(16) % n


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.pending: dict[int, asyncio.Future[bytes]] = {}
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: Any) -> None:
        if len(data) < 2:
            return
        fut = self.pending.get(int.from_bytes(data[:2], "big"))
        if fut is not None and not fut.done():
            fut.set_result(data)

    def error_received(self, exc: Exception) -> None:
        for fut in self.pending.values():
            if not fut.done():
                fut.set_exception(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        for fut in self.pending.values():
            if not fut.done():
                fut.set_exception(exc or ConnectionError("socket closed"))


class Channel:
    """One UDP socket to one server; concurrent questions told apart by id and question."""

    def __init__(self, host: str, port: int, max_in_flight: int = 128) -> None:
        self.host, self.port = host, port
        self._proto: _Protocol | None = None
        self._opening: asyncio.Lock | None = None
        self._max = max_in_flight
        self._in_flight = 0
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()

    async def _open(self) -> _Protocol:
        if self._proto is not None and self._proto.transport is not None:
            return self._proto
        if self._opening is None:
            self._opening = asyncio.Lock()
        async with self._opening:
            if self._proto is None:
                loop = asyncio.get_running_loop()
                _t, proto = await loop.create_datagram_endpoint(_Protocol, remote_addr=(self.host, self.port))
                sock = _t.get_extra_info("socket")
                if sock is not None:
                    with contextlib.suppress(OSError):
                        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
                self._proto = proto
        assert self._proto is not None
        return self._proto

    async def query(self, name: str, rdtype: str, timeout: float) -> Response:
        """Ask one question. At most ``max_in_flight`` are outstanding: a burst must not overflow
        the socket buffers and turn into false timeouts."""
        loop = asyncio.get_running_loop()
        if self._in_flight >= self._max:
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.append(waiter)
            try:
                await waiter  # the slot is handed over by the query that finishes
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():
                    self._release()  # we were given the slot: pass it on
                raise
        else:
            self._in_flight += 1
        try:
            return await self._query(loop, name, rdtype, timeout)
        finally:
            self._release()

    def _release(self) -> None:
        while self._waiters:
            nxt = self._waiters.popleft()
            if not nxt.done():
                nxt.set_result(None)
                return
        self._in_flight -= 1

    async def _query(
        self, loop: asyncio.AbstractEventLoop, name: str, rdtype: str, timeout: float
    ) -> Response:
        proto = (
            self._proto
            if self._proto is not None and self._proto.transport is not None
            else await self._open()
        )
        qid = _rand(65536)
        while qid in proto.pending:
            qid = _rand(65536)
        message, question = build_query(qid, name, rdtype)
        deadline = loop.time() + timeout
        fut: asyncio.Future[bytes] = loop.create_future()
        proto.pending[qid] = fut
        transport = proto.transport
        if transport is None:
            raise ConnectionError("socket closed")
        interval = FIRST_RESEND
        handle: asyncio.TimerHandle | None = None

        def tick() -> None:
            # a lost datagram costs one resend interval, not the whole timeout
            nonlocal interval, handle
            current = proto.pending.get(qid)
            if current is None or current.done():
                return
            now = loop.time()
            if now >= deadline:
                current.set_exception(TimeoutError())
                return
            transport.sendto(message)
            interval *= 2
            handle = loop.call_at(min(now + interval, deadline), tick)

        handle = loop.call_at(min(loop.time() + interval, deadline), tick)
        bad: WireError | None = None
        try:
            transport.sendto(message)
            while True:
                try:
                    data = await fut
                except TimeoutError:
                    if bad is not None:  # only unusable answers came: say why, not "timeout"
                        raise bad from None
                    raise
                try:
                    return parse_response(data, qid, question)
                except WireError as exc:
                    # a late duplicate for an earlier query with the same id, a spoofing
                    # attempt or a broken answer: keep listening until the deadline
                    bad = exc
                    fut = loop.create_future()
                    proto.pending[qid] = fut
        finally:
            if handle is not None:
                handle.cancel()
            proto.pending.pop(qid, None)

    def close(self) -> None:
        if self._proto is not None and self._proto.transport is not None:
            self._proto.transport.close()
        self._proto = None
