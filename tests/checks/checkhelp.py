"""Zones, keys and sample messages of the sender-check tests (shared by tests and the benchmark)."""

from __future__ import annotations

import base64
import subprocess
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from inboxtrace.checks import CheckOptions, check_domain
from inboxtrace.model.check import CheckResult


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
    z["spf-nested.test"] = (
        f"@ TXT {txt('v=spf1 include:n1.spf-nested.test a redirect=n2.spf-nested.test')}\n@ A 192.0.2.30\n"
        f"n1 TXT {txt('v=spf1 include:n2.spf-nested.test mx:spf-nested.test -all')}\n"
        f"n2 TXT {txt('v=spf1 ip4:192.0.2.0/24 -all')}\n@ MX 10 mx\nmx A 192.0.2.31\n"
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
    z["spf-loop.test"] = (
        f"@ TXT {txt('v=spf1 include:b.spf-loop.test -all')}\nb TXT {txt('v=spf1 include:spf-loop.test -all')}\n"
    )
    z["spf-redirect.test"] = f"@ TXT {txt('v=spf1 redirect=gone.spf-redirect.test')}\n"
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
rare._domainkey TXT {txt("v=DKIM1; p=" + k[2048])}
default._bimi TXT {txt("v=BIMI1; l=https://dmarc-none.test/logo.svg")}
"""
    z["dmarc-ext.test"] = (
        f"_dmarc TXT {txt('v=DMARC1; p=quarantine; rua=mailto:r@reports.test,mailto:x@noauth.test')}\n"
    )
    z["reports.test"] = f"dmarc-ext.test._report._dmarc TXT {txt('v=DMARC1')}\n"
    z["noauth.test"] = "@ MX 10 mx\nmx A 127.0.0.1\n"
    z["dmarc-bad.test"] = f"_dmarc TXT {txt('v=DMARC1; p=maybe')}\n"
    z["dmarc-baduri.test"] = f"_dmarc TXT {txt('v=DMARC1; p=reject; rua=reports@dmarc-baduri.test')}\n"
    z["dmarc-pct.test"] = (
        f"_dmarc TXT {txt('v=DMARC1; p=reject; pct=50; sp=none; rua=mailto:a@dmarc-pct.test')}\n"
    )
    z["nullmx.test"] = f"@ MX 0 .\n@ TXT {txt('v=spf1 -all')}\n"
    z["mxalias.test"] = "@ MX 10 alias\nalias CNAME mail.good.test.\n"
    z["mxnoptr.test"] = "@ MX 10 mail\nmail A 192.0.2.13\n"
    z["dane-bad.test"] = f"@ MX 10 mail\nmail A 192.0.2.10\n_25._tcp.mail TLSA 3 1 1 {'ab' * 32}\n"
    z["signed.test"] = (
        f"@ TXT {txt('v=spf1 -all')}\n@ MX 10 mail\nmail A 192.0.2.10\n_25._tcp.mail TLSA 3 1 1 {'cd' * 32}\n"
    )
    z["nomx.test"] = "@ A 192.0.2.50\n"
    z["mxbad.test"] = "@ MX 10 gone\n"
    z["mta-sts-bad.test"] = f"""
@ MX 10 mx.elsewhere.test.
_mta-sts TXT {txt("v=STSv1; id=1")}
"""
    z["elsewhere.test"] = "mx A 192.0.2.77\n"
    z["unchained.test"] = f"@ TXT {txt('v=spf1 -all')}\n"
    z["2.0.192.in-addr.arpa"] = """
10 PTR mail.good.test.
11 PTR mismatch.good.test.
12 PTR 12-2-0-192.dyn.isp.test.
"""
    z["8.b.d.0.1.0.0.2.ip6.arpa"] = "0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0 PTR mail6.good.test.\n"
    z["good.test"] += "mail6 AAAA 2001:db8::10\n"
    z["isp.test"] = "12-2-0-192.dyn A 192.0.2.12\n"
    z["good.test"] += "mismatch A 192.0.2.200\n"
    z["bl.test"] = """
99.2.0.192 A 127.0.0.2
98.2.0.192 A 127.255.255.254
"""
    z["dbl.test"] = "spammy.test A 127.0.1.2\n"
    z["big.test"] = '@ TXT "placeholder"\n'  # replaced by the tests
    z["evil.test"] = '@ TXT "placeholder"\n'  # replaced by the tests
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


def codes(result: CheckResult) -> set[str]:
    return {f.code for f in result.findings}


def assert_findings(options: CheckOptions, domain: str, present: set[str], absent: set[str]) -> None:
    """Check ``domain`` with ``options``: it has every finding of ``present`` and none of ``absent``."""
    found = codes(check_domain(domain, options))
    assert present <= found, found
    assert not (absent & found), found


def sign(message: bytes, key: Key, domain: str, selector: str, headers: list[str] | None = None) -> bytes:
    """Prepend a DKIM-Signature made by dkimpy with ``key``."""
    import dkim

    hdrs = headers or [
        "from",
        "to",
        "subject",
        "date",
        "message-id",
        "list-unsubscribe",
        "list-unsubscribe-post",
    ]
    sig = dkim.sign(
        message,
        selector.encode(),
        domain.encode(),
        key.private_pem,
        include_headers=[h.encode() for h in hdrs],
    )
    return bytes(sig) + message


def make_message(
    *,
    from_: str = "News <news@good.test>",
    return_path: str | None = "<bounce@good.test>",
    unsubscribe: str | None = "<https://good.test/u/123>, <mailto:u@good.test?subject=unsub>",
    unsubscribe_post: str | None = "List-Unsubscribe=One-Click",
    message_id: str | None = "<20240101.abc@good.test>",
    extra: str = "",
    body: str = "Hello, see https://good.test/offer and http://spammy.test/x\r\n",
) -> bytes:
    lines = []
    if return_path is not None:
        lines.append(f"Return-Path: {return_path}")
    lines += [
        f"From: {from_}",
        "To: someone@example.net",
        "Subject: Our news",
        "Date: Mon, 01 Jan 2024 10:00:00 +0000",
    ]
    if message_id is not None:
        lines.append(f"Message-ID: {message_id}")
    if unsubscribe is not None:
        lines.append(f"List-Unsubscribe: {unsubscribe}")
    if unsubscribe_post is not None:
        lines.append(f"List-Unsubscribe-Post: {unsubscribe_post}")
    lines += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8"]
    if extra:
        lines.append(extra)
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()
