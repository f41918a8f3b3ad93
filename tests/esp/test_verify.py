"""Signature and credential checks with real cryptography: valid, tampered, stale, replayed."""

from __future__ import annotations

import json
import time

import pytest

from inboxtrace.esp import EspSettings, WebhookRequest, provider
from inboxtrace.esp.base import Forbidden, Replayed, Unauthorized
from inboxtrace.store.core import Store
from inboxtrace.store.esp import event_count, write_events
from tests.esp import payloads
from tests.esp.conftest import MAILGUN_KEY
from tests.esp.keys import HttpsServer, SendGridSigner, SnsSigner, basic, mailgun_body


def _req(body: bytes, headers: dict[str, str] | None = None) -> WebhookRequest:
    return WebhookRequest(body, {k.lower(): v for k, v in (headers or {}).items()})


@pytest.mark.parametrize("version", ["1", "2"])
def test_sns_signature_versions(
    settings: EspSettings, sns_server: tuple[HttpsServer, SnsSigner], version: str
) -> None:
    _, signer = sns_server
    body = signer.notification(payloads.ses_record("Bounce"), f"sns-v{version}", version)
    parsed = provider("ses", settings).handle(_req(body))
    assert [e.reason for e in parsed.events] == ["userunknown"]


def test_sns_tampered_message_is_refused(
    settings: EspSettings, sns_server: tuple[HttpsServer, SnsSigner]
) -> None:
    _, signer = sns_server
    msg = json.loads(signer.notification(payloads.ses_record("Bounce"), "sns-t"))
    msg["Message"] = msg["Message"].replace("NoEmail", "General")
    with pytest.raises(Forbidden, match="does not verify"):
        provider("ses", settings).handle(_req(json.dumps(msg).encode()))


def test_sns_certificate_host_and_scheme_are_checked(
    settings: EspSettings, sns_server: tuple[HttpsServer, SnsSigner]
) -> None:
    srv, signer = sns_server
    before = len(srv.hits)
    for url in (
        signer.cert_url.replace("https://", "http://"),
        signer.cert_url.replace("localhost", "127.0.0.1"),
        "https://sns.us-east-1.amazonaws.com.evil.example/cert.pem",
    ):
        evil = SnsSigner(signer.key, url, signer.topic)
        body = evil.notification(payloads.ses_record("Bounce"), "sns-h")
        with pytest.raises(Forbidden, match="allowed HTTPS host"):
            provider("ses", settings).handle(_req(body))
    assert len(srv.hits) == before  # nothing fetched from a host that is not allowed


def test_sns_default_host_pattern_is_strict(sns_server: tuple[HttpsServer, SnsSigner]) -> None:
    _, signer = sns_server
    strict = EspSettings(ses_topic_arns=(signer.topic,))
    body = signer.notification(payloads.ses_record("Bounce"), "sns-s")
    with pytest.raises(Forbidden, match="allowed HTTPS host"):
        provider("ses", strict).handle(_req(body))


def test_sns_unknown_topic_and_unconfigured(
    settings: EspSettings, sns_server: tuple[HttpsServer, SnsSigner]
) -> None:
    _, signer = sns_server
    other = SnsSigner(signer.key, signer.cert_url, "arn:aws:sns:us-east-1:999999999999:someone-else")
    with pytest.raises(Forbidden, match="topic"):
        provider("ses", settings).handle(_req(other.notification(payloads.ses_record("Bounce"), "x")))
    with pytest.raises(Forbidden, match="not configured"):
        provider("ses", EspSettings()).handle(_req(signer.notification(payloads.ses_record("Bounce"), "y")))


def test_sns_cert_signed_by_an_untrusted_ca_is_refused(
    tmp_path, sns_server: tuple[HttpsServer, SnsSigner]
) -> None:  # type: ignore[no-untyped-def]
    _, signer = sns_server
    with HttpsServer(tmp_path) as other:  # its own CA, which the verifier does not trust
        other.files["/c.pem"] = b"x"
        evil = SnsSigner(signer.key, other.url("/c.pem"), signer.topic)
        s = EspSettings(ses_topic_arns=(signer.topic,), sns_cert_host="^localhost$")
        with pytest.raises(Exception, match="certificate"):
            provider("ses", s).handle(_req(evil.notification(payloads.ses_record("Bounce"), "z")))


def test_sns_subscription_confirmation_visits_the_url(
    settings: EspSettings, sns_server: tuple[HttpsServer, SnsSigner]
) -> None:
    srv, signer = sns_server
    msg = signer.sign(
        {
            "Type": "SubscriptionConfirmation",
            "MessageId": "sub-1",
            "Token": "tok",
            "TopicArn": signer.topic,
            "Message": "You have chosen to subscribe",
            "SubscribeURL": srv.url("/confirm?Action=ConfirmSubscription&Token=tok"),
            "Timestamp": "2026-01-05T10:00:00.000Z",
        }
    )
    parsed = provider("ses", settings).handle(_req(json.dumps(msg).encode()))
    assert parsed.note == "subscription confirmed" and not parsed.events
    assert srv.hits[-1].startswith("/confirm?Action=ConfirmSubscription")
    msg["SubscribeURL"] = "https://evil.example/confirm"
    with pytest.raises(Forbidden):  # the signature covers SubscribeURL
        provider("ses", settings).handle(_req(json.dumps(msg).encode()))


