"""Log lines a real server writes that the parsers had not met: every one is counted as something
(an event, or a named ignored kind), and a refusal that names no recipient is one refused
transaction (empty recipient), never a delivery to the sender.

The lines are written in the exact shapes Exim 4.9x, Postfix 3.x and Sendmail 8.1x log them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from inboxtrace.logs import LogStats
from inboxtrace.model import FinalState, Message
from inboxtrace.timeline import read_logs

EXIM = """\
2026-01-05 03:12:44 dovecot_login authenticator failed for (User) [203.0.113.45]:51234 I=[192.0.2.10]:587: 535 Incorrect authentication data (set_id=admin@example.org)
2026-01-05 03:12:45 login authenticator failed for H=(win-7fq2k) [203.0.113.46]:60211 I=[192.0.2.10]:25 Ci=2211: 535 Incorrect authentication data (set_id=test)
2026-01-05 03:12:46 dovecot_plain authenticator failed for ([203.0.113.47]) [203.0.113.47]:41000: 535 Incorrect authentication data (set_id=info@example.org)
2026-01-05 03:14:02 H=(mail.promo.example) [198.51.100.23]:40123 I=[192.0.2.10]:25 rejected MAIL <deals@promo.example>: Access denied
2026-01-05 03:14:03 H=mx.other.example [198.51.100.24] temporarily rejected MAIL <news@other.example>: Could not complete sender verify
2026-01-05 03:14:04 H=(localhost) [203.0.113.50] rejected EHLO or HELO localhost: Your HELO is not a fully qualified host name
2026-01-05 03:14:05 H=mx.promo.example [198.51.100.25] F=<deals@promo.example> rejected RCPT <anna@example.org>: relay not permitted
2026-01-05 03:15:00 no MAIL in SMTP connection from (User) [203.0.113.45]:51234 I=[192.0.2.10]:587 D=21s C=EHLO,AUTH
2026-01-05 03:15:02 rejected EHLO from [203.0.113.51]:40000 I=[192.0.2.10]:25: syntactically invalid argument(s): _
2026-01-05 03:15:12 ident connection to 203.0.113.45 failed: Connection refused
2026-01-05 04:00:00 pid 1234: SIGHUP received: re-exec daemon
2026-01-05 04:00:01 exim 4.96 daemon started: pid=5678, no queue runs, listening for SMTP on port 25 (IPv6 and IPv4) port 587 (IPv6 and IPv4)
"""

POSTFIX = """\
Jan  5 03:20:11 mx postfix/smtpd[2211]: NOQUEUE: reject: MAIL from unknown[203.0.113.9]: 452 4.3.1 Insufficient system storage; proto=ESMTP helo=<client.example>
Jan  5 03:20:12 mx postfix/smtpd[2211]: NOQUEUE: reject: MAIL from mail.example.net[198.51.100.3]: 552 5.3.4 Message size exceeds fixed limit; proto=ESMTP helo=<mail.example.net>
Jan  5 03:20:13 mx postfix/smtpd[2212]: NOQUEUE: reject: MAIL from unknown[203.0.113.10]: 553 5.7.1 <bad@spam.example>: Sender address rejected: not logged in; from=<bad@spam.example> proto=ESMTP helo=<x>
Jan  5 03:20:13 mx postfix/smtpd[2213]: warning: unknown[203.0.113.45]: SASL LOGIN authentication failed: UGFzc3dvcmQ6
Jan  5 03:20:14 mx postfix/smtpd[2212]: NOQUEUE: reject: RCPT from unknown[203.0.113.10]: 554 5.7.1 <x@dest.example>: Relay access denied; from=<a@spam.example> to=<x@dest.example> proto=ESMTP helo=<x>
"""

SENDMAIL = """\
Jan  5 03:30:00 mx sm-mta[4321]: 605LU0aB004321: ruleset=check_relay, arg1=[203.0.113.77], arg2=203.0.113.77, relay=[203.0.113.77], reject=421 4.3.2 Connection rate limit exceeded.
Jan  5 03:30:01 mx sm-mta[4322]: ruleset=check_relay, arg1=bad.example, arg2=203.0.113.78, relay=bad.example [203.0.113.78], reject=550 5.7.1 Access denied
Jan  5 03:30:02 mx sendmail[4323]: ruleset=check_relay, arg1=[203.0.113.79], arg2=203.0.113.79, relay=host.example.com [203.0.113.79] (may be forged), reject=421 4.3.2 Too many open connections.
Jan  5 03:30:03 mx sm-mta[4324]: 605LU3aB004324: ruleset=check_mail, arg1=<x@nowhere.example>, relay=[203.0.113.80], reject=553 5.1.8 <x@nowhere.example>... Domain of sender address x@nowhere.example does not exist
Jan  5 03:30:04 mx sm-mta[4325]: 605LU4aB004325: ruleset=check_rcpt, arg1=<ghost@example.org>, relay=[203.0.113.81], reject=550 5.7.1 <ghost@example.org>... Relaying denied
Jan  5 03:30:08 mx sm-mta[4333]: 605LU8aB004333: AUTH failure (LOGIN): authentication failure (-13) SASL(-13): authentication failure: checkpass failed, user=admin, relay=[203.0.113.84]
Jan  5 03:30:09 mx sm-mta[4334]: 605LU9aB004334: <nouser@example.org>... User unknown
Jan  5 03:30:09 mx sm-mta[4334]: 605LU9aB004334: from=<a@sender.example>, size=0, class=0, nrcpts=0, proto=ESMTP, daemon=MTA-v4, relay=mail.sender.example [198.51.100.90]
Jan  5 03:30:11 mx sm-mta[4336]: rejecting connections on daemon MTA-v4: load average: 12
Jan  5 03:30:12 mx sm-mta[4337]: accepting connections again for daemon MTA-v4
"""


def _read(tmp_path: Path, text: str) -> tuple[list[Message], LogStats]:
    path = tmp_path / "mail.log"
    path.write_text(text, "utf-8")
    stats = LogStats()
    return list(read_logs([path], stats=stats)), stats


def _rejections(messages: list[Message]) -> list[tuple[str | None, str, str | None]]:
    return [
        (m.sender, d.recipient, m.client_ip)
        for m in messages
        for d in m.deliveries
        if d.final_state is FinalState.REJECTED
    ]


def test_exim_auth_failures_and_restarts_are_counted_kinds_not_unknown(tmp_path: Path) -> None:
    _messages, stats = _read(tmp_path, EXIM)
    assert stats.unknown == 0, stats.unknown_samples
    assert stats.ignored["auth-failure"] == 3
    assert stats.ignored["exim-daemon"] == 2  # the SIGHUP and the daemon start after it
    assert stats.ignored["exim-connection"] == 2  # no MAIL in the session, ident lookup failed
    assert stats.lines == stats.events + sum(stats.ignored.values())


def test_exim_mail_rejects_are_refused_transactions_never_deliveries_to_the_sender(tmp_path: Path) -> None:
    messages, _stats = _read(tmp_path, EXIM)
    got = _rejections(messages)
    assert sorted(got, key=str) == sorted(
        [
            ("deals@promo.example", "", "198.51.100.23"),
            ("news@other.example", "", "198.51.100.24"),
            (None, "", "203.0.113.50"),
            (None, "", "203.0.113.51"),
            ("deals@promo.example", "anna@example.org", "198.51.100.25"),
        ],
        key=str,
    )
    recipients = {d.recipient for m in messages for d in m.deliveries}
    assert "deals@promo.example" not in recipients and "news@other.example" not in recipients


def test_postfix_mail_stage_rejects_without_a_recipient_are_counted(tmp_path: Path) -> None:
    messages, stats = _read(tmp_path, POSTFIX)
    assert stats.unknown == 0, stats.unknown_samples
    assert stats.ignored["auth-failure"] == 1
    got = _rejections(messages)
    # pflogsumm counts the four reject lines; so does inboxtrace: three refused transactions
    # (no recipient was named) and one refused recipient
    assert len(got) == 4
    assert sorted(got, key=str) == sorted(
        [
            (None, "", "203.0.113.9"),
            (None, "", "198.51.100.3"),
            ("bad@spam.example", "", "203.0.113.10"),
            ("a@spam.example", "x@dest.example", "203.0.113.10"),
        ],
        key=str,
    )
    storage = next(d for m in messages for d in m.deliveries if m.client_ip == "203.0.113.9" and d.attempts)
    assert (
        storage.attempts[0].reply is not None
        and "452 4.3.1 Insufficient system storage" in storage.attempts[0].reply
    )


def test_sendmail_check_relay_rejects_are_refused_connections(tmp_path: Path) -> None:
    messages, stats = _read(tmp_path, SENDMAIL)
    assert stats.unknown == 0, stats.unknown_samples
    got = _rejections(messages)
    assert sorted(got, key=str) == sorted(
        [
            (None, "", "203.0.113.77"),
            (None, "", "203.0.113.78"),
            (None, "", "203.0.113.79"),
            ("x@nowhere.example", "", "203.0.113.80"),
            (None, "ghost@example.org", "203.0.113.81"),
            # refused at RCPT TO; the session's from= line names its sender and client
            ("a@sender.example", "nouser@example.org", "198.51.100.90"),
        ],
        key=str,
    )
    assert stats.ignored["auth-failure"] == 1 and stats.ignored["sendmail-load"] == 2
    rate = next(m for m in messages if m.client_ip == "203.0.113.77")
    reply = rate.deliveries[0].attempts[0].reply
    assert reply is not None and reply.startswith("421 4.3.2")


def test_postfix_rejections_equal_pflogsumms_count(tmp_path: Path) -> None:
    """The real pflogsumm (Debian package) on the same lines: its "rejected" total is ours."""
    pflogsumm = shutil.which("pflogsumm")
    assert pflogsumm is not None, "pflogsumm is not installed (apt-get install pflogsumm)"
    path = tmp_path / "mail.log"
    path.write_text(POSTFIX, "utf-8")
    out = subprocess.run([pflogsumm, str(path)], check=True, capture_output=True, text=True).stdout
    match = re.search(r"^\s*(\d+)\s+rejected\b", out, re.M)
    assert match is not None, out[:500]
    messages, _stats = _read(tmp_path, POSTFIX)
    assert len(_rejections(messages)) == int(match.group(1)) == 4
