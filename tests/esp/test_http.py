"""The webhook endpoints on a real uvicorn server on loopback, with real signatures."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
import sqlalchemy as sa

from inboxtrace.esp import EspSettings
from inboxtrace.esp.http import webhook_app
from inboxtrace.store.core import Store
from inboxtrace.store.esp import esp_events, event_count
from tests.esp import payloads
from tests.esp.conftest import MAILGUN_KEY
from tests.esp.keys import HttpsServer, SendGridSigner, SnsSigner, basic, mailgun_body
from tests.esp.server import LoopbackServer


@pytest.fixture
def server(store: Store, settings: EspSettings) -> Iterator[httpx.Client]:
    with (
        LoopbackServer(webhook_app(store, settings)) as srv,
        httpx.Client(base_url=srv.url, timeout=20) as client,
    ):
        yield client


def test_each_provider_stores_signed_requests_and_refuses_bad_ones(
    server: httpx.Client,
    store: Store,
    sns_server: tuple[HttpsServer, SnsSigner],
    sendgrid_signer: SendGridSigner,
) -> None:
    _, sns = sns_server
    sg_body = json.dumps(payloads.sendgrid_batch()).encode()
    requests = {
        "ses": (
            sns.notification(payloads.ses_record("Bounce"), "sns-http-1"),
            {"x-amz-sns-message-type": "Notification"},
        ),
        "sendgrid": (sg_body, sendgrid_signer.headers(sg_body)),
        "mailgun": (mailgun_body(MAILGUN_KEY, payloads.mailgun_event(), "h" * 50), {}),
        "postmark": (json.dumps(payloads.postmark_bounce()).encode(), basic("pm", "pm-secret")),
        "smtp2go": (json.dumps(payloads.smtp2go_bounce()).encode(), {"Authorization": "Bearer s2g-token"}),
        "sparkpost": (json.dumps(payloads.sparkpost_batch()).encode(), basic("sp", "sp-secret")),
    }
    bad = {
        "ses": (requests["ses"][0].replace(b"NoEmail", b"General"), {}),
        "sendgrid": (sg_body + b" ", sendgrid_signer.headers(sg_body)),
        "mailgun": (mailgun_body("not-the-key", payloads.mailgun_event(), "i" * 50), {}),
        "postmark": (requests["postmark"][0], basic("pm", "guess")),
        "smtp2go": (requests["smtp2go"][0], {}),
        "sparkpost": (requests["sparkpost"][0], {"Authorization": "Bearer nope"}),
    }
    for name, (body, headers) in bad.items():
        r = server.post(f"/webhooks/{name}", content=body, headers=headers)
        assert r.status_code in (401, 403), (name, r.status_code, r.text)
    assert event_count(store) == 0
    expected = {"ses": 1, "sendgrid": 4, "mailgun": 1, "postmark": 1, "smtp2go": 1, "sparkpost": 3}
    for name, (body, headers) in requests.items():
        r = server.post(f"/webhooks/{name}", content=body, headers=headers)
        assert r.status_code == 200, (name, r.text)
        assert r.json()["new"] == expected[name]
    assert event_count(store) == sum(expected.values())
    # a provider's retry of the same request: 200, nothing added; a Mailgun token used twice: 406
    r = server.post("/webhooks/sendgrid", content=sg_body, headers=sendgrid_signer.headers(sg_body))
    assert (r.status_code, r.json()["new"], r.json()["duplicates"]) == (200, 0, 4)
    r = server.post("/webhooks/mailgun", content=requests["mailgun"][0])
    assert r.status_code == 406
    with store.connect() as conn:
        providers = dict(
            conn.execute(
                sa.select(esp_events.c.provider, sa.func.count()).group_by(esp_events.c.provider)
            ).all()
        )
    assert providers == expected


def test_garbage_is_a_4xx_not_a_crash(server: httpx.Client, store: Store) -> None:
    auth = basic("pm", "pm-secret")
    for body in (b"", b"\x00\xff" * 100, b"{" * 100000, b"[1,2,3]", b'{"RecordType": 5}'):
        r = server.post("/webhooks/postmark", content=body, headers=auth)
        assert r.status_code in (200, 400, 413), r.text
        assert "Traceback" not in r.text
    r = server.post("/webhooks/postmark", content=b"x" * (9 * 1024 * 1024), headers=auth)
    assert r.status_code == 413
    assert server.post("/webhooks/nosuch", content=b"{}").status_code == 404
    assert event_count(store) == 0


def test_a_failing_store_is_a_503_and_the_retry_is_stored(
    server: httpx.Client, store: Store, sendgrid_signer: SendGridSigner
) -> None:
    """The database refuses the write: 503 (the provider retries later), nothing kept; once it
    accepts writes again the same request is stored."""
    body = json.dumps(payloads.sendgrid_batch()).encode()
    with store.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE log_deliveries RENAME TO log_deliveries_away")
    r = server.post("/webhooks/sendgrid", content=body, headers=sendgrid_signer.headers(body))
    assert r.status_code == 503, r.text
    with store.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE log_deliveries_away RENAME TO log_deliveries")
    assert event_count(store) == 0
    r = server.post("/webhooks/sendgrid", content=body, headers=sendgrid_signer.headers(body))
    assert (r.status_code, r.json()["new"]) == (200, 4)


def test_group_commit_keeps_each_request_apart(store: Store) -> None:
    """Requests committed together: a replayed token fails only its own request."""
    from inboxtrace.esp import provider
    from inboxtrace.esp.base import Replayed
    from inboxtrace.esp.http import Committer

    mg = provider("mailgun", EspSettings())
    committer = Committer(store)
    futures = []
    for i in range(20):
        events = mg.parse({"event-data": payloads.mailgun_event(rcpt=f"g{i}@example.com", ev_id=f"g{i}")})
        token = ("mailgun", "same-token" if i in (5, 6) else f"tok-{i}")
        futures.append(committer.submit(events, token))
    outcomes = []
    for f in futures:
        try:
            outcomes.append(f.result(timeout=30).new)
        except Replayed:
            outcomes.append(-1)
    assert outcomes.count(-1) == 1 and outcomes.count(1) == 19
    assert event_count(store) == 19


def test_inboxtrace_serve_mounts_the_webhooks(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The serve app (inboxtrace.web) stores webhook events into its own store; then the API and
    trace show them like log deliveries."""
    from inboxtrace.store import open_store
    from inboxtrace.store.log_queries import trace
    from inboxtrace.web.app import create_app
    from inboxtrace.web.config import WebConfig

    monkeypatch.setenv("INBOXTRACE_POSTMARK_USER", "pm")
    monkeypatch.setenv("INBOXTRACE_POSTMARK_PASSWORD", "pm-secret")
    db = f"sqlite:///{tmp_path / 'serve.db'}"
    app = create_app(WebConfig(db=db))
    body = json.dumps(payloads.postmark_bounce()).encode()
    with LoopbackServer(app) as srv, httpx.Client(base_url=srv.url, timeout=20) as client:
        assert client.post("/webhooks/postmark", content=body, headers=basic("pm", "nope")).status_code == 401
        r = client.post("/webhooks/postmark", content=body, headers=basic("pm", "pm-secret"))
        assert r.status_code == 200 and r.json()["new"] == 1
    with open_store(db) as store:
        (story,) = trace(store, "nobody@example.com").stories
        (linked,) = story.messages
        assert linked.message.host == "postmark" and linked.message.deliveries[0].final_state == "bounced"
