"""The compiled hot paths (inboxtrace.native): built here, selectable, and equal to plain Python.

Every corpus the log tests read goes through both implementations, each in its own process (the
choice is made at import), and every message record and every count must be equal.
"""

from __future__ import annotations

import datetime
import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from inboxtrace import native
from tests.conftest import REPO, SHARED, generated_log
from tests.logs.test_other_mtas import EXIM_MAINLOG, SENDMAIL

LOGS = SHARED / "corpus" / "logs"

# Reads each log named on the command line (one process, in order) and prints one JSON line per
# log: its messages (repr of the frozen records), its counts, and the store's rows made of it three
# ways: from the messages, from the compact records in one process, and in two worker processes
# (the pieces of messages cut by the chunk boundary pickled to the parent and merged there), and the
# messages of that parallel read.
_DUMP = r"""
import json, sys
from inboxtrace.logs import LogStats
from inboxtrace.native import implementation
from inboxtrace.store.log_rows import RowMaker
from inboxtrace.timeline import reader
from inboxtrace.timeline.reader import LogReader
reader.PARALLEL_MIN_BYTES = 0
print(json.dumps({"implementation": implementation()}))
for path in sys.argv[1:]:
    stats = LogStats()
    messages = list(LogReader([path], stats=stats, jobs=1))
    maker = RowMaker()
    rows = [repr(maker(m)) for m in messages]
    from_records = [repr(r) for r in LogReader([path], jobs=1, transform=RowMaker())]
    parallel = sorted(repr(r) for r in LogReader([path], jobs=2, transform=RowMaker()))
    # the messages of a parallel read: the first piece's records handed over in this process as
    # they are, the other piece's through marshal (a verdict's text is that of the first reply of
    # its kind each piece saw, so these are compared between the implementations only)
    parallel_messages = sorted(repr(m) for m in LogReader([path], jobs=2))
    print(json.dumps({"path": path, "messages": [repr(m) for m in messages], "stats": stats.to_dict(),
                      "rows": rows, "from_records": from_records, "parallel": parallel,
                      "parallel_messages": parallel_messages}, sort_keys=True))
"""


def _run(code: str, args: list[str], *, pure: bool) -> list[dict[str, object]]:
    env = {k: v for k, v in os.environ.items() if k != native.ENV_PURE}
    if pure:
        env[native.ENV_PURE] = "1"
    done = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, cwd=REPO, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line) for line in done.stdout.splitlines()]


def _grok_log(path: Path) -> Path:
    """The grok test cases' Postfix messages as one syslog file (program from the case's name)."""
    import yaml

    lines = []
    for i, case in enumerate(sorted((LOGS / "grok-cases").glob("*.yaml"))):
        data = yaml.safe_load(case.read_text("utf-8"))
        program = case.stem.rsplit("_", 1)[0].replace("_", "/")
        lines.append(
            f"Mar 14 00:{i // 60 % 60:02d}:{i % 60:02d} mx postfix/{program}[{100 + i}]: {data['data']}"
        )
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def _junk_log(path: Path) -> Path:
    """Real lines cut short, bytes that are not UTF-8, a huge line and blank lines, mixed in."""
    rng = random.Random(14)
    real = (LOGS / "postfix-real-run" / "postfix.log").read_bytes().splitlines()
    out: list[bytes] = []
    for line in real:
        out.append(line[: rng.randrange(1, len(line) + 1)] if rng.random() < 0.3 else line)
        if rng.random() < 0.1:
            out.append(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 120))))
        if rng.random() < 0.05:
            out.append(b"")
    out.append(b"Mar 14 00:00:01 mx postfix/smtp[1]: ABC123: to=<" + b"x" * 200_000 + b">, status=sent")
    path.write_bytes(b"\n".join(out) + b"\n")
    return path


