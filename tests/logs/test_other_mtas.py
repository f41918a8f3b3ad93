"""Exim and Sendmail logs: arrivals, deliveries, bounces, deferrals, completion, rejections."""

from __future__ import annotations

import re
from pathlib import Path

from inboxtrace.logs import LogStats
from inboxtrace.model import FinalState, Message
from inboxtrace.timeline import read_logs
from tests.conftest import SHARED

FAIL2BAN = SHARED / "corpus" / "logs" / "fail2ban"

EXIM_MAINLOG = """\
2025-03-14 10:00:00 1tsxYz-0001aB-Cd <= alice@example.org H=app.example.org [192.0.2.10]:41234 P=esmtps X=TLS1.3:TLS_AES_256_GCM_SHA384:256 S=2345 id=msg1@example.org
2025-03-14 10:00:01 1tsxYz-0001aB-Cd => bob@example.net R=dnslookup T=remote_smtp H=mx.example.net [198.51.100.7] X=TLS1.3:TLS_AES_256_GCM_SHA384:256 C="250 2.0.0 Ok: queued as 4ZzQ1x2Y3" QT=1s DT=0s
2025-03-14 10:00:01 1tsxYz-0001aB-Cd -> carol@example.net R=dnslookup T=remote_smtp H=mx.example.net [198.51.100.7] C="250 2.0.0 Ok: queued as 4ZzQ1x2Y3"
2025-03-14 10:00:01 1tsxYz-0001aB-Cd Completed QT=1s
2025-03-14 10:01:00 1tsxZa-00000001aB-Ef12 <= alice@example.org H=app.example.org [192.0.2.10] P=esmtp S=999 id=msg2@example.org
2025-03-14 10:01:01 1tsxZa-00000001aB-Ef12 ** nobody@gmail.com R=dnslookup T=remote_smtp H=gmail-smtp-in.l.google.com [142.250.102.27]: SMTP error from remote mail server after RCPT TO:<nobody@gmail.com>: 550-5.1.1 The email account that you tried to reach does not exist. 550 5.1.1 https://support.google.com/mail/?p=NoSuchUser a1si99 - gsmtp
2025-03-14 10:01:01 1tsxZb-0001aB-Gh <= <> R=1tsxZa-00000001aB-Ef12 U=Debian-exim P=local S=3012
2025-03-14 10:01:01 1tsxZa-00000001aB-Ef12 Completed
2025-03-14 10:01:02 1tsxZb-0001aB-Gh => alice@example.org R=local_user T=local_delivery
2025-03-14 10:01:02 1tsxZb-0001aB-Gh Completed
2025-03-14 10:02:00 1tsxZc-0001aB-Ij <= alice@example.org H=app.example.org [192.0.2.10] P=esmtp S=500 id=msg3@example.org
2025-03-14 10:02:01 1tsxZc-0001aB-Ij == slow@example.com R=dnslookup T=remote_smtp defer (-44) H=mx.example.com [203.0.113.5]: SMTP error from remote mail server after RCPT TO:<slow@example.com>: 451 4.7.1 Greylisted, try again later
2025-03-14 10:02:05 H=bad.example [203.0.113.66] F=<spam@bad.example> rejected RCPT <victim@example.org>: relay not permitted
2025-03-14 10:02:06 SMTP connection from [203.0.113.66] lost
"""

