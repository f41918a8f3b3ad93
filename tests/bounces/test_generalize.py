"""Bounces in shapes the corpus does not hold: the report decides, never the returned message;
failures are never "delivered"; warnings are transient; MTA bounces marked auto-replied are bounces.

Every message here is written for these tests (realistic layouts, our own names and wording).
"""

from __future__ import annotations

import pytest

from inboxtrace.bounces import parse_bounce
from inboxtrace.model.bounce import BounceKind, BounceReport
from inboxtrace.model.reply import ReplyClass


def text_bounce(
    body: str,
    *,
    sender: str = "MAILER-DAEMON@relay.sender.example (Mail Delivery System)",
    subject: str = "Undelivered Mail Returned to Sender",
    extra: str = "",
) -> bytes:
    head = (
        f"From: {sender}\nTo: alice@sender.example\nSubject: {subject}\n"
        f"Date: Thu, 01 Jan 2026 10:00:00 +0000\nMessage-ID: <b1@relay.sender.example>\n{extra}"
        "MIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\n"
    )
    return (head + body).encode()


def only(report: BounceReport) -> tuple[str, str, ReplyClass | None, bool]:
    assert report.kind is BounceKind.DSN, report.error
    assert len(report.recipients) == 1, [r.recipient for r in report.recipients]
    r = report.recipients[0]
    return r.recipient, r.verdict.reason, r.verdict.reply_class, r.verdict.hard_bounce


POSTFIX_UNKNOWN = """This is the mail system at host relay.sender.example.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<ops@dest.example>: host mx.dest.example[198.51.100.7] said: 550 5.1.1
    <ops@dest.example>: Recipient address rejected: User unknown in local
    recipient table (in reply to RCPT TO command)

--- Original message follows.

Received: from gw.sender.example by relay.sender.example
X-Scanned-By: Trend Micro VirusWall
From: alice@sender.example
To: ops@dest.example
Subject: Virus in the attachment you sent yesterday?

Hello, was there a virus in it? Our InterScan VirusWall said nothing.
"""


def test_returned_message_words_never_classify() -> None:
    # the product name and the subject of the returned message talk about viruses; the report
    # says the address is unknown
    assert only(parse_bounce(text_bounce(POSTFIX_UNKNOWN))) == (
        "ops@dest.example",
        "userunknown",
        ReplyClass.PERMANENT,
        True,
    )


def test_a_mute_report_stays_mute_whatever_the_returned_message_says() -> None:
    body = """Your message could not be delivered.

<ops@dest.example>:
    550 Requested action not taken

------ This is a copy of the message, including all the headers. ------

From: alice@sender.example
To: ops@dest.example
Subject: Virus alert: VirusWall found a virus in your mail

A virus was found in your mail by VirusWall. Mailbox full. User unknown.
"""
    recipient, reason, klass, _hard = only(parse_bounce(text_bounce(body)))
    assert (recipient, reason, klass) == ("ops@dest.example", "onhold", ReplyClass.PERMANENT)


def test_a_blank_line_before_the_headers_is_still_a_message() -> None:
    for raw in (
        b"\n" + text_bounce(POSTFIX_UNKNOWN),
        b"\r\n" + text_bounce(POSTFIX_UNKNOWN).replace(b"\n", b"\r\n"),
    ):
        assert only(parse_bounce(raw))[:2] == ("ops@dest.example", "userunknown")


SENDMAIL_250_FIRST = """The original message was received at Wed, 31 Dec 2025 09:00:00 GMT
from gw.sender.example [192.0.2.10]

   ----- The following addresses had permanent fatal errors -----
<ops@dest.example>
    (reason: 250 2.1.0 Sender ok)

   ----- Transcript of session follows -----
... while talking to mx.dest.example.:
>>> MAIL From:<alice@sender.example> SIZE=1200
<<< 250 2.1.0 Sender ok
>>> RCPT To:<ops@dest.example>
<<< 250 2.1.5 Recipient ok
>>> DATA
<<< 554 5.7.1 Message rejected as spam by the content filter
"""

QMAIL_250_FIRST = """Hi. This is the qmail-send program at relay.sender.example.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<ops@dest.example>:
198.51.100.7 accepted the message.
Remote host said: 250 ok 1767171600 qp 4242
Remote host said: 552 sorry, the mailbox is over its quota
"""


