"""Human-text bounces (no delivery-status part): one engine, driven by per-family data.

Exim, qmail, Sendmail (v5 and text-only), Gmail, Yahoo, Google Groups, IMail, Notes, Domino,
OpenSMTPD, DragonFly, Mimecast, ... write a paragraph, then the failed recipients (one per line,
or in a sentence), each followed by its diagnostic, then a copy of the message. The families,
their sniffing marks and their copy-of-message markers live in ``bounces/data/families.toml``;
this module only knows the shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from inboxtrace.bounces.context import knowledge, says_delayed
from inboxtrace.bounces.mail import addresses, first_address
from inboxtrace.bounces.view import Found, Mail, Parsed
from inboxtrace.codes.needles import FirstMatch, Gates, needles_of
from inboxtrace.datafiles import read_text
from inboxtrace.errors import DataFileError
from inboxtrace.loadcache import compile_regex, parse_toml

_ADDR = r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+"
# A line that starts with the address: "  a@b", "<a@b>:", "a@b... User unknown", "-- a@b",
# "a@b<mailto:a@b>", '"a@b":', "a@b on Wed, 31 Dec 2025 ..." or "a@b on 1/2/2026 ..." (Exchange),
# with an address-type prefix ("[SMTP:a@b]", "rfc822;a@b"), or followed by a word of failure
# ("<a@b> Failed: 550 ...", "a@b Error: ...").
_LEAD_RE = compile_regex(
    rf"^[\s>*-]*(?:[245]\d\d[ -]+)?(?:\[?(?:smtp|rfc822)[:;]\s*)?[\"'(]?<?({_ADDR})>?[\"')\]]?\s*"
    rf"(?:$|:|\.\.\.|\(|<mailto:|\[|,|;|\s{{2,}}|\s+-|\s+\(|\s+<|\s+\d{{3}}\s|\s+on\s+(?:\w{{3}}|\d)"
    rf"|\s+(?:failed|failure|error|rejected|refused|undeliverable|bounced|unknown|reason)\b)",
    re.ASCII | re.IGNORECASE,
)
# A line that ends on it after a colon: "User mailbox exceeds allowed size: a@b".
_TRAILING_RE = compile_regex(rf"^[^@\n]{{3,120}}:\s*[\"']?<?({_ADDR})>?[\"']?\.?\s*$")
# A label introduces it: "Unknown user: a@b", "Did not reach the following recipient: a@b".
_LABEL_RE = compile_regex(
    rf"^[\s>*-]*[^@\n]{{0,70}}?(?:recipient|address|addressee|rcpt(?: to)?|user|mailbox|to|"
    rf"destinataire|empf(?:ä|ae)nger|envelope-to|e-?mail|"
    # the same label in the languages reports are written in
    rf"destinat[aá]rio|ontvanger|odbiorca|получател[ья]|адресат|宛先|受信者|收件人|收件者|받는 ?사람|"
    rf"수신자|người nhận)s?(?:\(s\))?[^:=：@\n]{{0,20}}[:=：]\s*"
    rf"[\"']?<?({_ADDR})>?",
    re.IGNORECASE,
)
# The end of every match of _LABEL_RE (the address after the colon), found far more cheaply than
# the label words before it: a line without it is not tried with _LABEL_RE.
_LABELLED_RE = re.compile(rf"[:=：]\s*[\"']?<?{_ADDR}", re.IGNORECASE)
# A sentence ends on it in brackets or quotes: "There was an error delivering your mail to <a@b>.",
# 'The message to "a@b" could not be delivered'.
_SENTENCE_RE = compile_regex(
    rf"\b(?:(?:to|for|recipient|(?:mailing )?list)\s+[<\"]({_ADDR})[>\"]|(?:undeliverable|undelivered|not be delivered) to:?\s+<?({_ADDR})>?)",
    re.IGNORECASE,
)
# In a report a mail system wrote, a sentence names it bare between the words that say the delivery
# failed or waits: "Your message to a@b could not be delivered", "We could not deliver your message
# to a@b", "It wasn't delivered to a@b", "Delivery to a@b failed", "Your message to a@b has been
# delayed" (a person writes the same words about a message of theirs: see ``scan``).
_FAILED_SENTENCE_RE = compile_regex(
    rf"(?:(?:\bnot|n.t) (?:be |been )?delivered to:?\s+<?({_ADDR})>?"
    rf"|\b(?:message|mail|e-?mail) (?:sent |addressed )?(?:to|for) <?({_ADDR})>?,? (?:could not|couldn.t|"
    rf"cannot|can.t|was not|wasn.t|has not been|will not be) (?:be )?delivered"
    rf"|\b(?:could not|couldn.t|cannot|can.t|unable to|failed to) deliver (?:(?:the |your |this )?"
    rf"(?:message|mail|e-?mail) )?to:?\s+<?({_ADDR})>?"
    rf"|\bdelivery to <?({_ADDR})>? (?:has )?(?:failed|was not possible|is not possible)"
    rf"|\b(?:message|mail|e-?mail|delivery) (?:sent )?(?:to|for) <?({_ADDR})>?,? (?:has been |is |was )?delayed)",
    re.IGNORECASE,
)
_HEADERISH_RE = compile_regex(
    r"^(?:Received|Return-Path|Message-ID|From|To|Subject|Date|MIME-Version|Content-Type|"
    r"X-[\w-]+|DKIM-Signature|Delivered-To|Reply-To|Sender):",
    re.IGNORECASE,
)
_DSN_FIELD_RE = compile_regex(
    r"^(?:Reporting-MTA|Received-From-MTA|Final-Recipient|Original-Recipient)\s*:", re.I
)
_QUOTED_FIELD_RE = compile_regex(
    r"^[\s>]*(?:Subject|Sent|Date|From|To|Cc|Bcc|Reply-To|Message-Id|In-Reply-To|References)\s*:",
    re.IGNORECASE,
)
_FIELDS_TO_SKIP_RE = compile_regex(
    r"^[\s>]*(?:From|Sender|Reply-To|To|Cc|Bcc|Date|Subject|Message-Id|In-Reply-To|References|Return-Path|Received|"
    r"X-[\w-]+)\s*:",
    re.IGNORECASE,
)


# The report part of a bounce is short; the returned message after it may be huge.
_REPORT_LIMIT = 128 * 1024


@dataclass(frozen=True, slots=True)
class Family:
    name: str
    description: str
    from_re: re.Pattern[str] | None
    subject_re: re.Pattern[str] | None
    body_re: re.Pattern[str] | None
    header: tuple[str, ...]
    reason: str | None
    vouches: bool


def _rx(value: object) -> re.Pattern[str] | None:
    if not value:
        return None
    if isinstance(value, list):
        value = "|".join(f"(?:{v})" for v in value)
    return compile_regex(str(value), re.IGNORECASE | re.MULTILINE)


@cache
def _data() -> tuple[tuple[Family, ...], re.Pattern[str]]:
    try:
        text = read_text("bounces", "data", "families.toml")
        raw = parse_toml(text)
        families = tuple(
            Family(
                name=f["name"],
                description=f.get("description", ""),
                from_re=_rx(f.get("from")),
                subject_re=_rx(f.get("subject")),
                body_re=_rx(f.get("body")),
                header=tuple(h.lower() for h in f.get("header", [])),
                reason=f.get("reason"),
                vouches=bool(f.get("vouches", False)),
            )
            for f in raw.get("family", [])
        )
        markers = "|".join(f"(?:{p})" for p in raw["copy_markers"]["patterns"])
        # matched line by line (after leading dashes and blanks): much faster than one MULTILINE search
        boundary = compile_regex(rf"(?:{markers})", re.IGNORECASE)
    except (OSError, KeyError, TypeError, ValueError, re.error) as exc:  # ValueError: not TOML
        raise DataFileError(f"bounces/data/families.toml: {exc}") from exc
    assert boundary is not None
    return families, boundary


_HELD_OUT: list[tuple[Family, ...]] = []  # the families read instead of the data file's (use_families)


def families() -> tuple[Family, ...]:
    return _HELD_OUT[0] if _HELD_OUT else _data()[0]


def use_families(kept: tuple[Family, ...] | None) -> None:
    """Read with only the families ``kept`` (``None``: all of the data file's again): how
    ``benchmarks/bench_accuracy.py`` holds a format family out."""
    _HELD_OUT.clear()
    if kept is not None:
        _HELD_OUT.append(kept)
    _body_gates.cache_clear()


@cache
def _body_gates() -> Gates:
    """Which families' body patterns can match a text (their literals are in it)."""
    return Gates([needles_of(f.body_re.pattern, f.body_re.flags) if f.body_re else () for f in families()])


@cache
def _marker_gate() -> Gates | None:
    """Literals one of which every copy-of-message marker line holds (None: some marker has none)."""
    _fams, boundary = _data()
    needles = needles_of(boundary.pattern, boundary.flags)
    return Gates([needles]) if needles and all(n.isascii() for n in needles) else None


def _may_hold_marker(text: str) -> bool:
    """False only when no line of ``text`` can be a copy-of-message marker: ASCII text without
    any of the markers' literals (for ASCII, lower-casing is exactly the markers' case folding)."""
    gate = _marker_gate()
    return gate is None or not text.isascii() or gate.any(text.lower())


def split_report(body: str) -> tuple[str, str]:
    """(the report text, the returned message text) split at the first copy-of-message marker."""
    _fams, boundary = _data()
    text = body[:_REPORT_LIMIT]
    lines = text.split("\n")
    if _may_hold_marker(text):
        offset = 0
        for line in lines:
            if len(line) < 300 and boundary.match(_unquote(line).lstrip("- \t")):
                return body[:offset], body[offset + len(line) + 1 :]
            offset += len(line) + 1
    if ":" not in text:  # a delivery-status field and a header line both hold a colon
        return body, ""
    for i in range(len(lines) - 2):
        line = lines[i]
        if ":" not in line:
            continue
        if _DSN_FIELD_RE.match(_unquote(line)):  # delivery-status fields written as text end the report
            return "\n".join(lines[:i]), "\n".join(lines[i:])
        if (
            _HEADERISH_RE.match(line)
            and _HEADERISH_RE.match(lines[i + 1])
            and _HEADERISH_RE.match(lines[i + 2])
        ):
            return "\n".join(lines[:i]), "\n".join(lines[i:])
    return body, ""


def _unquote(line: str) -> str:
    return line.lstrip("> ") if line.startswith(">") else line


# Sendmail V5 writes its transcript first and each failed recipient after it: "While talking to
# host: / >>> MAIL From:<...> / <<< 550 reply / 554 <rcpt>... Remote protocol error". The lines
# before a recipient's line (since the previous one) are that recipient's session.
_TRANSCRIPT_RE = compile_regex(r"^\s*-+ Transcript of session follows -+\s*$", re.M)
_TRANSCRIPT_RCPT_RE = compile_regex(rf"^[245]\d\d <{_ADDR}>\.\.\. ", re.M | re.ASCII)
_LISTED_FIRST_RE = compile_regex(r"following addresses? had|^\s*-+ Recipients? of", re.I | re.M)


def transcript_first(report: str) -> bool:
    """The report gives each recipient after its SMTP session (Sendmail V5), not before it."""
    return bool(
        _TRANSCRIPT_RE.search(report)
        and _TRANSCRIPT_RCPT_RE.search(report)
        and not _LISTED_FIRST_RE.search(report)
    )


def scan(
    report: str, exclude: set[str], lead_in: bool = False, machine: bool = True
) -> tuple[list[Found], str]:
    """Recipients in order with the text that follows each, and the preamble before the first.

    With ``lead_in`` the text *before* each recipient's line (after the transcript starts) is its.
    ``machine``: the message was written by a mail system, so an address in any sentence that says
    delivery failed is a recipient (a person's "I sent it to bob@... but it was not delivered" is not).
    """
    blocks: dict[str, list[str]] = {}
    order: list[str] = []
    current: str | None = None
    preamble: list[str] = []
    pending: list[str] = []
    in_transcript = False
    for raw in report[:_REPORT_LIMIT].split("\n"):
        line = raw.lstrip("> ") if raw.startswith(">") else raw  # (_unquote, inline: once a line)
        stripped = line.strip()
        if not stripped:
            continue
        if ":" in line and _QUOTED_FIELD_RE.match(line):
            # "Subject: Virus in ...", "Sent: ...": the returned message's own fields quoted in the
            # report say what the message was, never why it failed
            continue
        if lead_in and not in_transcript:
            if _TRANSCRIPT_RE.match(raw):
                in_transcript = True
            preamble.append(stripped)
            continue
        addr = None
        if "@" in line and not (":" in line and _FIELDS_TO_SKIP_RE.match(line)):
            for pattern in (_LEAD_RE, _LABEL_RE, _TRAILING_RE, _SENTENCE_RE):
                if pattern is _LABEL_RE and _LABELLED_RE.search(line) is None:
                    continue  # no address right after a label's colon: the label pattern cannot match
                match = pattern.search(line) if pattern is _SENTENCE_RE else pattern.match(line)
                found = match and (match.group(1) or match.group(match.lastindex or 1))
                if found and found.lower() not in exclude:
                    addr = found
                    break
            if addr is None and machine:
                addr = _named_in_failure_sentence(line, exclude)
        if addr is not None:
            key = addr.lower()
            if key not in blocks:
                blocks[key] = []
                order.append(addr)
            current = key
            blocks[key].extend(pending)
            pending.clear()
            blocks[key].append(stripped)
            continue
        if lead_in:
            pending.append(stripped)
        elif current is None:
            preamble.append(stripped)
        else:
            blocks[current].append(stripped)
    found = [Found(recipient=a, diagnostic=" ".join(blocks[a.lower()])) for a in order]
    return found, " ".join(preamble + pending)


def _named_in_failure_sentence(line: str, exclude: set[str]) -> str | None:
    """The one address of a sentence that says, in any language the failure and warning words
    know, that delivery failed or is delayed ("La consegna a a@b è stata ritardata")."""
    if not _failure_words().first(line):
        return None
    match = _FAILED_SENTENCE_RE.search(line)
    found = match and match.group(match.lastindex or 1)
    if found and found.lower() not in exclude:
        return found
    named = [a for a in addresses(line) if a.lower() not in exclude]
    if len(named) != 1 or _ADMIN_RE.match(named[0]):
        return None
    return named[0] if _FAILURE_TEXT_RE.search(line) or says_delayed(line) else None


@cache
def _failure_words() -> FirstMatch[bool]:
    """Gate: a line without one of these words says nothing of a failed or delayed delivery."""
    delayed = knowledge().delayed
    entries = [(_FAILED_SENTENCE_RE, True), (_FAILURE_TEXT_RE, True)]
    return FirstMatch(entries + ([] if delayed is None else list(delayed.entries)))


def returned_to(mail: Mail, original_text: str) -> str | None:
    """The To address of the returned message (a MIME part or the text after the marker), when it
    names exactly one person: a To: of several addresses, a list's or the mail system's own
    address does not say which one failed."""
    to: str | None = None
    part = mail.original_part
    if part is not None:
        payload = part.get_payload()
        if isinstance(payload, list) and payload:
            first = payload[0]
            if hasattr(first, "get"):
                value = first.get("To")
                to = str(value) if value else None
        elif isinstance(payload, str):
            original_text = payload
    if to is None:
        match = re.search(r"^To:\s*(.+)$", original_text, re.MULTILINE | re.IGNORECASE)
        to = match.group(1) if match else None
    if not to:
        return None
    named = addresses(to)
    if len(named) > 1 or (named and _ADMIN_RE.match(named[0])):
        return None
    return named[0] if named else first_address(to)


def exclusions(mail: Mail) -> set[str]:
    out = {a.lower() for a in addresses(mail.sender)}
    to = cast(Any, mail.msg).get("To")  # (cast: a Header for 8-bit text, not the str declared)
    if to:
        out.update(a.lower() for a in addresses(str(to)))
    return out


def family_of(mail: Mail) -> Family | None:
    body_may_match: set[int] | None = None  # worked out when a family first needs it
    for i, fam in enumerate(families()):
        if fam.header and any(h in mail.msg for h in fam.header):
            return fam
        if fam.body_re:
            if body_may_match is None:
                body_may_match = set(_body_gates().candidates(mail.head_lower))
            if i in body_may_match and fam.body_re.search(mail.head):
                return fam
        if fam.from_re and fam.subject_re:
            if fam.from_re.search(mail.sender) and fam.subject_re.search(mail.subject):
                return fam
        elif (fam.subject_re and fam.subject_re.search(mail.subject)) or (
            fam.from_re and fam.from_re.search(mail.sender)
        ):
            return fam
    return None


# Addresses of the mail system and of list software that reports name for help or replies
# ("contact postmaster@...", "team-request@..."): never the failed recipient beside a real one.
_ADMIN_RE = compile_regex(
    r"^(?:postmaster|mailer-daemon|hostmaster|abuse|[^@]*-request|[^@]*-ctl|owner-[^@]+|[^@]*-owner)@",
    re.I,
)


def parse_text(mail: Mail, name: str, reason: str | None = None, vouches: bool = False) -> Parsed | None:
    report, original = split_report(mail.body)
    machine = name != _GENERIC or _machine_written(mail)
    found, preamble = scan(report, exclusions(mail), transcript_first(report), machine)
    people = [item for item in found if not _ADMIN_RE.match(item.recipient)]
    if people:
        found = people
    weak = False
    if not found:
        failed = cast(Any, mail.msg).get("X-Failed-Recipients")  # (cast: as in exclusions)
        if failed:
            named = addresses(str(failed)) or [str(failed).split(",")[0].strip()]
            whole = " ".join(report.split())[:2000] if len(named) == 1 else ""
            found = [Found(recipient=a, diagnostic=whole) for a in named if a]
    if not found:
        # The report names no address (often: not in English); the returned message says to whom.
        to = returned_to(mail, original)
        if to:
            # the report is the MTA's text about the whole message, not this recipient's diagnostic
            found = [Found(recipient=to)]
            preamble = " ".join(report.split())[:2000]
            weak = True
    if not found:
        return None
    delayed = says_delayed(report[:_REPORT_LIMIT])
    for item in found:
        item.context = preamble
        item.reason = reason
        item.vouched = vouches
        if delayed and item.action is None:
            item.action = "delayed"
    return Parsed(format=name, kind="dsn", recipients=found, original_text=original or None, weak=weak)


class KnownText:
    """A human-text bounce of a family listed in the data file."""

    name = "text"
    description = "human-text bounces of the families in bounces/data/families.toml"

    def sniff(self, mail: Mail) -> bool:
        return family_of(mail) is not None

    def parse(self, mail: Mail) -> Parsed | None:
        fam = family_of(mail)
        if fam is None:
            return None
        return parse_text(mail, fam.name, fam.reason, fam.vouches)


_BOUNCE_FROM_RE = compile_regex(r"mailer-daemon|post_?master|mail delivery|mdaemon|mail administrator", re.I)
_BOUNCE_SUBJECT_RE = compile_regex(
    r"undeliver|undelivered|delivery (?:status|fail|notification|problem|report)|returned mail|"
    r"failure notice|mail delivery|non[- ]?delivery|could not be delivered|delivery has failed|"
    r"nondeliverable|returning message|error|bounce|rejected|failed|"
    # Exchange and other MTAs in the recipient's or sender's language
    r"unzustellbar|nicht zustellbar|non remis|non distribu|retour de courrier|no se puede entregar|"
    r"no entregado|non recapitabil|impossibile recapitare|n[aã]o (?:foi )?entregue|"
    r"n[aã]o [eé] poss[ií]vel entregar|onbestelbaar|niedostarczaln|не доставлен|недоставленн|"
    r"non recapitat|non consegnat|(?:配信|送信|配送)エラー|エラーメール|退信|无法投递|無法投遞|未送达|"
    r"메일 반송|반송된 메일|반송 메일|thư bị trả lại|không gửi được thư|không thể gửi thư",
    re.I,
)


# A report that says in its first lines that delivery failed, whoever sent it and whatever its
# subject ("no-reply@" gateways, "Re: ..." subjects of mobile carriers and list servers).
_FAILURE_TEXT_RE = compile_regex(
    r"could not be delivered|cannot be delivered|can.t be delivered|was not delivered|"
    r"(?:unable|failed) to deliver|undeliverable|delivery (?:has )?failed|delivery to the following|"
    r"failed permanently|permanent (?:error|failure)|error message below|"
    r"konnte nicht zugestellt|n.a pas pu (?:être|etre) remis|no se (?:ha )?podido entregar|"
    r"non (?:è|e) stato possibile recapitare|n[aã]o p[oô]de ser entregue|kon niet worden bezorgd|"
    r"nicht zugestellt werden|no (?:se )?(?:pudo|puede) (?:ser )?entregar|"
    r"n[aã]o (?:p[oô]de|foi poss[ií]vel) (?:ser )?entreg|non (?:può|puo) essere recapitat|"
    r"не (?:удалось|может быть) доставить|не доставлено|"
    r"(?:送信|配信)できませんでした|无法(?:发送|投递|送达)|無法(?:傳送|投遞|送達)",
    re.IGNORECASE,
)


_NO_REPLY_RE = compile_regex(r"\bno[-_.]?reply\b|\bdo[-_.]?not[-_.]?reply\b", re.IGNORECASE)


def _machine_written(mail: Mail) -> bool:
    """A mail system wrote it: its sender is one, it returns the original, or it says it was sent
    automatically (RFC 3834 Auto-Submitted) — a subject with "error" in it is not enough."""
    auto = str(cast(Any, mail.msg).get("Auto-Submitted", "no")).strip().lower()  # (cast: as in exclusions)
    return bool(
        _BOUNCE_FROM_RE.search(mail.sender)
        or _NO_REPLY_RE.search(mail.sender)
        or mail.original_part is not None
        or not auto.startswith("no")
    )


def looks_like_bounce(mail: Mail) -> bool:
    """The sender or subject says this is a bounce (cheap; used to word errors)."""
    return bool(_BOUNCE_FROM_RE.search(mail.sender) or _BOUNCE_SUBJECT_RE.search(mail.subject))


_GENERIC = "generic"


class GenericText:
    """Last resort: a message that reads like a bounce (sender or subject) in an unknown layout."""

    name = _GENERIC
    description = "unknown layout that says it is a bounce in its From or Subject"

    def sniff(self, mail: Mail) -> bool:
        if looks_like_bounce(mail):
            return True
        # a person may write "it could not be delivered": the words count only in a message that
        # returns the original or comes from an address nobody answers
        machine = mail.original_part is not None or _NO_REPLY_RE.search(mail.sender) is not None
        return machine and _FAILURE_TEXT_RE.search(mail.head) is not None

    def parse(self, mail: Mail) -> Parsed | None:
        return parse_text(mail, self.name)
