"""Parse SMTP replies as they appear in logs and bounces.

Replies reach us wrapped: Postfix writes ``host mx[1.2.3.4] said: 550 ... (in reply to RCPT TO
command)``, Exim ``SMTP error from remote mail server after RCPT TO:<x>: 550 ...``, bounces carry
``Diagnostic-Code: smtp; 550 ...`` and Sendmail ``stat=Deferred: 421 ...``. Multi-line replies come
as separate lines (``550-5.1.1 ...``) or folded into one line with the prefixes repeated. This
module takes the wrappers off, keeps what they say (remote host, phase) and returns a :class:`Reply`.
"""

from __future__ import annotations

import re
from functools import lru_cache

from inboxtrace.codes.knowledge import LazyPattern
from inboxtrace.codes.needles import needles_of
from inboxtrace.codes.phases import phase_of
from inboxtrace.errors import NotAReplyError
from inboxtrace.loadcache import compile_regex
from inboxtrace.model.reply import Reply

_MAX_INPUT = 64 * 1024

_STATUS = r"[245]\.\d{1,3}\.\d{1,3}"
# Leading "550 5.1.1 ", "550-5.1.1 ", "550 #5.1.1 ", "550 " at the start of the (unwrapped) text.
_LEAD_RE = compile_regex(rf"^\s*([2-5][0-9][0-9])(?:(?:[ -]|$)\s*\(?#?({_STATUS})(?![\d.])\)?)?(?:[ -]|$)")
# A bare enhanced status at the start ("5.1.1 <x>: user unknown", "#5.1.1").
_LEAD_STATUS_RE = compile_regex(rf"^\s*#?({_STATUS})(?![\d.])")
# Code + status pair anywhere (after a wrapper we do not know).
_PAIR_RE = compile_regex(rf"(?:^|[\s:;(\[\"'])([2-5][0-9][0-9])[ -]#?({_STATUS})(?![\d.])")
# Code introduced by a word that says a reply follows.
_CODE_AFTER_RE = compile_regex(
    r"(?:said|says|replied|reply|response|error|answered|returned|stat=\w+)\s*[:=]?\s*"
    r"\(?([2-5][0-9][0-9])(?=[ -]|$|\))",
    re.IGNORECASE,
)
# An enhanced status anywhere, not part of an IP address or version number.
_ANY_STATUS_RE = compile_regex(rf"(?<![\d.])({_STATUS})(?![\d.])")
# Folded continuation prefixes inside one line: "... for typos or 550-5.1.1 unnecessary ...".
_FOLDED_PREFIX_RE = compile_regex(rf"(?:(?<=\s)|^)[2-5][0-9][0-9][ -](?:#?{_STATUS}\s+)?")


def _wrapper(pattern: str) -> LazyPattern:
    return LazyPattern(pattern, "codes/reply.py", re.IGNORECASE | re.DOTALL)


# Wrappers, tried in order; each yields the inner text and maybe host/ip. Each is compiled the first
# time a text holds its literals (most replies have no wrapper, and ``explain 550`` compiles none).
_WRAPPERS: tuple[LazyPattern, ...] = (
    # Diagnostic-Code: X-Unix; 75 -- an exit status of the local delivery program, not a reply code.
    _wrapper(r"^\s*(?:diagnostic-code\s*:\s*)?x-unix\s*;\s*(?P<exit>\d{1,3})\b(?P<inner>.*)$"),
    # Diagnostic-Code: smtp; 550 ...   (also X-Postfix; X-Exim; ...)
    _wrapper(r"^\s*(?:diagnostic-code|x-remote-reply)\s*:\s*[\w.-]+\s*;\s*(?P<inner>.*)$"),
    # The same without the field name: "smtp; 550 ...", "X-Postfix; ...", "X-Unix; 77".
    _wrapper(r"^\s*(?:smtp|esmtp|x-[\w.-]+|ms-[\w.-]+)\s*;\s*(?P<inner>.*)$"),
    # Postfix: host mx.example[1.2.3.4] said: 550 ...
    _wrapper(
        r"^.*?\bhost\s+(?P<host>[^\s\[]+)\[(?P<ip>[^\]]*)\](?::\d+)?\s+(?:said|refused to talk to me)"
        r"\s*:\s*(?P<inner>.*)$"
    ),
    # Exim: SMTP error from remote mail server after RCPT TO:<x>: 550 ...
    _wrapper(
        r"^.*?\bSMTP error from remote (?:mail server|mailer)\s+after\s+(?P<after>.+?(?:<[^>]*>)?)\s*:"
        r"\s*(?:host\s+(?P<host>\S+)\s+\[(?P<ip>[^\]]*)\]\s*:\s*)?(?P<inner>[2-5]\d\d\b.*)$"
    ),
    # Exim: host mx.example [1.2.3.4]: 550 ...
    _wrapper(r"^.*?\bhost\s+(?P<host>[^\s\[]+)\s+\[(?P<ip>[^\]]*)\]\s*:\s*(?P<inner>[2-5]\d\d\b.*)$"),
    # Sendmail: stat=Deferred: 421 ...  / reply=550 ...
    _wrapper(r"^.*?\b(?:stat|reply|reject)=(?:[A-Za-z ]+:\s*)?(?P<inner>.*)$"),
)

