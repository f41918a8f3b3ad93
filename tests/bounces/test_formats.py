"""Formats built here from their specifications: RFC 6533 global DSNs, ARF, SES JSON, text layouts."""

from __future__ import annotations

import json

from inboxtrace.bounces import parse_bounce
from inboxtrace.model.bounce import BounceKind

GLOBAL_DSN = """From: Mail Delivery System <MAILER-DAEMON@mx.example.jp>
To: sender@example.com
Subject: Undelivered Mail Returned to Sender
Date: Fri, 02 Jan 2026 08:00:00 +0900
MIME-Version: 1.0
Content-Type: multipart/report; report-type=global-delivery-status; boundary="G"

--G
Content-Type: text/plain; charset=utf-8

The message could not be delivered.

--G
Content-Type: message/global-delivery-status

Reporting-MTA: dns; mx.example.jp

Original-Recipient: utf-8; 用户@例子.广告
Final-Recipient: utf-8; 用户@例子.广告
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.例子.广告
Diagnostic-Code: smtp; 550 5.1.1 mailbox 用户 does not exist

--G
Content-Type: message/global-headers

From: sender@example.com
To: 用户@例子.广告
Subject: 你好
Message-ID: <g1@example.com>

--G--
""".encode()

ARF = b"""From: feedback@fbl.example.net
To: abuse@sender.example.com
Subject: FW: complaint
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="F"

--F
Content-Type: text/plain

This is an email abuse report.

--F
Content-Type: message/feedback-report

Feedback-Type: opt-out
User-Agent: ExampleFBL/1.0
Version: 1
Original-Mail-From: <news@sender.example.com>
Original-Rcpt-To: <one@example.net>
Original-Rcpt-To: <two@example.net>
Arrival-Date: Fri, 02 Jan 2026 08:00:00 +0000
Reporting-MTA: dns; fbl.example.net

--F
Content-Type: message/rfc822

From: news@sender.example.com
To: one@example.net
Subject: Sale
Message-ID: <arf1@sender.example.com>

Buy now.
--F--
"""


def test_global_dsn_rfc6533() -> None:
    report = parse_bounce(GLOBAL_DSN, "g.eml")
    assert report.is_bounce
    (rcpt,) = report.recipients
    assert rcpt.recipient == "用户@例子.广告"
    assert rcpt.verdict.reason == "userunknown" and rcpt.verdict.hard_bounce
    assert report.original is not None and report.original.message_id == "<g1@example.com>"


def test_arf_feedback_type_and_every_recipient() -> None:
    report = parse_bounce(ARF, "arf.eml")
    assert report.kind is BounceKind.FEEDBACK and not report.is_bounce
    assert [(r.recipient, r.verdict.reason, r.feedback_type) for r in report.recipients] == [
        ("one@example.net", "feedback", "opt-out"),
        ("two@example.net", "feedback", "opt-out"),
    ]
    assert not any(r.verdict.hard_bounce for r in report.recipients)


def test_ses_json_bounce_complaint_delivery() -> None:
    def mail(event: dict[str, object], sns: bool) -> bytes:
        body = (
            json.dumps({"Type": "Notification", "Message": json.dumps(event)}) if sns else json.dumps(event)
        )
        head = "From: no-reply@sns.amazonaws.com\nTo: ops@example.com\nSubject: AWS Notification Message\n\n"
        return (head + body + "\n").encode()

    bounce = {
        "notificationType": "Bounce",
        "bounce": {
            "bounceType": "Permanent",
            "reportingMTA": "dsn; a1.smtp-out.amazonses.com",
            "bouncedRecipients": [
                {
                    "emailAddress": "gone@example.org",
                    "action": "failed",
                    "status": "5.1.1",
                    "diagnosticCode": "smtp; 550 5.1.1 user unknown",
                }
            ],
        },
    }
    report = parse_bounce(mail(bounce, sns=True), "ses.eml")
    assert report.is_bounce and report.format == "amazonses"
    (rcpt,) = report.recipients
    assert (rcpt.recipient, rcpt.verdict.reason, rcpt.status) == ("gone@example.org", "userunknown", "5.1.1")
    assert rcpt.reporting_mta == "a1.smtp-out.amazonses.com"
    complaint = {
        "notificationType": "Complaint",
        "complaint": {
            "complainedRecipients": [{"emailAddress": "angry@example.org"}],
            "complaintFeedbackType": "abuse",
        },
    }
    report = parse_bounce(mail(complaint, sns=False), "c.eml")
    assert report.kind is BounceKind.FEEDBACK and report.recipients[0].feedback_type == "abuse"
    delivery = {
        "notificationType": "Delivery",
        "delivery": {"recipients": ["ok@example.org"], "smtpResponse": "250 2.6.0 Message received"},
    }
    report = parse_bounce(mail(delivery, sns=False), "d.eml")
    assert report.recipients[0].verdict.reason == "delivered"


def test_text_layouts_multiple_recipients_in_order() -> None:
    qmail = b"""From: MAILER-DAEMON@mx.example.org
To: sender@example.com
Subject: failure notice

Hi. This is the qmail-send program at mx.example.org.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<first@example.net>:
192.0.2.1 does not like recipient.
Remote host said: 550 5.1.1 <first@example.net>: Recipient address rejected: User unknown
Giving up on 192.0.2.1.

<second@example.net>:
192.0.2.1 does not like recipient.
Remote host said: 552 5.2.2 <second@example.net>: Mailbox full
Giving up on 192.0.2.1.

--- Below this line is a copy of the message.

From: sender@example.com
To: first@example.net, second@example.net
Subject: hello
Message-ID: <q1@example.com>

hi
"""
    report = parse_bounce(qmail, "q.eml")
    assert report.format == "qmail"
    assert [(r.recipient, r.verdict.reason) for r in report.recipients] == [
        ("first@example.net", "userunknown"),
        ("second@example.net", "mailboxfull"),
    ]
    assert report.original is not None and report.original.message_id == "<q1@example.com>"
    exim = b"""From: Mail Delivery System <Mailer-Daemon@mx.example.org>
To: sender@example.com
Subject: Mail delivery failed: returning message to sender
X-Failed-Recipients: far@example.net

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  far@example.net
    host mx.example.net [192.0.2.9]
    SMTP error from remote mail server after end of data:
    554 5.7.1 Message rejected as spam

------ This is a copy of the message, including all the headers. ------

From: sender@example.com
To: far@example.net
Subject: hello
"""
    report = parse_bounce(exim, "e.eml")
    assert report.format == "exim"
    (rcpt,) = report.recipients
    assert rcpt.verdict.reason == "spamdetected" and rcpt.verdict.phase is not None
