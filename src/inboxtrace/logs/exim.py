"""Exim main log: arrivals ``<=``, deliveries ``=>``/``->``/``*>``, bounces ``**``, deferrals ``==``,
``Completed``, and SMTP-time rejections. Message ids in both the classic (``1rnLbz-0004Yb-Jd``) and
the Exim >= 4.97 form (``1rnLbz-00000004Yb-Jd00``)."""

# Event calls are positional on purpose: they run once per log line and keywords cost time.
# ruff: noqa: PLR0917

from __future__ import annotations

import re

from inboxtrace.logs.events import EventSink, number

NAME = "exim"
DESCRIPTION = "Exim main log (own format or via syslog)"

_ID = re.compile(r"[0-9A-Za-z]{6}-[0-9A-Za-z]{6,11}-[0-9A-Za-z]{2,4}")
_ID_FULL = _ID.fullmatch
_HOST = re.compile(
    r"\bH=(?:(?P<name>[^\s\[(]+)\s*)?(?:\([^)]*\)\s*)?(?:\[(?P<ip>[^\]]+)\](?::(?P<port>\d+))?)?"
)
_FROM = re.compile(r"\bF=<?([^>\s]*)>?")
_CONFIRM = re.compile(r'\bC="((?:[^"\\]|\\.)*)"')
_FIELD = re.compile(r"\b(?P<k>[A-Za-z]{1,3})=(?P<v>\S+)")
_REJECT = re.compile(
    r"^(?:H=(?P<host>\S*)\s*(?:\((?P<helo>[^)]*)\)\s*)?)?\[(?P<ip>[^\]]+)\](?::\d+)?"
    r"(?:\s+I=\S+)?(?:\s+\S+=\S+)*?(?:\s+F=<?(?P<from>[^>\s]*)>?)?(?:\s+\S+=\S+)*?\s+"
    r"(?:rejected|temporarily rejected)\s+(?P<stage>RCPT|MAIL|after DATA|DATA|EHLO|HELO|connection)"
    r"(?:\s+<?(?P<to>[^>\s:]*)>?)?\s*:?\s*(?P<text>.*)$"
)
_IGNORE_PREFIXES = (
    ("SMTP connection from", "exim-connection"),
    ("no MAIL in SMTP connection from", "exim-connection"),
    ("ident connection to", "exim-connection"),
    ("SMTP protocol", "exim-protocol"),
    ("Start queue run", "exim-queue-run"),
    ("End queue run", "exim-queue-run"),
    ("no host name found", "exim-dns"),
    ("no IP address found", "exim-dns"),
    ("TLS error", "tls"),
    ("exim ", "exim-daemon"),
    ("daemon ", "exim-daemon"),
    ("SMTP command timeout", "exim-timeout"),
    ("SMTP data timeout", "exim-timeout"),
    ("unexpected disconnection", "exim-connection"),
    ("cwd=", "exim-command"),
    ("Warning:", "warning"),
    ("warning:", "warning"),
    ("ACL ", "exim-acl"),
    ("H=", "exim-smtp"),
    ("SMTP call from", "exim-smtp"),
    ("SMTP syntax error", "exim-protocol"),
    ("Connection from", "exim-connection"),
    ("Spool file", "exim-spool"),
    ("Tainted", "exim-warning"),
)
_MSG_IGNORE = (
    ("Frozen", "exim-frozen"),
    ("Message is frozen", "exim-frozen"),
    ("Unfrozen", "exim-frozen"),
    ("Spool file", "exim-spool"),
    ("SMTP error", "exim-smtp-error"),
    ("H=", "exim-smtp"),
    ("Sender identification", "exim-ident"),
    ("cancelled by", "exim-cancelled"),
    ("removal requested", "exim-removed"),
    ("removed by", "exim-removed"),
    ("DKIM:", "dkim"),
    ("SA:", "spamassassin"),
    ("Warning:", "warning"),
)
_STATUS = {"=>": "sent", "->": "sent", "*>": "suppressed", "**": "bounced", "==": "deferred"}


def _relay(rest: str) -> str | None:
    m = _HOST.search(rest)
    if not m or not (m["name"] or m["ip"]):
        return None
    name, ip = m["name"] or m["ip"], m["ip"]
    out = name or ""
    if ip:
        out += f"[{ip}]"
        if m["port"]:
            out += f":{m['port']}"
    return out


def _reject(sink: EventSink, host: str, ts: str, action: str, m: re.Match[str], ln: int, line: str) -> None:
    """One SMTP-time refusal. Only ``rejected RCPT <a>`` names a recipient: the address of
    ``rejected MAIL <a>`` is the sender, and a refusal at MAIL, HELO/EHLO or connection time is one
    refused transaction (recipient ``""``), never a delivery to anyone."""
    stage = m["stage"]
    sender, rcpt = m["from"], m["to"]
    if stage != "RCPT":
        if stage == "MAIL" and rcpt is not None:
            sender = sender or rcpt
        rcpt = ""
    sink.reject(
        host, None, ts, action, stage, m["host"] or None, m["ip"], sender, rcpt, m["text"] or "", ln, line
    )


