"""Small pure pieces: tokens in messages, Authentication-Results, remote queue ids, SMTP transcripts."""

from __future__ import annotations

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from inboxtrace.diagnose.conclude import remote_queue_id
from inboxtrace.errors import InputError, UnreachableError
from inboxtrace.seeds.headers import copy_facts, parse_authentication_results
from inboxtrace.seeds.send import SmtpOptions, send_test
from inboxtrace.seeds.token import new_test, stamp
from tests.rigs import closed_port, free_port


def test_stamp_puts_the_token_first_and_replaces_an_old_one() -> None:
    t = new_test()
    out = stamp(
        b"X-Inboxtrace-Test: old\r\n  folded\r\nSubject: hi\r\n\r\nbody X-Inboxtrace-Test: keep\r\n", t
    )
    assert out.startswith(f"X-Inboxtrace-Test: {t.token}\r\n".encode())
    assert b"old" not in out and b"folded" not in out and b"body X-Inboxtrace-Test: keep" in out
    mbox = stamp(b"From sender@x.test Wed Nov 25 10:00:00 2026\nSubject: hi\n\nbody\n", t)
    assert mbox == f"X-Inboxtrace-Test: {t.token}\nSubject: hi\n\nbody\n".encode()
    lf = stamp(b"Subject: hi\n\nbody\n", t)
    assert lf == f"X-Inboxtrace-Test: {t.token}\nSubject: hi\n\nbody\n".encode()
    for junk in (b"", b"no headers at all", b"\x00\x01\x02\n\n\xff"):
        with pytest.raises(InputError):
            stamp(junk, t)


def test_tokens_are_unique_and_readable() -> None:
    tokens = {new_test().token for _ in range(500)}
    assert len(tokens) == 500
    assert all(tok.startswith("it") and tok.isalnum() and tok.islower() for tok in tokens)


def test_authentication_results_gmail_and_microsoft_shapes() -> None:
    gmail = (
        "mx.google.com;\r\n       dkim=pass header.i=@news.example.com header.s=s1 header.b=Ab1;\r\n"
        "       spf=softfail (google.com: domain of transitioning bounce@example.com does not designate "
        "192.0.2.1 as permitted sender) smtp.mailfrom=bounce@example.com;\r\n"
        '       dmarc=fail (p=QUARANTINE sp=QUARANTINE dis=QUARANTINE) header.from="example.com"'
    )
    r = {a.method: (a.result, a.domain) for a in parse_authentication_results(gmail)}
    assert r == {
        "dkim": ("pass", "news.example.com"),
        "spf": ("softfail", "example.com"),
        "dmarc": ("fail", "example.com"),
    }
    ms = "spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=example.com; dkim=none (message not signed) header.d=none;"
    # Microsoft omits the authserv-id sometimes: the first part is then a result, not an id
    assert parse_authentication_results("x; " + ms)[0].method == "spf"
    assert parse_authentication_results("garbage without structure") == ()


def test_only_the_receivers_topmost_header_counts() -> None:
    raw = (
        b"Authentication-Results: mx.receiver.test; spf=fail smtp.mailfrom=sender.test\r\n"
        b"Received: from a by b; Wed, 25 Nov 2026 10:00:00 +0000\r\n"
        b"Authentication-Results: mx.receiver.test; spf=pass smtp.mailfrom=forged.test\r\n"
        b"Message-ID: <m@x>\r\nDate: not a date\r\n\r\n"
    )
    facts = copy_facts(raw)
    assert [(a.method, a.result, a.domain) for a in facts.auth] == [("spf", "fail", "sender.test")]
    assert facts.message_id == "<m@x>" and facts.date is None and len(facts.received) == 1


