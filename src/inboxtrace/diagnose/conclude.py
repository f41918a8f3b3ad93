"""The missing-mail diagnosis: one conclusion per seed or recipient, with evidence and a next step.

Inputs are plain records, so the rules can be used (and tested) without a store: what the seed
check found (:class:`SeedResult`), what the sender's SMTP server said at submission
(:class:`SendResult`), the log timelines of that address (:class:`Message`, :class:`Delivery`), the
bounces received for it, and whether the ingested logs cover the time at all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from inboxtrace.datafiles import load_toml
from inboxtrace.errors import DataFileError, NotAReplyError
from inboxtrace.model.bounce import BounceRecipient
from inboxtrace.model.log import Attempt, Delivery, FinalState, Message
from inboxtrace.model.placement import Conclusion, ConclusionKind, SeedResult, SendResult
from inboxtrace.model.reply import Phase, Verdict

_SMTP_TIME_PHASES = {Phase.CONNECT, Phase.EHLO, Phase.MAIL, Phase.RCPT, Phase.DATA, Phase.END_OF_DATA}


@cache
def _data(name: str) -> dict[str, Any]:
    return load_toml("diagnose", name)


@cache
def _queue_patterns() -> tuple[re.Pattern[str], ...]:
    try:
        return tuple(re.compile(p) for p in _data("queue_ids.toml")["patterns"])
    except (KeyError, re.error) as exc:
        raise DataFileError(f"diagnose/data/queue_ids.toml: {exc}") from exc


def remote_queue_id(reply: str | None) -> str | None:
    """The receiver's queue id in its 250 reply (Postfix, Exim, Gmail, Microsoft, Dovecot LMTP ...)."""
    if not reply:
        return None
    for pat in _queue_patterns():
        m = pat.search(reply)
        if m:
            return m.group(1)
    return None


def _next(kind: str, **values: Any) -> str:
    template = str(_data("conclusions.toml")["next"][kind])
    try:
        return template.format(**values)
    except (KeyError, IndexError):
        return template


@dataclass(frozen=True, slots=True)
class BounceEvidence:
    """A bounce received for the address (from the store), with where it came from."""

    recipient: BounceRecipient
    date: datetime | None
    source: str
    returned_message_id: str | None = None


@dataclass(frozen=True, slots=True)
class Evidence:
    """Everything known about one address for one send."""

    address: str
    provider: str | None = None
    test_id: str | None = None
    sent_at: datetime | None = None
    send: SendResult | None = None
    result: SeedResult | None = None
    deliveries: tuple[tuple[Message, Delivery], ...] = ()
    bounces: tuple[BounceEvidence, ...] = ()
    logs_span: tuple[datetime | None, datetime | None] = (None, None)
    # deliveries to the same server still deferred in the window, and since when (throttling)
    peer_deferrals: tuple[int, datetime | None] = (0, None)
    # ``diagnose --to``: the window the user asked about (no send time is known then)
    asked: tuple[datetime | None, datetime | None] | None = None


def _t(dt: datetime | None) -> str:
    return f"{dt:%Y-%m-%d %H:%M:%S %Z}".strip() if dt else "an unknown time"


def _advice(v: Verdict) -> str:
    """The verdict's explanation (what it means, what to do) with its action code."""
    text = v.explanation.strip() or v.action
    return f"{text} [{v.reason}, action: {v.action}]" if v.action else text


def _reply_verdict(reply: str | None, remote_host: str | None = None) -> Verdict | None:
    """The verdict ``inboxtrace explain`` gives for a reply (None for text that is not a reply)."""
    if not reply:
        return None
    from inboxtrace.codes import classify

    try:
        return classify(reply, remote_host=remote_host)
    except NotAReplyError:
        return None


def _verdict(attempt: Attempt) -> Verdict | None:
    if attempt.verdict is not None:
        return attempt.verdict
    return _reply_verdict(attempt.reply, attempt.relay_host)


def _discarded(attempt: Attempt) -> bool:
    """A "successful" delivery that went nowhere: Postfix's discard transport (``relay=none``,
    ``postfix/discard``), whose text is the configured reason, not a server's reply."""
    if attempt.status != "sent" or attempt.relay_ip or attempt.relay_host not in (None, "none"):
        return False
    return not re.match(r"\s*\d{3}\b", attempt.reply or "")


