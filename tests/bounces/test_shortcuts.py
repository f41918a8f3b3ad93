"""The shortcuts of the per-message path give the answers of the general code they skip."""

from __future__ import annotations

import email
import email.utils
import random
from datetime import UTC, datetime
from email.message import Message

import pytest

from inboxtrace.bounces import mail as mail_module
from inboxtrace.bounces.formats import text
from inboxtrace.bounces.formats.base import field_blocks, field_dicts, sub_messages
from inboxtrace.bounces.formats.rfc3464 import field_lines
from inboxtrace.bounces.mail import normalise, parse_date, parse_mail
from inboxtrace.bounces.original import _header_block
from inboxtrace.bounces.view import Mail
from tests.bounces.conftest import CORPUS


def _general_date(value: str) -> datetime | None:
    try:
        found = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return found.replace(tzinfo=UTC) if found.tzinfo is None else found


def _mails() -> list[Mail]:
    paths = sorted((CORPUS / "emails").iterdir()) + sorted((CORPUS / "not-bounces").iterdir())
    return [Mail(parse_mail(normalise(p.read_bytes()))) for p in paths]


DATES = [
    "Thu, 15 Apr 2011 23:34:10 +0900",
    "Thu, 15 Apr 2011 23:34:10 +0900 (JST)",
    "Mon, 1 Jan 2024 00:00:00 -0000",  # zone unknown: naive, taken as UTC
    "Mon, 1 Jan 2024 00:00:00 +0000",
    "Mon, 1 Jan 2024 00:00:00 -0530",
    "Mon, 1 Jan 2024 00:00:00 +0975",  # minutes past 59: the general reader's sum
    "Mon, 1 Jan 2024 00:00:00 +2400",  # a zone of a whole day: no date
    "Sat, 31 Feb 2024 10:00:00 +0100",  # no such day
    "Sat, 10 Feb 2024 10:00:60 +0100",
    "Sat, 10 Feb 2024 24:00:00 +0100",
    "Sat, 10 Feb 0099 10:00:00 +0100",  # a two-digit year written with four
    "Sat, 10 Feb 2024 10:00:00 +0100,",
    "Sat, 10 Feb 2024 10:00:00 +0100x",
    "Sat, 10 Feb 2024 10:00:00 EST",
    "Sat, 10 Feb 24 10:00:00 +0100",
    "Sat,10 Feb 2024 10:00:00 +0100",
    "Sat, 10 feb 2024 10:00:00 +0100",
    "Sat, 10 Feb 2024 10:00 +0100",
    "Xyz, 10 Feb 2024 10:00:00 +0100",
    "  Sat, 10 Feb 2024 10:00:00 +0100  ",
    "Sat, 10 Feb 2024 10:00:00\t+0100",
    "Sat, ١٠ Feb 2024 10:00:00 +0100",  # digits of another script
    "",
    "garbage",
]


@pytest.mark.parametrize("value", DATES)
def test_dates_read_as_the_general_reader_reads_them(value: str) -> None:
    assert repr(parse_date(value)) == repr(_general_date(value))


def test_every_date_of_the_corpus_reads_as_the_general_reader_reads_it() -> None:
    seen = 0
    for mail in _mails():
        for part in mail.msg.walk():
            for name in ("Date", "Arrival-Date", "Last-Attempt-Date"):
                value = part.get(name)
                if isinstance(value, str):
                    seen += 1
                    assert repr(parse_date(value)) == repr(_general_date(value)), value
    assert seen > 400


