"""How the bounce around a reply changes its reason (bounces/data/context.toml, families.toml).

Each case is a small bounce in a real MTA's layout with our own addresses and wording where the
MTA's own wording is not the point; every rule is checked on both sides of its condition.
"""

from __future__ import annotations

import pytest

from inboxtrace.bounces import parse_bounce
from inboxtrace.model.bounce import BounceRecipient
from inboxtrace.model.reply import Phase, ReplyClass


def _dsn(diagnostic: str, *, status: str, action: str = "failed", remote: str = "mx.example.org") -> bytes:
    return f"""From: MAILER-DAEMON@mx1.sender.example.com (Mail Delivery System)
To: news@sender.example.com
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx1.sender.example.com.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx1.sender.example.com

Final-Recipient: rfc822; tora@example.org
Action: {action}
Status: {status}
Remote-MTA: dns; {remote}
Diagnostic-Code: {diagnostic}

--B
Content-Type: text/rfc822-headers

From: news@sender.example.com
To: tora@example.org
Subject: News
Message-ID: <n1@sender.example.com>

--B--
""".encode()


def _qmail(reply: str) -> bytes:
    return f"""From: MAILER-DAEMON@mail.sender.example.com
To: news@sender.example.com
Subject: failure notice

Hi. This is the qmail-send program at mail.sender.example.com.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<tora@example.org>:
{reply}

--- Below this line is a copy of the message.

From: news@sender.example.com
To: tora@example.org
Subject: News
""".encode()


def _one(raw: bytes) -> BounceRecipient:
    report = parse_bounce(raw, "t.eml")
    assert report.is_bounce, report.error
    assert len(report.recipients) == 1
    return report.recipients[0]


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        # the cause before qmail's "gave up" words decides
        (
            "Sorry, I wasn't able to establish an SMTP connection. (#4.4.1)\n"
            "I'm not going to try again; this message has been in the queue too long.",
            "networkerror",
        ),
        # a time-out that ends the delivery is the queue lifetime running out
        (
            "unable to connect to remote server [192.0.2.9:25]: Operation timed out\n"
            "I'm not going to try again; this message has been in the queue too long.",
            "expired",
        ),
        # the words alone: the message expired
        ("I'm not going to try again; this message has been in the queue too long.", "expired"),
        (
            "Something odd happened here.\n"
            "I'm not going to try again; this message has been in the queue too long.",
            "expired",
        ),
    ],
)
def test_qmail_gave_up_words_yield_to_the_cause(reply: str, reason: str) -> None:
    assert _one(_qmail(reply)).verdict.reason == reason


def test_qmail_null_mx_wording_is_notaccept() -> None:
    rcpt = _one(_qmail("Sorry, I couldn't find a mail exchanger or IP address. (#5.4.4)"))
    assert rcpt.verdict.reason == "notaccept"


@pytest.mark.parametrize(
    ("diagnostic", "reason"),
    [
        ("smtp; connect to mx.example.org[192.0.2.9]:25: Connection timed out", "expired"),
        ("smtp; connect to mx.example.org[192.0.2.9]:25: No route to host", "networkerror"),
    ],
)
def test_final_connection_failure_expired_unless_a_network_cause_is_named(
    diagnostic: str, reason: str
) -> None:
    assert _one(_dsn(diagnostic, status="4.4.1")).verdict.reason == reason


@pytest.mark.parametrize(
    ("remote", "reason"),
    [("mfsmax.docomo.ne.jp", "rejected"), ("mx.example.org", "filtered")],
)
def test_unknown_user_after_data_docomo_is_the_recipients_reception_filter(remote: str, reason: str) -> None:
    diagnostic = "smtp; 550 Unknown user tora@example.org (in reply to end of DATA command)"
    rcpt = _one(_dsn(diagnostic, status="5.0.0", remote=remote))
    assert rcpt.verdict.reason == reason


@pytest.mark.parametrize(
    ("reply_status", "reason"),
    [("5.1.1", "userunknown"), ("5.3.0", "filtered")],
)
def test_reply_status_finer_than_x00_decides_unknown_user(reply_status: str, reason: str) -> None:
    diagnostic = f"smtp; 550 {reply_status} tora@example.org... User unknown"
    assert _one(_dsn(diagnostic, status="5.0.0")).verdict.reason == reason