def test_a_failure_is_never_delivered_when_a_success_reply_comes_first() -> None:
    report = parse_bounce(text_bounce(SENDMAIL_250_FIRST, subject="Returned mail: see transcript"))
    assert only(report)[1:3] == ("spamdetected", ReplyClass.PERMANENT)
    report = parse_bounce(text_bounce(QMAIL_250_FIRST, subject="failure notice"))
    assert only(report)[1:3] == ("mailboxfull", ReplyClass.PERMANENT)


def test_a_failure_with_only_a_success_code_is_on_hold_not_delivered() -> None:
    body = """The original message was received at Wed, 31 Dec 2025 09:00:00 GMT
from gw.sender.example [192.0.2.10]

   ----- The following addresses had permanent fatal errors -----
<ops@dest.example>
    (reason: 250 2.0.0 Ok)
"""
    report = parse_bounce(text_bounce(body, subject="Returned mail: see transcript"))
    assert only(report)[1:4] == ("onhold", ReplyClass.PERMANENT, False)


def test_a_verification_report_of_deliverable_stays_a_success() -> None:
    body = """--R1
Content-Type: text/plain

This is the mail system at host relay.sender.example.
Enclosed is the mail delivery report that you requested.

--R1
Content-Type: message/delivery-status

Reporting-MTA: dns; relay.sender.example

Final-Recipient: rfc822; ops@dest.example
Action: deliverable
Status: 2.1.5
Diagnostic-Code: smtp; 250 2.1.5 Ok

--R1--
"""
    raw = (
        "From: MAILER-DAEMON@relay.sender.example\nTo: alice@sender.example\n"
        "Subject: Mail Delivery Status Report\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="R1"\n\n' + body
    ).encode()
    report = parse_bounce(raw)
    assert [(r.recipient, r.verdict.reason) for r in report.recipients] == [("ops@dest.example", "delivered")]


EXIM_WARNING = """This message was created automatically by mail delivery software.
A message that you sent has not yet been delivered to one or more of its
recipients after more than 24 hours on the queue on relay.sender.example.

The message identifier is:     1vXyZ1-000Abc-7Q
The subject of the message is: quarterly numbers

The address to which the message has not yet been delivered is:

  ops@dest.example
    host mx.dest.example [198.51.100.7]: Connection timed out

No action is required on your part. Delivery attempts will continue for
some time, and this warning may be repeated at intervals if the message
remains undelivered.
"""

POSTFIX_WARNING = """This is the mail system at host relay.sender.example.

####################################################################
# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #
####################################################################

Your message could not be delivered for more than 4 hour(s).
It will be retried until it is 5 day(s) old.

<ops@dest.example>: connect to mx.dest.example[198.51.100.7]:25: Connection
    timed out
"""


def test_delay_warnings_are_transient_not_permanent() -> None:
    for raw in (
        text_bounce(
            EXIM_WARNING,
            sender="Mail Delivery System <Mailer-Daemon@relay.sender.example>",
            subject="Warning: message 1vXyZ1-000Abc-7Q delayed 24 hours",
        ),
        text_bounce(POSTFIX_WARNING, subject="Delayed Mail (still being retried)"),
    ):
        report = parse_bounce(raw)
        recipient, reason, klass, hard = only(report)
        assert (recipient, reason, klass, hard) == (
            "ops@dest.example",
            "expired",
            ReplyClass.TRANSIENT,
            False,
        )
        assert report.recipients[0].action == "delayed"


EXIM_AUTO_REPLIED = """This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  ops@dest.example
    SMTP error from remote mail server after RCPT TO:<ops@dest.example>:
    host mx.dest.example [198.51.100.7]: 550 5.1.1 <ops@dest.example>: no such user here
"""


