"""Alerts on real generated logs: a provider turning against the sender fires once, ends once."""

from __future__ import annotations

import email
import html
import json
import time
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


def test_server_loop_and_api(db: str, config: AlertConfig, receiver: Receiver) -> None:
    import time

    import httpx
    from fastapi import FastAPI

    from inboxtrace.alerts.http import AlertLoop, alerts_router
    from tests.esp.server import LoopbackServer

    with open_store(db) as store:
        cfg = replace(config, notifiers=(Notifier("webhook", {"url": receiver.url}),))
        # the loop evaluates at the wall clock: move the rules' window over the stored data
        at = latest_time(store)
        assert at is not None
        span = time.time() - at + 900
        cfg = replace(cfg, window=span, baseline=3600.0)
        cfg = replace(cfg, rules=tuple(replace(r, window=None, baseline=None, factor=0.0) for r in cfg.rules))
        loop = AlertLoop(store, cfg, interval=0.2)
        loop.start()
        deadline = time.monotonic() + 30
        while loop.last is None and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # a few more rounds: nothing new is announced
        loop.stop()
        assert loop.last is not None and loop.last.active
        assert len(receiver.posts) == 1  # announced once, not once per round
        app = FastAPI()
        app.include_router(alerts_router(store))
        with LoopbackServer(app) as srv:
            data = httpx.get(srv.url + "/api/v1/alerts", timeout=10).json()
        assert _keys(data["active"]) == _keys(loop.last.active)


def test_baselines_are_cached_until_their_window_moves(db: str, config: AlertConfig) -> None:
    import sqlalchemy as sa

    from inboxtrace.alerts.baselines import StoredBaselines
    from inboxtrace.alerts.metrics import Window, observe
    from inboxtrace.store.alerts import alert_baselines

    with open_store(db) as store:
        at = latest_time(store)
        assert at is not None
        first = evaluate(store, config, now=at)
        with store.connect() as conn:
            assert {r[0] for r in conn.execute(sa.select(alert_baselines.c.rule_id))} == {
                r.id for r in config.rules
            }
        rule = config.rules[0]
        w, base = Window(at - 900, at), Window(at - 4500, at - 900)
        with store.begin() as conn:
            cached = StoredBaselines(conn, store)
            again = observe(conn, rule, w, base, cached)
            assert cached.hits == 1
            moved = StoredBaselines(conn, store)
            observe(conn, rule, Window(at - 300, at + 600), Window(at - 3900, at - 300), moved)
            assert moved.hits == 0  # the window moved by 10 minutes: recomputed
        with store.connect() as conn:
            fresh = {o.key: o.baseline for o in observe(conn, rule, w, base)}
        assert {o.key: o.baseline for o in again} == fresh
        assert evaluate(store, config, now=at).active == first.active


def _sixty_hours(store: object) -> float:
    """A SendGrid message every 5 minutes for 60 hours (some bounced); returns the first time."""
    t0 = 1_767_225_600.0  # 2026-01-01 00:00 UTC
    domains = ("gmail.com", "yahoo.com", "example.org")
    items = [
        {
            "email": f"r{i}@{domains[i % 3]}",
            "timestamp": t0 + i * 300 + 17,
            "event": "bounce" if i % 7 == 0 or (i > 300 and i % 5 == 0) else "delivered",
            "type": "bounce",
            "reason": "550 5.1.1 The email account that you tried to reach does not exist.",
            "status": "5.1.1",
            "sg_event_id": f"e{i}",
            "sg_message_id": f"m{i}.filter",
        }
        for i in range(720)
    ]
    write_events(store, provider("sendgrid", EspSettings()).parse(json.dumps(items)))  # type: ignore[arg-type]
    return t0


