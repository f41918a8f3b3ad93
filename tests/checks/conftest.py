"""A real Knot DNS serving zones that trigger every finding of the sender check, and DKIM keys."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import dns.dnssec
import dns.name
import dns.rdatatype
import pytest

from inboxtrace.checks import CheckOptions
from tests.checks.checkhelp import DNSBL_FILE, Key, _key, build_zones
from tests.checks.fakedns import silent_udp_server
from tests.rigs.knot import KnotServer, start_knot


@pytest.fixture(scope="session")
def keys() -> dict[int, Key]:
    return {b: _key(b) for b in (512, 1024, 2048)}


@pytest.fixture(scope="session")
def knot(keys: dict[int, Key]) -> Iterator[KnotServer]:
    server = start_knot(build_zones(keys), signed={"signed.test", "unchained.test"}, broken={"servfail.test"})
    try:
        # chain signed.test to its parent (the root zone of the rig) with a DS record
        answer = server.query("signed.test", "DNSKEY")
        dnskeys = next(rr for rr in answer.answer if rr.rdtype == dns.rdatatype.DNSKEY)
        ksk = next(rd for rd in dnskeys if rd.flags & 0x0001)  # type: ignore[attr-defined]
        ds = dns.dnssec.make_ds(dns.name.from_text("signed.test."), ksk, "SHA256")
        server.set_zone(".", f"signed.test. 60 IN DS {ds.to_text()}\n")
        yield server
    finally:
        server.stop()


@pytest.fixture
def blackhole() -> Iterator[str]:
    """A resolver that never answers (down, or its packets filtered): every query to it times out."""
    with silent_udp_server() as address:
        yield address


@pytest.fixture(scope="session")
def dnsbl_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("dnsbl") / "lists.toml"
    path.write_text(DNSBL_FILE)
    return str(path)


class _PolicyHandler(BaseHTTPRequestHandler):
    policies: ClassVar[dict[str, str]] = {
        "good.test": "version: STSv1\nmode: enforce\nmx: mail.good.test\nmax_age: 86400\n",
        "mta-sts-bad.test": "version: STSv1\nmode: enforce\nmx: mx.good.test\nmax_age: 86400\n",
    }

    def do_GET(self) -> None:
        domain = self.path.strip("/").split("/")[0]
        body = self.policies.get(domain)
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def policy_url() -> Iterator[str]:
    """A local HTTP server standing in for https://mta-sts.<domain>/.well-known/mta-sts.txt."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PolicyHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/{{domain}}/.well-known/mta-sts.txt"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def opts(knot: KnotServer, dnsbl_file: str) -> Callable[..., CheckOptions]:
    """CheckOptions against the rig's Knot, the test blocklists, and no HTTPS unless asked."""

    def make(**kw: Any) -> CheckOptions:
        base: dict[str, Any] = {
            "nameservers": (knot.nameserver,),
            "dnsbl_file": dnsbl_file,
            "fetch_policies": False,
            "timeout": 2.0,
        }
        base.update(kw)
        return CheckOptions(**base)

    return make