SENDMAIL = """\
Mar 14 10:00:00 mta sm-mta[1234]: 2AEA0000012345: from=<alice@example.org>, size=1200, class=0, nrcpts=2, msgid=<m1@example.org>, proto=ESMTP, daemon=MTA, relay=app.example.org [192.0.2.10]
Mar 14 10:00:02 mta sm-mta[1235]: 2AEA0000012345: to=<bob@example.net>, delay=00:00:02, xdelay=00:00:01, mailer=esmtp, pri=121200, relay=mx.example.net. [198.51.100.7], dsn=2.0.0, stat=Sent (OK id=1tsxYz-0001aB-Cd)
Mar 14 10:00:03 mta sm-mta[1235]: 2AEA0000012345: to=<nobody@example.net>, delay=00:00:03, xdelay=00:00:01, mailer=esmtp, pri=121200, relay=mx.example.net. [198.51.100.7], dsn=5.1.1, stat=User unknown
Mar 14 10:00:03 mta sm-mta[1235]: 2AEA0000012345: 2AEA0000012346: DSN: User unknown
Mar 14 10:00:04 mta sm-mta[1236]: 2AEA0000012347: to=<later@example.com>, delay=00:05:00, xdelay=00:00:30, mailer=esmtp, pri=30000, relay=mx.example.com. [203.0.113.5], dsn=4.0.0, stat=Deferred: Connection timed out with mx.example.com.
"""


def _read(tmp_path: Path, name: str, text: str, **kw: object) -> tuple[list[Message], LogStats]:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    stats = LogStats()
    return list(read_logs([path], stats=stats, **kw)), stats  # type: ignore[arg-type]


def _by_rcpt(messages: list[Message]) -> dict[str, tuple[Message, FinalState]]:
    return {d.recipient: (m, d.final_state) for m in messages for d in m.deliveries}


def test_exim_mainlog(tmp_path: Path) -> None:
    messages, stats = _read(tmp_path, "mainlog", EXIM_MAINLOG, host="mx1.example.org")
    assert stats.unknown == 0, stats.unknown_samples
    r = _by_rcpt(messages)
    assert r["bob@example.net"][1] is FinalState.DELIVERED
    assert r["carol@example.net"][1] is FinalState.DELIVERED
    assert r["nobody@gmail.com"][1] is FinalState.BOUNCED
    assert r["slow@example.com"][1] is FinalState.DEFERRED
    assert r["victim@example.org"][1] is FinalState.REJECTED
    msg = r["bob@example.net"][0]
    assert msg.mta == "exim" and msg.host == "mx1.example.org"
    assert msg.sender == "alice@example.org" and msg.size == 2345 and msg.message_id == "msg1@example.org"
    assert msg.client_ip == "192.0.2.10" and msg.completed is not None
    assert msg.next_hops == ("4ZzQ1x2Y3", "4ZzQ1x2Y3")
    bounced = r["nobody@gmail.com"][0]
    assert bounced.queue_id == "1tsxZa-00000001aB-Ef12"  # Exim >= 4.97 id
    d = bounced.deliveries[0]
    assert d.dsn_queue_id == "1tsxZb-0001aB-Gh"
    assert d.attempts[0].relay_host == "gmail-smtp-in.l.google.com"
    assert d.attempts[0].verdict is not None and d.attempts[0].verdict.reason == "userunknown"
    dsn = next(m for m in messages if m.queue_id == "1tsxZb-0001aB-Gh")
    assert dsn.dsn_of == "1tsxZa-00000001aB-Ef12"
    deferred = r["slow@example.com"][0].deliveries[0].attempts[0]
    assert deferred.reply is not None and "451 4.7.1" in deferred.reply


def test_sendmail(tmp_path: Path) -> None:
    messages, stats = _read(tmp_path, "maillog", SENDMAIL)
    assert stats.unknown == 0, stats.unknown_samples
    r = _by_rcpt(messages)
    assert r["bob@example.net"][1] is FinalState.DELIVERED
    assert r["nobody@example.net"][1] is FinalState.BOUNCED
    assert r["later@example.com"][1] is FinalState.DEFERRED
    msg = r["bob@example.net"][0]
    assert msg.mta == "sendmail" and msg.message_id == "m1@example.org" and msg.nrcpt == 2
    a = msg.deliveries[0].attempts[0]
    assert a.relay_host == "mx.example.net." and a.relay_ip == "198.51.100.7"
    assert a.delay == 1.0 and a.dsn == "2.0.0"
    bounced = next(d for d in msg.deliveries if d.recipient == "nobody@example.net")
    assert bounced.dsn_queue_id == "2AEA0000012346"
    assert msg.completed is not None  # both recipients final and the DSN logged: done
    later = r["later@example.com"][0]
    assert later.completed is None  # still deferred