# Postfix lines at the edges of what the compiled fast path (inboxtrace.logs._fastscan) reads
# itself: each must give what the plain parser gives, whether the fast path handles it or not.
EDGE_LINES = """\
Mar 14 00:00:01 mx postfix/smtpd[1]: 4ABCDE: client=host.example[192.0.2.1], sasl_method=PLAIN
Mar 14 00:00:01 mx postfix/smtpd[1]: 4ABCDF: client=unknown
Mar 14 00:00:01 mx postfix/smtpd[1]: 4ABCE0: client=[192.0.2.9
Mar 14 00:00:01 mx postfix/smtpd[1]: 4ABCE1: client=h[]
Mar 14 00:00:01 mx postfix/smtpd[1]: 4ABCE2: client=
Mar 14 00:00:01 mx postfix/smtpd[1]: 4ABCE3: reject: RCPT from h[192.0.2.1]: 554 5.7.1 no; from=<a@b> to=<c@d>
Mar 14 00:00:02 mx postfix/cleanup[2]: 4ABCDE: message-id=<a@b>
Mar 14 00:00:02 mx postfix/cleanup[2]: 4ABCDF: message-id= <spaced@b>\x20
Mar 14 00:00:02 mx postfix/cleanup[2]: 4ABCE0: message-id=<>
Mar 14 00:00:02 mx postfix/cleanup[2]: 4ABCE1: message-id=
Mar 14 00:00:02 mx postfix/cleanup[2]: 4ABCE2: message-id=noangle\xa0
Mar 14 00:00:02 mx postfix/cleanup[2]: 4ABCE3: message-id=<caf\xe9@b>
Mar 14 00:00:02 mx postfix/cleanup[2]: 4ABCE4: message-id=<snow\u2603@b>
Mar 14 00:00:03 mx postfix/qmgr[3]: 4ABCDE: from=<a@b>, size=123, nrcpt=2 (queue active)
Mar 14 00:00:03 mx postfix/qmgr[3]: 4ABCDF: from=<>, size=00, nrcpt=0 (queue active)
Mar 14 00:00:03 mx postfix/qmgr[3]: 4ABCE0: from=<a@b>, size=\xb2, nrcpt=1
Mar 14 00:00:03 mx postfix/qmgr[3]: 4ABCE1: from=<a@b>, size=12x, nrcpt=x1
Mar 14 00:00:03 mx postfix/qmgr[3]: 4ABCE2: from=<a@b>, size=99999999999999999999999, nrcpt=1
Mar 14 00:00:03 mx postfix/qmgr[3]: 4ABCE3: from=<a@b>
Mar 14 00:00:03 mx postfix/qmgr[3]: 4ABCE4: from=<a@b
Mar 14 00:00:03 mx postfix/qmgr[3]: 4ABCE5: from=<a@b>, size=1
Mar 14 00:00:03 mx postfix/qmgr[3]: 4ABCE6: from=<a@b>, nrcpt=1, size=2
Mar 14 00:00:03 mx postfix/qmgr[3]: 4ABCE7: from=<a@b>, status=expired, returned to sender
Mar 14 00:00:03 mx postfix/qmgr[3]: 4ABCE8: from=<a@b>, size=1, nrcpt=1 (queue active) returned to sender
Mar 14 00:00:03 mx postfix/qmgr[3]: 4ABCE9: from=<a@b>, size=0, nrcpt=0
Mar 14 00:00:04 mx postfix/smtp[4]: 4ABCDE: to=<x@y>, relay=mx.y[198.51.100.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok queued as 7XYZW)
Mar 14 00:00:04 mx postfix/smtp[4]: 4ABCDE: to=<z@y>, orig_to=<alias@y>, relay=none, delay=1, dsn=4.4.1, status=deferred (connect to mx.y[198.51.100.1]:25: Connection refused)
Mar 14 00:00:04 mx postfix/smtp[4]: 4ABCDE: to=<q@y>, relayX, delay=, , dsn=5.0.0, status=bounced ()
Mar 14 00:00:04 mx postfix/smtp[4]: 4ABCDE: to=<q@y>, orig_to=<, status=bounced (
Mar 14 00:00:04 mx postfix/smtp[4]: 4ABCDE: to=noangle@y, relay=local, status=sent
Mar 14 00:00:04 mx postfix/smtp[4]: 4ABCDE: to=<open@y, status=sent (x)
Mar 14 00:00:04 mx postfix/smtp[4]: 4ABCDE: to=<w@y>, relay=a, relay=b, delay=1, delay=2, status=SOFTBOUNCE (x) (y)
Mar 14 00:00:04 mx postfix/smtp[4]: 4ABCDE: to=<u@y>, relay=mx,\x20
Mar 14 00:00:04 mx postfix/smtp[4]: 4ABCDE: to=<v@y>,, status=, status=sent
Mar 14 00:00:04 mx postfix/local[5]: 4ABCDE: to=<caf\xe9@y>, relay=local, status=sent (delivered to mailbox)
Mar 14 00:00:04 mx postfix/virtual[5]: 4ABCDE: to=<\u2603@y>, relay=virtual, status=sent (delivered)
Mar 14 00:00:04 mx postfix-out/smtp[6]: 4ABCDF: to=<x@y>, relay=mx.y[198.51.100.1]:25, status=sent (250 ok)
Mar 14 00:00:04 mx mta-out/qmgr[7]: 4ABCDF: removed
Mar 14 00:00:04 mx mta-out/smtp[7]: 4ABCDF: to=<x@y>, status=sent (generic name, not Postfix)
Mar 14 00:00:05 mx postfix/bounce[8]: 4ABCE0: sender non-delivery notification: 4ABCF0
Mar 14 00:00:05 mx postfix/bounce[8]: 4ABCE0: notification: 4ABCF1
Mar 14 00:00:05 mx postfix/defer[8]: 4ABCE0: sender delay notification:  4ABCF2
Mar 14 00:00:05 mx postfix/trace[8]: 4ABCE0: sender delivery status notification: 4ABCF3
Mar 14 00:00:05 mx postfix/bounce[8]: 4ABCE0: postmaster non-delivery notification:\x20
Mar 14 00:00:06 mx postfix/qmgr[3]: 4ABCE0: removed
Mar 14 00:00:06 mx postfix/qmgr[3]: 4ABCE0: removed\x20
Mar 14 00:00:06 mx postfix/postsuper[9]: 4ABCE1: removed
Mar 14 00:00:06 mx postfix/pickup[9]: 4ABCE9: uid=0 from=<root>
Mar 14 00:00:06 mx postfix/qmgr[3]: 4abcde: removed
Mar 14 00:00:06 mx postfix/qmgr[3]: 4ABC: removed
Mar 14 00:00:06 mx postfix/qmgr[3]: 3Xk9Tq1Bz5zHG: removed
Mar 14 00:00:06 mx postfix/qmgr[3]: 3Xk9Tq1Bz5zH: from=<a@b>, size=1, nrcpt=1
Mar 14 00:00:06 mx postfix/qmgr[3]: 3Xk9TqzB5HG: removed
Mar 14 00:00:06 mx postfix/qmgr[3]: 3Xk9TqAz5HG: removed
Mar 14 00:00:06 mx postfix/qmgr[3]: NOQUEUE: removed
Mar 14 00:00:07 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from h[192.0.2.1]: 450 4.7.1 busy; from=<a@b> to=<c@d> proto=ESMTP
Mar 14 00:00:07 mx postfix/smtp[4]: Trusted TLS connection established to mx.y[198.51.100.1]:25: TLSv1.3
Mar 14 00:00:07 mx postfix/smtpd[1]: connect from h[192.0.2.1]
Mar 14 00:00:07 mx postfix/smtpd[1]: disconnect from h[192.0.2.1]
Mar 14 00:00:07 mx postfix/smtpd[\u2603]: connect from h[192.0.2.1]
Mar 14 00:00:07 mx other/prog[1]: text with /smtpd[ and ]: connect from  inside
Mar 14 00:00:07 mx postfix/smtp: 4ABCDE: to=<nopid@y>, status=sent
Mar 14 00:00:07 mx postfix/smtp[4] 4ABCDE: to=<nocolon@y>, status=sent
Mar 14 00:00:07 mx postfix/smtp[4]:4ABCDE: to=<glued@y>, status=sent
Mar 14 00:00:07  postfix/smtp[4]: 4ABCDE: to=<nohost@y>, status=sent
Mar 14 00:00:07 <mail.info> mx postfix/smtp[4]: 4ABCDE: to=<facility@y>, status=sent
Mar 14 00:00:07 <mx> postfix/smtp[4]: 4ABCDE: to=<angle@y>, status=sent
Mar 14 00:00:07 mx [4]: 4ABCDE: to=<noprog@y>, status=sent
Mar 14 00:00:07 mx postfix/smtp[4]]: 4ABCDE: to=<twice@y>, status=sent
Mar 14 00:00:07 mx postfix/smtp[4]: 4ABCDE:
Mar 14 00:00:07 mx postfix/smtp[4]: 4ABCDE:\x20
Mar 14 00:00:07 mx postfix/smtp[4]: : to=<x@y>, status=sent
Mar 14 00:00:07 mx postfix/smtp[4]: 4ABCDE: to=
Feb 30 25:61:99 mx postfix/qmgr[3]: 4ABCDE: removed
Foo 14 00:00:08 mx postfix/qmgr[3]: 4ABCDE: removed
Mar 14 00:00:08.123456 mx postfix/qmgr[3]: 4ABCDE: removed
Dec 31 23:59:59 mx postfix/qmgr[3]: 5ABCDE: from=<new@year>, size=1, nrcpt=1 (queue active)
Jan  1 00:00:01 mx postfix/smtp[4]: 5ABCDE: to=<x@y>, relay=mx.y[198.51.100.1]:25, status=sent (250 ok)
Jan  1 00:00:01 mx postfix/qmgr[3]: 5ABCDE: removed
2025-03-14T00:00:09.233479+01:00 mx postfix/qmgr[3]: 6ABCDE: from=<a@b>, size=1, nrcpt=1
2025-03-14T00:00:09Z mx postfix/smtp[4]: 6ABCDE: to=<x@y>, status=sent (ok)
2025-03-14T00:00:09+0100 mx postfix/qmgr[3]: 6ABCDE: removed
2025-03-14T25:00:09+01:00 mx postfix/qmgr[3]: 6ABCDF: removed
2025-03-14T00:00:09+01:00
2025-03-14T00:00:09+01:00 mx
2025-03-14T00:00:09+01:00 mx postfix/qmgr[3]:
<22>1 2025-03-14T00:00:10Z mx postfix/qmgr 3 - - 7ABCDE: removed
<22>Mar 14 00:00:10 mx postfix/qmgr[3]: 7ABCDF: removed
Mar 14 00:00:11 mx sm-mta[1234]: 2AEA0000012345: from=<alice@example.org>, size=1200, class=0, nrcpts=1, msgid=<m1@example.org>, proto=ESMTP, daemon=MTA, relay=app.example.org [192.0.2.10]
Mar 14 00:00:11 mx postfix/qmgr[3]: 8ABCDE: from=<a@b>, size=1, nrcpt=1
Mar 14 00:00:12 mx sm-mta[1235]: 2AEA0000012345: to=<bob@example.net>, delay=00:00:02, xdelay=00:00:01, mailer=esmtp, pri=121200, relay=mx.example.net. [198.51.100.7], dsn=2.0.0, stat=Sent (OK id=1)
Mar 14 00:00:12 mx postfix/smtp[4]: 8ABCDE: to=<x@y>, status=sent (ok)
Mar 14 00:00:12 mx exim[77]: 1tsxYz-0001aB-Cd <= alice@example.org H=app.example.org [192.0.2.10] P=esmtp S=1 id=m@x
Mar 14 00:00:12 mx postfix/qmgr[3]: 8ABCDE: removed
Mar 14 00:00:13 mx postfix/smtpd[1]: 9ABCDE: client=mix.example[192.0.2.3]
Mar 14 00:00:13 mx postfix/cleanup[2]: 9ABCDE: warning: header Subject: mixed <b>path</b> from mix.example[192.0.2.3]; from=<a@b> to=<c@d> proto=ESMTP helo=<mix>
Mar 14 00:00:13 mx postfix/cleanup[2]: 9ABCDE: message-id=<mix@b>
Mar 14 00:00:13 mx postfix/qmgr[3]: 9ABCDE: from=<a@b>, size=10, nrcpt=2 (queue active)
Mar 14 00:00:14 mx postfix/smtp[4]: 9ABCDE: conversation with mx.d[198.51.100.4] timed out while sending message body
Mar 14 00:00:14 mx postfix/smtp[4]: Trusted TLS connection established to mx.d[198.51.100.4]:25: TLSv1.3 with cipher X
Mar 14 00:00:14 mx postfix/smtp[4]: 9ABCDE: to=<c@d>, relay=mx.d[198.51.100.4]:25, delay=1, delays=0/0/0/1, dsn=4.4.2, status=deferred (conversation with mx.d[198.51.100.4] timed out while sending message body)
Mar 14 00:00:14 mx postfix/smtp[4]: 9ABCDE: to=<e@d>, relay=mx.d[198.51.100.4]:25, delay=1, dsn=5.1.1, status=bounced (host mx.d[198.51.100.4] said: 550 5.1.1 <e@d>: user unknown (in reply to RCPT TO command))
Mar 14 00:00:14 mx postfix/cleanup[2]: 9ABCDF: message-id=<dsn@mx>
Mar 14 00:00:14 mx postfix/bounce[8]: 9ABCDE: sender non-delivery notification: 9ABCDF
Mar 14 00:00:15 mx postfix/qmgr[3]: 9ABCDE: removed
Mar 14 00:00:15 mx postfix/smtpd[1]: 9ABCE0: client=mix.example[192.0.2.3]
Mar 14 00:00:15 mx postfix/smtpd[1]: 9ABCE0: reject: RCPT from mix.example[192.0.2.3]: 550 5.1.1 <x@d>: Recipient address rejected: unknown; from=<a@b> to=<x@d> proto=ESMTP helo=<mix>
Mar 14 00:00:15 mx postfix/cleanup[2]: 9ABCE0: message-id=<after-reject@b>
Mar 14 00:00:15 mx postfix/qmgr[3]: 9ABCE0: from=<a@b>, size=10, nrcpt=1 (queue active)
Mar 14 00:00:16 mx postfix/smtp[4]: 9ABCE0: to=<y@d>, relay=mx.d[198.51.100.4]:25, status=sent (250 ok)
Mar 14 00:00:16 mx postfix/qmgr[3]: 9ABCE0: removed
Mar 14 00:00:17 mx postfix/pickup[9]: 9ABCE2: uid=0 from=<root>
Mar 14 00:00:17 mx postfix/cleanup[2]: 9ABCE2: message-id=<local@mx>
Mar 14 00:00:17 mx postfix/qmgr[3]: 9ABCE2: from=<root@mx>, size=5, nrcpt=1 (queue active)
Mar 14 00:00:17 mx postfix/local[5]: 9ABCE2: to=<root@mx>, relay=local, delay=0, status=sent (delivered to mailbox)
Mar 14 00:00:17 mx postfix/qmgr[3]: 9ABCE2: removed
Mar 14 00:00:18 mx postfix/qmgr[3]: 9ABCE3: from=<a@b>, size=1, nrcpt=1 (queue active)
Mar 14 00:00:18 mx postfix/cleanup[2]: 9ABCE4: warning: header Subject: Undelivered Mail Returned to Sender from local; from=<> to=<a@b>
Mar 14 00:00:18 mx postfix/smtp[4]: 9ABCE3: to=<z@d>, relay=none, status=bounced (Host or domain name not found)
Mar 14 00:00:18 mx postfix/bounce[8]: 9ABCE3: sender non-delivery notification: 9ABCE4
Mar 14 00:00:18 mx postfix/qmgr[3]: 9ABCE3: removed
Mar 14 00:00:19 mx postfix/qmgr[3]: 9ABCE5: from=<a@b>, size=1, nrcpt=1 (queue active)
Mar 14 00:00:19 mx postfix/smtp[4]: 9ABCE5: to=<late@d>, relay=none, delay=1, dsn=4.4.1, status=deferred (connect to mx.d[198.51.100.4]:25: Connection refused)
Mar 28 00:00:19 mx postfix/qmgr[3]: 9ABCE6: from=<idle@b>, size=1, nrcpt=1 (queue active)
"""


