"""Classify an SMTP reply: what it means, how bad it is, and what to do.

Evidence is weighed in this order: a provider's documented reply (providers.toml), special rules
and reason phrases in the text (phrases.toml), the enhanced status code (status-reasons.toml),
then the basic reply code. The text wins over the codes, and the explanation says so when they
disagree: a known-good address rejected as "5.1.1 unknown" with a text about spam is a filter in
disguise, not a dead address.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from inboxtrace.codes.accept import remote_queue_id
from inboxtrace.codes.knowledge import enhanced_registry, status_reasons
from inboxtrace.codes.providers import provider_for_host, provider_from_text
from inboxtrace.codes.reasons import reason_info
from inboxtrace.codes.reply import find_reply
from inboxtrace.codes.rules import Rule, match_phrase, match_rule, provider_rules, special_rules
from inboxtrace.errors import NotAReplyError
from inboxtrace.i18n import has_message, message
from inboxtrace.loadcache import compile_regex
from inboxtrace.model.reply import Phase, Reply, ReplyClass, Verdict

# Reasons that say "something refused you", as opposed to "the address is bad".
_FILTER_REASONS = frozenset(
    {
        "spamdetected",
        "blocked",
        "filtered",
        "policyviolation",
        "badreputation",
        "authfailure",
        "securityerror",
        "virusdetected",
        "requireptr",
        "ratelimited",
    }
)
# Reasons about the mailbox itself: a policy status (X.7.x) with such a text disagrees with it.
_MAILBOX_REASONS = frozenset({"userunknown", "hostunknown", "mailboxfull", "suspend", "hasmoved"})
# Status subjects specific enough that a different reason in the text is a real disagreement.
_WORD_RE = compile_regex(r"[^\W\d_]")  # a letter: the reply has text beyond its codes
_SPECIFIC_SUBJECTS = frozenset({"1", "2", "3"})
_HANDED_OVER_RE = compile_regex(
    r"queued|accepted for delivery|message accepted|\bOK id=|\s-\s?gsmtp|queued mail for delivery|"
    r"delivery in progress|message received|mail accepted",
    re.IGNORECASE,
)
# Addresses are not evidence (a "<spam@example.com>: Relay access denied" is about relaying).
# (A match starts only where a token starts: from inside a long token without "@" the search
# would rescan the rest of the token at every position, quadratic in its length.)
_ADDRESS_RE = compile_regex(r"<[^<>\s]*>|(?<![^\s<>()\[\]\"'])[^\s<>()\[\]\"']+@[^\s<>()\[\]\"']+")
_TRANSIENT_ACTIONS = {"suppress-address": "retry", "check-destination": "retry"}


def classify(reply: Reply | str, *, remote_host: str | None = None, lang: str = "en") -> Verdict:
    """The :class:`Verdict` on one reply.

    ``reply`` is a parsed :class:`Reply` (never raises) or raw text, wrappers and all (raises
    :class:`NotAReplyError` when the text holds no code, no enhanced status and no known reply
    phrase). ``remote_host`` names the server that answered (MX, relay or reporting MTA); it helps
    recognise the provider. ``lang`` selects the explanation's language.
    """
    if isinstance(reply, str):
        key, originals = _templated(reply)
        try:
            verdict = _classify_text(key, remote_host, lang)
        except NotAReplyError as exc:
            if not originals:
                raise
            # the message quotes the text it was given: the input, not its template
            raise NotAReplyError(_QUOTED_PLACEHOLDER_RE.sub(_put_back(originals), str(exc))) from None
        return _restored(verdict, originals) if originals else verdict
    return _classify(reply, remote_host, lang, strict=False)


# Logs repeat the same reply with other addresses, IPs and ids in it. Those are never evidence, so
# each is replaced by a numbered placeholder before classifying (the result is cached per template)
# and put back into the verdict's text and explanation afterwards.
_VARIABLE_RE = compile_regex(r"(?<![\w.+=@-])(?=[\w.+=-]*[\d@])[\w.+=@-]{6,}")
_IPV4_RE = compile_regex(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}")
_PLACEHOLDER_RE = compile_regex("\x02(\\d+)\x02")
_QUOTED_PLACEHOLDER_RE = compile_regex(r"\\x02(\d+)\\x02")  # a placeholder inside a repr()


def _put_back(originals: list[str]) -> Callable[[re.Match[str]], str]:
    def back(match: re.Match[str]) -> str:
        index = int(match.group(1))
        return originals[index] if index < len(originals) else ""

    return back


def _templated(text: str) -> tuple[str, list[str]]:
    originals: list[str] = []

    def swap(match: re.Match[str]) -> str:
        token = match.group(0)
        variable = (
            "@" in token
            or _IPV4_RE.fullmatch(token) is not None
            or (len(token) >= 10 and token.isalnum() and not token.isdigit() and not token.isalpha())
            or (token.isdigit() and len(token) >= 6)
        )
        if not variable:
            return token
        originals.append(token)
        return f"\x02{len(originals) - 1}\x02"

    if "\x02" in text:
        text = text.replace("\x02", "")
    return _VARIABLE_RE.sub(swap, text), originals


def _restored(verdict: Verdict, originals: list[str]) -> Verdict:
    back = _put_back(originals)
    explanation = verdict.explanation
    if "\x02" in explanation:
        explanation = _PLACEHOLDER_RE.sub(back, explanation)
    return Verdict(
        verdict.reply_code,
        verdict.enhanced_status,
        _PLACEHOLDER_RE.sub(back, verdict.text),
        verdict.reply_class,
        verdict.reason,
        verdict.hard_bounce,
        verdict.action,
        explanation,
        verdict.provider,
        verdict.phase,
    )


@lru_cache(maxsize=65536)
def _classify_text(text: str, remote_host: str | None, lang: str) -> Verdict:
    parsed = find_reply(text)
    if parsed is None:
        raise NotAReplyError("not an SMTP reply: the input is empty")
    return _classify(parsed, remote_host, lang, strict=True)


def _status_reason(status: str | None) -> str | None:
    if not status:
        return None
    by_status, _ = status_reasons()
    return by_status.get(status.split(".", 1)[1])


@lru_cache(maxsize=32768)
def _classify(parsed: Reply, remote_host: str | None, lang: str, strict: bool) -> Verdict:
    code, status = parsed.code, parsed.enhanced_status
    text = parsed.text or parsed.raw
    klass = parsed.reply_class
    host = remote_host or parsed.remote_host
    provider = (provider_for_host(host) if host else None) or provider_from_text(parsed.raw or text)

    if code is not None and 300 <= code < 400:
        return _intermediate(parsed, provider, lang)
    if klass is ReplyClass.SUCCESS:
        return _accepted(parsed, provider, lang)

    evidence = _ADDRESS_RE.sub(" ", text)
    rule: Rule | None = None
    wordy = _WORD_RE.search(evidence) is not None  # a bare "550" or "5.1.1" has no text to match
    if wordy:
        rule = match_rule(provider_rules(), evidence, code, status, klass)
        if rule is None:
            rule = match_rule(special_rules(), evidence, code, status, klass)
    if rule is not None and rule.reply_class is ReplyClass.SUCCESS and klass is None:
        return _accepted(parsed, provider, lang, note=rule.note)
    text_reason = rule.reason if rule else (match_phrase(evidence) if wordy else None)
    if strict and code is None and status is None and text_reason is None:
        shown = parsed.raw.strip().splitlines()[0][:80]
        raise NotAReplyError(
            f"not an SMTP reply (no reply code, enhanced status or known reply text): {shown!r}"
        )

    status_reason = _status_reason(status)
    if status_reason == "delivered":
        status_reason = None
    _, by_code = status_reasons()
    code_reason = by_code.get(code) if code is not None else None
    reason = text_reason or _meaningful(status_reason) or _meaningful(code_reason) or "undefined"

    info = reason_info(reason)
    if klass is None:
        klass = rule.reply_class if rule and rule.reply_class else info.soft_class
        if klass is ReplyClass.SUCCESS and reason != "vacation":
            klass = ReplyClass.PERMANENT
    action = rule.action if rule and rule.action else info.default_action
    if klass is ReplyClass.TRANSIENT:
        action = _TRANSIENT_ACTIONS.get(action, action)
    if rule and rule.provider:
        provider = rule.provider

    first = _first_sentence(reason, rule, lang)
    second = _disagreement(status, status_reason, text_reason, lang)
    if second is None and not status_reason:
        second = _code_disagreement(code, _meaningful(code_reason), text_reason, lang)
    if second is None:
        second = (
            message("note.transient_class", lang)
            if klass is ReplyClass.TRANSIENT and action == "retry"
            else None
        )
    if second is None:
        second = message(f"action.{action}", lang)
    return Verdict(
        reply_code=code,
        enhanced_status=status,
        text=parsed.text,
        reply_class=klass,
        reason=reason,
        hard_bounce=klass is ReplyClass.PERMANENT and info.hard,
        action=action,
        explanation=f"{first} {second}",
        provider=provider,
        phase=parsed.phase,
    )


def _meaningful(reason: str | None) -> str | None:
    return reason if reason not in (None, "undefined") else None


def _first_sentence(reason: str, rule: Rule | None, lang: str) -> str:
    if rule is not None and rule.note:
        return message(f"note.{rule.note}", lang)
    if rule is not None and rule.meaning and lang == "en":
        return rule.meaning
    return message(f"reason.{reason}", lang)


def _disagreement(
    status: str | None, status_reason: str | None, text_reason: str | None, lang: str
) -> str | None:
    if not status or not status_reason or not text_reason or status_reason == text_reason:
        return None
    parts = status.split(".")
    if len(parts) != 3 or parts[2] == "0":
        return None  # X.Y.0 is "other or undefined": a text that says more refines it, not contradicts it
    if parts[1] not in _SPECIFIC_SUBJECTS and not (parts[1] == "7" and text_reason in _MAILBOX_REASONS):
        return None  # X.7.x (policy, security) covers most texts, but not a dead or full mailbox
    if status_reason == "userunknown" and text_reason in _FILTER_REASONS:
        return message("note.filter_in_disguise", lang, status=status)
    entry = enhanced_registry().get(status.split(".", 1)[1])
    title = entry.title if entry else status
    return message("note.text_wins", lang, status=status, title=title)


def _code_disagreement(
    code: int | None, code_reason: str | None, text_reason: str | None, lang: str
) -> str | None:
    """The words decided against what the basic reply code alone would mean (a "552" whose text
    says the mailbox is full, a "500" that calls the message unsolicited): say so."""
    if code is None or not code_reason or not text_reason or code_reason == text_reason:
        return None
    # what the number alone would have meant, in the reason's own words
    title = message(f"reason.{code_reason}", lang).rstrip(".")
    return message("note.text_wins", lang, status=str(code), title=title)


def _accepted(parsed: Reply, provider: str | None, lang: str, note: str | None = None) -> Verdict:
    queue_id = remote_queue_id(parsed.text)
    phase = parsed.phase
    if phase is None and note is None and (queue_id or _HANDED_OVER_RE.search(parsed.text)):
        phase = Phase.END_OF_DATA
    if note is not None:
        explanation = message(f"note.{note}", lang)
    elif phase is Phase.END_OF_DATA:
        queue = message("note.queue_id", lang, queue_id=queue_id) if queue_id else ""
        explanation = message("note.accepted_data", lang, queue=queue)
    elif phase is not None:
        explanation = message("note.accepted_phase", lang, phase=message(f"phase.{phase.value}", lang))
    else:
        explanation = message("note.accepted_unknown", lang)
    return Verdict(
        reply_code=parsed.code,
        enhanced_status=parsed.enhanced_status,
        text=parsed.text,
        reply_class=ReplyClass.SUCCESS,
        reason="delivered",
        hard_bounce=False,
        action="none",
        explanation=explanation,
        provider=provider,
        phase=phase,
    )


def _intermediate(parsed: Reply, provider: str | None, lang: str) -> Verdict:
    key = f"code.{parsed.code}.meaning"

    meaning = message(key, lang) if has_message(key, "en") else message("code.unknown_meaning", lang)
    return Verdict(
        reply_code=parsed.code,
        enhanced_status=parsed.enhanced_status,
        text=parsed.text,
        reply_class=ReplyClass.SUCCESS,
        reason="undefined",
        hard_bounce=False,
        action="none",
        explanation=meaning,
        provider=provider,
        phase=parsed.phase,
    )