@pytest.mark.parametrize(
    ("diagnostic", "reason"),
    [
        # stated by the wrapper: the address itself was refused
        (
            "smtp; 550 5.7.1 <tora@example.org>: Recipient address rejected: User unknown "
            "(in reply to RCPT TO command)",
            "userunknown",
        ),
        # only hinted by the wording, with a policy status: a filter's answer
        ("smtp; 550 5.7.1 <tora@example.org>: Recipient address rejected: User unknown", "filtered"),
    ],
)
def test_hinted_phase_does_not_vouch_for_unknown_user(diagnostic: str, reason: str) -> None:
    assert _one(_dsn(diagnostic, status="5.7.1")).verdict.reason == reason


V5_SENDMAIL = b"""From: Mail Delivery Subsystem <MAILER-DAEMON@relay.sender.example.com>
To: news@sender.example.com
Subject: Returned mail: User unknown

   ----- Transcript of session follows -----
While talking to mx.example.edu:
>>> MAIL From:<news@sender.example.com>
<<< 550 Insecure Mail Relay
554 <tora@example.edu>... Remote protocol error
While talking to mx.example.org:
>>> RCPT To:<mike@example.org>
<<< 550 No such user here.
550 <mike@example.org>... User unknown

   ----- Unsent message follows -----
From: news@sender.example.com
To: tora@example.edu
Subject: News
"""


def test_sendmail_v5_recipient_gets_the_session_before_its_line() -> None:
    report = parse_bounce(V5_SENDMAIL, "v5.eml")
    got = [(r.recipient, r.verdict.reason) for r in report.recipients]
    assert got == [("tora@example.edu", "norelaying"), ("mike@example.org", "userunknown")]
    assert "Insecure Mail Relay" in report.recipients[0].diagnostic
    assert "Insecure Mail Relay" not in report.recipients[1].diagnostic


def _gmail_text(detail: str) -> bytes:
    return f"""From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
To: news@sender.example.com
Subject: Delivery Status Notification (Failure)

Delivery to the following recipient failed permanently:

     * tora@example.org
{detail}
----- Original message -----

From: news@sender.example.com
To: tora@example.org
Subject: News
""".encode()


@pytest.mark.parametrize(
    ("detail", "reason"),
    [
        ("", "undefined"),  # nothing but the address: no reason, nothing to hold
        ("Technical details: the frobnicator declined politely\n", "onhold"),
    ],
)
def test_onhold_needs_a_diagnostic_of_the_recipients_own(detail: str, reason: str) -> None:
    assert _one(_gmail_text(detail)).verdict.reason == reason


APACHE_JAMES = b"""From: postmaster@mail.example.net
To: news@sender.example.com
Subject: Re: News
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Error: Invalid user address

Error message below:
550 - Requested action not taken: no such user here

Message details:
  Subject: News
  MAIL FROM: news@sender.example.com
  RCPT TO: tora@example.net
  Size (in bytes): 39
"""


def test_apache_james_layout() -> None:
    report = parse_bounce(APACHE_JAMES, "james.eml")
    assert report.format == "apachejames"
    assert [r.recipient for r in report.recipients] == ["tora@example.net"]
    # no status, and "RCPT TO:" here lists the envelope: nothing shows the address was looked up
    assert report.recipients[0].verdict.reason == "filtered"


def test_sendmail_mute_exit_status_with_a_stated_system_cause() -> None:
    raw = _dsn("x-unix; 77", status="5.3.0")
    assert _one(raw).verdict.reason == "mailererror"
    stated = raw.replace(
        b"This is the mail system at host mx1.sender.example.com.",
        b"<tora@example.org>... Insufficient permission",
    )
    assert _one(stated).verdict.reason == "systemerror"


def _notice(body: str) -> bytes:
    """A human-text notice of an MTA no family knows: no SMTP reply, no status, no phase."""
    return f"""From: "Mail Administrator" <postmaster@gw.example.org>
To: news@sender.example.com
Subject: Message not delivered

{body}

------ Original message follows ------

From: news@sender.example.com
To: tora@example.org
Subject: News
""".encode()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        # the system says where it looked the address up: a verdict on the address itself
        (
            "Delivery failed for tora@example.org:\n  User tora not listed in the staff directory.",
            "userunknown",
        ),
        ("tora@example.org\n    The recipient name is not recognized.", "userunknown"),
        ("Could not deliver to tora@example.org. No valid recipients in this message.", "userunknown"),
        (
            "We could not deliver your message to <tora@example.org>. Please check that the address "
            "is correct.",
            "userunknown",
        ),
        ("Invalid mail user id: tora@example.org", "userunknown"),
        (
            "tora@example.org\nThe e-mail address you entered couldn't be found. Please check the "
            "recipient's e-mail address and try to resend the message.",
            "userunknown",
        ),
        ("tora@example.org\nThis address wasn't found. It may have been misspelled.", "userunknown"),
        # a bare "user unknown" with no status and no phase: the convention reads a filter in it
        ("Delivery failed for tora@example.org:\n  [User unknown]", "filtered"),
    ],
)
def test_words_naming_the_lookup_vouch_for_unknown_user(body: str, reason: str) -> None:
    assert _one(_notice(body)).verdict.reason == reason


