"""Parsing replies out of their wrappers: codes, enhanced status, text, phase, remote host."""

from __future__ import annotations

import pytest

from inboxtrace.codes import find_reply, parse_reply, phase_of, remote_queue_id
from inboxtrace.errors import InboxtraceError, NotAReplyError
from inboxtrace.model import Phase


def test_postfix_wrapper_gives_host_ip_phase_and_clean_text() -> None:
    reply = parse_reply(
        "host mx.example.org[192.0.2.25] said: 550 5.1.1 <bob@example.org>: Recipient address rejected: "
        "User unknown in virtual mailbox table (in reply to RCPT TO command)"
    )
    assert reply.code == 550
    assert reply.enhanced_status == "5.1.1"
    assert (
        reply.text == "<bob@example.org>: Recipient address rejected: User unknown in virtual mailbox table"
    )
    assert reply.phase is Phase.RCPT
    assert reply.remote_host == "mx.example.org"
    assert reply.remote_ip == "192.0.2.25"


def test_multiline_reply_on_separate_lines() -> None:
    reply = parse_reply(
        "550-5.7.1 [192.0.2.1      12] Our system has detected that this message is\n"
        "550-5.7.1 likely unsolicited mail. To reduce the amount of spam sent to Gmail,\n"
        "550 5.7.1 this message has been blocked. - gsmtp"
    )
    assert (reply.code, reply.enhanced_status) == (550, "5.7.1")
    assert "550" not in reply.text
    assert reply.text.startswith("[192.0.2.1 12] Our system has detected")
    assert reply.text.endswith("this message has been blocked. - gsmtp")


def test_multiline_reply_folded_into_one_line() -> None:
    reply = parse_reply(
        "550-5.1.1 The email account that you tried to reach does not exist. Please try 550-5.1.1 "
        "double-checking the recipient's email address for typos or 550-5.1.1 unnecessary spaces. - gsmtp"
    )
    assert reply.text == (
        "The email account that you tried to reach does not exist. Please try double-checking the "
        "recipient's email address for typos or unnecessary spaces. - gsmtp"
    )


@pytest.mark.parametrize(
    ("raw", "code", "status", "phase"),
    [
        (
            "SMTP error from remote mail server after RCPT TO:<a@b.example>: 550 5.1.1 No such user",
            550,
            "5.1.1",
            Phase.RCPT,
        ),
        (
            "SMTP error from remote mail server after end of data: 554 5.7.1 Spam detected",
            554,
            "5.7.1",
            Phase.END_OF_DATA,
        ),
        (
            "SMTP error from remote mail server after MAIL FROM:<s@x.example> SIZE=1234: 553 5.1.8 Bad sender",
            553,
            "5.1.8",
            Phase.MAIL,
        ),
        ("Diagnostic-Code: smtp; 552 5.2.2 Mailbox full", 552, "5.2.2", None),
        ("Diagnostic-Code: SMTP; 550 #5.1.0 Address rejected.", 550, "5.1.0", None),
        ("stat=Deferred: 421 4.7.0 Try again later", 421, "4.7.0", None),
        ("reject=550 5.7.1 <x@y.example>... Relaying denied", 550, "5.7.1", None),
        ("5.1.1 <x@y.example>: Recipient address rejected", None, "5.1.1", Phase.RCPT),
        ("450 4.2.0 busy (in reply to MAIL FROM command)", 450, "4.2.0", Phase.MAIL),
        (
            "host mx.a.example[192.0.2.2] said: 554 5.7.1 no (in reply to end of DATA command)",
            554,
            "5.7.1",
            Phase.END_OF_DATA,
        ),
        (
            "host mx.a.example[192.0.2.2] refused to talk to me: 554 5.7.1 go away",
            554,
            "5.7.1",
            Phase.CONNECT,
        ),
        (
            "smtp; 220-laposte 421 4.2.1 Service refuse. Service refused, please try later.",
            421,
            "4.2.1",
            None,
        ),
    ],
)
def test_wrappers(raw: str, code: int | None, status: str | None, phase: Phase | None) -> None:
    reply = parse_reply(raw)
    assert (reply.code, reply.enhanced_status, reply.phase) == (code, status, phase)


def test_status_class_follows_the_reply_code() -> None:
    # A "550 4.1.1" is a permanent failure: the class of the enhanced status follows the code.
    assert parse_reply("550 4.1.1 unknown").enhanced_status == "5.1.1"


def test_ip_address_is_not_an_enhanced_status() -> None:
    reply = find_reply("connect to mx.example[5.1.1.1]:25: Connection refused")
    assert reply is not None
    assert reply.enhanced_status is None
    assert reply.code is None
    assert reply.phase is Phase.CONNECT


def test_timeout_phase_from_postfix_wording() -> None:
    assert (
        phase_of(
            "conversation with mx.example[192.0.2.1] timed out while sending end of data -- message may be sent more than once"
        )
        is Phase.END_OF_DATA
    )
    assert (
        phase_of("lost connection with mx.example[192.0.2.1] while performing the EHLO handshake")
        is Phase.EHLO
    )
    assert (
        phase_of(
            "conversation with mx.example[192.0.2.1] timed out while receiving the initial server greeting"
        )
        is Phase.CONNECT
    )


def test_not_a_reply_raises_a_library_error() -> None:
    with pytest.raises(NotAReplyError) as info:
        parse_reply("hello world")
    assert isinstance(info.value, InboxtraceError)
    assert find_reply("") is None


@pytest.mark.parametrize(
    ("text", "queue_id"),
    [
        ("250 2.0.0 Ok: queued as 4XyZ1b2c3dz", "4XyZ1b2c3dz"),
        ("250 OK id=1rABCd-000Abc-Xy", "1rABCd-000Abc-Xy"),
        (
            "250 2.0.0 OK  1732547201 d9443c01a7336-2129dc1e0fdsi63011085ad.87 - gsmtp",
            "d9443c01a7336-2129dc1e0fdsi63011085ad.87",
        ),
        (
            "250 2.6.0 <x@example.com> [InternalId=12345678901234, Hostname=AM0PR01MB1234.eurprd01.prod.exchangelabs.com] "
            "Queued mail for delivery",
            "12345678901234",
        ),
        ("250 2.0.0 5APGO2t1012345 Message accepted for delivery", "5APGO2t1012345"),
        ("250 ok", None),
    ],
)
def test_remote_queue_id(text: str, queue_id: str | None) -> None:
    assert remote_queue_id(text) == queue_id