def test_a_bounce_marked_auto_replied_is_a_bounce_not_a_vacation() -> None:
    raw = text_bounce(
        EXIM_AUTO_REPLIED,
        sender="Mail Delivery System <Mailer-Daemon@relay.sender.example>",
        subject="Mail delivery failed: returning message to sender",
        extra="Auto-Submitted: auto-replied\n",
    )
    assert only(parse_bounce(raw))[:2] == ("ops@dest.example", "userunknown")
    # a person's out-of-office with the same header stays an auto-reply
    ooo = (
        b"From: Ops Team <ops@dest.example>\nTo: alice@sender.example\nSubject: Out of office\n"
        b"Auto-Submitted: auto-replied\n\nI am away until Monday.\n"
    )
    assert parse_bounce(ooo).kind is BounceKind.AUTOREPLY


EXCHANGE_2003 = """Your message

  To:      Sales Team; ops@dest.example
  Cc:      boss@sender.example
  Subject: report
  Sent:    Wed, 31 Dec 2025 09:00:00 +0000

did not reach the following recipient(s):

ops@dest.example on Wed, 31 Dec 2025 09:05:00 +0000
    The e-mail account does not exist at the organization this message was
    sent to.  Check the e-mail address, or contact the recipient directly to
    find out the correct address.
    <mx.dest.example #5.1.1>
"""


def test_exchange_2003_ndr_names_the_failed_recipient_not_the_to_and_cc_lines() -> None:
    raw = text_bounce(
        EXCHANGE_2003,
        sender="System Administrator <postmaster@dest.example>",
        subject="Undeliverable: report",
    )
    report = parse_bounce(raw)
    assert [(r.recipient, r.verdict.reason) for r in report.recipients] == [
        ("ops@dest.example", "userunknown")
    ]


def test_help_and_list_addresses_are_not_failed_recipients() -> None:
    body = """The message that you sent was undeliverable to the following:
        ops@dest.example (user not found)

Possible causes:
  the address is misspelled, or the account was removed.
  For help, write to: postmaster@dest.example
  List questions: team-request@lists.sender.example

Original message:

From: alice@sender.example
To: team@lists.sender.example, ops@dest.example
Subject: report
"""
    raw = text_bounce(
        body,
        sender="Mail Delivery System <postmaster@gw.dest.example>",
        subject="Message status - undeliverable",
    )
    assert [r.recipient for r in parse_bounce(raw).recipients] == ["ops@dest.example"]


def _dsn(final: str, original: str = "") -> bytes:
    return f"""From: MAILER-DAEMON@gw.sender.example
To: alice@sender.example
Subject: Delivery Status Notification (Failure)
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

The following message could not be delivered.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; gw.sender.example

Final-Recipient: {final}
{original}Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 mailbox unknown

--B--
""".encode()


def test_x400_and_encapsulated_final_recipients_are_converted() -> None:
    cases = {
        "X400; /C=US/ADMD= /PRMD=dest/O=dest/S=Ops/RFC-822=ops(a)dest.example/": "",
        "x400; /C=US/ADMD= /PRMD=dest/O=dest/S=Ops/G=Anna/": "Original-Recipient: rfc822; ops@dest.example\n",
        "rfc822; IMCEASMTP-ops+40dest+2Eexample@gw.sender.example": "",
        "rfc822; /var/spool/mail/dest/ops": "Original-Recipient: rfc822;ops@dest.example\n",
    }
    for final, original in cases.items():
        report = parse_bounce(_dsn(final, original))
        assert [r.recipient for r in report.recipients] == ["ops@dest.example"], final
        assert report.recipients[0].verdict.reason == "userunknown"


