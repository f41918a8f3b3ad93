"""The fast MIME reader builds exactly the stdlib's tree, and declines what it cannot read so."""

from __future__ import annotations

import email
import random
from email.message import Message
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inboxtrace.bounces.mail import normalise, parse_mail
from inboxtrace.bounces.mime import IndexedMessage, fast_message, read_headers
from tests.bounces.conftest import CORPUS


def _tree(msg: Message, depth: int = 0) -> list[Any]:
    out: list[Any] = [(depth, msg.get_content_type(), msg.get_default_type(), tuple(msg.items()))]
    out.append([type(d).__name__ for d in msg.defects if type(d).__name__ in _DEFECTS_READ])
    payload = msg.__dict__["_payload"]  # as stored (get_payload() replaces escaped 8-bit bytes)
    if isinstance(payload, list):
        for part in payload:
            out.extend(_tree(part, depth + 1))
    else:
        out.append(("payload", payload))
    return out


# the defects the fast reader records as the stdlib does (the stdlib records others too)
_DEFECTS_READ = frozenset(
    {"MissingHeaderBodySeparatorDefect", "NoBoundaryInMultipartDefect", "CloseBoundaryNotFoundDefect"}
)


def _texts() -> list[tuple[str, str]]:
    paths = sorted((CORPUS / "emails").iterdir()) + sorted((CORPUS / "not-bounces").iterdir())
    out = []
    for path in paths:
        raw = normalise(path.read_bytes()).lstrip(b"\n")
        if raw.startswith(b"From "):
            raw = raw.split(b"\n", 1)[1]
        out.append((path.name, raw.decode("ascii", "surrogateescape")))
    return out


def test_same_tree_as_the_stdlib_on_the_corpus() -> None:
    read = 0
    differ = []
    for name, text in _texts():
        fast = fast_message(text)
        if fast is None:
            continue
        read += 1
        if _tree(fast) != _tree(email.message_from_string(text)):
            differ.append(name)
    assert differ == []
    assert read >= 300  # the fast path is the common path, not the exception


DSN = """From: MAILER-DAEMON@mx.example.net
To: news@example.com
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

The mail system

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; a@example.org
Action: failed
Status: 5.1.1


--B
Content-Type: message/rfc822

From: news@example.com
To: a@example.org
Subject: hi

body
--B--
"""


def test_delivery_status_blocks_and_nested_message() -> None:
    fast = fast_message(DSN)
    assert fast is not None
    assert _tree(fast) == _tree(email.message_from_string(DSN))
    status = fast.get_payload()[1].get_payload()
    assert [b.get("Final-Recipient") for b in status][:2] == [None, "rfc822; a@example.org"]


@pytest.mark.parametrize(
    "damaged",
    [
        DSN.replace('; boundary="B"', ""),  # multipart without a boundary
        DSN.replace("Subject: Undelivered", "Subject Undelivered"),  # a header line that is not one
        DSN.replace("Subject: hi\n", "Subject: hi\nnot a header\n"),  # damage in the returned copy
        DSN.replace("--B\nContent-Type: text/plain\n", "--B\nnot a header\nContent-Type: text/plain\n"),
        DSN.replace("Content-Type: message/rfc822\n", 'Content-Type: multipart/mixed;\nboundary="C"\n'),
        DSN.replace("--B--\n", "--B--"),
    ],
)
def test_damage_the_stdlib_reads_its_way_is_read_so(damaged: str) -> None:
    """A line in the headers that is not a header ends them and starts the body; a multipart
    without a boundary keeps its body as text: both with the stdlib's tree and defects."""
    fast = fast_message(damaged)
    assert fast is not None
    assert _tree(fast) == _tree(email.message_from_string(damaged))
    assert parse_mail(damaged.encode()).get("From") == "MAILER-DAEMON@mx.example.net"


@pytest.mark.parametrize(
    "damaged",
    [
        DSN.replace("Subject: Undelivered", ": Undelivered"),  # an empty name: a header to the stdlib
        DSN.replace("Subject: Undelivered", "From Undelivered"),  # an envelope line among the headers
        DSN.replace('boundary="B"', 'boundary=""'),
    ],
)
def test_damage_is_left_to_the_stdlib(damaged: str) -> None:
    assert fast_message(damaged) is None
    msg = parse_mail(damaged.encode())  # and the message is still read
    assert msg.get("To") == "news@example.com"


NESTED = DSN.replace(
    "From: news@example.com\n",
    'From: news@example.com\nContent-Type: multipart/alternative; boundary="C"\n',
).replace(
    "body\n", "--C\nContent-Type: text/plain\n\nplain\n\n--C\nContent-Type: text/html\n\n<p>html</p>\n--C--\n"
)


