"""Postfix: every line shape that tells where a message went, parsed with cheap string dispatch.

Lines are routed by daemon (``postfix/smtp`` -> ``smtp``; multi-instance names such as
``postfix-out/smtp`` or ``postfix/submission/smtpd`` work the same) and then by fixed prefixes;
regular expressions are used only to confirm a queue id (short hex or long ``...z...`` form).
"""

# Event calls are positional on purpose: they run once per log line and keywords cost time.
# ruff: noqa: PLR0917

from __future__ import annotations

import re

from inboxtrace.logs.events import EventSink, number
from inboxtrace.logs.knowledge import ignore_table, ignored_kind

NAME = "postfix"
DESCRIPTION = "Postfix (all daemons: smtpd, postscreen, cleanup, qmgr, smtp/lmtp/local/..., bounce)"

_ALNUM = "0-9BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz"
_QID = re.compile(rf"[0-9A-F]{{5,}}|[{_ALNUM}]{{8,}}z[{_ALNUM}]{{2,}}")
_QID_FULL = _QID.fullmatch

DAEMONS = frozenset(
    {
        "smtpd", "postscreen", "cleanup", "qmgr", "nqmgr", "smtp", "lmtp", "local", "virtual", "pipe",
        "error", "discard", "retry", "bounce", "defer", "trace", "pickup", "postsuper", "master",
        "postfix-script", "anvil", "scache", "tlsmgr", "tlsproxy", "dnsblog", "verify", "postmap",
        "postalias", "script", "postlog", "proxymap", "trivial-rewrite", "sendmail", "postdrop",
        "showq", "flush", "oqmgr", "spawn", "postqueue", "postmulti", "postconf", "qmqpd", "lmtpd",
    }
)  # fmt: skip
_DELIVERY_AGENTS = frozenset({"smtp", "lmtp"})
_GENERIC = frozenset(
    {"smtp", "smtpd", "lmtp", "lmtpd", "local", "virtual", "pipe", "error", "sendmail", "master"}
)
_NOTE_PREFIXES = (
    "host ",
    "lost connection with ",
    "conversation with ",
    "SASL authentication failed",
    "connect to ",
)
_NOTIFICATION = " notification: "
_TLS_MARK = "TLS connection established to "
_REJECT_ACTIONS = ("reject", "milter-reject", "discard", "hold", "redirect")
# cleanup's header_checks WARN / INFO actions: "warning: header Subject: TEXT from h[ip]; from=<..."
_HEADER_NOTES = ("warning: header ", "info: header ")


def daemon_of(program: str) -> str | None:
    """The Postfix daemon a syslog program name stands for, or None if it is not Postfix."""
    slash = program.rfind("/")
    if slash < 0:
        return None
    daemon = program[slash + 1 :]
    if daemon not in DAEMONS:
        return None
    prefix = program[:slash]
    # "postfix", "postfix-out", "postfix/submission": clearly Postfix. Another syslog_name
    # ("mta-out/qmgr") is accepted for daemons only Postfix has, not for generic names like smtp.
    if "postfix" in prefix or daemon not in _GENERIC:
        return daemon
    return None


def _strip_angle(addr: str) -> str:
    if addr.startswith("<") and addr.endswith(">"):
        return addr[1:-1]
    return addr


def _between(text: str, start: str, end: str) -> str | None:
    i = text.find(start)
    if i < 0:
        return None
    i += len(start)
    j = text.find(end, i)
    return text[i:] if j < 0 else text[i:j]


def split_client(spec: str) -> tuple[str | None, str | None]:
    """``host[1.2.3.4]`` / ``[1.2.3.4]:port`` / ``host[ip]:port`` -> (host or None, ip or None)."""
    b = spec.find("[")
    if b < 0:
        return (spec or None, None)
    e = spec.find("]", b)
    host = spec[:b] or None
    ip = spec[b + 1 : e] if e > b else spec[b + 1 :]
    return host, ip or None


def _is_subject(rest: str) -> bool:
    h = rest.find("header ") + 7
    return rest[h : h + 8].lower() == "subject:"


# An RFC 2047 encoded-word, and the space between two of them (not part of the text). A header
# folded over lines is logged with its line break as "?": after an encoded-word that is a fold.
_WORD = r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?="
_ENCODED_WORD = re.compile(_WORD)
_BETWEEN_WORDS = re.compile(rf"({_WORD})\??[ \t]+(?={_WORD})")