def _line(attempt: Attempt) -> str | None:
    ev = attempt.evidence
    if ev is None or not ev.line:
        return None
    where = f"{ev.source}:{ev.line_no}" if ev.source else "log"
    return f"log {where}: {ev.line}"


def _accepted(attempt: Attempt) -> bool:
    if attempt.status in ("sent", "delivered", "accepted", "completed"):
        return True
    return bool(attempt.reply and attempt.reply.lstrip().startswith("2"))


def _send_evidence(send: SendResult | None) -> list[str]:
    if send is None:
        return []
    qid = f" (queue id {send.queue_id})" if send.queue_id else ""
    return [f"submission at {_t(send.sent_at)}: {send.reply}{qid}"]


def conclude(ev: Evidence, *, now: datetime, window: timedelta) -> Conclusion:
    """The one story for ``ev.address``; see :class:`ConclusionKind` for the stories."""
    r = ev.result
    if r is not None and r.placement not in ("missing", "error"):
        return _found(ev, r)
    evidence = _send_evidence(ev.send)
    warnings = tuple(b for b in ev.bounces if b.recipient.action == "delayed")
    if warnings:
        # delay warnings say a server is still retrying: evidence of a delay, never of a failure
        ev = replace(ev, bounces=tuple(b for b in ev.bounces if b.recipient.action != "delayed"))
        evidence += [
            f"delay warning (still being retried) {_bounce_line(b).removeprefix('bounce ')}" for b in warnings
        ]
        if not ev.deliveries and not ev.bounces and ev.send is None:
            b = warnings[-1]
            server = b.recipient.remote_mta or b.recipient.reporting_mta
            return Conclusion(
                kind=ConclusionKind.DEFERRED,
                summary=f"delayed: {b.recipient.reporting_mta or server or 'a server'} reported at {_t(b.date)} "
                "that it is still retrying; the message may still arrive",
                next_step=_next("delayed", server=server or "the receiving server"),
                evidence=tuple(evidence),
                server=server,
                time=b.date,
                details={"verdict": b.recipient.verdict.to_dict(), "dsn_action": "delayed"},
                address=ev.address,
                provider=ev.provider,
            )
    if r is not None:
        evidence.append(
            f"seed check at {_t(r.checked_at)}: "
            + (f"could not search the mailbox: {r.error}" if r.placement == "error" else "in no folder")
        )
    if ev.send is not None and not ev.send.accepted:
        v = _reply_verdict(ev.send.reply)
        reason = f"{v.reason}: " if v is not None else ""
        return Conclusion(
            kind=ConclusionKind.REJECTED,
            summary=f"your SMTP server refused it at submission: {reason}{ev.send.reply}",
            next_step=_next(
                "rejected-at-submission",
                action=_advice(v) if v is not None else "Read the reply text and the transcript.",
            ),
            evidence=(*evidence, *ev.send.transcript.splitlines()[-6:]),
            time=ev.send.sent_at,
            details={"verdict": v.to_dict() if v is not None else None},
            address=ev.address,
            provider=ev.provider,
        )
    if ev.deliveries:
        return _from_logs(ev, evidence, now=now, window=window)
    if ev.bounces:
        b = ev.bounces[-1]
        v = b.recipient.verdict
        evidence.append(_bounce_line(b))
        kind = (
            ConclusionKind.REJECTED if v.phase in _SMTP_TIME_PHASES else ConclusionKind.BOUNCED_AFTER_ACCEPT
        )
        server = b.recipient.remote_mta or b.recipient.reporting_mta
        return Conclusion(
            kind=kind,
            summary=f"bounced ({v.reason}): {v.text}",
            next_step=_next(kind.value, server=server or "the receiver", action=_advice(v)),
            evidence=tuple(evidence),
            server=server,
            time=b.date,
            details={"verdict": v.to_dict(), "note": "no log line for this delivery was ingested"},
            address=ev.address,
            provider=ev.provider,
        )
    first, last = ev.logs_span
    start = ev.sent_at
    # log times have a one-second resolution (and clocks drift): allow a minute either way
    slack = timedelta(seconds=60)
    covered = (
        first is not None
        and last is not None
        and (start is None or (first <= start + window + slack and last >= start - slack))
    )
    if ev.asked is not None:
        covered = first is not None and last is not None and _overlaps(ev.asked, (first, last), slack)
    if not covered:
        span = f"ingested logs cover {_t(first)} to {_t(last)}" if first else "no MTA logs are ingested"
        if ev.asked is not None:
            lo, hi = ev.asked
            what = f"the window you asked about ({_t(lo) if lo else 'any time'} to {_t(hi) if hi else 'now'})"
        else:
            what = f"the send at {_t(start)}"
        missing = (
            f"{span}, not {what}; ingest your MTA log for that time "
            "(inboxtrace ingest /var/log/mail.log*) and bounces (inboxtrace bounces --ingest)."
        )
        if ev.send is not None and ev.send.accepted:
            missing = f"your server accepted it ({ev.send.reply}) but " + missing
        return Conclusion(
            kind=ConclusionKind.UNKNOWN,
            summary="no delivery evidence: " + span,
            next_step=_next("unknown", missing=missing),
            evidence=tuple(evidence),
            address=ev.address,
            provider=ev.provider,
        )
    if ev.send is not None and ev.send.accepted:
        return Conclusion(
            kind=ConclusionKind.UNKNOWN,
            summary=f"your SMTP server accepted it (queue id {ev.send.queue_id or '?'}) but no ingested log "
            "shows a delivery attempt to this address",
            next_step=_next(
                "unknown",
                missing=f"the log of the server that took the submission ({ev.send.queue_id or 'its queue id'}) "
                "is not ingested, or the message is still in its queue (postqueue -p).",
            ),
            evidence=tuple(evidence),
            address=ev.address,
            provider=ev.provider,
        )
    if ev.asked is not None:
        return Conclusion(
            kind=ConclusionKind.NOT_SENT,
            summary=f"no message to this address in the ingested logs ({_t(first)} to {_t(last)})",
            next_step=_next("not-sent-to"),
            evidence=tuple(evidence),
            address=ev.address,
            provider=ev.provider,
        )
    return Conclusion(
        kind=ConclusionKind.NOT_SENT,
        summary=f"no attempt to this address in the logs ({_t(first)} to {_t(last)})",
        next_step=_next("not-sent"),
        evidence=tuple(evidence),
        address=ev.address,
        provider=ev.provider,
    )


