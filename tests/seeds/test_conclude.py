"""The conclusion rules on hand-made records (the real-server story is in test_placement_flow)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from inboxtrace.diagnose.conclude import BounceEvidence, Evidence, conclude
from inboxtrace.model.bounce import BounceRecipient
from inboxtrace.model.log import Attempt, Delivery, FinalState, Message
from inboxtrace.model.placement import ConclusionKind, SeedResult, SendResult
from inboxtrace.model.reply import Phase, ReplyClass, Verdict

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(hours=2)
SPAN = (T0 - timedelta(days=1), NOW)
ADDR = "seed@gmail.test"


def _msg(*attempts: Attempt, state: FinalState, mid: str = "m1@sender.test") -> tuple[Message, Delivery]:
    d = Delivery(ADDR, state, attempts)
    return Message("postfix", "mta", "ABC123", received=T0, message_id=mid, deliveries=(d,)), d


def _a(status: str, reply: str, minutes: int = 0, host: str = "gmail-smtp-in.l.google.com") -> Attempt:
    return Attempt(T0 + timedelta(minutes=minutes), status, relay_host=host, reply=reply)


def _ev(**kw: object) -> Evidence:
    base: dict[str, object] = {"address": ADDR, "sent_at": T0, "logs_span": SPAN}
    base.update(kw)
    return Evidence(**base)  # type: ignore[arg-type]


def test_refused_at_submission_is_rejected_with_the_transcript() -> None:
    send = SendResult(
        ADDR, False, 554, "554 5.7.1 Relay access denied", T0, transcript="C: RCPT TO:<x>\nS: 554 5.7.1 no"
    )
    c = conclude(_ev(send=send), now=NOW, window=timedelta(minutes=15))
    assert c.kind is ConclusionKind.REJECTED and "submission" in c.summary
    assert "S: 554 5.7.1 no" in c.evidence


def test_expired_after_deferrals_is_expired_without_retry_advice() -> None:
    ev = _ev(deliveries=(_msg(
        _a("deferred", "421 4.7.28 Gmail has detected an unusual rate of unsolicited mail"),
        _a("deferred", "421 4.7.28 Gmail has detected an unusual rate of unsolicited mail", 30),
        _a("expired", "421 4.7.28 Gmail has detected an unusual rate of unsolicited mail", 60),
        state=FinalState.EXPIRED),))  # fmt: skip
    c = conclude(ev, now=NOW, window=timedelta(minutes=15))
    assert c.kind is ConclusionKind.EXPIRED and c.summary.startswith("expired")
    assert "action: retry" not in c.next_step and "gave up" in c.next_step
    assert c.time == T0  # throttled since the first deferral


def test_still_deferred_names_the_provider() -> None:
    ev = _ev(deliveries=(_msg(_a("deferred", "421 4.7.28 Gmail has detected an unusual rate of mail"),
                              state=FinalState.DEFERRED),), peer_deferrals=(40, T0 - timedelta(minutes=5)))  # fmt: skip
    c = conclude(ev, now=NOW, window=timedelta(minutes=15))
    assert c.kind is ConclusionKind.DEFERRED and "still queued" in c.summary
    assert "(gmail)" in c.summary
    assert any("40 deliveries to gmail-smtp-in.l.google.com are deferred" in e for e in c.evidence)
    assert c.time == T0 - timedelta(minutes=5)


def test_bounce_without_log_uses_the_bounce_phase() -> None:
    v = Verdict(550, "5.1.1", "User unknown", ReplyClass.PERMANENT, "userunknown", True, "suppress-address",
                "The address does not exist.", phase=Phase.RCPT)  # fmt: skip
    b = BounceEvidence(
        BounceRecipient(ADDR, v, status="5.1.1", reporting_mta="mta.sender.test"), T0, "dsn.eml"
    )
    c = conclude(_ev(bounces=(b,)), now=NOW, window=timedelta(minutes=15))
    assert c.kind is ConclusionKind.REJECTED and "no log line" in c.details["note"]
    v2 = Verdict(
        550, "5.7.1", "Quarantined", ReplyClass.PERMANENT, "filtered", True, "fix-content", "Filtered."
    )
    b2 = BounceEvidence(BounceRecipient(ADDR, v2, status="5.7.1", remote_mta="mx.gmail.test"), T0, "dsn2.eml")
    assert (
        conclude(_ev(bounces=(b2,)), now=NOW, window=timedelta(0)).kind is ConclusionKind.BOUNCED_AFTER_ACCEPT
    )


def test_bounce_for_another_message_is_not_taken() -> None:
    v = Verdict(
        552, "5.2.2", "Mailbox full", ReplyClass.PERMANENT, "mailboxfull", False, "retry-later", "Full."
    )
    other = BounceEvidence(BounceRecipient(ADDR, v), T0 + timedelta(minutes=5), "b.eml", "other@sender.test")
    ev = _ev(deliveries=(_msg(_a("sent", "250 2.0.0 OK 1764061200 x1si123 - gsmtp"), state=FinalState.DELIVERED),),
             bounces=(other,), result=SeedResult("t", ADDR, "gmail", "missing", checked_at=NOW))  # fmt: skip
    c = conclude(ev, now=NOW, window=timedelta(minutes=15))
    assert c.kind is ConclusionKind.ACCEPTED_NOT_FOUND
    assert c.remote_queue_id == "x1si123" and c.server == "gmail-smtp-in.l.google.com"


def test_seed_that_could_not_be_searched_says_so() -> None:
    r = SeedResult("t", ADDR, "gmail", "error", checked_at=NOW, error="imap.gmail.test:993: login refused")
    c = conclude(_ev(result=r, logs_span=(None, None)), now=NOW, window=timedelta(minutes=15))
    assert c.kind is ConclusionKind.UNKNOWN
    assert any("could not search the mailbox: imap.gmail.test:993: login refused" in e for e in c.evidence)
    assert "no MTA logs are ingested" in c.summary


def test_logs_that_stop_before_the_send_are_unknown_not_not_sent() -> None:
    old = (T0 - timedelta(days=3), T0 - timedelta(days=2))
    c = conclude(_ev(logs_span=old), now=NOW, window=timedelta(minutes=15))
    assert c.kind is ConclusionKind.UNKNOWN and "ingest your MTA log" in c.next_step
    assert conclude(_ev(), now=NOW, window=timedelta(minutes=15)).kind is ConclusionKind.NOT_SENT


def test_found_copies_inbox_spam_tab_filed() -> None:
    for placement, kind in (("inbox", ConclusionKind.INBOX), ("spam", ConclusionKind.SPAM),
                            ("tab:social", ConclusionKind.TAB), ("trash", ConclusionKind.FILED),
                            ("other:Receipts", ConclusionKind.FILED)):  # fmt: skip
        r = SeedResult("t", ADDR, "gmail", placement, folder="F", checked_at=NOW)
        assert conclude(_ev(result=r), now=NOW, window=timedelta(0)).kind is kind
