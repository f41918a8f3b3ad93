"""Sendmail: ``from=`` arrivals, ``to=... stat=`` deliveries (``dsn=``, ``relay=``, ``xdelay=``), the
DSNs it generates, and ``ruleset=... reject=`` refusals."""

# Event calls are positional on purpose: they run once per log line and keywords cost time.
# ruff: noqa: PLR0917

from __future__ import annotations

import re

from inboxtrace.logs.events import EventSink, number

NAME = "sendmail"
DESCRIPTION = "Sendmail (sm-mta, sendmail, sm-msp-queue)"

_QID = re.compile(r"[0-9A-Za-z]{12,20}")
_QID_FULL = _QID.fullmatch
_PROGRAMS = ("sm-mta", "sendmail", "sm-msp-queue", "sm-acceptingconnections", "sm-")
_IGNORE = (
    ("STARTTLS", "tls"),
    ("AUTH=", "sendmail-auth"),
    ("Milter", "sendmail-milter"),
    ("milter", "sendmail-milter"),
    ("lost input channel", "sendmail-lost-connection"),
    ("timeout waiting for input", "sendmail-timeout"),
    ("collect:", "sendmail-collect"),
    ("did not issue MAIL/EXPN/VRFY/ETRN", "sendmail-no-mail"),
    ("starting daemon", "sendmail-daemon"),
    ("alias database", "sendmail-daemon"),
    ("clone ", "sendmail-clone"),
    ("return to sender", "sendmail-return"),
    ("sender notify", "sendmail-return"),
    ("discarded", "sendmail-discard"),
    ("headers too large", "sendmail-warning"),
    ("SYSERR", "error"),
    ("AUTH failure", "auth-failure"),
    ("rejecting connections on daemon", "sendmail-load"),
    ("accepting connections again", "sendmail-load"),
    ("rejecting commands from", "sendmail-pre-greeting"),
    ("Authentication-Warning", "warning"),
    ("<", "sendmail-other"),
)


def _kv(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in text.split(", "):
        eq = part.find("=")
        if eq > 0:
            out[part[:eq]] = part[eq + 1 :]
    return out


def _status(stat: str, dsn: str | None) -> str:
    s = stat.lower()
    if s.startswith("sent"):
        return "sent"
    if s.startswith("deferred"):
        return "deferred"
    if dsn:
        return "bounced" if dsn.startswith("5") else "deferred" if dsn.startswith("4") else "sent"
    return "bounced"


class SendmailParser:
    """Turns Sendmail log messages into sink events."""

    name = NAME
    description = DESCRIPTION

    def daemon_of(self, program: str) -> str | None:
        return "sendmail" if program.startswith(_PROGRAMS) else None

    def handle(
        self, daemon: str, ts: str, host: str, pid: str | None, msg: str, ln: int, line: str, sink: EventSink
    ) -> bool | str:
        if msg.startswith("ruleset=") and ", reject=" in msg:  # refused before a queue id was given
            return self._reject(host, ts, msg, ln, line, sink)
        i = msg.find(": ")
        if i < 0 or not _QID_FULL(msg, 0, i):
            for prefix, kind in _IGNORE:
                if msg.startswith(prefix):
                    return kind
            return False
        qid = msg[:i]
        rest = msg[i + 2 :]
        if rest.startswith("to="):
            k = rest.find(", stat=")
            if k < 0:
                return False
            stat = rest[k + 7 :]
            kv = _kv(rest[:k])
            dsn = kv.get("dsn")
            status = _status(stat, dsn)
            relay = kv.get("relay")
            delay = kv.get("xdelay") or kv.get("delay")
            to = kv.get("to", "")
            for rcpt in to.split(","):
                sink.delivery(
                    host, qid, ts, rcpt.strip().strip("<>"), None, status, relay, delay, None, dsn, stat, pid,
                    ln, line,
                )  # fmt: skip
            return True
        if rest.startswith("from="):
            kv = _kv(rest)
            size = kv.get("size")
            nrcpts = kv.get("nrcpts")
            relay = kv.get("relay", "")
            b = relay.find("[")
            client_host = relay[:b].strip() or None if b >= 0 else relay or None
            client_ip = relay[b + 1 : relay.find("]", b)] if b >= 0 else None
            sink.arrival(
                host, qid, ts, kv.get("from", "").strip("<>"), number(size),
                kv.get("msgid", "").strip("<>") or None, client_host, client_ip,
                number(nrcpts), ln,
            )  # fmt: skip
            return True
        if rest.startswith("ruleset=") and ", reject=" in rest:
            return self._reject(host, ts, rest, ln, line, sink)
        if rest.startswith("<") and ">... " in rest:
            # "<nouser@example.org>... User unknown": a recipient refused at RCPT TO (the message
            # may still arrive for its other recipients, or never: nrcpts=0)
            e = rest.find(">... ")
            sink.reject(host, qid, ts, "reject", "RCPT", None, None, None, rest[1:e], rest[e + 5 :], ln, line)
            return True
        j = rest.find(": DSN: ")
        if j > 0 and _QID_FULL(rest, 0, j):
            sink.notification(host, qid, ts, "non-delivery", rest[:j], ln)
            return True
        for prefix, kind in _IGNORE:
            if rest.startswith(prefix):
                return kind
        return "sendmail-other"

    @staticmethod
    def _reject(host: str, ts: str, rest: str, ln: int, line: str, sink: EventSink) -> bool:
        """``ruleset=check_rcpt|check_mail|check_relay, arg1=..., relay=..., reject=NNN text``.

        Only check_rcpt names a recipient (arg1). check_mail's arg1 is the sender and check_relay
        refuses the connection itself (``reject=421 4.3.2 Connection rate limit exceeded.``): one
        refused transaction each, counted with the empty recipient, never as a delivery.
        """
        kv = _kv(rest)
        relay = kv.get("relay", "")
        b = relay.find("[")
        client_host = relay[:b].strip() or None if b >= 0 else relay or None
        client_ip = relay[b + 1 : relay.find("]", b)] if b >= 0 else None
        arg1 = kv.get("arg1", "").strip("<>")
        ruleset = kv.get("ruleset", "")
        stage = {"check_rcpt": "RCPT", "check_mail": "MAIL", "check_relay": "CONNECT"}.get(ruleset, ruleset)
        text = rest[rest.find(", reject=") + 9 :]
        sender = arg1 if stage == "MAIL" else None
        rcpt = arg1 if stage == "RCPT" else ""
        action = "defer" if text.startswith("4") else "reject"
        sink.reject(host, None, ts, action, stage, client_host, client_ip, sender, rcpt, text, ln, line)
        return True


__all__ = ["DESCRIPTION", "NAME", "SendmailParser"]
