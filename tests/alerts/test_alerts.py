"""Alerts on real generated logs: a provider turning against the sender fires once, ends once."""

from __future__ import annotations

import email
import json
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from inboxtrace.alerts import AlertConfig, active_alerts, evaluate, latest_time, load_config
from inboxtrace.alerts.config import Notifier, parse_config
from inboxtrace.alerts.notify import deliver
from inboxtrace.cli import get_app
from inboxtrace.errors import ConfigError
from inboxtrace.esp import EspSettings, provider
from inboxtrace.ingest import ingest
from inboxtrace.store import open_store
from inboxtrace.store.esp import write_events
from inboxtrace.store.log_queries import trace
from tests.alerts.conftest import RULES, Receiver
from tests.alerts.logs import BARRACUDA, GMAIL_SPAM
from tests.esp import payloads
from tests.rigs.smtp_sink import SmtpSink


def _keys(alerts: list[dict[str, object]]) -> set[tuple[object, object]]:
    return {(a["rule"], a["key"]) for a in alerts}


def test_a_steady_log_raises_nothing(
    logs: tuple[Path, Path, Path], tmp_path: Path, config: AlertConfig
) -> None:
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store:
        ingest([str(logs[0])], store)
        result = evaluate(store, config, now=latest_time(store))
    assert result.transitions == [] and result.active == []


def test_bad_quarter_fires_once_and_ends_once(
    db: str, logs: tuple[Path, Path, Path], config: AlertConfig
) -> None:
    with open_store(db) as store:
        first = evaluate(store, config, now=latest_time(store))
        keys = _keys(first.transitions)
        assert {
            ("provider-refusing", "gmail"),
            ("provider-throttling", "yahoo"),
            ("new-blocklisting", "b.barracudacentral.org"),
        } <= keys
        # receivers that kept answering as before stay quiet
        assert not keys & {
            (r, p) for r in ("provider-refusing", "provider-throttling") for p in ("microsoft", "gmx")
        }
        assert all(a["state"] == "started" for a in first.transitions)

        gmail = next(a for a in first.transitions if (a["rule"], a["key"]) == ("provider-refusing", "gmail"))
        assert gmail["value"] > 50 and gmail["baseline"] < 15
        assert GMAIL_SPAM in gmail["top_replies"][0]["reply"]
        assert gmail["next_step"]["reason"] == "spamdetected" and gmail["next_step"]["action"]
        example = gmail["examples"][0]
        assert trace(store, example["queue_id"]).stories  # the example is a stored message
        listing = next(a for a in first.transitions if a["rule"] == "new-blocklisting")
        assert listing["counts"]["in_baseline"] == 0 and BARRACUDA in listing["top_replies"][0]["reply"]
        # Spamhaus is named in the normal hour too: not new
        assert not any("spamhaus" in str(k) for _, k in keys)

        again = evaluate(store, config, now=latest_time(store))
        assert again.transitions == [] and _keys(again.active) == keys
        assert _keys(active_alerts(store)) == keys

        ingest([str(logs[2])], store)
        later = evaluate(store, config, now=latest_time(store))
        assert _keys(later.transitions) == keys and all(a["state"] == "ended" for a in later.transitions)
        assert later.active == [] and active_alerts(store) == []
        assert evaluate(store, config, now=latest_time(store)).transitions == []


def test_dry_run_records_nothing(db: str, config: AlertConfig) -> None:
    with open_store(db) as store:
        dry = evaluate(store, config, now=latest_time(store), record=False)
        real = evaluate(store, config, now=latest_time(store))
    assert dry.transitions and _keys(dry.transitions) == _keys(real.transitions)


def test_notifications_reach_a_webhook_and_a_mailbox(
    db: str, config: AlertConfig, receiver: Receiver
) -> None:
    with open_store(db) as store:
        alerts = evaluate(store, config, now=latest_time(store)).transitions
    with SmtpSink() as sink:
        notifiers = (
            Notifier("webhook", {"url": receiver.url, "format": "json"}),
            Notifier("webhook", {"url": receiver.url, "format": "slack"}),
            Notifier("webhook", {"url": receiver.url, "format": "teams"}),
            Notifier(
                "email",
                {
                    "host": "127.0.0.1",
                    "port": sink.port,
                    "from": "alerts@sender.example",
                    "to": ["ops@sender.example"],
                },
            ),
        )
        assert deliver(notifiers, alerts) == []
        (mail,) = sink.messages
    plain, slack, teams = receiver.posts
    assert _keys(plain["alerts"]) == _keys(alerts)
    assert "started" in slack["text"] and "<" not in slack["text"]  # remote texts escaped for Slack
    assert len(teams["sections"]) == len(alerts)
    msg = email.message_from_bytes(mail.data)
    assert mail.rcpt_tos == ["ops@sender.example"]
    assert "alerts started" in msg["Subject"]
    body = msg.get_payload(decode=True).decode()
    assert "b.barracudacentral.org" in body and "next step" in body


