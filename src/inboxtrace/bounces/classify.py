"""Give each found recipient the reply-vocabulary verdict (``inboxtrace.codes.classify``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from inboxtrace.bounces.context import (
    phase_in_text,
    phase_mark,
    phase_sensitive_reasons,
    reason_for_action,
    reason_for_text,
    reason_in_phase,
    reason_undecided,
    split_gave_up,
    states_lookup,
)
from inboxtrace.bounces.view import Found
from inboxtrace.codes.memo import TemplateMemo
from inboxtrace.loadcache import compile_regex
from inboxtrace.model.reply import Phase, Reply, ReplyClass, Verdict

_UNDECIDED = frozenset({"undefined", "onhold"})
_ASKS_STATED = frozenset({"userunknown"})
_CUT_REPLY_RE = compile_regex(r"[245]\d\d-[^\n]*$")  # "552-5.7.0 first line" and nothing after it
_MAX_TEXT = 4000
_MAX_CONTEXT = 1500  # the human text around a mute diagnostic: its first paragraphs say enough
_ADDRESS_RE = compile_regex(r"(?<!\S)\S+@\S+")  # from token starts only: linear in the text
_NOT_WORDS = " \t*<>:;,.-()[]\"'"


def _reply(text: str, found: Found) -> Reply:
    from inboxtrace.codes import find_reply

    parsed = find_reply(text) if text else None
    code = parsed.code if parsed and parsed.code is not None else found.reply_code
    # the remote server's own status (in its reply) before the reporting MTA's Status field
    status = (parsed.enhanced_status if parsed else None) or found.status
    body = parsed.text if parsed and parsed.text else text
    return Reply(
        code=code,
        enhanced_status=status,
        text=body[:_MAX_TEXT],
        phase=parsed.phase if parsed else None,
        remote_host=(parsed.remote_host if parsed else None) or found.remote_mta,
        raw=text[:_MAX_TEXT],
    )


def _quoting(verdict: Verdict | None) -> tuple[str, ...]:
    return () if verdict is None else (verdict.text, verdict.explanation)


def _requoted(verdict: Verdict | None, fields: tuple[str, ...]) -> Verdict | None:
    if verdict is None:
        return None
    text, explanation = fields
    v = verdict  # (the constructor directly: dataclasses.replace costs more than the memo saves here)
    return Verdict(
        v.reply_code,
        v.enhanced_status,
        text,
        v.reply_class,
        v.reason,
        v.hard_bounce,
        v.action,
        explanation,
        v.provider,
        v.phase,
    )


# Copies of one bounce template (another recipient, queue id, date) get the same verdict: see
# codes/memo.py for the key and why the result is the plain computation's (tests/bounces/test_memo.py).
# Two kinds of entry: keyed on the diagnostic alone, the verdict when its computation never read the
# text around it (None when it did), and keyed on both texts, the verdict of one that did.
VERDICT_MEMO: TemplateMemo[Verdict | None] = TemplateMemo(4096, _quoting, _requoted)
memo_enabled = True  # False: every verdict is computed (the tests compare both)


def verdict_for(found: Found) -> Verdict:
    """The verdict for one recipient: its diagnostic first, the surrounding text when that is mute."""
    if not memo_enabled:
        return _verdict_for(found)
    extra = (
        found.diagnostic_type,
        found.status,
        found.reply_code,
        found.remote_mta,
        found.reporting_mta,
        found.action,
        found.reason,
        found.vouched,
    )
    context = _Context(found)
    alone = VERDICT_MEMO.get((found.diagnostic,), extra, context.without_context)
    if alone is not None:
        return alone
    both = VERDICT_MEMO.get((found.diagnostic, context()), extra, context.with_context)
    assert both is not None  # (computed with the text around: never the marker)
    return both


class _Context:
    """The human text around a recipient's diagnostic, computed on first use (it costs a scan of
    the report), and whether it was: a verdict that never read it holds for any text around.

    Its two verdict methods are what :func:`verdict_for` hands the memo (bound methods: closures
    there made a cycle through their compiled environment, left to the cycle collector)."""

    __slots__ = ("computed", "found", "text")

    def __init__(self, found: Found) -> None:
        self.found = found
        self.text: str | None = None
        self.computed: Verdict | None = None

    def __call__(self) -> str:
        if self.text is None:
            self.text = self.found.context.strip()[:_MAX_CONTEXT]
        return self.text

    @property
    def read(self) -> bool:
        return self.text is not None

    def without_context(self) -> Verdict | None:
        """The verdict, or None when computing it read the text around (then kept in
        :attr:`computed`): that template is keyed on both texts."""
        verdict = _verdict_for(self.found, self)
        if self.read:
            self.computed = verdict
            return None
        return verdict

    def with_context(self) -> Verdict | None:
        """The verdict computed with the text around (the one already computed, if any)."""
        return self.computed if self.computed is not None else _verdict_for(self.found, self)


def _verdict_for(found: Found, context: _Context | None = None) -> Verdict:
    from inboxtrace.codes import classify

    ctx = context or _Context(found)
    host = found.remote_mta or found.reporting_mta
    text = found.diagnostic.strip()[:_MAX_TEXT]
    if text and found.diagnostic_type and found.diagnostic_type not in ("smtp", "x-smtp"):
        text = f"{found.diagnostic_type}; {text}"  # "x-unix; 75" is an exit status, not a reply code
    if _CUT_REPLY_RE.match(text) and ctx():
        text = f"{text} {ctx()}"  # only the first line of a multi-line reply: the text has the rest
    text = text or ctx()
    gave_up = split_gave_up(text)
    if gave_up is not None:  # "...; this message has been in the queue too long": the cause precedes
        text, gave_up_reason = gave_up
    verdict = classify(_reply(text, found), remote_host=host)
    if verdict.reason in _UNDECIDED and ctx() and ctx() != text:
        second = classify(_reply(f"{text} {ctx()}", found), remote_host=host)
        if second.reason not in _UNDECIDED:
            verdict = second
    if gave_up is not None and verdict.reason in _UNDECIDED:
        verdict = force_reason(verdict, gave_up_reason)
    if verdict.reply_class is ReplyClass.SUCCESS and _reported_failed(found):
        verdict = _failure_of(verdict, text, ctx(), found, host)
    phase = verdict.phase
    if phase is None and verdict.reason in phase_sensitive_reasons():
        # a transcript's ">>> DATA" is not trusted over the reply's own wording: pipelining MTAs
        # (Sendmail) report RCPT TO refusals after DATA
        phase = phase_in_text(text) or (phase_in_text(ctx()) if ctx() else None)
    if phase is not None and verdict.phase is None:
        verdict = dataclasses.replace(verdict, phase=phase)
    status = _status_for_rules(found.status, verdict.enhanced_status)
    # only a "user unknown" at RCPT TO asks whether the phase was stated (a few text scans)
    stated = verdict.reason not in _ASKS_STATED or phase is not Phase.RCPT or _phase_stated(found, text, ctx)
    # and only one with no status and no stated phase asks whether its words name the lookup
    vouched = found.vouched or (
        verdict.reason in _ASKS_STATED
        and not status
        and (phase is None or not stated)
        and states_lookup(text, ctx(), verdict.text)
    )
    reread = reason_in_phase(
        verdict.reason,
        phase,
        status,
        vouched=vouched,
        text=text,
        provider=verdict.provider,
        stated=stated,
    )
    reread = reason_for_action(reread, found.action, phase)
    reread = reason_for_text(reread, text, ctx)
    reread = reason_undecided(reread, found.vouched or _has_diagnostic(found.diagnostic))
    if reread != verdict.reason:
        verdict = force_reason(verdict, reread)
    if found.reason and found.reason != verdict.reason:
        verdict = force_reason(verdict, found.reason)
    if found.action == "delayed" and verdict.reply_class is ReplyClass.PERMANENT:
        verdict = _still_trying(verdict)
    elif (
        found.action in _GAVE_UP_ACTIONS or (found.action is None and gave_up is not None)
    ) and verdict.reply_class is ReplyClass.TRANSIENT:
        # the report says the MTA stopped trying (DSN action, or its own "not going to try again")
        verdict = _gave_up(verdict)
    return verdict


_GAVE_UP_ACTIONS = frozenset({"failed", "expired"})


def _gave_up(verdict: Verdict) -> Verdict:
    """The report says the MTA stopped trying ("Action: failed") after a temporary reply: the
    message is returned for good, so the failure is permanent for it. The address is dead only
    when the status is about the address (X.1.x: "450 4.1.1 user unknown" until the queue
    lifetime ran out); a domain that kept refusing with "421 4.0.0" may accept tomorrow."""
    from inboxtrace.codes import reason_info

    info = reason_info(verdict.reason)
    about_address = (verdict.enhanced_status or "")[1:4] == ".1."
    return dataclasses.replace(
        verdict,
        reply_class=ReplyClass.PERMANENT,
        hard_bounce=info.hard and about_address,
        action=info.default_action if about_address else verdict.action,
    )


def _still_trying(verdict: Verdict) -> Verdict:
    """A delay warning: the MTA keeps trying, so nothing about it is permanent yet (whatever the
    words of the last reply: a "550" seen on the way is not the end of the story)."""
    from inboxtrace.codes import reason_info

    action = reason_info(verdict.reason).default_action
    action = {"suppress-address": "retry", "check-destination": "retry"}.get(action, action)
    return dataclasses.replace(verdict, reply_class=ReplyClass.TRANSIENT, hard_bounce=False, action=action)


# A bounce reports a failure: a 2xx in its text is an earlier step of the session ("250 Sender ok",
# "250 ok ... qp 42") or a server's acceptance before a later refusal, never the verdict.
_FAILED_ACTIONS = frozenset({"failed", "delayed", "expired"})


def _reported_failed(found: Found) -> bool:
    """The report says this recipient failed or waits (a DSN for "delivered", "relayed" or a
    verification's "deliverable" reports success, as does a 2.x.x Status)."""
    if (found.status or "").startswith("2."):
        return False
    return found.action is None or found.action in _FAILED_ACTIONS


_FAILURE_CODE_RE = compile_regex(r"(?<![\w.])[45]\d\d(?=[\s:-])")
_SUCCESS_CODE_RE = compile_regex(r"(?<![\w.])2\d\d(?:[ -][245]\.\d{1,3}\.\d{1,3})?(?=[\s:-]|$)")


def _failure_of(verdict: Verdict, text: str, context: str, found: Found, host: str | None) -> Verdict:
    """The verdict on a recipient a bounce lists as failed whose first reply was a success."""
    from inboxtrace.codes import classify

    for where in (text, context):
        match = _FAILURE_CODE_RE.search(where) if where else None
        if match is not None:
            failed = classify(_reply(where[match.start() :], found), remote_host=host)
            if failed.reply_class is not ReplyClass.SUCCESS:
                return failed
    # no failure code anywhere: the words alone (the success code removed), on hold when mute
    words = _SUCCESS_CODE_RE.sub(" ", text)
    plain = classify(_reply(words, dataclasses.replace(found, reply_code=None)), remote_host=host)
    if plain.reply_class is ReplyClass.SUCCESS or plain.reason in ("delivered", "undefined"):
        transient = found.action == "delayed"
        klass = ReplyClass.TRANSIENT if transient else ReplyClass.PERMANENT
        plain = force_reason(dataclasses.replace(plain, reply_class=klass), "onhold")
    return plain


def _status_for_rules(dsn: str | None, reply: str | None) -> str | None:
    """The DSN's Status field, unless it is the bare X.0.0 and the reply states a finer status."""
    if dsn and reply and dsn[2:] == "0.0":
        return reply
    return dsn or reply


def _phase_stated(found: Found, text: str, context: Callable[[], str]) -> bool:
    from inboxtrace.codes.phases import stated_phase

    def states(t: str) -> bool:
        return bool(t) and (phase_mark(t) is not None or stated_phase(t) is not None)

    return states(found.diagnostic) or states(text) or states(context())  # (the text around last)


def _has_diagnostic(diagnostic: str) -> bool:
    """The recipient's own diagnostic says something beyond its address."""
    return bool(_ADDRESS_RE.sub(" ", diagnostic).strip(_NOT_WORDS))


def force_reason(verdict: Verdict, reason: str) -> Verdict:
    """The same verdict with a reason the format itself fixes (feedback, vacation, ...)."""
    from inboxtrace.codes import reason_info

    info = reason_info(reason)
    hard = bool(info.hard) and verdict.reply_class is ReplyClass.PERMANENT
    if reason in ("feedback", "vacation"):
        hard = False
    return dataclasses.replace(
        verdict,
        reason=reason,
        hard_bounce=hard,
        action=info.default_action,
        explanation=info.meaning,
    )
