"""Every Postfix line shape of the grok corpus: recognised (never unknown), fields as expected."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from inboxtrace.logs import LogStats, Scanner, all_parsers
from inboxtrace.sources import LineBlock
from tests.conftest import SHARED
from tests.logs.recording import RecordingSink

CASES = SHARED / "corpus" / "logs" / "grok-cases"
# Sub-patterns of a line, not lines: they are checked through the lines that contain them.
FRAGMENTS = {"POSTFIX_DELAYS", "POSTFIX_TLS_FEATURES", "POSTFIX_COMMAND_COUNTER_DATA", "POSTFIX_RELAY"}
DAEMON = {"TRIVIAL_REWRITE": "trivial-rewrite", "SCRIPT": "postfix-script"}


def _cases() -> list[Path]:
    return sorted(CASES.glob("*.yaml"))


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def _scan(daemon: str, message: str) -> tuple[RecordingSink, LogStats]:
    sink = RecordingSink()
    stats = LogStats()
    scanner = Scanner(all_parsers(), sink, stats)
    line = f"Oct 26 18:13:50 mx postfix/{daemon}[4242]: {message}"
    scanner.scan(LineBlock(0, 1, [line], [len(line) + 1], len(line) + 1))
    return sink, stats


def test_corpus_is_there() -> None:
    assert len(_cases()) > 150


@pytest.mark.parametrize("path", _cases(), ids=lambda p: p.stem)
def test_grok_case(path: Path) -> None:
    case = _load(path)
    pattern = case["pattern"].strip("^$").removeprefix("%{").removesuffix("}")
    if pattern in FRAGMENTS:
        assert case["data"]  # a fragment, exercised inside full lines elsewhere
        return
    name = pattern.removeprefix("POSTFIX_")
    daemon = DAEMON.get(name, name.lower())
    message = case["data"].rstrip("\n").split("\n", 1)[0]
    expected: dict[str, Any] = case.get("results") or {}
    sink, stats = _scan(daemon, message)
    assert stats.lines == 1
    assert stats.unknown == 0, f"unknown: {stats.unknown_samples}"
    events = sink.events
    qid = expected.get("postfix_queueid")
    if qid and qid != "NOQUEUE":
        assert events or stats.ignored, "a line with a queue id is an event or knowingly ignored"
        if events:
            assert events[0].get("qid") == qid
    if (
        "NOQUEUE" in message
        and "reject: CONNECT" not in message  # a refused connection, no message: ignored by kind
        and expected.get("postfix_action", "reject") in ("reject", "milter-reject", "discard")
    ):
        (ev,) = events
        assert ev["event"] == "reject" and ev["qid"] is None
        if "postfix_client_ip" in expected:
            assert ev["client_ip"] == expected["postfix_client_ip"]
        if "postfix_status_code" in expected:
            assert ev["text"].startswith(str(expected["postfix_status_code"]))
    if expected.get("postfix_status") == "expired" and "to=<" not in message:
        (ev,) = events
        assert ev["event"] == "expired"
    elif "postfix_status" in expected:
        (ev,) = events
        assert ev["event"] == "delivery"
        assert ev["status"] == expected["postfix_status"]
        for key in (
            "postfix_smtp_response",
            "postfix_local_response",
            "postfix_pipe_response",
            "postfix_error_response",
        ):
            if key in expected:
                assert ev["text"] == expected[key]
    if "postfix_bounce_queueid" in expected:
        (ev,) = events
        assert ev["event"] == "notification"
        assert ev["dsn_qid"] == expected["postfix_bounce_queueid"]
    if "postfix_message-id" in expected and events and events[0]["event"] == "message_id":
        assert events[0]["message_id"] == expected["postfix_message-id"]
    if "postfix_relay_hostname" in expected and events:
        ev = events[0]
        blob = " ".join(str(v) for v in ev.values())
        assert expected["postfix_relay_hostname"] in blob


def test_delivery_fields() -> None:
    sink, _ = _scan(
        "smtp",
        "0D9633D: to=<jos@example.com>, orig_to=<bestuur@example.com>, relay=mail1.example.net[10.74.103.11]:25, "
        "delay=11, delays=5.4/0.06/5.1/0.03, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as F12DF84004)",
    )
    (ev,) = sink.events
    assert ev == {
        "event": "delivery", "host": "mx", "qid": "0D9633D", "rcpt": "jos@example.com",
        "orig": "bestuur@example.com", "status": "sent", "relay": "mail1.example.net[10.74.103.11]:25",
        "delay": "11", "delays": "5.4/0.06/5.1/0.03", "dsn": "2.0.0", "text": "250 2.0.0 Ok: queued as F12DF84004",
    }  # fmt: skip


def test_postscreen_reject_fields() -> None:
    sink, _ = _scan(
        "postscreen",
        "NOQUEUE: reject: RCPT from [27.157.200.233]:4984: 550 5.7.1 Service unavailable; client [27.157.200.233] "
        "blocked using zen.spamhaus.org; from=<hcdvbnm@qhhn.com>, to=<x@example.com>, proto=ESMTP, helo=<qhhn.com>",
    )
    (ev,) = sink.events
    assert ev["client_ip"] == "27.157.200.233"
    assert ev["sender"] == "hcdvbnm@qhhn.com" and ev["rcpt"] == "x@example.com"
    assert ev["stage"] == "RCPT"
    assert ev["text"].startswith("550 5.7.1 Service unavailable; client [27.157.200.233] blocked using zen")


def test_cleanup_header_reject() -> None:
    sink, _ = _scan(
        "cleanup",
        "4104E3D: reject: header Subject: win big from mail.example[192.0.2.1]; from=<a@example.org> "
        "to=<b@example.net> proto=ESMTP helo=<mail.example>: 5.7.1 message content rejected",
    )
    (ev,) = sink.events
    assert ev["qid"] == "4104E3D" and ev["rcpt"] == "b@example.net" and ev["sender"] == "a@example.org"
    assert ev["text"] == "5.7.1 message content rejected"


# What Postfix 3.7 wrote with header_checks "/^Subject:/ WARN" (tests/web/test_subjects.py makes
# these with the real Postfix): the header as written, cut at 200 characters, 8-bit bytes and
# line breaks as "?", encoded-words left encoded.
SUBJECT_LINES = [
    ("warning: header Subject: Plain <b>hi</b> from a friend from localhost[127.0.0.1]; from=<a@sender.test> "
     "to=<x@dest.test> proto=ESMTP helo=<client.rig.test>", "Plain <b>hi</b> from a friend"),
    ("warning: header Subject: =?utf-8?b?R3LDvMOfZSBhdXMgS8O2bG4g4oCTIMO8bsOvY8O2ZMOp?= from "
     "localhost[127.0.0.1]; from=<a@sender.test> to=<y@dest.test> proto=ESMTP helo=<client.rig.test>",
     "Grüße aus Köln – ünïcödé"),
    ("info: header subject: Re: =?UTF-8?Q?caf=C3=A9_menu?=?\t=?ISO-8859-1?Q?=E5?= ok? yes from local; "
     "from=<a@sender.test> to=<v@dest.test>", "Re: café menuå ok? yes"),
    ("warning: header Subject: raw 8bit ??t??? folded line two from localhost[127.0.0.1]; "
     "from=<a@sender.test> to=<w@dest.test> proto=ESMTP helo=<[127.0.0.1]>", "raw 8bit ??t??? folded line two"),
    # cut short in an encoded-word, and a charset Python does not know: kept as written
    ("warning: header Subject: ok =?UTF-8?B?S8O2bG4=?= =?UTF-8?B?R3LDvMOfZSBhdX from h[192.0.2.1]; from=<a@b> "
     "to=<c@d> proto=ESMTP helo=<h>", "ok Köln =?UTF-8?B?R3LDvMOfZSBhdX"),
    ("warning: header Subject: =?x-no-such-charset?Q?abc?= from h[192.0.2.1]; from=<a@b> to=<c@d>",
     "=?x-no-such-charset?Q?abc?="),
    ("warning: header Subject: from h[192.0.2.1]; from=<a@b> to=<c@d> proto=ESMTP helo=<h>", ""),
]  # fmt: skip


@pytest.mark.parametrize(("message", "subject"), SUBJECT_LINES)
def test_cleanup_subject_warning(message: str, subject: str) -> None:
    sink, stats = _scan("cleanup", f"4104E3D: {message}")
    assert stats.unknown == 0
    assert sink.events == [{"event": "subject", "host": "mx", "qid": "4104E3D", "subject": subject}]


def test_other_header_warnings_stay_ignored() -> None:
    sink, stats = _scan(
        "cleanup",
        "4104E3D: warning: header From: a@b from h[192.0.2.1]; from=<a@b> to=<c@d> proto=ESMTP helo=<h>",
    )
    assert sink.events == [] and stats.ignored["cleanup-header"] == 1