def test_a_failing_notifier_is_reported_not_raised(config: AlertConfig) -> None:
    errors = deliver(
        [
            Notifier("webhook", {"url": "http://127.0.0.1:9/nothing"}),
            Notifier("email", {"host": "127.0.0.1", "port": 9, "from": "a@b.example", "to": "c@d.example"}),
        ],
        [{"state": "started", "title": "x"}],
    )
    assert len(errors) == 2 and errors[0].startswith("webhook") and errors[1].startswith("email")


def test_complaint_rate_from_esp_events(tmp_path: Path) -> None:
    ses = provider("ses", EspSettings())
    config = load_config()  # the shipped defaults: 0.3% critical, 0.1% warning
    with open_store(f"sqlite:///{tmp_path / 'c.db'}") as store:
        events = []
        for i in range(1000):
            rec = payloads.ses_record("Delivery", rcpt=f"u{i}@example.net", msg=f"m{i}")
            events += ses.parse({"Type": "Notification", "MessageId": f"d{i}", "Message": json.dumps(rec)})
        for i in range(4):
            rec = payloads.ses_record("Complaint", rcpt=f"u{i}@example.net", msg=f"m{i}")
            events += ses.parse({"Type": "Notification", "MessageId": f"c{i}", "Message": json.dumps(rec)})
        write_events(store, events)
        now = max(e.time.timestamp() for e in events) + 60
        result = evaluate(store, config, now=now)
    keys = _keys(result.transitions)
    assert ("complaint-rate", "all") in keys and ("complaint-rate-warning", "all") in keys
    alert = next(a for a in result.transitions if a["rule"] == "complaint-rate")
    assert alert["value"] == pytest.approx(0.4) and alert["counts"]["complained"] == 4
    assert alert["examples"][0]["recipient"].endswith("@example.net")


def test_rules_file_errors_are_clear(tmp_path: Path) -> None:
    bad = tmp_path / "r.toml"
    for text, match in (
        ("[[rule]]\nmetric = 'nope'\nthreshold = 1", "metric"),
        ("[[rule]]\nmetric = 'bounce_rate'", "threshold"),
        ("[settings]\nwindow = 'soon'", "duration"),
        ("[[rule", "TOML"),
        ("[[notify]]\ntype = 'pigeon'", "notify"),
    ):
        bad.write_text(text)
        with pytest.raises(ConfigError, match=match):
            load_config(bad)
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.toml")
    assert {r.id for r in load_config().rules} >= {"bounce-rate", "complaint-rate", "new-blocklisting"}


def test_cli_run_test_and_show(db: str, tmp_path: Path, receiver: Receiver) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text(RULES + '\n[[notify]]\ntype = "webhook"\nurl_env = "ALERT_HOOK"\nformat = "json"\n')
    runner = CliRunner()
    env = {"ALERT_HOOK": receiver.url, "COLUMNS": "200"}
    r = runner.invoke(
        get_app(), ["alerts", "run", "--db", db, "--rules", str(rules), "--at", "latest", "--json"], env=env
    )
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["transitions"] and out["notify_errors"] == []
    assert _keys(receiver.posts[0]["alerts"]) == _keys(out["transitions"])
    r = runner.invoke(
        get_app(), ["alerts", "run", "--db", db, "--rules", str(rules), "--at", "latest"], env=env
    )
    assert r.exit_code == 0 and r.stdout.startswith("no change") and len(receiver.posts) == 1
    r = runner.invoke(get_app(), ["alerts", "show", "--db", db, "--json"], env=env)
    assert _keys(json.loads(r.stdout)) == _keys(out["transitions"])
    r = runner.invoke(get_app(), ["alerts", "test", "--rules", str(rules)], env=env)
    assert r.exit_code == 0 and receiver.posts[-1]["alerts"][0]["rule"] == "sample"
    r = runner.invoke(
        get_app(), ["alerts", "run", "--db", db, "--rules", str(rules), "--at", "yesterday"], env=env
    )
    assert r.exit_code != 0


def test_config_object_is_reusable(config: AlertConfig) -> None:
    assert (
        replace(config, window=60.0).window == 60.0
        and parse_config(tomllib.loads(RULES), "x").rules == config.rules
    )
