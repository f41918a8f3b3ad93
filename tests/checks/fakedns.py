"""DNS servers on loopback that misbehave on purpose: one that never answers, one that answers what
a test scripts (FORMERR to EDNS, NXDOMAIN to everything, truncated or mismatched replies)."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator

import dns.message


@contextlib.contextmanager
def silent_udp_server() -> Iterator[str]:
    """A bound UDP socket that never answers (a resolver down, or its packets filtered): every query
    to it times out. Yields its "127.0.0.1:port"."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield f"127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


@contextlib.contextmanager
def scripted_udp_server(answer: Callable[[dns.message.Message], list[bytes]]) -> Iterator[str]:
    """A UDP DNS server on loopback sending ``answer(query)`` (wire messages) back to each
    question; yields its "127.0.0.1:port" and stops when the block ends."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                data, addr = sock.recvfrom(4096)
            except (TimeoutError, OSError):
                continue
            for wire in answer(dns.message.from_wire(data)):
                sock.sendto(wire, addr)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{sock.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(2)
        sock.close()
