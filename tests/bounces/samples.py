"""Small bounce messages built in the tests (realistic layouts, our own text)."""

from __future__ import annotations


def dsn(
    recipient: str = "kijitora@example.org",
    *,
    message_id: str = "<m1.20260101@sender.example.com>",
    diagnostic: str = "smtp; 550 5.1.1 <kijitora@example.org>: Recipient address rejected: User unknown",
    status: str = "5.1.1",
    date: str = "Thu, 01 Jan 2026 10:05:00 +0000",
    queue_id: str = "4F1A2B3C4D",
    extra_text: str = "",
) -> bytes:
    """A Postfix-style RFC 3464 DSN for one recipient, returning the original's headers."""
    return f"""Return-Path: <>
From: MAILER-DAEMON@mx1.sender.example.com (Mail Delivery System)
To: bounces+campaign7=sender.example.com@sender.example.com
Subject: Undelivered Mail Returned to Sender
Date: {date}
Message-Id: <20260101100500.DSN1@mx1.sender.example.com>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="BOUNDARY-1"

--BOUNDARY-1
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx1.sender.example.com.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.
{extra_text}
<{recipient}>: host mx.example.org[192.0.2.25] said: 550 5.1.1
    <{recipient}>: Recipient address rejected: User unknown (in reply to RCPT TO command)

--BOUNDARY-1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx1.sender.example.com
X-Postfix-Queue-ID: {queue_id}
Arrival-Date: Thu,  1 Jan 2026 10:04:58 +0000 (UTC)

Final-Recipient: rfc822; {recipient}
Original-Recipient: rfc822;{recipient}
Action: failed
Status: {status}
Remote-MTA: dns; mx.example.org
Diagnostic-Code: {diagnostic}

--BOUNDARY-1
Content-Type: text/rfc822-headers

Return-Path: <bounces+campaign7=sender.example.com@sender.example.com>
From: News <news@sender.example.com>
To: {recipient}
Subject: January news
Date: Thu, 01 Jan 2026 10:04:57 +0000
Message-ID: {message_id}
X-Campaign-ID: jan-2026
List-Unsubscribe: <mailto:unsub@sender.example.com>

--BOUNDARY-1--
""".encode()


def vacation() -> bytes:
    return b"""From: Tora <tora@example.net>
To: news@sender.example.com
Subject: Out of office: January news
Auto-Submitted: auto-replied
Date: Thu, 01 Jan 2026 10:06:00 +0000
Content-Type: text/plain; charset=utf-8

I am away until Monday and will answer your mail when I return.
"""


def plain_mail() -> bytes:
    return b"""From: Alice <alice@example.net>
To: bob@example.org
Subject: lunch?
Date: Thu, 01 Jan 2026 10:06:00 +0000

Shall we have lunch?
"""