def _overlaps(
    asked: tuple[datetime | None, datetime | None], span: tuple[datetime, datetime], slack: timedelta
) -> bool:
    lo, hi = asked
    return (lo is None or span[1] >= lo - slack) and (hi is None or span[0] <= hi + slack)


def _auth_advice(r: SeedResult) -> tuple[str, str | None]:
    found = {a.method: a for a in r.auth if a.method in ("spf", "dkim", "dmarc")}
    auth = {m: found[m] for m in ("spf", "dkim", "dmarc") if m in found}
    bad = [f"{m.upper()}={a.result}" for m, a in auth.items() if a.result != "pass"]
    good = [m.upper() for m, a in auth.items() if a.result == "pass"]
    missing = [m.upper() for m in ("spf", "dkim", "dmarc") if m not in auth]
    domain = next((auth[m].domain for m in ("dmarc", "dkim", "spf") if m in auth and auth[m].domain), None)
    if bad:
        advice = f"The receiver's authentication results show {', '.join(bad)}: fix that first."
    elif not auth:
        advice = "The copy carries no Authentication-Results header to judge authentication by."
    elif missing:
        verb = "was" if len(missing) == 1 else "were"
        advice = f"{' and '.join(good)} passed; {' and '.join(missing)} {verb} not evaluated by the receiver."
    else:
        advice = "SPF, DKIM and DMARC all pass: the filter judged reputation or content."
    return advice, domain