@pytest.mark.parametrize(
    ("reply", "qid"),
    [
        ("250 2.0.0 Ok: queued as 4XyZ1k2Lmn", "4XyZ1k2Lmn"),
        ("250 OK id=1vK3xY-0004aB-Qr", "1vK3xY-0004aB-Qr"),
        (
            "250 2.0.0 OK  1764064800 d75a77b69052e-4ee4a1c2b3si123456cf.12 - gsmtp",
            "d75a77b69052e-4ee4a1c2b3si123456cf.12",
        ),
        (
            "250 2.6.0 <m@x> [InternalId=123456789012, Hostname=AM0PR01MB1234.eurprd01.prod.outlook.com] "
            "Queued mail for delivery",
            "123456789012",
        ),
        ("250 2.0.0 <a@b.test> p5lnDjobB2uCUwAAg+zDdQ Saved", "p5lnDjobB2uCUwAAg+zDdQ"),
        ("250 2.0.0 Ok", None),
        (None, None),
    ],
)
def test_remote_queue_ids(reply: str | None, qid: str | None) -> None:
    assert remote_queue_id(reply) == qid


class _Handler:
    async def handle_RCPT(
        self, server: object, session: object, envelope: object, address: str, options: object
    ) -> str:
        if address.startswith("no"):
            return f"550 5.1.1 <{address}>: User unknown"
        envelope.rcpt_tos.append(address)  # type: ignore[attr-defined]
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        return "250 2.0.0 Ok: queued as ABC123"


def _auth(server: object, session: object, envelope: object, mechanism: str, data: object) -> AuthResult:
    ok = isinstance(data, LoginPassword) and data.login == b"user" and data.password == b"sekrit-pw"
    return AuthResult(success=ok)


def test_send_transcript_redacts_auth_and_records_each_reply() -> None:
    port = free_port()
    ctl = Controller(_Handler(), hostname="127.0.0.1", port=port, authenticator=_auth, auth_require_tls=False,
                     server_hostname="sub.test")  # fmt: skip
    ctl.start()
    try:
        test = new_test()
        msg = b"From: s@sender.test\nSubject: x\n\nbody\n"
        opts = SmtpOptions("127.0.0.1", port, user="user", password="sekrit-pw")
        res = send_test(test, msg, ["ok@a.test", "no@a.test", "ok2@a.test"], opts)
        assert [r.accepted for r in res] == [True, False, True]
        assert res[0].queue_id == "ABC123" and res[0].code == 250
        assert res[1].code == 550 and "User unknown" in res[1].reply
        for r in res:
            assert "sekrit" not in r.transcript and "c2Vrcml0" not in r.transcript  # nor its base64
            assert "AUTH PLAIN <redacted>" in r.transcript or "AUTH LOGIN <redacted>" in r.transcript
            assert "235" in r.transcript
        assert "ok2@a.test" in res[2].transcript and "no@a.test" not in res[2].transcript
        assert (
            "C: <message," in res[0].transcript and "body" not in res[0].transcript
        )  # short message, not logged
    finally:
        ctl.stop()
    with pytest.raises(UnreachableError):
        send_test(
            new_test(),
            b"Subject: x\n\nb\n",
            ["a@b.test"],
            SmtpOptions("127.0.0.1", closed_port(), mail_from="s@x.test"),
        )


def test_trusted_authserv_ids_pick_the_receivers_header() -> None:
    from inboxtrace.seeds.config import parse_seeds

    raw = (
        b"Authentication-Results: forged.example; dkim=pass header.d=bank.test\r\n"
        b"Authentication-Results: MX.Google.com; dkim=fail header.d=bank.test; dmarc=fail header.from=bank.test\r\n"
        b"\r\n"
    )
    (seed,) = parse_seeds(
        {
            "seed": [
                {"address": "s@gmail.test", "host": "h", "password_env": "P", "authserv_id": "mx.google.com"}
            ]
        }
    )
    facts = copy_facts(raw, trusted_authserv=seed.authserv_ids)
    assert [(a.method, a.result) for a in facts.auth] == [("dkim", "fail"), ("dmarc", "fail")]
    assert [(a.method, a.result) for a in copy_facts(raw).auth] == [("dkim", "pass")]  # topmost otherwise
