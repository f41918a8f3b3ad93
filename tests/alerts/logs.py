"""Generated Postfix logs (tests/data/tools/gen_postfix_log.py) shifted in time, and the same
generator's log with one receiving provider turned against the sender."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import generated_log

_TIME = re.compile(r"^Mar 14 (\d\d):")
GMAIL_SPAM = (
    "550-5.7.1 [198.51.100.1] Our system has detected that this message is likely unsolicited mail. "
    "To reduce the amount of spam sent to Gmail, this message has been blocked. a1si9 - gsmtp"
)
YAHOO_THROTTLE = "421 4.7.0 [TSS04] Messages from 198.51.100.1 temporarily deferred due to unexpected volume or user complaints"
BARRACUDA = "554 5.7.1 Service unavailable; Client host [198.51.100.1] blocked using b.barracudacentral.org"
_SENT = re.compile(
    r"relay=([^\[,]+)\[([^\]]+)\]:25, (delay=[^,]+, delays=[^,]+), dsn=2\.0\.0, status=sent \(.*\)$"
)


def shifted(src: Path, dst: Path, hours: int) -> Path:
    with src.open() as fin, dst.open("w") as out:
        for line in fin:
            out.write(_TIME.sub(lambda m: f"Mar 14 {int(m.group(1)) + hours:02d}:", line, count=1))
    return dst


def turned(src: Path, dst: Path) -> Path:
    """Gmail refuses as spam, Yahoo throttles, corp.example names a new blocklist."""

    def change(line: str) -> str:
        m = _SENT.search(line)
        if not m:
            return line
        host, ip, delays = m.groups()
        head = line[: m.start()]
        if host.startswith("gmail-smtp-in"):
            return f"{head}relay={host}[{ip}]:25, {delays}, dsn=5.7.1, status=bounced (host {host}[{ip}] said: {GMAIL_SPAM} (in reply to end of DATA command))\n"
        if host.startswith("mta7.am0.yahoodns"):
            return f"{head}relay={host}[{ip}]:25, {delays}, dsn=4.7.0, status=deferred (host {host}[{ip}] said: {YAHOO_THROTTLE} (in reply to MAIL FROM command))\n"
        if host.startswith("mail.corp.example"):
            return f"{head}relay={host}[{ip}]:25, {delays}, dsn=5.7.1, status=bounced (host {host}[{ip}] said: {BARRACUDA} (in reply to MAIL FROM command))\n"
        return line

    with src.open() as fin, dst.open("w") as out:
        for line in fin:
            out.write(change(line.rstrip("\n")) if "status=sent" in line else line)
    return dst


def three_hours(tmp: Path) -> tuple[Path, Path, Path]:
    """A normal hour (00:00-01:00), a bad quarter (01:00-01:12), a normal quarter again (02:00-02:12)."""
    base = generated_log(tmp / "g1.log", 40000, "--seed", "11")
    bad = turned(
        shifted(generated_log(tmp / "g2.log", 8000, "--seed", "12"), tmp / "g2s.log", 1), tmp / "bad.log"
    )
    good = shifted(generated_log(tmp / "g3.log", 8000, "--seed", "13"), tmp / "good.log", 2)
    return base, bad, good