def _found(ev: Evidence, r: SeedResult) -> Conclusion:
    ev_lines = [
        f"found in folder '{r.folder}' at {_t(r.checked_at)}"
        + (f", arrived {_t(r.arrived)}" if r.arrived else "")
    ]
    if r.delay is not None:
        ev_lines.append(f"delay after sending: {r.delay:.0f}s")
    for a in r.auth:
        ev_lines.append(
            f"Authentication-Results ({a.authserv_id}): {a.method}={a.result}"
            + (f" ({a.domain})" if a.domain else "")
        )
    if r.received:
        ev_lines.append(f"Received (top): {r.received[0]}")
    advice, domain = _auth_advice(r)
    details = {
        "placement": r.placement,
        "folder": r.folder,
        "auth": [a.to_dict() for a in r.auth],
        "domain": domain,  # the sending domain the receiver authenticated (DMARC, else DKIM, else SPF)
    }
    if r.placement == "inbox":
        return Conclusion(kind=ConclusionKind.INBOX, summary="in the inbox", next_step="Nothing to do.",
                          evidence=tuple(ev_lines), time=r.arrived, details=details, address=ev.address, provider=ev.provider)  # fmt: skip
    if r.placement == "spam":
        return Conclusion(
            kind=ConclusionKind.SPAM,
            summary=f"delivered to the spam folder '{r.folder}'",
            next_step=_next("spam", auth_advice=advice, domain=domain or "YOUR-DOMAIN"),
            evidence=tuple(ev_lines), time=r.arrived, details=details, address=ev.address,
            provider=ev.provider,
        )  # fmt: skip
    if r.placement.startswith("tab:"):
        tab = r.placement.split(":", 1)[1]
        return Conclusion(
            kind=ConclusionKind.TAB, summary=f"delivered to the '{tab}' tab", next_step=_next("tab", tab=tab),
            evidence=tuple(ev_lines), time=r.arrived, details=details, address=ev.address,
            provider=ev.provider,
        )  # fmt: skip
    return Conclusion(
        kind=ConclusionKind.FILED, summary=f"filed in '{r.folder}' ({r.placement})",
        next_step=_next("filed", folder=r.folder), evidence=tuple(ev_lines), time=r.arrived, details=details, address=ev.address,
            provider=ev.provider,
    )  # fmt: skip


def _bounce_line(b: BounceEvidence) -> str:
    rc = b.recipient
    by = rc.reporting_mta or rc.remote_mta or "?"
    return f"bounce from {by} at {_t(b.date)} ({b.source}): {rc.status or ''} {rc.diagnostic or rc.verdict.text}".strip()