# The literals each wrapper needs (needles.py): a text without them skips that regex.
_WRAPPER_NEEDLES = tuple(needles_of(p.pattern, p.flags) for p in _WRAPPERS)

# (The leading blanks are matched from their first one only: tried at each blank of a long run
# of them, the search would rescan the rest of the run every time, quadratic in its length.)
_TRAILING_PHASE_RE = compile_regex(
    r"(?<!\s)\s*\((?:in reply to|after|while)\s[^()]*(?:\([^()]*\)[^()]*)*\)\s*$", re.IGNORECASE
)


def _unwrap(raw: str) -> tuple[str, str | None, str | None]:
    text = raw
    host: str | None = None
    ip: str | None = None
    for _ in range(3):  # wrappers nest at most a few levels (Diagnostic-Code around a Postfix text)
        low = text.lower()
        for pattern, needles in zip(_WRAPPERS, _WRAPPER_NEEDLES, strict=True):
            if needles and not any(n in low for n in needles):
                continue
            match = pattern.match(text)
            if match:
                groups = match.groupdict()
                host = groups.get("host") or host
                ip = groups.get("ip") or ip
                text = groups["inner"]
                if groups.get("exit"):
                    return f"mailer program exited with status {groups['exit']}{text}", host, ip
                break
        else:
            break
    return text, host, ip


def _join_lines(text: str) -> tuple[str, int | None, str | None]:
    """Join a multi-line reply; return text without the per-line prefixes plus code/status."""
    lines = [line.strip() for line in re.split(r"\r\n|\r|\n", text) if line.strip()]
    code: int | None = None
    status: str | None = None
    parts: list[str] = []
    for line in lines:
        match = _LEAD_RE.match(line)
        if match:
            if code is None:
                code = int(match.group(1))
                status = match.group(2)
            parts.append(line[match.end() :].strip())
        else:
            parts.append(line)
    return " ".join(p for p in parts if p), code, status


@lru_cache(maxsize=65536)
def find_reply(text: str) -> Reply | None:
    """Parse ``text`` leniently: a :class:`Reply`, or None if it holds no reply code or status.

    Wrapper texts with no code (``connect to mx[1.2.3.4]:25: Connection timed out``) give a reply
    with ``code`` and ``enhanced_status`` None but the phase and text kept, so callers can still
    classify them; None is returned only for empty input.
    """
    if not isinstance(text, str):
        return None
    raw = text[:_MAX_INPUT].replace("\x00", "")
    if not raw.strip():
        return None
    phase = phase_of(raw)
    inner, host, ip = _unwrap(raw)
    inner = _TRAILING_PHASE_RE.sub("", inner)
    body, code, status = _join_lines(inner)
    if code is None:
        match = _LEAD_STATUS_RE.match(body)
        if match:
            status = match.group(1)
            body = body[match.end() :].strip()
    if code is None and status is None:
        match = _PAIR_RE.search(body)
        if match:
            code, status = int(match.group(1)), match.group(2)
            body = (body[: match.start()] + " " + body[match.end() :]).strip()
        else:
            match = _CODE_AFTER_RE.search(body)
            if match:
                code = int(match.group(1))
                body = body[match.end() :].strip()
            match = _ANY_STATUS_RE.search(body)
            if match:
                status = match.group(1)
    if code is not None and code < 400:
        # A greeting or an earlier 2xx line in front of the real failure ("220-mx 421 4.2.1 ...").
        later = _PAIR_RE.search(body)
        if later and later.group(1)[0] in "45":
            code, status = int(later.group(1)), later.group(2)
            body = body[later.end() :].strip()
    body = _FOLDED_PREFIX_RE.sub("", body) if code is not None else body
    body = re.sub(r"\s+", " ", body).strip()
    if status is not None:
        status = _normalise_status(status, code)
    return Reply(
        code=code,
        enhanced_status=status,
        text=body,
        phase=phase,
        remote_host=host.rstrip(".").lower() if host else None,
        remote_ip=ip or None,
        raw=raw,
    )


def _normalise_status(status: str, code: int | None) -> str | None:
    klass, subject, detail = status.split(".")
    # A status whose class contradicts the reply code is a typo or a placeholder; keep the code's class.
    if code is not None and str(code)[0] in "245" and klass != str(code)[0]:
        klass = str(code)[0]
    return f"{int(klass)}.{int(subject)}.{int(detail)}"


def parse_reply(text: str) -> Reply:
    """Parse ``text`` strictly: raise :class:`NotAReplyError` when it has no reply code or status."""
    reply = find_reply(text)
    if reply is None or (reply.code is None and reply.enhanced_status is None):
        shown = text.strip().splitlines()[0][:80] if isinstance(text, str) and text.strip() else ""
        raise NotAReplyError(f"not an SMTP reply (no reply code or enhanced status found): {shown!r}")
    return reply