def _edge_log(path: Path) -> Path:
    path.write_text(EDGE_LINES, "utf-8")
    return path


def _quiet_long_log(path: Path) -> Path:
    """tests/test_ingest_memory.py's four days (a DSN never delivered, a message whose recipient
    comes two days later, a deferral retried after two days), with a block's worth of lines that
    open no message at two points, so that the reader looks for idle messages there: both
    implementations hand the messages without recipients out after a day, the same way."""
    from tests.test_ingest_memory import _quiet_log

    out = []
    for line in _quiet_log(path).read_text().splitlines():
        out.append(line)
        if line.endswith(("D0012: removed", "D0024: removed")):
            ts = line[:15]
            out += [
                f"{ts} mx1 postfix/anvil[200]: statistics: max connection rate 1/60s for "
                f"(smtp:10.0.{i // 250}.{i % 250}) at {ts}"
                for i in range(3000)
            ]
    path.write_text("\n".join(out) + "\n")
    return path


_CHARS = " ,=<>[]:z0(" + "\xe9\xb2\xa0\x85\u2603\t"


def _mutated_log(path: Path) -> Path:
    """Lines of a generated log and of the edge lines above, changed at random places (a character
    replaced, removed or repeated, or the line cut)."""
    rng = random.Random(1414)
    real = generated_log(path.with_name("mutate-from.log"), 3000).read_text("utf-8").splitlines()
    real += EDGE_LINES.splitlines() * 5
    out = []
    for original in real:
        line = original
        if not line:
            continue
        for _ in range(rng.randrange(0, 3)):
            i = rng.randrange(len(line))
            what = rng.randrange(4)
            if what == 0:
                line = line[:i] + rng.choice(_CHARS) + line[i + 1 :]
            elif what == 1:
                line = line[:i] + line[i + 1 :]
            elif what == 2:
                line = line[:i] + line[i : i + rng.randrange(1, 8)] + line[i:]
            else:
                line = line[:i]
            if not line:
                break
        out.append(line)
    path.write_text("\n".join(out) + "\n", "utf-8")
    return path