def _from_logs(ev: Evidence, evidence: list[str], *, now: datetime, window: timedelta) -> Conclusion:
    chain = follow_hops(_pick(ev), ev.deliveries)
    msg, dl = chain[-1]
    for m, d in chain:
        for a in d.attempts[-8:]:
            line = _line(a)
            evidence.append(
                line or f"log {m.host} {m.queue_id}: {_t(a.time)} status={a.status} {a.reply or ''}".strip()
            )
    attempts = dl.attempts
    last = dl.last_attempt
    hops = [m.queue_id for m, _ in chain]
    base: dict[str, Any] = {"queue_id": msg.queue_id, "host": msg.host}
    if len(hops) > 1:
        base["queues"] = hops  # the message passed these queues (content filter, relay hops), in order
    accepted = next((a for a in attempts if _accepted(a)), None)
    if accepted is not None and _discarded(accepted):
        return _discard(ev, evidence, msg, accepted, base)
    bounce = _bounce_after(ev, msg, accepted.time if accepted else None)
    if accepted is not None:
        server = accepted.relay_host or accepted.relay_ip or "the receiving server"
        qid = accepted.remote_queue_id or remote_queue_id(accepted.reply)
        code = (accepted.reply or "250").split(" ", 1)[0]
        details: dict[str, Any] = {**base, "reply": accepted.reply}
        if bounce is not None:
            evidence.append(_bounce_line(bounce))
            v = bounce.recipient.verdict
            return Conclusion(
                kind=ConclusionKind.BOUNCED_AFTER_ACCEPT,
                summary=f"accepted with {code} by {server} at {_t(accepted.time)}, bounced later "
                f"by {bounce.recipient.reporting_mta or bounce.recipient.remote_mta or 'the receiver'}: "
                f"{v.reason} ({bounce.recipient.status or v.enhanced_status or ''} {v.text})".rstrip(),
                next_step=_next("bounced-after-accept", server=server, action=_advice(v)),
                evidence=tuple(evidence), server=server, time=accepted.time, remote_queue_id=qid,
                details={**details, "verdict": v.to_dict()}, address=ev.address, provider=ev.provider,
            )  # fmt: skip
        qid_text = f" (their id {qid})" if qid else ""
        qid_quote = f" their id {qid}," if qid else ""
        searched = ev.result is not None and ev.result.placement == "missing"
        if not searched:
            # no mailbox was searched (or it could not be): the 250 is all the evidence there is
            return Conclusion(
                kind=ConclusionKind.ACCEPTED,
                summary=f"accepted with {code} by {server} at {_t(accepted.time)}{qid_text}; where it went "
                "inside the receiver is unknown",
                next_step=_next("accepted", server=server, time=_t(accepted.time), qid_quote=qid_quote),
                evidence=tuple(evidence), server=server, time=accepted.time, remote_queue_id=qid,
                details=details, address=ev.address, provider=ev.provider,
            )  # fmt: skip
        reference = ev.result.checked_at if ev.result and ev.result.checked_at else now
        if reference - accepted.time < window:
            return Conclusion(
                kind=ConclusionKind.IN_TRANSIT,
                summary=f"accepted by {server} at {_t(accepted.time)}; not in a folder yet, the "
                f"{window.total_seconds():.0f}s window is still open",
                next_step=_next("in-transit", server=server, time=_t(accepted.time), test=ev.test_id or "TEST"),
                evidence=tuple(evidence), server=server, time=accepted.time, remote_queue_id=qid,
                details=details, address=ev.address, provider=ev.provider,
            )  # fmt: skip
        return Conclusion(
            kind=ConclusionKind.ACCEPTED_NOT_FOUND,
            summary=f"accepted with {code} by {server} at {_t(accepted.time)}{qid_text}, no bounce, in no "
            "folder of the seed mailbox"
            + (f" at {_t(ev.result.checked_at)}" if ev.result and ev.result.checked_at else ""),
            next_step=_next("accepted-not-found", server=server, time=_t(accepted.time), qid_text=qid_text,
                            qid_quote=qid_quote),
            evidence=tuple(evidence), server=server, time=accepted.time, remote_queue_id=qid,
            details=details, address=ev.address, provider=ev.provider,
        )  # fmt: skip
    if last is None:
        return Conclusion(
            kind=ConclusionKind.UNKNOWN, summary=f"the log knows the message ({msg.host} {msg.queue_id}) but no attempt",
            next_step=_next("unknown", missing="the delivery attempts: ingest the rest of the log"),
            evidence=tuple(evidence), address=ev.address, provider=ev.provider,
        )  # fmt: skip
    verdict = _verdict(last)
    server = last.relay_host or last.relay_ip or msg.host
    details = {**base, "verdict": verdict.to_dict() if verdict else None}
    action = _advice(verdict) if verdict else "Read the reply text."
    if dl.final_state in (FinalState.BOUNCED, FinalState.REJECTED) and (last.reply or "").lstrip()[:1] != "4":
        own = msg.queue_id.upper().startswith("NOQUEUE")  # refused by the logging server's smtpd itself
        where = f"your server {msg.host} when it was handed over (NOQUEUE, never queued)" if own else server
        return Conclusion(
            kind=ConclusionKind.REJECTED,
            summary=f"refused by {where} at {_t(last.time)}: "
            + (f"{verdict.reason}: {verdict.text}" if verdict else (last.reply or last.status)),
            next_step=_next("rejected-at-submission" if own else "rejected", server=server, action=action),
            evidence=tuple(evidence), server=server, time=last.time, details=details, address=ev.address,
            provider=ev.provider,
        )  # fmt: skip
    temp = [
        a for a in attempts if a.status in ("deferred", "expired") or (a.reply or "").lstrip().startswith("4")
    ]
    since = temp[0].time if temp else last.time
    if dl.final_state in (FinalState.EXPIRED, FinalState.BOUNCED):
        why = (
            f"The last reply meant: {verdict.reason} ({_first_sentence(verdict.explanation)})"
            if verdict
            else ""
        )
        return Conclusion(
            kind=ConclusionKind.EXPIRED,
            summary=f"expired: only temporary failures from {server} since {_t(since)}, then your MTA gave up "
            f"at {_t(last.time)}",
            next_step=_next("expired", server=server, since=_t(since), action=why).rstrip(),
            evidence=tuple(evidence), server=server, time=since, details=details, address=ev.address,
            provider=ev.provider,
        )  # fmt: skip
    if dl.final_state is FinalState.DEFERRED or temp:
        who = f" ({verdict.provider})" if verdict and verdict.provider else ""
        reason = f"{verdict.reason}: " if verdict else ""
        peers, peers_since = ev.peer_deferrals
        if peers > 1:
            evidence.append(
                f"{peers} deliveries to {server} are deferred in the logs, the first since {_t(peers_since)}: "
                "the receiver is throttling or blocking this sender as a whole"
            )
            since = min(since, peers_since) if peers_since else since
        return Conclusion(
            kind=ConclusionKind.DEFERRED,
            summary=f"deferred {len(temp)} time(s) by {server}{who} since {_t(since)}: {reason}"
            f"{verdict.text if verdict else last.reply or ''}; still queued",
            next_step=_next("deferred", server=server, since=_t(since), action=action),
            evidence=tuple(evidence), server=server, time=since, details=details, address=ev.address,
            provider=ev.provider,
        )  # fmt: skip
    return Conclusion(
        kind=ConclusionKind.UNKNOWN,
        summary=f"the log says {dl.final_state.value} ({last.status}) for {msg.host} {msg.queue_id}",
        next_step=_next("unknown", missing="a decisive delivery attempt in the ingested logs"),
        evidence=tuple(evidence), server=server, time=last.time, details=details, address=ev.address,
        provider=ev.provider,
    )  # fmt: skip


