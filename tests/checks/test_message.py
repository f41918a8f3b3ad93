"""Sample messages (signed by dkimpy with the published keys): alignment and bulk-sender rules."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from inboxtrace.checks import CheckOptions, check_domain
from tests.checks.checkhelp import GOOD_IP, PROVIDER_IP, Key, codes, make_message, sign

pytestmark = pytest.mark.dns


def test_compliant_sample(opts: Callable[..., CheckOptions], keys: dict[int, Key]) -> None:
    raw = sign(make_message(), keys[2048], "good.test", "k2048")
    result = check_domain("good.test", opts(message=raw, ips=(GOOD_IP,), blocklists=False))
    found = codes(result)
    assert {"bulk.ok", "align.ok", "dkim.sig-pass", "spf.ip-pass"} <= found, found
    assert not any(c.startswith("bulk.") and c != "bulk.ok" for c in found), found
    (ok,) = result.by_code("align.ok")
    assert "strict and relaxed" in ok.found


def test_provider_signed_sample_is_not_aligned(
    opts: Callable[..., CheckOptions], keys: dict[int, Key]
) -> None:
    raw = sign(make_message(return_path="<b@provider.test>"), keys[2048], "provider.test", "pk")
    result = check_domain("good.test", opts(message=raw, ips=(PROVIDER_IP,), blocklists=False))
    found = codes(result)
    assert {"align.fail", "align.spf-unaligned", "align.dkim-unaligned", "bulk.alignment"} <= found, found
    assert "dkim.sig-pass" in found  # the signature is valid, just for the wrong domain
    assert "bulk.dkim" not in found and "bulk.spf" not in found
    # SPF was evaluated for the sample's MAIL FROM domain, provider.test
    titles = sorted(f.title for f in result.by_code("spf.ip-pass"))
    assert titles == [
        f"SPF of good.test passes for {PROVIDER_IP}",
        f"SPF of provider.test passes for {PROVIDER_IP}",
    ]
    assert result.records["spf_mail_from"]["provider.test"]["dns_lookups"] == 0


def test_relaxed_alignment_of_a_subdomain(opts: Callable[..., CheckOptions], keys: dict[int, Key]) -> None:
    raw = sign(make_message(from_="<news@mail.good.test>"), keys[2048], "good.test", "k2048")
    result = check_domain("good.test", opts(message=raw, ips=(GOOD_IP,), blocklists=False))
    (ok,) = result.by_code("align.ok")
    assert "relaxed only" in ok.found


def test_unsubscribe_rules(opts: Callable[..., CheckOptions], keys: dict[int, Key]) -> None:
    none = sign(make_message(unsubscribe=None, unsubscribe_post=None), keys[2048], "good.test", "k2048")
    assert "bulk.list-unsubscribe" in codes(check_domain("good.test", opts(message=none, ips=(GOOD_IP,))))
    mailto_only = sign(
        make_message(unsubscribe="<mailto:u@good.test>", unsubscribe_post=None),
        keys[2048],
        "good.test",
        "k2048",
    )
    r = check_domain("good.test", opts(message=mailto_only, ips=(GOOD_IP,), blocklists=False))
    (f,) = r.by_code("bulk.one-click")
    assert "https" in f.found and "List-Unsubscribe-Post" in f.found
    unsigned = sign(
        make_message(), keys[2048], "good.test", "k2048", headers=["from", "to", "subject", "date"]
    )
    r = check_domain("good.test", opts(message=unsigned, ips=(GOOD_IP,), blocklists=False))
    (f,) = r.by_code("bulk.unsubscribe-unsigned")
    assert "list-unsubscribe" in f.found


def test_message_format_rules(opts: Callable[..., CheckOptions], keys: dict[int, Key]) -> None:
    raw = sign(
        make_message(message_id=None, from_="a@good.test, b@good.test", extra="Subject: twice"),
        keys[2048],
        "good.test",
        "k2048",
    )
    found = codes(check_domain("good.test", opts(message=raw, ips=(GOOD_IP,), blocklists=False)))
    assert {"bulk.message-id", "bulk.from", "bulk.rfc5322"} <= found, found


def test_freemail_from(opts: Callable[..., CheckOptions], keys: dict[int, Key]) -> None:
    raw = sign(make_message(from_="Shop <shop.owner@gmail.com>"), keys[2048], "good.test", "k2048")
    result = check_domain("good.test", opts(message=raw, ips=(GOOD_IP,), blocklists=False))
    assert {"bulk.freemail-from", "align.fail"} <= codes(result)


def test_unsigned_sample_without_dmarc(opts: Callable[..., CheckOptions]) -> None:
    raw = make_message(from_="<x@spf-none.test>", return_path="<x@spf-none.test>")
    result = check_domain("spf-none.test", opts(message=raw, ips=(GOOD_IP,), blocklists=False))
    found = codes(result)
    assert {"dkim.unsigned", "bulk.dkim", "bulk.dmarc", "bulk.spf", "align.fail"} <= found, found


def test_ip_taken_from_received_header(opts: Callable[..., CheckOptions], keys: dict[int, Key]) -> None:
    extra = (
        "Received: from relay.inside (relay.inside [10.1.2.3]) by store.example.net with LMTP\r\n"
        "Received: from mail.good.test (mail.good.test [192.0.2.10]) by mx.example.net with ESMTPS id 1"
    )
    raw = sign(make_message(extra=extra), keys[2048], "good.test", "k2048")
    result = check_domain("good.test", opts(message=raw))
    assert "message.no-ip" not in codes(result)
    assert [f.subject for f in result.by_code("spf.ip-pass")] == [GOOD_IP]
    assert [f.subject for f in result.by_code("ptr.ok")] == [GOOD_IP]  # PTR of the sending address too
    assert GOOD_IP in {f.subject for f in result.by_code("dnsbl.clean")}
    assert "bulk.tls" not in codes(result)  # judged on the hop from outside (ESMTPS), not the LMTP one


def test_cleartext_arrival(opts: Callable[..., CheckOptions], keys: dict[int, Key]) -> None:
    extra = "Received: from mail.good.test (mail.good.test [192.0.2.10]) by mx.example.net with ESMTP id 1"
    raw = sign(make_message(extra=extra), keys[2048], "good.test", "k2048")
    assert "bulk.tls" in codes(check_domain("good.test", opts(message=raw, blocklists=False)))


def test_receiver_verdict_is_reported(opts: Callable[..., CheckOptions], keys: dict[int, Key]) -> None:
    extra = (
        "Authentication-Results: mx.example.net;\r\n dkim=pass header.i=@good.test header.s=k2048;\r\n"
        " spf=softfail (sender IP is 192.0.2.10) smtp.mailfrom=good.test;\r\n dmarc=pass (p=REJECT) header.from=good.test"
    )
    raw = sign(make_message(extra=extra), keys[2048], "good.test", "k2048")
    result = check_domain("good.test", opts(message=raw, ips=(GOOD_IP,), blocklists=False))
    (f,) = result.by_code("message.receiver-verdict")
    assert f.subject == "mx.example.net"
    assert f.found == "dkim=pass, spf=softfail, dmarc=pass"


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\xff\xfe binary junk \x00" * 100,
        b"From: <<<@@@>>>\r\nDKIM-Signature: v=1; a=rsa-sha256; ;;==; b=\r\n\r\nbody",
        b"Content-Type: multipart/mixed; boundary=zz\r\nFrom: a@good.test\r\n\r\n--zz\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!notbase64",
    ],
)
def test_broken_samples_give_findings_not_tracebacks(opts: Callable[..., CheckOptions], raw: bytes) -> None:
    result = check_domain("good.test", opts(message=raw, blocklists=False, probe_selectors=False))
    assert "dns.check-crashed" not in codes(result)
    assert any(f.check in ("bulk", "message", "dkim") for f in result.findings)