def _ascii_log(path: Path) -> Path:
    """ASCII only (so that the compiled reader reads its blocks undecoded, in place): the edge lines
    and the mutated ones with their other characters replaced, some lines ended by CRLF, blank and
    carriage-return-only lines, and lines longer than a line may be (one ending with a carriage
    return just past the cut, one just before it)."""
    rng = random.Random(1415)
    text = EDGE_LINES + _mutated_log(path.with_name("ascii-from.log")).read_text("utf-8")
    out = []
    for original in text.splitlines():
        line = "".join(c if c < "\x80" else "?" for c in original)
        out.append(line + "\r" if rng.random() < 0.2 else line)
        if rng.random() < 0.03:
            out.append(rng.choice(("", "\r", " ")))
    long = "Mar 14 00:00:05 mx postfix/smtp[4]: 4ABCDE: to=<" + "y" * (1 << 16) + ">, status=sent (250 ok)"
    max_line = 1 << 16
    out += [long, long[: max_line - 1] + "\r", long[:max_line] + "\r", "Mar 14 00:00:05 mx x" * 5000]
    path.write_bytes(("\n".join(out) + "\n").encode("ascii"))
    return path


@pytest.fixture(scope="module")
def log_corpora(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    tmp = tmp_path_factory.mktemp("native-logs")
    (tmp / "exim_mainlog").write_text(EXIM_MAINLOG, "utf-8")
    (tmp / "sendmail.log").write_text(SENDMAIL, "utf-8")
    return [
        LOGS / "postfix-real-run" / "postfix.log",
        *sorted((LOGS / "small").glob("*.log")),
        *sorted((LOGS / "fail2ban").glob("*.log")),
        tmp / "exim_mainlog",
        tmp / "sendmail.log",
        _grok_log(tmp / "grok.log"),
        _junk_log(tmp / "junk.log"),
        _edge_log(tmp / "edges.log"),
        _mutated_log(tmp / "mutated.log"),
        _ascii_log(tmp / "ascii-mutated.log"),
        _quiet_long_log(tmp / "quiet.log"),
        generated_log(tmp / "generated.log", 20_000),
        generated_log(tmp / "generated-rfc3339.log", 20_000, "--rfc3339", "--long-ids"),
    ]


def test_the_hot_paths_are_compiled_in_this_environment() -> None:
    # The test environment is built by `make install-dev` with build-essential installed: a build
    # that silently fell back to plain Python must fail here, not pass slower.
    if native.pure_requested():
        assert native.compiled_modules() == []
    else:
        assert native.compiled_modules() == list(native.COMPILED), native.implementation()


def test_inboxtrace_pure_selects_the_python_source() -> None:
    code = (
        "import importlib, json; from inboxtrace import native; "
        "print(json.dumps([importlib.import_module(m).__file__ for m in native.COMPILED]))"
    )
    (files,) = _run(f"{code}", [], pure=True)
    assert isinstance(files, list)
    assert files and all(str(f).endswith(".py") for f in files)
    (compiled,) = _run(f"{code}", [], pure=False)
    assert isinstance(compiled, list)
    assert not any(str(f).endswith(".py") for f in compiled)


def test_version_says_which_implementation_runs() -> None:
    for pure, expected in ((False, "hot paths: compiled (mypyc"), (True, "hot paths: pure Python")):
        env = {k: v for k, v in os.environ.items() if k != native.ENV_PURE}
        if pure:
            env[native.ENV_PURE] = "1"
        done = subprocess.run(
            [sys.executable, "-c", "from inboxtrace.cli import main; main(['--version'])"],
            check=False,
            env=env,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("inboxtrace ")
        assert expected in done.stdout


def test_both_implementations_read_every_log_corpus_alike(log_corpora: list[Path]) -> None:
    args = [str(p) for p in log_corpora]
    compiled = _run(_DUMP, args, pure=False)
    pure = _run(_DUMP, args, pure=True)
    assert str(compiled[0]["implementation"]).startswith("compiled")
    assert "Cython: _fastscan" in str(compiled[0]["implementation"])
    assert str(pure[0]["implementation"]).startswith("pure Python")
    assert len(compiled) == len(pure) == len(args) + 1
    total = 0
    for c, p in zip(compiled[1:], pure[1:], strict=True):
        assert c["path"] == p["path"]
        assert c["stats"] == p["stats"], c["path"]
        c_messages, p_messages = c["messages"], p["messages"]
        assert isinstance(c_messages, list) and isinstance(p_messages, list)
        assert len(c_messages) == len(p_messages), c["path"]
        for a, b in zip(c_messages, p_messages, strict=True):
            assert a == b, c["path"]
        for made in ("rows", "from_records", "parallel", "parallel_messages"):  # made four ways
            assert c[made] == p[made], (c["path"], made)
        assert isinstance(c["rows"], list) and isinstance(c["parallel"], list)
        assert c["from_records"] == c["rows"], c["path"]
        if not str(c["path"]).endswith("mutated.log"):
            # (the mutated log's damaged ids and times make messages that two chunks read apart
            # do not merge back as one read gives them, in both implementations alike)
            assert c["parallel"] == sorted(c["rows"]), c["path"]
        total += len(c_messages)
    assert total > 5000  # the generated logs alone hold thousands of messages


# Stores each log named on the command line: whole, and cut in two at its middle line read as two
# files one after the other (a rotation: the parts of the messages cut are matched and merged), and
# whole in a bulk ingest (two pieces: the second keyed, matched and written by a worker started fresh,
# store.piece_file), each into a new SQLite store; prints every stored row and the write counts, one
# JSON line per log.
_DUMP_STORE = r"""
import json, os, sys, tempfile
from inboxtrace.ingest import ingest
from inboxtrace.store import open_store
from inboxtrace.store.logs import log_deliveries, log_messages
from inboxtrace.timeline import reader
import sqlalchemy as sa

reader.PARALLEL_MIN_BYTES = 0  # small logs cut into pieces all the same (with jobs=2)

def stored(paths, tmp, name, jobs=1):
    with open_store("sqlite:///" + os.path.join(tmp, name + ".db")) as store:
        counts = [ingest([p], store, jobs=jobs).to_dict() for p in paths]
        with store.connect() as conn:
            rows = [repr(tuple(r)) for t in (log_messages, log_deliveries)
                    for r in conn.execute(sa.select(t).order_by(*t.primary_key.columns))]
    for c in counts:
        for volatile in ("duration", "lines_per_second", "store"):
            c.pop(volatile, None)
    return {"rows": rows, "counts": counts}

parts = sys.argv[1]  # where the halves are written (the same paths in both implementations' runs)
with tempfile.TemporaryDirectory() as tmp:
    for n, path in enumerate(sys.argv[2:]):
        lines = open(path, "rb").read().splitlines(keepends=True)
        halves = []
        for i, part in enumerate((lines[: len(lines) // 2], lines[len(lines) // 2 :])):
            halves.append(os.path.join(parts, f"{n}-{os.path.basename(path)}.part{i}"))
            with open(halves[-1], "wb") as f:
                f.writelines(part)
        print(json.dumps({"path": path, "whole": stored([path], tmp, "whole"),
                          "halves": stored(halves, tmp, "halves"), "bulk": stored([path], tmp, "bulk", 2)},
                         sort_keys=True, default=str))
"""


def test_both_implementations_store_every_log_corpus_alike(log_corpora: list[Path], tmp_path: Path) -> None:
    args = [str(p) for p in log_corpora]
    compiled = _run(_DUMP_STORE, [str(tmp_path), *args], pure=False)
    pure = _run(_DUMP_STORE, [str(tmp_path), *args], pure=True)
    assert len(compiled) == len(pure) == len(args)
    for c, p in zip(compiled, pure, strict=True):
        assert c["path"] == p["path"]
        for how in ("whole", "halves", "bulk"):
            assert c[how] == p[how], (c["path"], how)
        if "generated" in str(p["path"]):  # the messages cut in two were matched, none stored twice
            whole, halves = p["whole"], p["halves"]
            assert isinstance(whole, dict) and isinstance(halves, dict)
            assert len(whole["rows"]) == len(halves["rows"]) > 5000


_PICKLE = r"""
import json, pickle
from inboxtrace.timeline.assembler import _Msg, _Rcpt, _MSG_STATE, _RCPT_STATE
st = _Msg("postfix", "mx", "4ABC", "mail.log", 7, False)
st.sender, st.size, st.hops, st.expired_ln = "a@example.org", 1234, ["Q1"], 9
r = st.rcpts[("b@example.net", None)] = _Rcpt("b@example.net", None)
r.attempts.append(("Mar 14 00:00:01", "deferred", "mx.example.net", None, None, "451 try later"))
r.status = "deferred"
copy = pickle.loads(pickle.dumps(st))
def state(obj, names):
    return {n: repr(getattr(obj, n)) for n in names if n != "rcpts"}
print(json.dumps({"msg": state(copy, _MSG_STATE), "rcpt": state(copy.rcpts[("b@example.net", None)], _RCPT_STATE),
                  "same": state(copy, _MSG_STATE) == state(st, _MSG_STATE), "type": type(copy) is _Msg,
                  # the plain classes' slots are the state pickled (a compiled class has none to read)
                  "slots": sorted(getattr(_Msg, "__slots__", _MSG_STATE)) == sorted(_MSG_STATE)
                  and sorted(getattr(_Rcpt, "__slots__", _RCPT_STATE)) == sorted(_RCPT_STATE)}))
"""


def test_assembler_state_is_pickled_whole_by_both_implementations() -> None:
    # a message cut by a chunk boundary travels from a worker to the parent pickled: the compiled
    # class (no __dict__) must carry every attribute, as the plain one does
    (compiled,) = _run(_PICKLE, [], pure=False)
    (pure,) = _run(_PICKLE, [], pure=True)
    assert compiled == pure
    assert pure["same"] and pure["type"] and pure["slots"]
    assert isinstance(pure["msg"], dict) and pure["msg"]["sender"] == "'a@example.org'"
    assert isinstance(pure["rcpt"], dict) and "451 try later" in pure["rcpt"]["attempts"]


def test_an_extension_built_from_other_source_is_stale(tmp_path: Path) -> None:
    import hashlib
    import importlib.machinery

    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    fresh, edited, unrecorded, plain = native.COMPILED[:4]
    record = []
    for name in (fresh, edited, unrecorded, plain):
        base = tmp_path.joinpath(*name.split("."))
        base.parent.mkdir(parents=True, exist_ok=True)
        source = f"# {name}\n".encode()
        base.with_name(base.name + ".py").write_bytes(source)
        if name != plain:  # a module without an extension runs its source: never stale
            base.with_name(base.name + suffix).write_bytes(b"")
        if name in (fresh, edited):
            record.append(f"{hashlib.sha256(source).hexdigest()} {name}\n")
    (tmp_path / "inboxtrace" / native.BUILD_RECORD).write_text("".join(record))
    base = tmp_path.joinpath(*edited.split("."))
    edited_py = base.with_name(base.name + ".py")
    edited_py.write_bytes(b"# edited after the build\n")
    later = (tmp_path / "inboxtrace" / native.BUILD_RECORD).stat().st_mtime + 10
    os.utime(edited_py, (later, later))
    assert native.stale(str(tmp_path)) == [edited, unrecorded]
    # a Cython extension is stale when its .pyx changed since the build
    pyx = native.CYTHON[0]
    base = tmp_path.joinpath(*pyx.split("."))
    built = b"# built\n"
    base.with_name(base.name + ".pyx").write_bytes(built)
    base.with_name(base.name + suffix).write_bytes(b"")
    with (tmp_path / "inboxtrace" / native.BUILD_RECORD).open("a") as f:
        f.write(f"{hashlib.sha256(built).hexdigest()} {pyx}\n")
    assert native.stale(str(tmp_path)) == [edited, unrecorded]
    base.with_name(base.name + ".pyx").write_bytes(b"# edited\n")
    later += 10
    os.utime(base.with_name(base.name + ".pyx"), (later, later))
    assert native.stale(str(tmp_path)) == [edited, unrecorded, pyx]
    # the declarations it is compiled against (a .pxd of CYTHON_PXD) are part of its source
    with (tmp_path / "inboxtrace" / native.BUILD_RECORD).open("a") as f:
        f.write(f"{hashlib.sha256(b'# edited' + bytes([10])).hexdigest()} {pyx}\n")
    assert native.stale(str(tmp_path)) == [edited, unrecorded]
    pxd = tmp_path.joinpath(*native.CYTHON_PXD[0].split("."))
    pxd.parent.mkdir(parents=True, exist_ok=True)
    pxd.with_name(pxd.name + ".pxd").write_bytes(b"cdef class Core: pass\n")
    later += 10
    os.utime(pxd.with_name(pxd.name + ".pxd"), (later, later))
    assert native.stale(str(tmp_path)) == [edited, unrecorded, pyx]
    assert native.stale(str(REPO / "src")) == []  # this checkout's extensions are up to date


_DUMP_BOUNCES = r"""
import json, sys
from pathlib import Path
from inboxtrace.bounces import iter_path, read_bounces
from inboxtrace.native import implementation
print(json.dumps({"implementation": implementation()}))
for folder in sys.argv[1:]:
    for path in sorted(Path(folder).iterdir()):
        reports = [repr(r) for r in read_bounces(iter_path(path), workers=1)]
        print(json.dumps({"path": str(path), "reports": reports}))
"""


def test_both_implementations_read_the_bounce_corpus_alike() -> None:
    corpus = SHARED / "corpus" / "bounces"
    args = [str(corpus / "emails"), str(corpus / "not-bounces")]
    compiled = _run(_DUMP_BOUNCES, args, pure=False)
    pure = _run(_DUMP_BOUNCES, args, pure=True)
    assert str(compiled[0]["implementation"]).startswith("compiled")
    assert str(pure[0]["implementation"]).startswith("pure Python")
    assert len(compiled) == len(pure) > 400
    for c, p in zip(compiled[1:], pure[1:], strict=True):
        assert c["path"] == p["path"]
        assert c["reports"] == p["reports"], c["path"]
        assert c["reports"], c["path"]  # every file gives a report (a bounce, or why it is none)


class _Counting:
    """A scanner seen by the fast path through this wrapper, counting the lines it leaves to Python."""

    _STATE = frozenset({"_ts", "_last", "_handled", "_events"})

    def __init__(self, scanner: object) -> None:
        object.__setattr__(self, "inner", scanner)
        object.__setattr__(self, "fallbacks", 0)

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def __setattr__(self, name: str, value: object) -> None:
        setattr(self.inner if name in self._STATE else super(), name, value)

    def line(self, line: str, ln: int) -> None:
        object.__setattr__(self, "fallbacks", self.fallbacks + 1)
        self.inner.line(line, ln)  # type: ignore[attr-defined]


def _assemble(path: Path, fast: bool) -> tuple[list[object], dict[str, object], int]:
    from inboxtrace.logs import LogStats
    from inboxtrace.logs.registry import all_parsers
    from inboxtrace.logs.scanner import Scanner
    from inboxtrace.sources.lines import iter_blocks
    from inboxtrace.timeline.assembler import Assembler

    stats = LogStats()
    asm = Assembler()
    scanner = Scanner(all_parsers(), asm, stats)
    module = scanner._fast
    scanner._fast = None
    counting = _Counting(scanner)
    with path.open("rb") as f:
        for block in iter_blocks(f):
            if fast:
                scanner._valid, scanner._ts, scanner._last = asm.clock, "", None
                scanner._handled = scanner._events = 0
                n_connect, n_disconnect = module.scan_block(counting, block.lines, block.first_line_no, True)
                stats.ignore("smtpd-connect", n_connect)
                stats.ignore("smtpd-disconnect", n_disconnect)
                stats.events += scanner._events
                stats.lines += len(block.lines)
            else:
                scanner.scan(block)
    asm.flush()
    return asm.out, stats.ignored, counting.fallbacks


def test_the_fast_path_reads_the_frequent_postfix_lines_itself(tmp_path: Path) -> None:
    if native.pure_requested():
        assert native.extension("inboxtrace.logs._fastscan") is None
        return
    log = generated_log(tmp_path / "generated.log", 20_000)
    fast, fast_ignored, fallbacks = _assemble(log, fast=True)
    plain, plain_ignored, _ = _assemble(log, fast=False)
    assert fast == plain
    assert fast_ignored == plain_ignored
    assert len(plain) > 2000
    # what is left to Python is the rare shapes (NOQUEUE rejects, TLS, warnings): under 2%
    assert fallbacks < 0.02 * 20_000, fallbacks


def test_frozen_records_are_made_as_their_classes_make_them() -> None:
    import dataclasses
    from datetime import UTC, datetime

    from inboxtrace.model.log import Attempt, Delivery, Evidence, FinalState, Message

    frozen = native.extension("inboxtrace.timeline._frozen")
    if native.pure_requested():
        assert frozen is None
        return
    assert frozen is not None
    when = datetime(2025, 3, 14, tzinfo=UTC)
    evidence = (frozen.Maker(Evidence)("mail.log", 7, "a line"), Evidence("mail.log", 7, "a line"))
    values = (when, "sent", "mx", "192.0.2.1", 25, "250 ok", "2.0.0", 1.5, "0/0/1/0.5", None, "Q1", None)
    attempts = [
        make(*values, ev, None) for make, ev in zip((frozen.Maker(Attempt), Attempt), evidence, strict=True)
    ]
    assert attempts[0] == attempts[1] and hash(attempts[0]) == hash(attempts[1])
    assert repr(attempts[0]) == repr(attempts[1])
    delivery = frozen.Maker(Delivery)("a@b", FinalState.DELIVERED, tuple(attempts), None, None)
    assert delivery == Delivery("a@b", FinalState.DELIVERED, tuple(attempts))
    message = frozen.Maker(Message)("postfix", "mx", "Q", *([None] * 8), (delivery,), None, (), "f", ())
    assert message == Message("postfix", "mx", "Q", deliveries=(delivery,), source="f")
    with pytest.raises(dataclasses.FrozenInstanceError):
        attempts[0].status = "bounced"  # type: ignore[misc]
    # fewer values than fields: the class itself is called (its defaults, its errors)
    assert frozen.Maker(Delivery)("a@b", FinalState.BOUNCED) == Delivery("a@b", FinalState.BOUNCED)
    with pytest.raises(TypeError):
        frozen.Maker(Evidence)("mail.log")

    @dataclasses.dataclass(frozen=True, slots=True)
    class Checked:
        n: int

        def __post_init__(self) -> None:
            if self.n < 0:
                raise ValueError(self.n)

    @dataclasses.dataclass(slots=True)
    class Mutable:
        n: int

    @dataclasses.dataclass(frozen=True)
    class NoSlots:
        n: int

    for cls in (Checked, Mutable, NoSlots, int):
        assert frozen.makes_fast(cls) is not None, cls
        with pytest.raises(TypeError):
            frozen.Maker(cls)


# Parses a log without flushing it and prints its open states as the parent of a parallel read
# gets them (pickled), and what kinds of state the assembler held them as.
_OPEN_STATES = r"""
import json, pickle, sys
from inboxtrace.logs import LogStats
from inboxtrace.logs.registry import all_parsers
from inboxtrace.logs.scanner import Scanner
from inboxtrace.sources.lines import iter_blocks
from inboxtrace.timeline.assembler import Assembler, _MSG_STATE, _RCPT_STATE
asm = Assembler(idle_seconds=None)
scanner = Scanner(all_parsers(), asm, LogStats())
with open(sys.argv[1], "rb") as f:
    for block in iter_blocks(f):
        scanner.scan(block)
kinds = sorted({type(st).__module__ + "." + type(st).__name__ for st in asm.open.values()})
states = pickle.loads(pickle.dumps(list(asm.open.values())))
def state(st):
    out = {n: repr(getattr(st, n)) for n in _MSG_STATE if n != "rcpts"}
    out["rcpts"] = {repr(k): {n: repr(getattr(r, n)) for n in _RCPT_STATE} for k, r in st.rcpts.items()}
    return out
print(json.dumps({"kinds": kinds, "unpickled": sorted({type(st).__name__ for st in states}),
                  "states": [state(st) for st in states], "out": repr(asm.out)}))
"""


def test_the_compiled_assembler_keeps_states_that_travel_as_plain_ones(tmp_path: Path) -> None:
    # the Cython core (timeline/_assemble.pyx) holds the messages the fast path feeds it; the
    # unfinished ones a worker sends to the parent must arrive as the plain assembler's states
    log = generated_log(tmp_path / "generated.log", 3000)
    with log.open("a", encoding="utf-8") as f:  # and messages that mix fast and plain events
        f.write(EDGE_LINES.replace("removed", "removed later"))
    (compiled,) = _run(_OPEN_STATES, [str(log)], pure=False)
    (pure,) = _run(_OPEN_STATES, [str(log)], pure=True)
    assert compiled["states"] == pure["states"]
    assert compiled["out"] == pure["out"]
    assert isinstance(pure["states"], list) and len(pure["states"]) > 50
    assert compiled["unpickled"] == pure["unpickled"] == ["_Msg"]
    assert pure["kinds"] == ["inboxtrace.timeline.assembler._Msg"]
    if not native.pure_requested():
        # both kinds: the core's, and plain ones for the messages a plain event touched
        assert compiled["kinds"] == [
            "inboxtrace.timeline._assemble.Msg",
            "inboxtrace.timeline.assembler._Msg",
        ]


def test_the_long_quiet_log_hands_messages_without_recipients_out_early(tmp_path: Path) -> None:
    """What the comparison of ``quiet.log`` above stands on: the early hand-out happens there (the
    held message comes out in two parts), so both implementations are compared doing it."""
    from inboxtrace.timeline import read_logs

    parts = [m.queue_id for m in read_logs([_quiet_long_log(tmp_path / "quiet.log")], jobs=1)]
    assert parts.count("CCCC1") == 2 and parts.count("BBBB1") == 1
    assert parts.index("AAAA1") < parts.index("D0013")


def _scan(path: Path, decode: bool) -> tuple[list[object], dict[str, object], tuple[int, int]]:
    """The records and counts of ``path`` read block by block, its ASCII blocks
    decoded first when ``decode`` (else left to the scanner, which may read them in place); and
    how many blocks the scanner left undecoded, of how many."""
    from datetime import UTC

    from inboxtrace.logs import LogStats
    from inboxtrace.logs.clock import Clock
    from inboxtrace.sources.lines import iter_blocks
    from inboxtrace.timeline.reader import _make, _Options

    stats = LogStats()
    scanner, asm = _make(_Options(None, None, "localhost", UTC, None), False, stats)
    asm.source = str(path)
    asm.clock = Clock(None, UTC)
    undecoded = blocks = 0
    with path.open("rb") as f:
        for block in iter_blocks(f, block_size=1 << 17):  # (room for the longest line)
            if decode:
                assert block.lines is not None  # (read: decoded now)
            scanner.scan(block)
            undecoded += block.raw is not None
            blocks += 1
    asm.flush()
    return [repr(r) for r in asm.out], stats.to_dict(), (undecoded, blocks)


def test_ascii_blocks_read_in_place_give_what_their_decoded_lines_give(tmp_path: Path) -> None:
    path = _ascii_log(tmp_path / "ascii.log")
    in_place, counts, (undecoded, blocks) = _scan(path, decode=False)
    decoded, decoded_counts, (none, _) = _scan(path, decode=True)
    assert none == 0
    assert in_place == decoded and counts == decoded_counts
    assert counts["truncated"] == 3 and counts["lines"] == len(path.read_bytes().split(b"\n")) - 1
    assert len(in_place) > 100 and blocks >= 4
    # the plain scanner decodes every block; the compiled one reads each of this file in place
    assert undecoded == (0 if native.pure_requested() else blocks)


def test_messages_made_in_c_are_those_the_plain_builder_makes(tmp_path: Path) -> None:
    """``Builder.build`` in C (``_frozen.Build``: times read from the clock's cache, facts made
    there too) against the method's own code, record by record: a generated log's records (expiries
    and DSN facts), the same with every other attempt and fact from a second source (its own
    clock), and timestamps that are no time (the earliest time, as the plain method gives)."""
    from inboxtrace.timeline.reader import LogReader
    from inboxtrace.timeline.records import Builder

    frozen = native.extension("inboxtrace.timeline._frozen")
    if native.pure_requested():
        assert frozen is None
        return
    log = generated_log(tmp_path / "mail.log", 20_000)

    class Records:
        def from_record(self, rec: Any, verdicts: list[Any], builder: Builder) -> Any:
            return rec, verdicts

        def __call__(self, message: Any) -> Any:
            raise AssertionError("from_record is used")

    got = list(LogReader([str(log)], jobs=1, transform=Records()))
    other = str(tmp_path / "other.log")

    def moved(rec: Any, n: int) -> Any:
        """The record with every other attempt and fact from ``other``, and some times broken."""
        deliveries = []
        for addr, state, orig, dsn_qid, attempts in rec[14]:
            changed = [
                (("Feb 30 25:61:99" if i % 7 == 3 else a[0]), *a[1:14], other if (n + i) % 2 else a[14])
                for i, a in enumerate(attempts)
            ]
            deliveries.append((addr, state, orig, dsn_qid, changed))
        facts = [(*f[:4], other if (n + i) % 2 else f[4], f[5]) for i, f in enumerate(rec[15])]
        received = "Foo 99 99:99:99" if n % 5 == 0 else rec[3]
        return (*rec[:3], received, *rec[4:14], deliveries, facts, rec[16])

    c_builder, plain = Builder(), Builder()
    plain._c = None  # the method's own code
    for b in (c_builder, plain):
        b.set_reference(str(log), datetime.date(2025, 6, 1))
        b.set_reference(other, datetime.date(2024, 1, 1))
    facts = reworded = 0
    kinds: set[str] = set()
    for n, (rec, verdicts) in enumerate(got):
        for r in (rec, moved(rec, n)):
            made = c_builder.build(r, verdicts)
            assert made == plain.build(r, verdicts)
            assert repr(made) == repr(plain.build(r, verdicts))
        facts += len(rec[15])
        kinds |= {f[0] for f in rec[15]}
        table = {id(v) for v in verdicts}  # (a verdict worded with the reply at hand is made anew)
        reworded += sum(
            1 for d in made.deliveries for a in d.attempts if a.verdict and id(a.verdict) not in table
        )
    assert facts > 100 and kinds == {"expired", "dsn"}, (facts, kinds)
    assert reworded > 100, reworded


def test_newlines_are_counted_as_bytes_count_counts_them(tmp_path: Path) -> None:
    """``_fastscan.count_newlines`` (what a worker counts the lines before its piece with) against
    ``bytes.count``, on buffers of every kind; and the reader's count of a file's lines up to an
    offset, with and without it."""
    from inboxtrace.timeline import reader

    fast = native.extension("inboxtrace.logs._fastscan")
    rng = random.Random(3)
    data = bytes(rng.choice(b"\n\nab\r\x00\xff") for _ in range(100_000))
    if not native.pure_requested():
        assert fast is not None
        for chunk in (b"", b"\n", b"x", b"\n\n\n", data, data[1:-1]):
            assert fast.count_newlines(chunk) == chunk.count(b"\n")
            assert fast.count_newlines(bytearray(chunk)) == chunk.count(b"\n")
        assert fast.count_newlines(memoryview(data)[17:5000]) == data[17:5000].count(b"\n")
    path = tmp_path / "data"
    path.write_bytes(data * 30)  # over the reader's 1 MiB buffer
    for start, upto in ((0, 0), (0, len(data) * 30), (5, (1 << 20) + 3), (len(data), len(data) * 2 + 1)):
        assert reader._count_newlines(str(path), upto, start) == (data * 30)[start:upto].count(b"\n")