def _first_sentence(text: str) -> str:
    head = text.strip().split(". ", 1)[0]
    return head.rstrip(".")


def _discard(
    ev: Evidence, evidence: list[str], msg: Message, attempt: Attempt, details: dict[str, Any]
) -> Conclusion:
    # the attempt is in the log of msg.host, one of your own servers (you ingested its log)
    how = f"discard transport, reason '{attempt.reply}'" if attempt.reply else "discard transport"
    fix = (
        f"Look at what routes this address to 'discard:' on {msg.host} (transport_maps, header_checks or "
        "access maps with DISCARD, a milter or content filter) and change it if the mail should go out."
    )
    return Conclusion(
        kind=ConclusionKind.DISCARDED,
        summary=f"discarded by your own server {msg.host} at {_t(attempt.time)} ({how}): it never reached "
        "the recipient's server",
        next_step=_next("discarded", who=f"Your own server {msg.host}", how=how, fix=fix),
        evidence=tuple(evidence), server=msg.host, time=attempt.time, details={**details, "reply": attempt.reply},
        address=ev.address, provider=ev.provider,
    )  # fmt: skip


def follow_hops(
    start: tuple[Message, Delivery], deliveries: Sequence[tuple[Message, Delivery]]
) -> list[tuple[Message, Delivery]]:
    """The queues one message passed for one recipient, from ``start`` on: an accepted attempt whose reply
    names the queue id of another logged delivery to the same recipient (a content filter re-injecting on
    127.0.0.1:10025, a relay whose log is ingested) hands the story on to that delivery."""
    chain = [start]
    seen = {id(start[0])}
    while len(chain) <= 8:
        dl = chain[-1][1]
        acc = next((a for a in dl.attempts if _accepted(a)), None)
        qid = (acc.remote_queue_id or remote_queue_id(acc.reply)) if acc is not None else None
        if not qid:
            break
        rcpts = {dl.recipient.lower(), (dl.original_recipient or "").lower()} - {""}
        nxt = next(
            (
                (m, d)
                for m, d in deliveries
                if m.queue_id == qid
                and id(m) not in seen
                and {d.recipient.lower(), (d.original_recipient or "").lower()} & rcpts
            ),
            None,
        )
        if nxt is None:
            break
        seen.add(id(nxt[0]))
        chain.append(nxt)
    return chain


def _pick(ev: Evidence) -> tuple[Message, Delivery]:
    """The logged delivery that belongs to this send: same queue id as the submission, else the
    first one at or after the send time, else the latest."""
    if ev.send is not None and ev.send.queue_id:
        for m, d in ev.deliveries:
            if m.queue_id == ev.send.queue_id:
                return m, d
    if ev.sent_at is not None:
        slack = timedelta(seconds=120)
        for m, d in ev.deliveries:
            if d.attempts and d.attempts[-1].time >= ev.sent_at - slack:
                return m, d
    return ev.deliveries[-1]


def _bounce_after(ev: Evidence, msg: Message, accepted_at: datetime | None) -> BounceEvidence | None:
    """The bounce that reports on this message: same returned Message-ID, else the first one after the
    acceptance (a bounce naming another Message-ID is never taken)."""
    raw_mid = (ev.send.message_id if ev.send and ev.send.message_id else None) or msg.message_id
    mid = raw_mid.strip().strip("<>") if raw_mid else None
    for b in ev.bounces:
        if mid and b.returned_message_id and b.returned_message_id.strip().strip("<>") == mid:
            return b
    for b in ev.bounces:
        if mid and b.returned_message_id:
            continue
        if accepted_at is not None and b.date is not None and b.date >= accepted_at - timedelta(seconds=60):
            return b
    return None


def conclude_all(evidence: Sequence[Evidence], *, now: datetime, window: timedelta) -> list[Conclusion]:
    return [conclude(e, now=now, window=window) for e in evidence]