def subject_text(rest: str) -> str:
    """The Subject of a cleanup ``header Subject: TEXT from HOST[IP]; from=<...> ...`` note, with
    RFC 2047 encoded-words decoded (Postfix logs them as written). Postfix cuts the header at
    200 characters and logs bytes other than printable ASCII as "?": that is kept as it is, and
    so is an encoded-word cut short, broken, or in a charset Python does not know."""
    h = rest.find("header ") + 15
    text = rest[h:]
    semi = text.rfind("; from=<")
    if semi >= 0:
        f = text.rfind(" from ", 0, semi)
        text = text[:f] if f >= 0 else text[:semi]
    text = text.strip()
    if "=?" not in text:
        return text
    return _ENCODED_WORD.sub(_decoded_word, _BETWEEN_WORDS.sub(r"\1", text))


def _decoded_word(match: re.Match[str]) -> str:
    from email.errors import HeaderParseError
    from email.header import decode_header

    word = match.group(0)
    try:
        ((data, charset),) = decode_header(word)
        if isinstance(data, bytes):
            return data.decode(charset or "ascii", "replace")
    except (HeaderParseError, ValueError, LookupError):
        pass
    return word


class PostfixParser:
    """Turns Postfix log messages into sink events."""

    name = NAME
    description = DESCRIPTION

    def __init__(self) -> None:
        self._ignore = ignore_table(NAME)

    def daemon_of(self, program: str) -> str | None:
        return daemon_of(program)

    def handle(
        self, daemon: str, ts: str, host: str, pid: str | None, msg: str, ln: int, line: str, sink: EventSink
    ) -> bool | str:
        """Report the events in one message; True (event), an ignored kind, or False (unknown)."""
        i = msg.find(": ")
        if i > 0 and _QID_FULL(msg, 0, i) and msg[:i] != "NOQUEUE":
            qid = msg[:i]
            rest = msg[i + 2 :]
            if rest.startswith("to="):
                return self._delivery(host, qid, ts, rest, pid, ln, line, sink)
            if daemon == "qmgr":
                if rest.startswith("from=<"):
                    if rest.endswith("returned to sender") or ", status=expired" in rest:
                        sink.expired(host, qid, ts, ln, line)
                        return True
                    return self._queued(host, qid, ts, rest, ln, sink)
                if rest == "removed":
                    sink.removed(host, qid, ts, ln)
                    return True
            elif daemon == "cleanup":
                if rest.startswith("message-id="):
                    sink.message_id(host, qid, ts, _strip_angle(rest[11:].strip()), ln)
                    return True
                if rest.startswith(("reject:", "milter-reject:", "discard:")):
                    return self._reject(host, qid, ts, rest, ln, line, sink)
                if rest.startswith(_HEADER_NOTES) and _is_subject(rest):
                    sink.subject(host, qid, ts, subject_text(rest), ln)
                    return True
            elif daemon == "smtpd":
                if rest.startswith("client="):
                    spec = rest[7:]
                    comma = spec.find(",")
                    if comma >= 0:
                        spec = spec[:comma]
                    ch, ci = split_client(spec)
                    sink.client(host, qid, ts, ch, ci, ln)
                    return True
                if rest.startswith(_REJECT_ACTIONS):
                    return self._reject(host, qid, ts, rest, ln, line, sink)
            elif daemon == "pickup":
                if rest.startswith("uid="):
                    sender = _between(rest, "from=<", ">")
                    sink.pickup(host, qid, ts, sender, ln)
                    return True
            elif daemon in {"bounce", "defer", "trace"}:
                k = rest.find(_NOTIFICATION)
                if k > 0:
                    nkind = rest[:k].split(" ", 1)[-1]
                    sink.notification(host, qid, ts, nkind, rest[k + len(_NOTIFICATION) :].strip(), ln)
                    return True
            elif daemon == "postsuper" and rest == "removed":
                sink.removed(host, qid, ts, ln)
                return True
            if daemon in _DELIVERY_AGENTS and rest.startswith(_NOTE_PREFIXES):
                sink.note(host, qid, ts, pid, rest, ln, line)
                return True
            kind = ignored_kind(self._ignore, daemon, rest)
            return kind if kind is not None else False
        if msg.startswith("NOQUEUE: "):
            rest = msg[9:]
            if rest.startswith(_REJECT_ACTIONS) and not rest.startswith("reject: CONNECT"):
                return self._reject(host, None, ts, rest, ln, line, sink)
        elif _TLS_MARK in msg and daemon in _DELIVERY_AGENTS:
            sink.tls(host, pid, msg)
            return True
        elif msg.startswith("warning: ") and " authentication failed" in msg:
            # "warning: unknown[203.0.113.45]: SASL LOGIN authentication failed: UGFzc3dvcmQ6":
            # a failed SMTP AUTH (often password guessing), the same kind as Exim's and Sendmail's
            return "auth-failure"
        kind = ignored_kind(self._ignore, daemon, msg)
        return kind if kind is not None else False

    def _queued(self, host: str, qid: str, ts: str, rest: str, ln: int, sink: EventSink) -> bool:
        end = rest.find(">, ", 6)
        if end < 0:
            end = rest.find(">", 6)
        sender = rest[6:end] if end > 0 else None
        size = nrcpt = None
        parts = rest[end + 3 :].split(", ", 2) if end > 0 else []
        if parts and parts[0].startswith("size="):  # "size=281, nrcpt=1 (queue active)"
            size = number(parts[0][5:])
            if len(parts) > 1 and parts[1].startswith("nrcpt="):
                nrcpt = number(parts[1][6:].split(" ", 1)[0])
        sink.queued(host, qid, ts, sender, size, nrcpt, ln)
        return True

    def _delivery(
        self, host: str, qid: str, ts: str, rest: str, pid: str | None, ln: int, line: str, sink: EventSink
    ) -> bool:
        k = rest.find(", status=")
        if k < 0:
            return False
        tail = rest[k + 9 :]
        sp = tail.find(" ")
        if sp < 0:
            status = tail
            text = None
        else:
            status = tail[:sp]
            text = tail[sp + 1 :]
            if text.startswith("(") and text.endswith(")"):
                text = text[1:-1]
        head = rest[3:k]
        if head.startswith("<"):
            e = head.find(">")
            rcpt = head[1:e] if e > 0 else head[1:]
            head = head[e + 3 :] if e > 0 else ""
        else:
            c = head.find(", ")
            rcpt = head if c < 0 else head[:c]
            head = "" if c < 0 else head[c + 2 :]
        orig = relay = delay = delays = dsn = None
        if head:
            for part in head.split(", "):
                eq = part.find("=")
                name = part[:eq]
                if name == "relay":
                    relay = part[eq + 1 :]
                elif name == "delay":
                    delay = part[eq + 1 :]
                elif name == "delays":
                    delays = part[eq + 1 :]
                elif name == "dsn":
                    dsn = part[eq + 1 :]
                elif name == "orig_to":
                    orig = _strip_angle(part[eq + 1 :])
        sink.delivery(host, qid, ts, rcpt, orig, status, relay, delay, delays, dsn, text, pid, ln, line)
        return True

    def _reject(
        self, host: str, qid: str | None, ts: str, rest: str, ln: int, line: str, sink: EventSink
    ) -> bool:
        c = rest.find(": ")
        if c < 0:
            return False
        action = rest[:c]
        body = rest[c + 2 :]
        stage = None
        client_host = client_ip = None
        kv = ""
        text = body
        if body.startswith(
            ("header ", "body ")
        ):  # cleanup: "header X: v from h[ip]; from=<> to=<> ...: text"
            stage = "DATA"
            semi = body.rfind("; from=<")
            if semi >= 0:
                f = body.rfind(" from ", 0, semi)
                if f >= 0:
                    client_host, client_ip = split_client(body[f + 6 : semi])
                kv = body[semi + 2 :]
                tail = kv.rfind(">: ")
                text = kv[tail + 3 :] if tail >= 0 else body[:semi]
        else:
            f = body.find(" from ")
            if 0 <= f < 40:
                stage = body[:f]
                after = body[f + 6 :]
                # smtpd "host[ip]: text", postscreen "[ip]:port: text"
                colon = after.find("]")
                end = after.find(": ", colon if colon >= 0 else 0)
                if end >= 0:
                    client_host, client_ip = split_client(after[:end])
                    body = after[end + 2 :]
            kv_at = body.rfind("; from=<")
            if kv_at < 0:
                kv_at = body.rfind("; to=<")
            if kv_at >= 0:
                text = body[:kv_at]
                kv = body[kv_at + 2 :]
            else:
                text = body
        sender = _between(kv, "from=<", ">") if kv else None
        rcpt = _between(kv, "to=<", ">") if kv else None
        if rcpt is None and qid is None:
            # "NOQUEUE: reject: MAIL from h[ip]: 452 4.3.1 Insufficient system storage": a refused
            # transaction that named no recipient (pflogsumm counts it among its rejects): one
            # rejection with the empty recipient, never a recipient made up from the sender
            rcpt = ""
        sink.reject(
            host, qid, ts, action, stage, client_host, client_ip, sender, rcpt, text.strip(), ln, line
        )
        return True


__all__ = ["DAEMONS", "DESCRIPTION", "NAME", "PostfixParser", "daemon_of", "split_client", "subject_text"]
