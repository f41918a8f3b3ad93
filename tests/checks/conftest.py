"""A real Knot DNS serving zones that trigger every finding of the sender check, and DKIM keys."""

from __future__ import annotations

import base64
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import dns.dnssec
import dns.name
import dns.rdatatype
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rigs.knot import KnotServer, start_knot


@dataclass(frozen=True)
class Key:
    bits: int
    private_pem: bytes
    public_b64: str


def _key(bits: int) -> Key:
    if bits < 1024:  # cryptography refuses to make weak keys; openssl still can
        pem = subprocess.run(["openssl", "genrsa", str(bits)], check=True, capture_output=True).stdout
        priv = serialization.load_pem_private_key(pem, password=None)
    else:
        priv = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    pem_pkcs1 = priv.private_bytes(  # type: ignore[union-attr]
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    der = priv.public_key().public_bytes(  # type: ignore[union-attr]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return Key(bits, pem_pkcs1, base64.b64encode(der).decode())


def txt(value: str) -> str:
    """A TXT rdata, split into 255-byte strings."""
    chunks = [value[i : i + 250] for i in range(0, len(value), 250)] or [""]
    return " ".join('"' + c.replace('"', '\\"') + '"' for c in chunks)


@pytest.fixture(scope="session")
def keys() -> dict[int, Key]:
    return {b: _key(b) for b in (512, 1024, 2048)}


LISTED_IP = "192.0.2.99"
REFUSED_IP = "192.0.2.98"
GOOD_IP = "192.0.2.10"
MISMATCH_IP = "192.0.2.11"
GENERIC_IP = "192.0.2.12"
NO_PTR_IP = "192.0.2.13"
PROVIDER_IP = "198.51.100.7"


def build_zones(keys: dict[int, Key]) -> dict[str, str]:
    k = {b: keys[b].public_b64 for b in keys}
    z: dict[str, str] = {}
    z["good.test"] = f"""
@ TXT {txt("v=spf1 ip4:192.0.2.10 include:_spf.provider.test -all")}
@ MX 10 mail
mail A 192.0.2.10
_dmarc TXT {txt("v=DMARC1; p=reject; rua=mailto:dmarc@good.test")}
k2048._domainkey TXT {txt("v=DKIM1; k=rsa; p=" + k[2048])}
_mta-sts TXT {txt("v=STSv1; id=20240101")}
_smtp._tls TXT {txt("v=TLSRPTv1; rua=mailto:tls@good.test")}
default._bimi TXT {txt("v=BIMI1; l=https://good.test/logo.svg; a=https://good.test/vmc.pem")}
"""
    z["provider.test"] = f"""
_spf TXT {txt("v=spf1 ip4:198.51.100.0/24 -all")}
@ TXT {txt("v=spf1 ip4:198.51.100.0/24 -all")}
@ MX 10 mx
mx A 198.51.100.1
_dmarc TXT {txt("v=DMARC1; p=none; rua=mailto:d@provider.test")}
pk._domainkey TXT {txt("v=DKIM1; p=" + k[2048])}
"""
    includes = " ".join(f"include:l{i}.spf-lookups.test" for i in range(11))
    z["spf-lookups.test"] = f"@ TXT {txt('v=spf1 ' + includes + ' -all')}\n" + "".join(
        f"l{i} TXT {txt('v=spf1 -all')}\n" for i in range(11)
    )
    z["spf-void.test"] = (
        f"@ TXT {txt('v=spf1 a:nx1.spf-void.test a:nx2.spf-void.test mx:nx3.spf-void.test -all')}\n"
    )
    z["spf-plusall.test"] = f"@ TXT {txt('v=spf1 +all')}\n"
    z["spf-neutral.test"] = f"@ TXT {txt('v=spf1 ip4:192.0.2.10 ?all')}\n"
    z["spf-ptr.test"] = f"@ TXT {txt('v=spf1 ptr mx -all')}\n@ MX 10 mail\nmail A 192.0.2.10\n"
    z["spf-multi.test"] = f"@ TXT {txt('v=spf1 -all')}\n@ TXT {txt('v=spf1 ip4:192.0.2.1 -all')}\n"
    z["spf-syntax.test"] = f"@ TXT {txt('v=spf1 ip4:192.0.2.300 -all')}\n"
    z["spf-none.test"] = f"@ TXT {txt('google-site-verification=abc')}\n"
    z["spf-badinclude.test"] = f"@ TXT {txt('v=spf1 include:nothing.provider.test -all')}\n"
    z["keys.test"] = f"""
k512._domainkey TXT {txt("v=DKIM1; k=rsa; p=" + k[512])}
k1024._domainkey TXT {txt("v=DKIM1; k=rsa; p=" + k[1024])}
k2048._domainkey TXT {txt("v=DKIM1; k=rsa; p=" + k[2048])}
ktest._domainkey TXT {txt("v=DKIM1; k=rsa; t=y; p=" + k[2048])}
krevoked._domainkey TXT {txt("v=DKIM1; k=rsa; p=")}
kjunk._domainkey TXT {txt("v=DKIM1; k=rsa; p=bm90IGEga2V5")}
selector1._domainkey TXT {txt("v=DKIM1; k=rsa; p=" + k[2048])}
"""
    z["dmarc-none.test"] = f"""
_dmarc TXT {txt("v=DMARC1; p=none")}
default._bimi TXT {txt("v=BIMI1; l=https://dmarc-none.test/logo.svg")}
"""
    z["dmarc-ext.test"] = (
        f"_dmarc TXT {txt('v=DMARC1; p=quarantine; rua=mailto:r@reports.test,mailto:x@noauth.test')}\n"
    )
    z["reports.test"] = f"dmarc-ext.test._report._dmarc TXT {txt('v=DMARC1')}\n"
    z["noauth.test"] = "@ MX 10 mx\nmx A 127.0.0.1\n"
    z["dmarc-bad.test"] = f"_dmarc TXT {txt('v=DMARC1; p=maybe')}\n"
    z["dmarc-pct.test"] = (
        f"_dmarc TXT {txt('v=DMARC1; p=reject; pct=50; sp=none; rua=mailto:a@dmarc-pct.test')}\n"
    )
    z["nullmx.test"] = f"@ MX 0 .\n@ TXT {txt('v=spf1 -all')}\n"
    z["nomx.test"] = "@ A 192.0.2.50\n"
    z["mxbad.test"] = "@ MX 10 gone\n"
    z["mta-sts-bad.test"] = f"""
@ MX 10 mx.elsewhere.test.
_mta-sts TXT {txt("v=STSv1; id=1")}
"""
    z["elsewhere.test"] = "mx A 192.0.2.77\n"
    z["signed.test"] = f"@ TXT {txt('v=spf1 -all')}\n"
    z["unchained.test"] = f"@ TXT {txt('v=spf1 -all')}\n"
    z["2.0.192.in-addr.arpa"] = """
10 PTR mail.good.test.
11 PTR mismatch.good.test.
12 PTR 12-2-0-192.dyn.isp.test.
"""
    z["isp.test"] = "12-2-0-192.dyn A 192.0.2.12\n"
    z["good.test"] += "mismatch A 192.0.2.200\n"
    z["bl.test"] = """
99.2.0.192 A 127.0.0.2
98.2.0.192 A 127.255.255.254
"""
    z["dbl.test"] = "spammy.test A 127.0.1.2\n"
    z["spammy.test"] = f"@ TXT {txt('v=spf1 -all')}\n"
    return z


DNSBL_FILE = """
[[list]]
name = "Test BL"
zone = "bl.test"
kind = "ip"
info = "https://bl.test/remove"
[list.codes]
"127.0.0.2" = "listed for tests"
[list.errors]
"127.255.255.254" = "query through a public resolver refused"

[[list]]
name = "Test DBL"
zone = "dbl.test"
kind = "domain"
info = "https://dbl.test/"
[list.codes]
"127.0.1.2" = "spam domain"
"""


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
        import shutil

        shutil.rmtree(server.workdir, ignore_errors=True)


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