@pytest.mark.parametrize("whole", [DSN, NESTED], ids=["dsn", "nested"])
def test_a_message_cut_short_is_read_as_the_stdlib_reads_it(whole: str) -> None:
    """Returned messages are often cut: a multipart without its closing delimiter, its last part
    running to the end of the text (wherever the cut falls), the defect recorded."""
    read = 0
    for end in range(whole.index("--B\n"), len(whole) + 1):
        text = whole[:end]
        fast = fast_message(text)
        if fast is None:
            continue
        read += 1
        slow = email.message_from_string(text)
        assert _tree(fast) == _tree(slow), repr(text[-40:])
        assert (fast.preamble, fast.epilogue) == (slow.preamble, slow.epilogue)
        assert [type(d) for d in fast.defects] == [type(d) for d in slow.defects], repr(text[-40:])
    assert read > 100  # most cuts: those inside a header line or a delimiter are declined


def test_a_folded_line_first_is_not_read() -> None:
    assert fast_message(" folded first line\n" + DSN) is None


def test_eight_bit_text_survives() -> None:
    raw = DSN.replace("body\n", "本文 çà\n").encode()
    text = raw.decode("ascii", "surrogateescape")
    fast = fast_message(text)
    assert fast is not None
    assert _tree(fast) == _tree(email.message_from_string(text))
    inner = fast.get_payload()[2].get_payload()[0]
    assert inner.get_payload(decode=True).decode() == "本文 çà"


def _answers(msg: Message) -> list[Any]:
    """What the readers ask of every part: headers by name, parameters, boundary, charset."""
    out: list[Any] = []
    for part in msg.walk():
        names = {k.lower() for k in part} | {"content-type", "x-missing"}
        out.append(
            sorted((n, str(part.get(n)), part[n] is None, n in part, n.upper() in part) for n in names)
        )
        out.append(
            (part.get_params(), part.get_param("boundary"), part.get_boundary(), part.get_content_charset())
        )
        out.append((part.get_content_type(), part.get_filename(), part.get_param("report-type")))
    return out


def test_indexed_messages_answer_as_the_stdlib_on_the_corpus() -> None:
    for name, text in _texts():
        plain = email.message_from_string(text)
        indexed = email.message_from_string(text, _class=IndexedMessage)
        assert _answers(indexed) == _answers(plain), name


def test_indexed_messages_follow_header_changes() -> None:
    text = 'Content-Type: multipart/mixed; boundary="a"\nX-A: 1\nx-a: 2\n\n--a\n\nbody\n--a--\n'
    plain = email.message_from_string(text)
    indexed = email.message_from_string(text, _class=IndexedMessage)
    steps = [
        lambda m: m.set_boundary("b"),
        lambda m: m.replace_header("x-a", "3"),
        lambda m: m.__delitem__("X-A"),
        lambda m: m.__setitem__("X-A", "4"),
        lambda m: m.set_param("charset", "utf-8"),
        lambda m: m.del_param("boundary"),
        lambda m: m.set_type("text/plain"),
    ]
    for step in steps:
        step(plain)
        step(indexed)
        assert _answers(indexed) == _answers(plain)
        assert indexed.items() == plain.items()


def test_lines_dropped_into_headers_read_as_the_stdlib_reads_them() -> None:
    """Stray lines put into header blocks at random (and boundaries taken away) across the corpus:
    whatever the fast reader accepts, it reads as the stdlib does, defects included."""
    rng = random.Random(14)
    read = 0
    for _name, text in _texts():
        lines = text.split("\n")
        for _ in range(3):
            at = rng.randrange(min(len(lines), 60))
            stray = rng.choice(["not a header", "boundary=x", "[copy follows]", "--x", "a b: c"])
            mutated = "\n".join([*lines[:at], stray, *lines[at:]])
            if rng.random() < 0.3:
                mutated = mutated.replace("boundary=", "boundory=", 1)
            fast = fast_message(mutated)
            if fast is not None:
                read += 1
                assert _tree(fast) == _tree(email.message_from_string(mutated)), (_name, at, stray)
    assert read > 600


_BLOCK_OF_HEADER_LINES = r"[\x21-\x39\x3b-\x7e]+:[^\n]*(?:\n(?:[\x21-\x39\x3b-\x7e]+:|[ \t])[^\n]*)*"


@settings(max_examples=3000, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["A: b", "X-Y:", " folded", "\tfolded", "", "no colon", " ", "é: x", ":x", "a:b:c", "From x"]
        ),
        max_size=6,
    )
)
def test_a_header_block_is_read_exactly_when_every_line_is_a_header_or_folds_one(lines: list[str]) -> None:
    import re

    head = "\n".join(lines)
    read = read_headers(head)
    whole = bool(head) and re.fullmatch(_BLOCK_OF_HEADER_LINES, head) is not None
    assert (read is not None) == whole, head
    if read is not None:
        assert read.items() == email.message_from_string(head + "\n\n").items()