# Layouts of MTAs and gateways, written in the shapes they use (our own addresses and text).
LAYOUTS: dict[str, tuple[dict[str, str], str, list[tuple[str, str]]]] = {
    "courier": (
        {
            "sender": "Courier mail server at mx.sender.example <@>",
            "subject": "NOTICE: mail delivery status.",
        },
        """This is a delivery status notification from mx.sender.example,
running the Courier mail server, version 1.1.

The original message was received on Wed, 31 Dec 2025 09:00:00 +0000
from gw.sender.example [192.0.2.10]

---------------------------------------------------------------------------

                           UNDELIVERABLE MAIL

Your message to the following recipients cannot be delivered:

<ops@dest.example>:
    mx.dest.example [198.51.100.7]:
>>> RCPT TO:<ops@dest.example>
<<< 550 5.1.1 <ops@dest.example>... No such user

---------------------------------------------------------------------------

If your message was also sent to additional recipients, their delivery
status is not included in this report.
""",
        [("ops@dest.example", "userunknown")],
    ),
    "interscan-mss": (
        {"sender": "InterScan MSS <postmaster@mx.sender.example>", "subject": "Mail could not be delivered"},
        """Sent <<< RCPT TO:<ops@dest.example>
Received >>> 550 5.1.1 <ops@dest.example>... User unknown

Unable to deliver message to <ops@dest.example>.
Please check if address is correct.
""",
        [("ops@dest.example", "userunknown")],
    ),
    "verizon-sms": (
        {"sender": "post_master@vtext.com", "subject": "Undeliverable Message"},
        """Message could not be delivered to mobile.

Error: No valid recipients for this MM

Original Message:
To: 5550100@vtext.com
From: alice@sender.example
""",
        [("5550100@vtext.com", "userunknown")],
    ),
    "mail.ru": (
        {"sender": "mailer-daemon@corp.mail.ru", "subject": "Mail failure."},
        """This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  ops@dest.example
    SMTP error from remote mail server after RCPT TO:<ops@dest.example>:
    host mx.dest.example [198.51.100.7]: 550 Message was not accepted -- invalid mailbox.
    Local mailbox ops@dest.example is unavailable: user not found
""",
        [("ops@dest.example", "userunknown")],
    ),
    "fml": (
        {
            "sender": "team-admin@lists.dest.example",
            "subject": "You alice@sender.example are not member (team ML)",
            "extra": "X-MLServer: fml [fml 8.0]\nX-ML-Name: team\n",
        },
        """You are not a member of this mailing list <team@lists.dest.example>.

If you know the general guide of this list, please send mail with
the mail body

        guide

to the address

        team-ctl@lists.dest.example

************************************************************

From: alice@sender.example
To: team@lists.dest.example
Subject: hello
""",
        [("team@lists.dest.example", "rejected")],
    ),
    "oracle-messaging-server": (
        {
            "sender": "Internet Mail Delivery <postmaster@mx.dest.example>",
            "subject": "Delivery Notification: Delivery has failed",
        },
        """This report relates to a message you sent with the following header fields:

  Message-id: <m1@sender.example>
  Date: Wed, 31 Dec 2025 09:00:00 +0000
  From: alice@sender.example
  To: team@sender.example
  Subject: report

Your message cannot be delivered to the following recipients:

  Recipient address: ops@dest.example
  Original address: ops@dest.example
  Reason: Remote SMTP server has rejected address
  Diagnostic code: smtp;550 5.1.1 unknown or illegal alias: ops@dest.example
  Remote system: dns;mx.dest.example (TCP|192.0.2.10|41125|198.51.100.7|25)
""",
        [("ops@dest.example", "userunknown")],
    ),
    "x3-style": (
        {
            "sender": "Mail Delivery System <MAILER-DAEMON@mx.sender.example>",
            "subject": "Delivery status notification",
        },
        """ ============================================================================
      This is an automatically generated Delivery Status Notification.
 ============================================================================

Delivery to the following recipients failed permanently:

   * ops@dest.example


 ============================================================================
                            Technical details:
 ============================================================================

SMTP:RCPT host 198.51.100.7: 553 5.3.0 <ops@dest.example>... No such user here
""",
        [("ops@dest.example", "userunknown")],
    ),
    "x2-style": (
        {"sender": "MAILER-DAEMON@mx.sender.example", "subject": "failure delivery"},
        """Unable to deliver message to the following address(es).

<ops@dest.example>:
Sorry, no mailbox here by that name. (#5.1.1)
""",
        [("ops@dest.example", "userunknown")],
    ),
    "qmail-no-host": (
        {"sender": "MAILER-DAEMON@mx.sender.example", "subject": "failure notice"},
        """Hi. This is the qmail-send program at mx.sender.example.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<ops@dest.example>:
Sorry, I couldn't find any host named dest.example. (#5.1.2)
""",
        [("ops@dest.example", "hostunknown")],
    ),
    "qmail-german": (
        {"sender": "MAILER-DAEMON@mx.sender.example", "subject": "failure notice"},
        """Hallo. Hier ist das qmail-send Programm auf mx.sender.example.
Leider konnte ich Ihre Nachricht an die folgende Adresse nicht zustellen.
Das ist ein permanenter Fehler; ich habe aufgegeben.

<ops@dest.example>:
198.51.100.7 does not like recipient.
Remote host said: 550 5.1.1 <ops@dest.example>: Recipient address rejected: User unknown
Giving up on 198.51.100.7.
""",
        [("ops@dest.example", "userunknown")],
    ),
    "exchange-2007-text": (
        {"sender": "Microsoft Exchange <postmaster@dest.example>", "subject": "Undeliverable: report"},
        """Delivery has failed to these recipients or groups:

ops@dest.example
The e-mail address you entered couldn't be found. Please check the recipient's e-mail
address and try to resend the message.

Diagnostic information for administrators:

Generating server: mx.dest.example

ops@dest.example
#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##
""",
        [("ops@dest.example", "userunknown")],
    ),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_layouts_of_many_mtas_are_read(layout: str) -> None:
    headers, body, want = LAYOUTS[layout]
    report = parse_bounce(text_bounce(body, **headers))
    assert report.kind is BounceKind.DSN, report.error
    assert [(r.recipient, r.verdict.reason) for r in report.recipients] == want
    assert all(r.verdict.reply_class is ReplyClass.PERMANENT for r in report.recipients)


def _with_original(sender: str, subject: str, text: str) -> bytes:
    return f"""From: {sender}
To: <alice@sender.example>
Subject: {subject}
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="XX"

--XX
Content-Type: text/plain; charset=us-ascii

{text}
--XX
Content-Type: message/rfc822

From: alice@sender.example
To: 5550100@mms.carrier.example
Subject: photos

hi
--XX--
""".encode()


def test_a_gateway_notice_without_a_bounce_sender_or_subject_is_read() -> None:
    # carriers and gateways send from no-reply addresses with bland subjects
    text = """Your mail sent on: Wed, 31 Dec 2025 09:00:00 +0900
     Could not be delivered to: <5550100@mms.carrier.example>
     As their mailbox is full.
"""
    report = parse_bounce(_with_original("no-reply@gw.carrier.example", "Mail", text))
    assert [(r.recipient, r.verdict.reason) for r in report.recipients] == [
        ("5550100@mms.carrier.example", "mailboxfull")
    ]


def test_a_person_writing_about_a_failed_delivery_is_not_a_bounce() -> None:
    raw = b"""From: Bob <bob@dest.example>
To: alice@sender.example
Subject: Re: photos

Hi Alice, your photos could not be delivered to my old address, please use this one:

bob@dest.example

Bob
"""
    report = parse_bounce(raw)
    assert report.kind is BounceKind.NOT_BOUNCE and report.recipients == ()


AFTER_DATA = {
    "postfix": (
        "Undelivered Mail Returned to Sender",
        """This is the mail system at host relay.sender.example.

<ops@dest.example>: host mx.dest.example[198.51.100.7] said: 550 5.1.1
    <ops@dest.example>... User unknown (in reply to end of DATA command)
""",
    ),
    "exim": (
        "Mail delivery failed: returning message to sender",
        """This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  ops@dest.example
    SMTP error from remote mail server after end of data:
    host mx.dest.example [198.51.100.7]: 550 5.1.1 User unknown
""",
    ),
    "qmail": (
        "failure notice",
        """Hi. This is the qmail-send program at relay.sender.example.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<ops@dest.example>:
198.51.100.7 failed after I sent the message.
Remote host said: 550 5.1.1 User unknown
""",
    ),
}


@pytest.mark.parametrize("mta", sorted(AFTER_DATA))
def test_user_unknown_answered_after_data_is_a_filter(mta: str) -> None:
    # the convention: a server that took every address and refused after the content was sent
    # refused the content (filtered), whatever it calls the recipient
    subject, body = AFTER_DATA[mta]
    assert only(parse_bounce(text_bounce(body, subject=subject)))[:3] == (
        "ops@dest.example",
        "filtered",
        ReplyClass.PERMANENT,
    )


def _mute_report(to_line: str) -> bytes:
    return f"""From: MAILER-DAEMON@gw.dest.example
To: alice@sender.example
Subject: Undeliverable mail
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="YY"

--YY
Content-Type: text/plain; charset=utf-8

Die Nachricht konnte nicht zugestellt werden.

--YY
Content-Type: message/rfc822

From: alice@sender.example
To: {to_line}
Subject: minutes

text
--YY--
""".encode()


def test_a_report_naming_nobody_takes_the_returned_to_only_when_it_is_one_person() -> None:
    assert [r.recipient for r in parse_bounce(_mute_report("Ops <ops@dest.example>")).recipients] == [
        "ops@dest.example"
    ]
    for to in ("team@lists.dest.example, ops@dest.example", "team-request@lists.dest.example"):
        report = parse_bounce(_mute_report(to))
        assert report.recipients == ()
        assert report.kind is BounceKind.ERROR and "no failed recipient" in (report.error or "")


def test_a_warning_with_no_reply_text_is_still_transient() -> None:
    exchange_delay = """This is an automatically generated Delivery Status Notification.

THIS IS A WARNING MESSAGE ONLY.

YOU DO NOT NEED TO RESEND YOUR MESSAGE.

Delivery to the following recipients has been delayed.

       ops@dest.example
"""
    plain_delay = """This is an automatically generated message.
Your message has not yet been delivered to the following recipient:

  ops@dest.example

The server will keep trying to deliver it for 4 more days.
"""
    for body, subject in (
        (exchange_delay, "Delivery Status Notification (Delay)"),
        (plain_delay, "Warning: message delayed"),
    ):
        report = parse_bounce(text_bounce(body, sender="postmaster@dest.example", subject=subject))
        assert only(report) == ("ops@dest.example", "expired", ReplyClass.TRANSIENT, False)
        assert report.recipients[0].action == "delayed"


def test_a_recipient_quoted_in_a_sentence_is_found() -> None:
    body = 'The message to "ops@dest.example" could not be delivered:\nMailbox unavailable.\n'
    report = parse_bounce(text_bounce(body, subject="Undeliverable mail"))
    assert [r.recipient for r in report.recipients] == ["ops@dest.example"]


def _gave_up_dsn(status: str, diagnostic: str) -> bytes:
    return f"""From: MAILER-DAEMON@relay.sender.example (Mail Delivery System)
To: alice@sender.example
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="G"

--G
Content-Type: text/plain

This is the mail system at host relay.sender.example.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

--G
Content-Type: message/delivery-status

Reporting-MTA: dns; relay.sender.example

Final-Recipient: rfc822; ops@dest.example
Action: failed
Status: {status}
Diagnostic-Code: smtp; {diagnostic}

--G--
""".encode()


def test_given_up_after_temporary_replies_is_permanent_and_hard_only_for_the_address() -> None:
    # "450 4.1.1" until the queue lifetime ran out: the address is as dead as with 550
    unknown = only(
        parse_bounce(
            _gave_up_dsn(
                "4.1.1",
                "450 4.1.1 <ops@dest.example>: Recipient address rejected: User unknown in local recipient table",
            )
        )
    )
    assert unknown == ("ops@dest.example", "userunknown", ReplyClass.PERMANENT, True)
    # a domain that kept answering 421 may accept tomorrow: returned, but the address stands
    refused = only(
        parse_bounce(_gave_up_dsn("4.0.0", "421 4.0.0 mx.dest.example is not accepting mail right now"))
    )
    assert refused[2] is ReplyClass.PERMANENT and refused[3] is False


def test_the_returned_messages_fields_quoted_in_the_report_never_classify() -> None:
    # an NDR's summary quotes the subject; the recipient's own line says nothing more
    exchange = """Your message

  To:      ops@dest.example
  Subject: Virus in the attachment? mailbox full? spam?
  Sent:    Mon, 5 Jan 2026 10:00:00 +0100

did not reach the following recipient(s):

ops@dest.example on Mon, 5 Jan 2026 10:01:00 +0100
"""
    report = parse_bounce(
        text_bounce(
            exchange, sender="System Administrator <postmaster@dest.example>", subject="Undeliverable: Virus?"
        )
    )
    assert only(report)[:2] == ("ops@dest.example", "onhold")
    plain = """Your message could not be delivered to the following recipients.

<ops@dest.example>

Subject: Virus scan results for your mailbox full of spam
"""
    reason = only(parse_bounce(text_bounce(plain, subject="Undeliverable: Virus scan results")))[1]
    assert reason in ("onhold", "undefined")
    assert reason not in ("virusdetected", "mailboxfull", "spamdetected")


def test_the_status_comment_is_the_cause_when_there_is_no_diagnostic() -> None:
    base = _gave_up_dsn("4.0.0 (dest.example: host name lookup failure)", "x").replace(
        b"Diagnostic-Code: smtp; x\n", b""
    )
    delayed = base.replace(b"Action: failed", b"Action: delayed")
    assert only(parse_bounce(delayed))[1:3] == ("networkerror", ReplyClass.TRANSIENT)
    # a comment that only restates the class is no cause
    mute = _gave_up_dsn("5.0.0 (permanent failure)", "x").replace(b"Diagnostic-Code: smtp; x\n", b"")
    assert only(parse_bounce(mute))[1] == "undefined"


@pytest.mark.parametrize(
    ("subject", "text", "reason"),
    [
        ("Unzustellbar: Angebot", "Die Nachricht konnte nicht zugestellt werden.", "userunknown"),
        ("Non remis : Offre", "Le message n'a pas pu être remis.", "userunknown"),
        ("No se puede entregar: Oferta", "No se ha podido entregar el mensaje.", "userunknown"),
        ("Non recapitabile: Offerta", "Non è stato possibile recapitare il messaggio.", "userunknown"),
    ],
)
def test_localized_ndrs_are_bounces(subject: str, text: str, reason: str) -> None:
    body = f"""{text}

ops@dest.example
    550 5.1.1 User unknown (in reply to RCPT TO command)
"""
    # neither the sender nor an English word says "bounce": the localized subject does
    report = parse_bounce(
        text_bounce(body, sender="Exchange Server <exchange@dest.example>", subject=subject)
    )
    assert only(report)[:2] == ("ops@dest.example", reason)


def test_a_message_given_up_on_after_connection_failures_expired() -> None:
    for status, diagnostic in (
        ("4.4.1", "X-Postfix; connect to mx.dest.example[198.51.100.7]:25: Connection timed out"),
        (
            "4.4.2",
            "X-Postfix; lost connection with mx.dest.example[198.51.100.7] while receiving the initial server greeting",
        ),
        ("5.4.7", "smtp; 554 5.4.7 Delivery expired (message too old)"),
    ):
        raw = _gave_up_dsn(status, "x").replace(b"smtp; x", diagnostic.encode())
        assert only(parse_bounce(raw))[1:3] == ("expired", ReplyClass.PERMANENT), status


@pytest.mark.parametrize(
    "sentence",
    [
        "Your message to ops@dest.example could not be delivered.",
        "The mail sent to ops@dest.example, was not delivered",
        "We could not deliver your message to ops@dest.example",
        "The system was unable to deliver the mail to: ops@dest.example",
        "Your e-mail wasn't delivered to ops@dest.example because of the reason below.",
        "Delivery to ops@dest.example failed after the receiving server refused it.",
        # in the languages the failure words know
        "Ihre Nachricht an ops@dest.example konnte nicht zugestellt werden.",
        "Votre message à ops@dest.example n'a pas pu être remis.",
        "Su mensaje para ops@dest.example no se pudo entregar.",
        "Il messaggio per ops@dest.example non può essere recapitato.",
        "Письмо для ops@dest.example не удалось доставить.",
        "ops@dest.example 宛のメッセージは送信できませんでした。",
    ],
)
def test_a_failed_recipient_named_bare_inside_a_sentence_is_found(sentence: str) -> None:
    body = f"{sentence}\nReason: the recipient's mailbox is full\n"
    raw = text_bounce(body, subject="Returned mail").replace(b"charset=us-ascii", b"charset=utf-8")
    recipient, reason, klass, _hard = only(parse_bounce(raw))
    assert (recipient, reason, klass) == ("ops@dest.example", "mailboxfull", ReplyClass.PERMANENT)


def test_a_delivered_recipient_named_in_a_sentence_is_not_a_failure() -> None:
    # the same words without the failure: a relay's success note beside the failed recipient
    body = (
        "Delivery to team@dest.example succeeded.\n\n"
        "Your message to ops@dest.example could not be delivered.\nReason: mailbox is full\n"
    )
    report = parse_bounce(text_bounce(body, subject="Returned mail"))
    assert [r.recipient for r in report.recipients] == ["ops@dest.example"]


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        (
            "Zustellung verzögert",
            "Die Zustellung an folgende Empfänger wurde verzögert:\n\nops@dest.example\n\n"
            "Der Server wird weiterhin versuchen, die Nachricht zuzustellen.\n",
        ),
        (
            "Remise retardée",
            "La remise du message aux destinataires suivants est retardée :\n\nops@dest.example\n\n"
            "Le serveur continuera d'essayer de remettre ce message.\n",
        ),
        (
            "Entrega retrasada",
            "La entrega a los siguientes destinatarios se ha retrasado:\n\nops@dest.example\n",
        ),
        (
            "Entrega atrasada",
            "A entrega para ops@dest.example foi atrasada. O servidor continuará tentando.\n",
        ),
        ("Consegna ritardata", "La consegna a ops@dest.example è stata ritardata.\n"),
        ("配信遅延のお知らせ", "以下のあて先への配信が遅延しています。\n\nops@dest.example\n"),
        ("投递延迟", "您的邮件投递延迟，系统将继续尝试发送到：\n\nops@dest.example\n"),
        (
            "Mail delivery delayed",
            "Your message to ops@dest.example has been delayed.\nWe will try again later.\n",
        ),
    ],
)
def test_delay_warnings_in_other_words_and_languages_are_transient(subject: str, body: str) -> None:
    raw = text_bounce(body, subject=subject).replace(b"charset=us-ascii", b"charset=utf-8")
    report = parse_bounce(raw)
    recipient, _reason, klass, hard = only(report)
    assert (recipient, klass, hard) == ("ops@dest.example", ReplyClass.TRANSIENT, False)
    assert report.recipients[0].action == "delayed"


