"""What verdicts say: 250 is not the inbox, text beats code, providers, languages."""

from __future__ import annotations

import pytest

from inboxtrace.codes import classify, provider_for_host, reason_info, reasons
from inboxtrace.errors import NotAReplyError
from inboxtrace.model import Phase, ReplyClass


def test_250_after_data_is_a_hand_over_not_the_inbox() -> None:
    verdict = classify("250 2.0.0 Ok: queued as 153053D")
    assert verdict.reply_class is ReplyClass.SUCCESS
    assert verdict.reason == "delivered"
    assert verdict.phase is Phase.END_OF_DATA
    assert "153053D" in verdict.explanation
    assert "not inbox placement" in verdict.explanation


def test_250_to_rcpt_says_nothing_about_delivery() -> None:
    verdict = classify("250 2.1.5 Ok (in reply to RCPT TO command)")
    assert verdict.phase is Phase.RCPT
    assert "RCPT TO" in verdict.explanation
    assert "says nothing yet about delivery" in verdict.explanation


def test_bare_250_explains_what_it_can_and_cannot_mean() -> None:
    verdict = classify("250 OK")
    assert verdict.phase is None
    assert "not that it reached the inbox" in verdict.explanation


def test_text_wins_over_code_and_flags_a_filter_in_disguise() -> None:
    verdict = classify("550 5.1.1 <bob@example.com>: sender blocked as spam")
    assert verdict.reason != "userunknown"
    assert verdict.hard_bounce is False
    assert "filter in disguise" in verdict.explanation
    assert "5.1.1" in verdict.explanation


def test_text_wins_note_for_other_disagreements() -> None:
    verdict = classify("552 5.2.2 Message size exceeds fixed maximum message size")
    assert verdict.reason == "emailtoolarge"
    assert "the text wins" in verdict.explanation


def test_transient_hard_reason_is_not_a_hard_bounce() -> None:
    verdict = classify("450 4.1.1 <bob@example.com>: Recipient address rejected: User unknown")
    assert verdict.reason == "userunknown"
    assert verdict.reply_class is ReplyClass.TRANSIENT
    assert verdict.hard_bounce is False
    assert verdict.action == "retry"


def test_provider_from_host_and_from_text() -> None:
    assert classify("550 5.7.1 blocked", remote_host="gmail-smtp-in.l.google.com").provider == "gmail"
    assert classify("421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred").provider == "yahoo"
    assert provider_for_host("example-com.mail.protection.outlook.com") == "microsoft"
    assert provider_for_host("mta7.am0.yahoodns.net") == "yahoo"
    assert provider_for_host("mx01.mail.icloud.com.") == "apple"
    assert provider_for_host("mx.example.org") is None
    assert provider_for_host("") is None


def test_addresses_in_the_text_are_not_evidence() -> None:
    assert classify("554 5.7.1 <spam@example.com>: Relay access denied").reason == "norelaying"


def test_local_delivery_texts_are_success() -> None:
    verdict = classify("delivered to maildir")
    assert verdict.reply_class is ReplyClass.SUCCESS
    assert "local mailbox" in verdict.explanation


def test_exit_status_of_a_local_mailer_is_not_a_reply_code() -> None:
    verdict = classify("Diagnostic-Code: X-Unix; 255")
    assert verdict.reply_code is None
    assert verdict.reason == "mailererror"


def test_vietnamese_explanation() -> None:
    en = classify("552 5.2.2 Mailbox full")
    vi = classify("552 5.2.2 Mailbox full", lang="vi")
    assert (en.reason, en.action) == (vi.reason, vi.action)
    assert "Hộp thư" in vi.explanation
    assert vi.explanation != en.explanation


def test_text_without_code_needs_a_known_phrase() -> None:
    assert classify("Connection timed out").reason == "networkerror"
    with pytest.raises(NotAReplyError):
        classify("the quick brown fox")


def test_every_reason_of_the_vocabulary_is_known() -> None:
    names = set(reasons())
    assert {"ratelimited", "emailtoolarge", "delivered", "userunknown", "feedback", "vacation"} <= names
    assert not {"speeding", "toomanyconn", "mesgtoobig", "exceedlimit"} & names
    assert reason_info("userunknown").hard is True
    assert reason_info("mailboxfull").hard is False
