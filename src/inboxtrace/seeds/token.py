"""Placement tests and their tokens: making one, and marking a message with it."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime

from inboxtrace.errors import InputError
from inboxtrace.model.placement import PlacementTest

HEADER = "X-Inboxtrace-Test"
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no look-alikes: easy to read out on the phone


def new_token(n: int = 16) -> str:
    return "it" + "".join(secrets.choice(_ALPHABET) for _ in range(n))


def new_test(
    *, seed_file: str | None = None, note: str | None = None, now: datetime | None = None
) -> PlacementTest:
    """A fresh test: id ``YYYYMMDD-HHMMSS-xxxx`` and a unique token."""
    now = now or datetime.now(UTC)
    test_id = f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"
    return PlacementTest(
        test_id=test_id, token=new_token(), created=now, header=HEADER, seed_file=seed_file, note=note
    )


_HEADER_END = re.compile(rb"\r?\n\r?\n")


def stamp(message: bytes, test: PlacementTest) -> bytes:
    """``message`` with ``X-Inboxtrace-Test: <token>`` as its first header (an old one is dropped).

    Line endings follow the message's own. Raises :class:`InputError` when there is no header block.
    """
    if message.startswith(b"From "):  # an mbox separator line saved with the message: not a header
        message = message.split(b"\n", 1)[1] if b"\n" in message else b""
    m = _HEADER_END.search(message)
    if not m or b":" not in message[: m.start()]:
        raise InputError(
            "the message file has no header block (expected RFC 5322 headers, a blank line, a body)"
        )
    eol = b"\r\n" if message[: m.end()].count(b"\r\n") else b"\n"
    head, rest = message[: m.start()], message[m.start() :]
    lines = head.split(eol)
    kept: list[bytes] = []
    skipping = False
    name = test.header.lower().encode()
    for line in lines:
        if line[:1] in (b" ", b"\t") and skipping:
            continue
        skipping = line.split(b":", 1)[0].strip().lower() == name
        if not skipping:
            kept.append(line)
    new_head = f"{test.header}: {test.token}".encode() + eol + eol.join(kept)
    return new_head + rest


def instructions(test: PlacementTest) -> str:
    """How a sender mixing the seeds into a real campaign includes the token."""
    return (
        f"Add this header to the campaign:\n    {test.header}: {test.token}\n"
        f"or, if your platform strips custom headers, put this marker anywhere in the body:\n"
        f"    {test.body_marker}\n"
        f"Then send to the seed list and run: inboxtrace placement check {test.test_id}"
    )