def test_a_person_writing_that_a_mail_failed_is_not_a_bounce_of_that_address() -> None:
    # the same sentences from a person (no mail-system sender, no returned message, not
    # Auto-Submitted): the addresses they name are not failed recipients of a bounce
    raw = (
        b"From: Bob Smith <bob@sender.example>\nTo: alice@sender.example\n"
        b"Subject: Re: error in the invoice\nDate: Thu, 01 Jan 2026 10:00:00 +0000\n"
        b"Message-ID: <p1@sender.example>\n\nHi Alice,\n\n"
        b"I sent it to carol@dest.example yesterday but it could not be delivered, can you check?\n"
        b"And my mail to dan@dest.example was delayed too.\n\nBob\n"
    )
    report = parse_bounce(raw)
    assert report.kind is not BounceKind.DSN
    assert report.recipients == ()
    # the same words from a mail system are a report
    machine = raw.replace(
        b"Bob Smith <bob@sender.example>", b"Mail Delivery System <MAILER-DAEMON@sender.example>"
    )
    assert [r.recipient for r in parse_bounce(machine).recipients] == [
        "carol@dest.example",
        "dan@dest.example",
    ]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        # an address-type prefix before the address (Exchange-style "[SMTP:...]")
        (
            "Message delivery to the following recipients failed:\n\n[SMTP:ops@dest.example]\nThe mailbox is full.\n",
            "mailboxfull",
        ),
        # a numeric date after "on" (Exchange in a locale that writes dates with digits)
        (
            "The following recipient(s) cannot be reached:\n\n"
            "      ops@dest.example on 1/2/2026 10:00 AM\n            550 5.1.1 User unknown\n",
            "userunknown",
        ),
        # the address, then a word of failure and the reply
        ("<ops@dest.example> Failed: 550 5.2.2 <ops@dest.example>: mailbox full\n", "mailboxfull"),
        ("ops@dest.example Error: 550 5.1.1 no such user here\n", "userunknown"),
    ],
)
def test_more_ways_a_report_lists_the_failed_address(body: str, reason: str) -> None:
    recipient, got, _klass, _hard = only(parse_bounce(text_bounce(body, subject="Undeliverable: hi")))
    assert (recipient, got) == ("ops@dest.example", reason)
