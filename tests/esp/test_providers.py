"""Each provider's payloads become normalized events with the reply vocabulary's verdict."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from inboxtrace.esp import EspSettings, EventKind, provider
from inboxtrace.esp.base import BadPayload
from tests.esp import payloads


def test_ses_bounce_record_keeps_the_provider_type_beside_the_verdict() -> None:
    ses = provider("ses", EspSettings())
    (ev,) = ses.parse(
        json.dumps(
            {
                "Type": "Notification",
                "MessageId": "sns-1",
                "Message": json.dumps(payloads.ses_record("Bounce")),
            }
        )
    )
    assert ev.kind == EventKind.BOUNCED
    assert ev.event_id == "sns-1/nobody@example.com"
    assert ev.provider_message_id == "0100-fake-1"
    assert ev.message_id == "<0100-fake-1@sender.example>"
    assert ev.verdict is not None and ev.verdict.reply_code == 550
    assert ev.reason == "userunknown" and ev.hard_bounce is True
    assert ev.bounce_type == "Permanent/NoEmail"
    assert ev.relay_host == "a1-2.smtp-out.amazonses.com" and ev.relay_ip == "192.0.2.25"


def test_ses_delay_and_delivery() -> None:
    ses = provider("ses", EspSettings())
    (delay,) = ses.parse(payloads.ses_record("DeliveryDelay"))
    assert delay.kind == EventKind.DEFERRED and delay.reason == "mailboxfull" and delay.hard_bounce is False
    (done,) = ses.parse(payloads.ses_record("Delivery"))
    assert done.kind == EventKind.DELIVERED and done.reason == "delivered"
    assert done.verdict is not None and done.verdict.reply_class.value == "success"


def test_sendgrid_batch() -> None:
    events = provider("sendgrid", EspSettings()).parse(json.dumps(payloads.sendgrid_batch()).encode())
    kinds = {e.recipient: (e.kind, e.reason, e.hard_bounce) for e in events}
    assert kinds["nobody@example.com"] == (EventKind.BOUNCED, "userunknown", True)
    assert kinds["slow@example.com"][0] == EventKind.DEFERRED
    assert kinds["slow@example.com"][1] in ("ratelimited", "badreputation")  # Yahoo's TSS04 wording
    assert kinds["ok@example.com"] == (EventKind.DELIVERED, "delivered", False)
    # a drop has no remote reply: the provider's own reason is mapped through esp/data/types.toml
    assert kinds["gone@example.com"] == (EventKind.REJECTED, "suppressed", True)


def test_mailgun_event_and_severity() -> None:
    mg = provider("mailgun", EspSettings())
    (ev,) = mg.parse({"signature": {}, "event-data": payloads.mailgun_event()})
    assert ev.kind == EventKind.BOUNCED and ev.reason == "userunknown"
    assert ev.relay_host == "gmail-smtp-in.l.google.com"
    assert ev.message_id == "<fake.1@mg.sender.example>"
    (temp,) = mg.parse({"event-data": payloads.mailgun_event(severity="temporary", reason="generic")})
    assert temp.kind == EventKind.DEFERRED


def test_postmark_smtp2go_sparkpost() -> None:
    (pm,) = provider("postmark", EspSettings()).parse(json.dumps(payloads.postmark_bounce()))
    assert (pm.kind, pm.reason, pm.hard_bounce, pm.event_id) == (
        EventKind.BOUNCED,
        "userunknown",
        True,
        "bounce-4242",
    )
    body = payloads.smtp2go_bounce()
    (s2g_json,) = provider("smtp2go", EspSettings()).parse(json.dumps(body))
    (s2g_form,) = provider("smtp2go", EspSettings()).parse(urlencode(body).encode())
    assert s2g_json.relay_host == "mx.example.com" and s2g_json.relay_ip == "192.0.2.25"
    assert s2g_json.event_id == s2g_form.event_id and s2g_form.reason == "userunknown"
    sp = provider("sparkpost", EspSettings()).parse(json.dumps(payloads.sparkpost_batch()))
    assert [e.kind for e in sp] == [EventKind.ACCEPTED, EventKind.DEFERRED, EventKind.BOUNCED]
    assert sp[2].reason == "blocked" and sp[2].bounce_type == "51"


@pytest.mark.parametrize("name", ["ses", "sendgrid", "mailgun", "postmark", "smtp2go", "sparkpost"])
@pytest.mark.parametrize(
    "body", [b"", b"\xff\xfe\x00garbage", b"[" * 5000, b'{"a":', b"null", b"42", b'"x"', b"{}" + b" " * 10]
)
def test_bad_bodies_are_a_clear_error_or_nothing(name: str, body: bytes) -> None:
    prov = provider(name, EspSettings())
    outcome: list[object] | str
    try:
        outcome = list(prov.parse(body))
    except BadPayload as exc:
        outcome = str(exc)
    assert outcome == [] or (isinstance(outcome, str) and outcome)


def test_hostile_text_is_kept_as_text() -> None:
    item = dict(payloads.sendgrid_batch()[0], reason="550 5.1.1 \x1b[31m[bold]evil[/bold]\x00 user unknown")
    (ev,) = provider("sendgrid", EspSettings()).parse(json.dumps([item]))
    assert ev.reply is not None and "\x00" not in ev.reply and "[bold]" in ev.reply
