"""Messages written for the content tests: a clean newsletter, a spammy one, broken ones."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime

_PARAGRAPH = (
    "This month we rebuilt the search page of the catalogue, so finding a part by its number "
    "takes one step instead of three. The new page also remembers your last ten searches and "
    "shows which parts are in stock at the warehouse nearest to you. Thank you to everyone who "
    "wrote in with ideas; several of them are in this release and more are planned for the "
    "spring. "
)


def newsletter(
    *,
    html: str | None = None,
    text: str | None = None,
    from_: str = "Example Shop <news@shop.example>",
    unsubscribe: bool = True,
    extra: dict[str, str] | None = None,
) -> bytes:
    """A well-formed multipart/alternative newsletter from shop.example (parts replaceable)."""
    msg = EmailMessage()
    msg["From"] = from_
    msg["To"] = "Reader <reader@inbox.example>"
    msg["Subject"] = "What changed in the catalogue this month"
    msg["Date"] = format_datetime(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    msg["Message-ID"] = "<20261201090000.4f2a9c@shop.example>"
    if unsubscribe:
        msg["List-Unsubscribe"] = "<https://shop.example/u/4f2a9c>, <mailto:unsub-4f2a9c@shop.example>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    for k, v in (extra or {}).items():
        msg[k] = v
    body_text = (
        text
        if text is not None
        else (
            _PARAGRAPH * 2
            + "\nRead more: https://shop.example/news/12\n\nUnsubscribe: https://shop.example/u/4f2a9c\n"
        )
    )
    msg.set_content(body_text)
    body_html = (
        html
        if html is not None
        else (
            "<html><body><h1>Catalogue news</h1>"
            + f"<p>{_PARAGRAPH}</p><p>{_PARAGRAPH}</p>"
            + '<p><a href="https://shop.example/news/12">Read more</a></p>'
            + '<p><a href="https://shop.example/u/4f2a9c">Unsubscribe</a></p></body></html>'
        )
    )
    msg.add_alternative(body_html, subtype="html")
    return msg.as_bytes()


def html_only(html: str | None = None, **kw: object) -> bytes:
    """The newsletter with its HTML part only (no text/plain)."""
    msg = email.message_from_bytes(newsletter(html=html, **kw), policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    part = msg.get_body(("html",))
    assert part is not None
    for name in ("Content-Type", "Content-Transfer-Encoding", "MIME-Version"):
        del msg[name]
    msg.set_content(part.get_content(), subtype="html")
    return msg.as_bytes()


SPAMMY = b"""\
From: WINNER NOTICE <winner@prizes.example>
To: you@inbox.example
Subject: YOU HAVE WON $1,000,000 ACT NOW!!!
Date: Tue, 1 Dec 2026 09:00:00 +0000
Message-ID: <1@p>
MIME-Version: 1.0
Content-Type: text/html; charset=us-ascii

<html><body><center><a href="http://bit.ly/3xYzAbc"><img src="http://img.prizes.example/win.jpg"></a>
<p>100% GUARANTEED!!! Claim your cash prize now, ACT NOW, limited time, viagra cialis free money,
wire transfer of US$ 10,000,000 (TEN MILLION DOLLARS) from the bank of the late prince.</p>
</center></body></html>
"""

BROKEN_MIME = b"""\
From: Example Shop <news@shop.example>
To: reader@inbox.example
Subject: Broken parts
Date: Tue, 1 Dec 2026 09:00:00 +0000
Message-ID: <20261201090000.broken@shop.example>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64

VGhpcyBpcyBub3QgdmFsaWQgYmFzZTY0IQ=x=
--b1
Content-Type: text/html; charset=no-such-charset

<p>The closing boundary never comes
"""