def test_hour_windows_are_summed_from_minutes_counted_once(tmp_path: Path, config: AlertConfig) -> None:
    """An hour's window is the sum of minutes counted once (plus its two partial minutes): the
    same observations as counting its rows; a minute later only the new and unsettled minutes
    are counted."""
    from inboxtrace.alerts.baselines import SETTLE_MINUTE, StoredWindows
    from inboxtrace.alerts.metrics import Window, observe

    def seen(obs: list) -> dict:  # type: ignore[type-arg]
        return {o.key: (o.value, o.volume, o.counts) for o in obs}

    with open_store(f"sqlite:///{tmp_path}/minutes.db") as store:
        t0 = _sixty_hours(store)
        for rule in config.rules:
            if rule.metric not in ("bounce_rate", "hard_bounce_rate", "blocklisting"):
                continue
            counts = []
            for at in (t0 + 30 * 3600 + 25.5, t0 + 30 * 3600 + 85.5):
                w, base = Window(at - 3600, at), Window(at - 7200, at - 3600)
                with store.connect() as conn:
                    exact = seen(observe(conn, rule, w, base))
                with store.begin() as conn:
                    minutes = StoredWindows(conn, store, at=at)
                    summed = seen(observe(conn, rule, w, base, windows=minutes))
                assert summed == exact
                counts.append(minutes.minutes_counted)
            if rule.metric != "blocklisting":
                assert sum(v for v, _, _ in exact.values()) > 0
            # the first time all 59 whole minutes; then the one that passed and those counted
            # less than SETTLE_MINUTE after their end
            assert counts == [59, 1 + int(SETTLE_MINUTE // 60)]


def test_long_baselines_are_summed_from_hours_counted_once(tmp_path: Path, config: AlertConfig) -> None:
    """A two-day baseline is the sum of hours counted once (plus its two partial hours): the same
    rates as counting its rows, and moving it on counts only the new hours and those not final."""
    from inboxtrace.alerts.baselines import StoredBaselines
    from inboxtrace.alerts.metrics import Window, observe

    rule = next(r for r in config.rules if r.metric == "bounce_rate" and r.by == "provider")
    with open_store(f"sqlite:///{tmp_path}/long.db") as store:
        t0 = _sixty_hours(store)
        for at in (t0 + 55 * 3600 + 1234.0, t0 + 57 * 3600 + 1234.0):
            w, base = Window(at - 3600, at), Window(at - 3600 - 2 * 86400, at - 3600)
            with store.connect() as conn:
                exact = {o.key: (o.baseline, o.baseline_volume) for o in observe(conn, rule, w, base)}
            with store.begin() as conn:
                hours = StoredBaselines(conn, store, at=at)
                summed = {o.key: (o.baseline, o.baseline_volume) for o in observe(conn, rule, w, base, hours)}
            assert set(exact) == {"gmail", "yahoo", "(unknown)"} and all(n > 100 for _, n in exact.values())
            assert summed == {k: (pytest.approx(v), n) for k, (v, n) in exact.items()}
            # the first time every whole hour of the two days; two hours later only the two new
            # ones (the others were counted at least an hour after they ended: final)
            assert hours.hours_counted == (47 if at == t0 + 55 * 3600 + 1234.0 else 2)


@pytest.mark.postgres
def test_the_same_alerts_on_postgresql(logs: tuple[Path, Path, Path], config: AlertConfig, db: str) -> None:
    from tests.rigs.postgres import PostgresRig

    defaults = load_config()
    with open_store(db) as store:
        at = latest_time(store)
        expected = _keys(evaluate(store, config, now=at, record=False).transitions)
        expected_defaults = _keys(evaluate(store, defaults, now=at, record=False).transitions)
    with PostgresRig.start() as pg, open_store(pg.create_database("alerts")) as store:
        ingest([str(logs[0]), str(logs[1])], store)
        assert latest_time(store) == at
        # (the shipped rules share ids with the test rules: evaluated without recording first)
        assert _keys(evaluate(store, defaults, now=at, record=False).transitions) == expected_defaults
        assert _keys(evaluate(store, config, now=at).transitions) == expected
        assert evaluate(store, config, now=at).transitions == []


def test_sender_check_regressions(tmp_path: Path) -> None:
    """Stored sender checks: a new blocklisting and a score drop start alerts; a clean run ends them."""
    import time

    from inboxtrace.model.check import CheckResult, Finding, Severity
    from inboxtrace.store.check_runs import save_check

    def run(store: object, score: int, listed: bool) -> None:
        findings = (
            (
                Finding(
                    "dnsbl",
                    "dnsbl.listed",
                    Severity.ERROR,
                    "192.0.2.10 is listed on Spamhaus ZEN",
                    "127.0.0.2",
                    "why",
                    "fix",
                    subject="192.0.2.10",
                    penalty=25,
                ),
            )
            if listed
            else ()
        )
        save_check(store, CheckResult("sender.example", findings, score))  # type: ignore[arg-type]

    config = load_config()
    with open_store(f"sqlite:///{tmp_path / 'c.db'}") as store:
        run(store, 95, False)
        assert evaluate(store, config).transitions == []
        time.sleep(0.01)
        run(store, 70, True)
        started = evaluate(store, config).transitions
        assert _keys(started) == {
            ("sender-check-score-drop", "sender.example"),
            ("sender-check-blocklisting", "sender.example: 192.0.2.10 is listed on Spamhaus ZEN"),
        }
        drop = next(a for a in started if a["metric"] == "check_score_drop")
        assert drop["value"] == 25 and "Spamhaus ZEN" in drop["top_replies"][0]["reply"]
        listing = next(a for a in started if a["metric"] == "check_blocklisting")
        assert listing["next_step"]["action"] == "check-blocklists"
        assert evaluate(store, config).transitions == []
        time.sleep(0.01)
        run(store, 95, False)
        ended = evaluate(store, config).transitions
        assert _keys(ended) == _keys(started) and {a["state"] for a in ended} == {"ended"}


def test_placement_test_under_the_inbox_threshold(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from inboxtrace.model.placement import PlacementTest, SeedResult
    from inboxtrace.store.placement import save_results, save_test

    now = datetime.now(UTC)
    placements = {
        "a@gmail.test": "inbox",
        "b@yahoo.test": "spam",
        "c@outlook.test": "missing",
        "d@gmx.test": "tab:promotions",
    }
    with open_store(f"sqlite:///{tmp_path / 'p.db'}") as store:
        save_test(store, PlacementTest("T1", "tok1", now))
        save_results(
            store, [SeedResult("T1", a, a.split("@")[1], p, checked_at=now) for a, p in placements.items()]
        )
        result = evaluate(store, load_config())
    (alert,) = [a for a in result.transitions if a["rule"] == "placement-inbox"]
    assert alert["value"] == 25.0 and alert["counts"] == {"inbox": 1, "spam": 1, "missing": 1, "tab": 1}
    assert {e["recipient"] for e in alert["examples"]} == {"b@yahoo.test", "c@outlook.test", "d@gmx.test"}


def test_serve_shows_the_active_alerts(db: str, config: AlertConfig) -> None:
    import httpx

    from inboxtrace.web.app import create_app
    from inboxtrace.web.config import WebConfig
    from tests.esp.server import LoopbackServer

    with open_store(db) as store:
        active = evaluate(store, config, now=latest_time(store)).active
    assert active
    with LoopbackServer(create_app(WebConfig(db=db))) as srv:
        data = httpx.get(srv.url + "/api/v1/alerts", timeout=10).json()
    assert _keys(data["active"]) == _keys(active)
    with LoopbackServer(create_app(WebConfig(db=db))) as srv:
        page = httpx.get(srv.url + "/overview", timeout=30).text
    for alert in active:  # the overview page names every active alert and its next step
        assert html.escape(alert["title"], quote=False) in page
        if alert["next_step"] and alert["next_step"].get("action"):
            assert html.escape(alert["next_step"]["action"], quote=False) in page
    with LoopbackServer(create_app(WebConfig(db=db, auth=True))) as srv:
        r = httpx.get(srv.url + "/api/v1/alerts", timeout=10)
    assert r.status_code == 401  # the web API's read scope applies


def test_server_alert_loop_settings(db: str, tmp_path: Path) -> None:
    from inboxtrace.alerts.http import start_alert_loop

    with open_store(db) as store:
        assert start_alert_loop(store, {"INBOXTRACE_ALERTS_INTERVAL": "0"}) is None
        assert start_alert_loop(store, {"INBOXTRACE_ALERTS_INTERVAL": "soon"}) is None
        bad = tmp_path / "bad.toml"
        bad.write_text("[[rule]]\nmetric = 'nope'\n")
        assert start_alert_loop(store, {"INBOXTRACE_ALERTS": str(bad)}) is None
        loop = start_alert_loop(store, {"INBOXTRACE_ALERTS_INTERVAL": "3600"})
        assert loop is not None
        try:
            deadline = time.monotonic() + 30
            while loop.last is None and time.monotonic() < deadline:
                time.sleep(0.05)
            assert loop.last is not None and {r.id for r in loop.config.rules} >= {"bounce-rate"}
        finally:
            loop.stop()