class EximParser:
    """Turns Exim main-log messages into sink events."""

    name = NAME
    description = DESCRIPTION

    def daemon_of(self, program: str) -> str | None:
        return "exim" if program.startswith("exim") else None

    def handle(
        self, daemon: str, ts: str, host: str, pid: str | None, msg: str, ln: int, line: str, sink: EventSink
    ) -> bool | str:
        if msg.startswith("[") and "] " in msg[:12]:  # "[pid] " inside Exim's own format
            msg = msg[msg.find("] ") + 2 :]
        sp = msg.find(" ")
        word = msg[:sp] if sp > 0 else msg
        if _ID_FULL(word):
            return self._message(host, word, ts, msg[sp + 1 :] if sp > 0 else "", ln, line, sink)
        if " rejected " in msg or " temporarily rejected " in msg:
            m = _REJECT.match(msg)
            if m:
                action = "reject" if " temporarily rejected " not in msg else "defer"
                _reject(sink, host, ts, action, m, ln, line)
                return True
        if " authenticator failed for " in msg:
            # "dovecot_login authenticator failed for (x) [ip]:port: 535 Incorrect authentication
            # data (set_id=...)": a failed SMTP AUTH (often a password-guessing run), no mail
            return "auth-failure"
        if msg.startswith("pid ") and " received" in msg and ": SIG" in msg:
            # "pid 812: SIGHUP received: re-exec daemon", "pid 812: SIGTERM received: daemon exiting"
            return "exim-daemon"
        if msg.startswith("rejected ") and " from " in msg:
            return self._greeting_reject(host, ts, msg, ln, line, sink)
        for prefix, kind in _IGNORE_PREFIXES:
            if msg.startswith(prefix):
                return kind
        return False

    def _message(
        self, host: str, qid: str, ts: str, rest: str, ln: int, line: str, sink: EventSink
    ) -> bool | str:
        mark = rest[:2]
        if mark == "<=":
            body = rest[3:]
            sp = body.find(" ")
            sender = body if sp < 0 else body[:sp]
            if sender == "<>":
                sender = ""
            size = None
            msgid = client_host = client_ip = None
            for m in _FIELD.finditer(body):
                k, v = m["k"], m["v"]
                if k == "S" and v.isdigit():
                    size = number(v)
                elif k == "id":
                    msgid = v
            hm = _HOST.search(body)
            if hm:
                client_host, client_ip = hm["name"], hm["ip"]
            sink.arrival(host, qid, ts, sender, size, msgid, client_host, client_ip, None, ln)
            r = body.find(" R=")
            if sender == "" and r >= 0:  # a bounce Exim generated about message R=
                orig_id = body[r + 3 :].split(" ", 1)[0]
                if _ID_FULL(orig_id):
                    sink.notification(host, orig_id, ts, "non-delivery", qid, ln)
            return True
        if mark in _STATUS:
            body = rest[3:]
            status = _STATUS[mark]
            sp = body.find(" ")
            rcpt = body if sp < 0 else body[:sp]
            after = "" if sp < 0 else body[sp + 1 :]
            orig = None
            if after.startswith("<"):
                e = after.find(">")
                if e > 0:
                    orig = after[1:e]
                    after = after[e + 1 :].lstrip()
            rcpt = rcpt.rstrip(":")
            relay = _relay(after)
            text: str | None = None
            if status == "sent":
                c = _CONFIRM.search(after)
                text = c.group(1) if c else None
            else:
                colon = after.find(": ")
                text = after[colon + 2 :] if colon >= 0 else after or None
                if (
                    status == "bounced"
                    and text
                    and (
                        "retry timeout exceeded" in text
                        or "retry time not reached for any host after a long" in text
                    )
                ):
                    status = "expired"
            sink.delivery(host, qid, ts, rcpt, orig, status, relay, None, None, None, text, None, ln, line)
            return True
        if " rejected " in rest or rest.startswith("rejected "):
            rm = _REJECT.match(rest)
            if rm is None:  # "F=<a> H=h [ip] P=esmtp rejected by local_scan(): text" / "rejected after DATA"
                return self._whole_message_reject(host, ts, rest, ln, line, sink)
            if rm:
                _reject(sink, host, ts, "reject", rm, ln, line)
                return True
        if rest.startswith("Completed"):
            sink.removed(host, qid, ts, ln)
            return True
        for prefix, kind in _MSG_IGNORE:
            if rest.startswith(prefix):
                return kind
        return "exim-message-other"

    @staticmethod
    def _greeting_reject(host: str, ts: str, msg: str, ln: int, line: str, sink: EventSink) -> bool | str:
        """``rejected EHLO from [ip]:port I=...: syntactically invalid argument(s): _``: the client
        was refused before any transaction (one refusal, no recipient)."""
        stage = msg[9:].split(" ", 1)[0]
        if stage not in ("EHLO", "HELO", "connection"):
            return False
        hm = _HOST.search(msg)
        ip = msg[msg.find("[") + 1 : msg.find("]")] if "[" in msg and "]" in msg else None
        end = msg.find("]")
        colon = msg.find(": ", end if end >= 0 else 0)
        text = msg[colon + 2 :] if colon >= 0 else ""
        sink.reject(
            host, None, ts, "reject", stage, hm["name"] if hm else None, (hm["ip"] if hm else None) or ip,
            None, "", text, ln, line,
        )  # fmt: skip
        return True

    @staticmethod
    def _whole_message_reject(host: str, ts: str, rest: str, ln: int, line: str, sink: EventSink) -> bool:
        r = rest.find(" rejected ")
        after = rest[r + 10 :]
        colon = after.find(": ")
        text = after[colon + 2 :] if colon >= 0 else after
        stage = "DATA" if after.startswith(("after DATA", "by local_scan")) else after.split(" ", 1)[0]
        hm = _HOST.search(rest)
        fm = _FROM.search(rest)
        action = "defer" if rest[:r].endswith(" temporarily") else "reject"
        sink.reject(
            host, None, ts, action, stage, hm["name"] if hm else None, hm["ip"] if hm else None,
            fm.group(1) if fm else None, None, text, ln, line,
        )  # fmt: skip
        return True


__all__ = ["DESCRIPTION", "NAME", "EximParser"]