def _split_without_gate(body: str, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    with monkeypatch.context() as patch:
        patch.setattr(text, "_marker_gate", lambda: None)
        return text.split_report(body)


def test_the_marker_gate_splits_as_every_line_tried(monkeypatch: pytest.MonkeyPatch) -> None:
    assert text._marker_gate() is not None  # the markers' literals are known: the gate is in use
    bodies = [mail.body for mail in _mails()]
    marked = [b.replace("\n\n", "\n----- Original message -----\n", 1) for b in bodies if "\n\n" in b]
    # non-ASCII text: the gate steps aside (Unicode case folding is not lower-casing)
    folded = [b.replace("Original message", "Original meſſage") for b in marked]
    split = 0
    for body in bodies + marked + folded:
        assert text.split_report(body) == _split_without_gate(body, monkeypatch)
        split += bool(text.split_report(body)[1])
    assert split > len(marked)  # the markers were found where they were put


def _status_blocks() -> list[list[Message]]:
    found = []
    for mail in _mails():
        for part in mail.msg.walk():
            subs = sub_messages(part) if part.get_content_type().endswith("delivery-status") else None
            if subs is not None:
                found.append(subs)
    return found


def test_status_fields_read_directly_as_their_lines_read() -> None:
    direct = 0
    for subs in _status_blocks():
        blocks = field_dicts(subs)
        if blocks is not None:
            direct += 1
            assert blocks == field_blocks(field_lines(subs))
    assert direct > 150


@pytest.mark.parametrize(
    "fields",
    [
        "Final-Recipient: rfc822; a@example.org\nAction: failed\nFinal-Recipient: rfc822; b@example.org\n",
        "Original-Recipient: rfc822; a@example.org\nStatus: 5.1.1\nStatus: 4.0.0\nX-Note:\n",
        "Final-Recipient: rfc822;\n  a@example.org\nDiagnostic-Code: smtp; 550-5.1.1 first\n 550 5.1.1 second\n",
        "Reporting-MTA: dns; mx.example.net\n\n\nFinal-Recipient: rfc822; a@example.org\n",
        "X_Odd: 1\nFinal-Recipient: rfc822; a@example.org\n",  # a name the line reader does not take
        "1st: x\nFinal-Recipient: rfc822; a@example.org\n",
        "Final-Recipient: rfc822; a@example.org\n\ntext after the fields\n",
        "Final-Recipient: rfc822; =?utf-8?q?j=C3=BCrgen?=@example.org\nStatus: 5.1.1 \t\n",
    ],
)
def test_status_blocks_either_way(fields: str) -> None:
    part = parse_mail(f"Content-Type: message/delivery-status\n\n{fields}".encode())
    subs = sub_messages(part)
    assert subs is not None
    expected = field_blocks(field_lines(subs))
    direct = field_dicts(subs)
    assert direct is None or direct == expected
    assert expected  # every case reads some fields


LABEL_LINES = [
    "Recipient: a@example.org",
    "  Unknown user = <a@example.org>",
    "宛先：a@example.org",
    "Original recipient address (rcpt to) : 'a@example.org'",
    "Recipient address rejected: user unknown a@example.org",
    "to: a@example.org: mailbox full",
    "mailbox a@example.org: gone",
]


def test_the_label_pattern_is_tried_only_where_it_can_match() -> None:
    lines = [line for mail in _mails() for line in mail.body.split("\n") if "@" in line] + LABEL_LINES
    matched = 0
    for line in lines:
        if text._LABEL_RE.match(line) is not None:
            matched += 1
            assert text._LABELLED_RE.search(line) is not None, line
    assert matched > 50


def test_stored_text_reads_as_the_stdlib_decodes_it() -> None:
    checked = 0
    for mail in _mails():
        for part in mail.msg.walk():
            if not part.is_multipart():
                checked += 1
                assert mail_module._payload_bytes(part) == part.get_payload(decode=True)
    for cte in ("7bit", "8BIT", "binary", "base64", "Quoted-Printable", "x-uuencode", "x-unknown"):
        part = parse_mail(f"Content-Transfer-Encoding: {cte}\n\nYWJj=3D\n".encode())
        assert mail_module._payload_bytes(part) == part.get_payload(decode=True)
    assert checked > 1000


def test_returned_headers_read_as_the_stdlib_reads_them() -> None:
    """The header block of a returned message (text after a marker, or a headers part), with
    stray lines put in at random: the same headers as the stdlib's parser gives."""
    rng = random.Random(14)
    blocks = []
    for mail in _mails():
        _report, original = text.split_report(mail.body)
        if original.strip():
            blocks.append(original)
        part = mail.original_part
        if part is not None and isinstance(part.get_payload(), str):
            blocks.append(part.get_payload())
    assert len(blocks) > 50
    for block in list(blocks):
        lines = block.lstrip("\n").split("\n")
        at = rng.randrange(min(len(lines), 20) or 1)
        blocks.append(
            "\n".join([*lines[:at], rng.choice(["not a header", ": empty", "From x"]), *lines[at:]])
        )
    for block in blocks:
        head = block.lstrip("\n").split("\n\n", 1)[0]
        expected = email.message_from_string(head + "\n").items()
        assert _header_block(block).items() == expected