def test_fail2ban_rejects(tmp_path: Path) -> None:
    """Every refusal line of the Sendmail corpus is one rejection: check_rcpt and a local
    "<x@y>... No such user here" refuse the recipient they name, check_relay the connection (no
    recipient: the empty one); a ruleset line carries the client's IP."""
    path = FAIL2BAN / "sendmail-reject.log"
    lines = path.read_text("utf-8").splitlines()
    named = [ln for ln in lines if ", reject=" in ln and "arg1=<" in ln and "check_rcpt" in ln]
    local = [ln for ln in lines if ">... " in ln and "ruleset=" not in ln]
    connections = [ln for ln in lines if ", reject=" in ln and "ruleset=check_relay" in ln]
    assert named and local and connections
    messages = list(read_logs([path]))
    rejected = [(m, d) for m in messages for d in m.deliveries if d.final_state is FinalState.REJECTED]
    assert len([d for _m, d in rejected if d.recipient]) == len(named) + len(local)
    assert len([d for _m, d in rejected if not d.recipient]) == len(connections)
    for m, d in rejected:
        line = d.attempts[0].evidence.line  # type: ignore[union-attr]
        if "ruleset=" in line:
            assert m.client_ip and f"[{m.client_ip}]" in line
        else:
            assert f"<{d.recipient}>... " in line and d.attempts[0].reply == line.split(">... ", 1)[1]


def test_fail2ban_postfix_and_exim_rejects() -> None:
    """Each reject line is one rejection: of the recipient it names (``to=<...>``, ``rejected RCPT
    <...>``), else of the whole transaction (empty recipient). Postfix CONNECT rejects stay an
    ignored kind (postscreen/smtpd refusing the client before any transaction)."""
    shapes = (
        ("postfix.log", r": reject: (?!CONNECT)", r"to=<[^>]+>"),
        ("exim.log", r" rejected (?:RCPT|MAIL|EHLO|HELO) ", r" rejected RCPT "),
    )
    for name, marker, names_rcpt in shapes:
        path = FAIL2BAN / name
        lines = [
            ln
            for ln in path.read_text("utf-8").splitlines()
            if re.search(marker, ln) and not ln.startswith("#")
        ]
        named = sum(1 for ln in lines if re.search(names_rcpt, ln))
        unnamed = len(lines) - named
        got = [
            m
            for m in read_logs([path])
            if m.deliveries and m.deliveries[0].final_state is FinalState.REJECTED
        ]
        assert len([m for m in got if m.deliveries[0].recipient]) == named, name
        assert len([m for m in got if not m.deliveries[0].recipient]) == unnamed, name


def test_forced_format(tmp_path: Path) -> None:
    text = "Mar 14 10:00:00 mta mymta[1]: 2AEA0000012345: to=<x@example.net>, dsn=2.0.0, stat=Sent (ok)\n"
    auto, s1 = _read(tmp_path, "a.log", text)
    assert auto == [] and s1.ignored == {"other:mymta": 1}
    forced, _ = _read(tmp_path, "b.log", text, format="sendmail")
    assert [d.final_state for m in forced for d in m.deliveries] == [FinalState.DELIVERED]


def test_exim_whole_message_rejections() -> None:
    path = FAIL2BAN / "exim-spam.log"
    messages = list(read_logs([path]))
    by_ip = {m.client_ip: m for m in messages}
    scan = by_ip["4.47.28.40"]
    (d,) = scan.deliveries
    assert d.recipient == "" and d.final_state is FinalState.REJECTED
    assert d.attempts[0].reply == "Rejected: hits=7.5 required=5.0 trigger=5.0"
    virus = by_ip["83.235.177.148"]
    assert virus.sender == "auguriesvbd40@google.com"
    assert virus.deliveries[0].attempts[0].reply is not None
    assert "virus" in virus.deliveries[0].attempts[0].reply