def test_sendgrid_ecdsa(settings: EspSettings, sendgrid_signer: SendGridSigner) -> None:
    sg = provider("sendgrid", settings)
    body = json.dumps(payloads.sendgrid_batch()).encode()
    assert len(sg.handle(_req(body, sendgrid_signer.headers(body))).events) == 4
    headers = sendgrid_signer.headers(body)
    with pytest.raises(Forbidden, match="does not verify"):
        sg.handle(_req(body.replace(b"bounce", b"delivered", 1), headers))
    stamp_swapped = dict(headers, **{"X-Twilio-Email-Event-Webhook-Timestamp": str(int(time.time()) + 1)})
    with pytest.raises(Forbidden):
        sg.handle(_req(body, stamp_swapped))
    with pytest.raises(Forbidden, match="too old"):
        sg.handle(_req(body, sendgrid_signer.headers(body, ts=int(time.time()) - 3 * 86400)))
    with pytest.raises(Unauthorized):
        sg.handle(_req(body))
    with pytest.raises(Forbidden):  # signed by another key
        sg.handle(_req(body, SendGridSigner().headers(body)))


def test_mailgun_hmac_and_replay(settings: EspSettings, store: Store) -> None:
    mg = provider("mailgun", settings)
    body = mailgun_body(MAILGUN_KEY, payloads.mailgun_event(), "t" * 50)
    parsed = mg.handle(_req(body))
    assert len(parsed.events) == 1
    with pytest.raises(Forbidden):
        mg.handle(_req(mailgun_body("wrong-key", payloads.mailgun_event(), "u" * 50)))
    with pytest.raises(Forbidden, match="too old"):
        mg.handle(
            _req(
                mailgun_body(MAILGUN_KEY, payloads.mailgun_event(), "v" * 50, ts=int(time.time()) - 2 * 86400)
            )
        )
    tampered = json.loads(body)
    tampered["signature"]["token"] = "w" * 50
    with pytest.raises(Forbidden):
        mg.handle(_req(json.dumps(tampered).encode()))
    with pytest.raises(Unauthorized):
        mg.handle(_req(json.dumps({"event-data": payloads.mailgun_event()}).encode()))
    # the token is claimed with the events, in one transaction; a second use stores nothing
    write_events(store, parsed.events, token=("mailgun", "t" * 50))
    other = mg.parse(mailgun_body(MAILGUN_KEY, payloads.mailgun_event(ev_id="other"), "t" * 50))
    with pytest.raises(Replayed):
        write_events(store, other, token=("mailgun", "t" * 50))
    assert event_count(store) == 1


@pytest.mark.parametrize(
    ("name", "good", "bad"),
    [
        ("postmark", basic("pm", "pm-secret"), basic("pm", "wrong")),
        ("smtp2go", {"Authorization": "Bearer s2g-token"}, {"Authorization": "Bearer s2g-tokenX"}),
        ("sparkpost", basic("sp", "sp-secret"), {"Authorization": "Bearer sp-secret"}),
    ],
)
def test_basic_and_bearer(
    settings: EspSettings, name: str, good: dict[str, str], bad: dict[str, str]
) -> None:
    body = {
        "postmark": json.dumps(payloads.postmark_bounce()),
        "smtp2go": json.dumps(payloads.smtp2go_bounce()),
        "sparkpost": json.dumps(payloads.sparkpost_batch()),
    }[name].encode()
    prov = provider(name, settings)
    assert prov.handle(_req(body, good)).events
    with pytest.raises(Unauthorized):
        prov.handle(_req(body, bad))
    with pytest.raises(Unauthorized):
        prov.handle(_req(body))
    with pytest.raises(Unauthorized):
        prov.handle(_req(body, {"Authorization": "Basic !!notbase64"}))
    with pytest.raises(Forbidden, match="not configured"):
        provider(name, EspSettings()).handle(_req(body, good))


def test_secrets_from_files_and_env(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "key").write_text("file-secret\n")
    s = EspSettings.from_env(
        {
            "INBOXTRACE_MAILGUN_SIGNING_KEY_FILE": str(tmp_path / "key"),
            "INBOXTRACE_POSTMARK_USER": "u",
            "INBOXTRACE_POSTMARK_PASSWORD": "p",
            "INBOXTRACE_SES_TOPIC_ARNS": "arn:a, arn:b",
        }
    )
    assert s.mailgun_signing_key == "file-secret"
    assert s.ses_topic_arns == ("arn:a", "arn:b")
    assert "file-secret" not in repr(s) and "'p'" not in repr(s.basic["postmark"])