@pytest.mark.parametrize(
    ("diagnostic", "reason"),
    [
        # the report states the phase, in each MTA's words: after the content, a filter answered
        ("smtp; 550 5.1.1 User tora not listed in directory (in reply to end of DATA command)", "filtered"),
        (
            "X-Postfix; host mx.example.org[192.0.2.7] said: 550 User unknown (in reply to end of "
            "DATA command)",
            "filtered",
        ),
        (
            "smtp; SMTP error from remote mail server after end of data: 550 tora@example.org: No such user",
            "filtered",
        ),
        # a CHUNKING client's last chunk is the end of the content
        (
            "smtp; SMTP error from remote mail server after BDAT 2048 LAST: 550 5.1.1 "
            "<tora@example.org>: user unknown",
            "filtered",
        ),
        ("smtp; 550 Unknown recipient tora@example.org, in response to end of data", "filtered"),
        ("smtp; 550 No such user (rejected during the DATA phase)", "filtered"),
        (
            "smtp; SMTP error from remote mail server after pipelined end of data: 550 5.1.1 No such user",
            "filtered",
        ),
        ("smtp; 550 No such user (rejected during the RCPT TO phase)", "userunknown"),
        ("smtp; 550 5.1.1 User unknown (in reply to RCPT TO command)", "userunknown"),
        (
            "smtp; SMTP error from remote mail server after RCPT TO:<tora@example.org>: 550 No such user",
            "userunknown",
        ),
    ],
)
def test_the_stated_phase_decides_unknown_user_whoever_reports_it(diagnostic: str, reason: str) -> None:
    assert _one(_dsn(diagnostic, status="5.0.0")).verdict.reason == reason


TWO_PHASES = b"""From: MAILER-DAEMON@mx1.sender.example.com (Mail Delivery System)
To: news@sender.example.com
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx1.sender.example.com.

<tora@example.org>: host mx.example.org[192.0.2.7] said: 550 User unknown (in
    reply to RCPT TO command)

<mike@example.net>: host mx.example.net[192.0.2.8] said: 550 User unknown (in
    reply to end of DATA command)

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx1.sender.example.com
X-Postfix-Sender: rfc822; news@sender.example.com

Final-Recipient: rfc822; tora@example.org
Action: failed
Status: 5.0.0
Remote-MTA: dns; mx.example.org
Diagnostic-Code: smtp; 550 User unknown

Final-Recipient: rfc822; mike@example.net
Action: failed
Status: 5.0.0
Remote-MTA: dns; mx.example.net
Diagnostic-Code: smtp; 550 User unknown

--B--
"""


def test_the_phase_stated_in_the_text_part_decides_each_recipient_of_a_dsn() -> None:
    # Postfix states the phase only in the human-readable part, per recipient: the same "550 User
    # unknown" is the address at RCPT TO and a filter's answer after the content
    report = parse_bounce(TWO_PHASES, "t.eml")
    got = [(r.recipient, r.verdict.reason, r.verdict.phase) for r in report.recipients]
    assert got == [
        ("tora@example.org", "userunknown", Phase.RCPT),
        ("mike@example.net", "filtered", Phase.END_OF_DATA),
    ]


def test_qmail_giving_up_after_a_temporary_failure_is_final_but_not_a_dead_address() -> None:
    reply = (
        "Sorry, I wasn't able to establish an SMTP connection. (#4.4.1)\n"
        "I'm not going to try again; this message has been in the queue too long."
    )
    verdict = _one(_qmail(reply)).verdict
    assert (verdict.reason, verdict.reply_class, verdict.hard_bounce) == (
        "networkerror",
        ReplyClass.PERMANENT,
        False,
    )


def test_a_refusal_at_the_greeting_refuses_the_client() -> None:
    reply = "Connected to 192.0.2.7 but greeting failed.\nRemote host said: 554 mx.example.org ESMTP not accepting messages"
    assert _one(_qmail(reply)).verdict.reason == "blocked"
