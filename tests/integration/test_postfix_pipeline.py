"""Mail sent through a real Postfix to the scripted receiver; the log Postfix wrote, ingested and traced."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from inboxtrace.cli import get_app
from inboxtrace.ingest import ingest
from inboxtrace.store import open_store
from inboxtrace.store.logs import LogWriter
from tests.rigs.postgres import PostgresRig
from tests.rigs.scenario import EXPECTED, SENDER, ScenarioRun

pytestmark = pytest.mark.postfix
runner = CliRunner()


def cli(*args: str) -> Any:
    # a wide terminal: rich must not wrap a reply across lines (port numbers vary per run)
    result = runner.invoke(get_app(), list(args), env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    return result.stdout


def cli_json(*args: str) -> Any:
    return json.loads(cli(*args))


def final_states(db: str) -> dict[str, str]:
    out = {}
    for rcpt in EXPECTED:
        data = cli_json("trace", "--db", db, "--json", rcpt)
        matches = [m for s in data["stories"] for m in s["messages"] if m["relation"] == "match"]
        (msg,) = matches
        (d,) = [d for d in msg["deliveries"] if d["recipient"] == rcpt]
        out[rcpt] = d["final_state"]
    return out


def totals(db: str) -> dict[str, int]:
    t = cli_json("report", "--db", db, "--json")["totals"]
    return {
        k: t[k] for k in ("delivered", "deferred", "bounced", "expired", "rejected", "recipients", "messages")
    }


def test_every_recipient_ends_where_postfix_sent_it(postfix_run: ScenarioRun, db: str) -> None:
    summary = cli_json("ingest", "--db", db, "--json", str(postfix_run.log))
    assert summary["lines"] == len(postfix_run.log.read_text().splitlines())
    assert summary["lines"] == summary["events"] + summary["ignored"] + summary["unknown"]
    assert summary["unknown"] == 0, summary["unknown_samples"]
    assert final_states(db) == {r: s for r, (s, _) in EXPECTED.items()}


def test_timelines_carry_replies_verdicts_and_phases(postfix_run: ScenarioRun, db: str) -> None:
    cli("ingest", "--db", db, "-q", str(postfix_run.log))
    for rcpt, (_, reason) in EXPECTED.items():
        data = cli_json("trace", "--db", db, "--json", rcpt)
        (msg,) = [m for s in data["stories"] for m in s["messages"] if m["relation"] == "match"]
        (d,) = [d for d in msg["deliveries"] if d["recipient"] == rcpt]
        last = d["attempts"][-1]
        if reason is not None:
            assert last["verdict"]["reason"] == reason, (rcpt, last)
        if rcpt != "blocked@example.com":
            assert msg["message_id"] == postfix_run.message_ids[rcpt].strip("<>")
            assert msg["sender"] == SENDER
    ok = cli_json("trace", "--db", db, "--json", "ok@gmail.com")
    (msg,) = ok["stories"][0]["messages"]
    sent = msg["deliveries"][0]["attempts"][-1]
    assert sent["status"] == "sent" and sent["remote_queue_id"] in postfix_run.sink_queue_ids
    assert msg["next_hops"] == [sent["remote_queue_id"]]
    # a deferred-then-expired recipient: several attempts, each 4xx explained, phase known
    temp = cli_json("trace", "--db", db, "--json", "tempfail@example.com")["stories"][0]["messages"]
    (d,) = next(m for m in temp if m["relation"] == "match")["deliveries"]
    assert len(d["attempts"]) >= 3
    assert {a["status"] for a in d["attempts"]} == {"deferred", "expired"}
    assert all(a["verdict"]["class"] == "transient" for a in d["attempts"][:-1])
    assert d["attempts"][0]["phase"] == "rcpt-to"
    slow = cli_json("trace", "--db", db, "--json", "slow@example.com")["stories"][0]["messages"][0]
    assert "timed out" in slow["deliveries"][0]["attempts"][0]["reply"]
    # the bounce's DSN (a real message Postfix generated) is linked to the bounced message
    rej = cli_json("trace", "--db", db, "--json", "reject@gmail.com")["stories"][0]["messages"]
    rels = {m["relation"] for m in rej}
    assert rels == {"match", "dsn"}
    dsn = next(m for m in rej if m["relation"] == "dsn")
    assert dsn["sender"] == "" and dsn["deliveries"][0]["recipient"] == SENDER


def test_report_totals_and_suppressions(postfix_run: ScenarioRun, db: str) -> None:
    cli("ingest", "--db", db, "-q", str(postfix_run.log))
    t = totals(db)
    want = {s: sum(1 for v, _ in EXPECTED.values() if v == s) for s in ("bounced", "expired", "rejected")}
    assert {k: t[k] for k in want} == want
    # one notification per message with a bounced or expired recipient, delivered to the sender:
    # reported apart from the sent mail, never in its totals
    dsns = 12
    assert t["delivered"] == sum(1 for v, _ in EXPECTED.values() if v == "delivered")
    report = cli_json("report", "--db", db, "--json")
    assert report["server_notices"]["recipients"] == report["server_notices"]["delivered"] == dsns
    providers = {r["key"]: r for r in report["by_provider"]}
    assert providers["gmail"]["delivered"] == 2 and providers["gmail"]["bounced"] == 2
    assert providers["microsoft"]["bounced"] == 1
    domains = {r["key"]: r for r in report["by_domain"]}
    assert domains["closed.test"]["expired"] == 1
    csv_text = cli("report", "--db", db, "--csv")
    assert csv_text.splitlines()[0].startswith("section,key,total,delivered")
    sup = cli("suppressions", "--db", db)
    addresses = [line.split(",")[0] for line in sup.splitlines()[1:]]
    assert addresses == ["reject2@gmail.com", "reject@gmail.com"]


def test_snapshot_shows_mail_still_deferred_then_the_full_log_completes_it(
    postfix_run: ScenarioRun, db: str, tmp_path: Path
) -> None:
    growing = tmp_path / "mail.log"
    shutil.copy(postfix_run.snapshot, growing)
    cli("ingest", "--db", db, "-q", str(growing))
    early = totals(db)
    assert early["deferred"] >= 6 and early["expired"] == 0
    assert final_states_subset(db, "tempfail@example.com") == "deferred"
    # the log grows (same file): the next ingest resumes from the saved position and completes it
    shutil.copy(postfix_run.log, growing)
    cli("ingest", "--db", db, "-q", str(growing))
    ref = tmp_path / "ref.db"
    cli("ingest", "--db", str(ref), "-q", str(postfix_run.log))
    assert totals(db) == totals(str(ref))
    assert final_states_subset(db, "tempfail@example.com") == "expired"


def final_states_subset(db: str, rcpt: str) -> str:
    data = cli_json("trace", "--db", db, "--json", rcpt)
    (msg,) = [m for s in data["stories"] for m in s["messages"] if m["relation"] == "match"]
    return str(msg["deliveries"][0]["final_state"])


def test_reingest_and_overlapping_rotation_add_nothing_twice(
    postfix_run: ScenarioRun, db: str, tmp_path: Path
) -> None:
    cli("ingest", "--db", db, "-q", str(postfix_run.log))
    before = totals(db)
    # the same file again (skipped as already read), and forced re-read without the checkpoint
    again = cli_json("ingest", "--db", db, "--json", str(postfix_run.log))
    assert again["skipped_sources"] == [str(postfix_run.log)]
    forced = cli_json("ingest", "--db", db, "--json", "--reread", str(postfix_run.log))
    assert forced["lines"] > 0 and forced["skipped_sources"] == []
    assert forced["new_messages"] == 0 and forced["new_deliveries"] == 0 and forced["new_attempts"] == 0
    # rotation with overlap: mail.log.1 = first 2/3, mail.log = last 2/3 (a third in both)
    lines = postfix_run.log.read_text().splitlines(keepends=True)
    rot = tmp_path / "rot"
    rot.mkdir()
    (rot / "mail.log.1").write_text("".join(lines[: 2 * len(lines) // 3]))
    (rot / "mail.log").write_text("".join(lines[len(lines) // 3 :]))
    db2 = f"sqlite:///{tmp_path / 'rot.db'}"
    cli("ingest", "--db", db2, "-q", str(rot / "mail.log"), str(rot / "mail.log.1"))
    assert totals(db2) == before
    assert final_states(db2) == final_states(db)


def test_an_interrupted_ingest_resumes_without_loss_or_duplicates(
    postfix_run: ScenarioRun, db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_flush = LogWriter.flush
    calls = {"n": 0}

    def failing_flush(self: LogWriter) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # the user pressed Ctrl-C after two committed batches
        real_flush(self)

    monkeypatch.setattr(LogWriter, "flush", failing_flush)
    with open_store(db) as store, pytest.raises(KeyboardInterrupt):
        ingest([str(postfix_run.log)], store, batch_size=4)
    monkeypatch.setattr(LogWriter, "flush", real_flush)
    partial = totals(db)
    assert 0 < partial["recipients"] < sum(1 for _ in EXPECTED)
    with open_store(db) as store:
        ingest([str(postfix_run.log)], store)
    with open_store(db) as store:
        check = ingest([str(postfix_run.log)], store, resume=False)
    assert check.new_messages == 0 and check.new_attempts == 0
    assert final_states(db) == {r: s for r, (s, _) in EXPECTED.items()}


def test_stdin_and_bad_input(postfix_run: ScenarioRun, db: str, tmp_path: Path) -> None:
    result = runner.invoke(
        get_app(), ["ingest", "--db", db, "--json", "-"], input=postfix_run.log.read_bytes()
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["messages"] > 0
    junk = tmp_path / "junk.log"
    junk.write_bytes(
        b"\x00\xff\xfe binary junk\n" * 50 + b"Nov 25 10:00:00 h postfix/smtp[1]: truncated to=<"
    )
    # not a log at all: every line counted, and an error with its documented exit code, never a silent 0
    from inboxtrace.cli import exits, main

    with pytest.raises(SystemExit) as exc:
        main(["ingest", "--db", db, "--json", str(junk)])
    assert exc.value.code == exits.BAD_INPUT

    with pytest.raises(SystemExit) as exc:
        main(["ingest", "--db", db, str(tmp_path / "missing.log")])
    assert exc.value.code == 2


def test_trace_terminal_view_escapes_log_text(postfix_run: ScenarioRun, db: str, tmp_path: Path) -> None:
    cli("ingest", "--db", db, "-q", str(postfix_run.log))
    out = cli("trace", "--db", db, "reject@gmail.com")
    assert ": bounced" in out and "userunknown" in out and "550 5.1.1" in out
    evil = tmp_path / "evil.log"
    evil.write_text(
        "Nov 25 10:00:00 mx postfix/smtp[9]: AB12CD: to=<x@evil.example>, relay=mx.evil.example[192.0.2.1]:25, "
        "delay=1, delays=0/0/0/1, dsn=5.0.0, status=bounced (host mx.evil.example[192.0.2.1] said: "
        "550 [bold red]pwned[/bold red] \x1b[31m (in reply to RCPT TO command))\n"
    )
    cli("ingest", "--db", db, "-q", str(evil))
    out = cli("trace", "--db", db, "x@evil.example")
    assert "[bold red]pwned[/bold red]" in out
    assert "\x1b" not in out and "\\x1b[31m" in out


@pytest.mark.postgres
def test_the_same_pipeline_on_postgresql(postfix_run: ScenarioRun, db: str, pg: PostgresRig) -> None:
    url = pg.create_database("pipeline")
    cli("ingest", "--db", url, "-q", str(postfix_run.log))
    cli("ingest", "--db", db, "-q", str(postfix_run.log))
    assert totals(url) == totals(db)
    assert final_states(url) == final_states(db)
    cli("ingest", "--db", url, "-q", str(postfix_run.log))
    assert totals(url) == totals(db)
    assert cli("suppressions", "--db", url) == cli("suppressions", "--db", db)


def test_timezone_of_classic_syslog_and_bad_zone(tmp_path: Path, db: str) -> None:
    log = tmp_path / "tz.log"
    log.write_text(
        "Nov 25 10:00:00 mx postfix/smtp[9]: AB12CD: to=<x@e.example>, relay=mx.e.example[192.0.2.1]:25, "
        "delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 ok)\n"
    )
    cli("ingest", "--db", db, "-q", "--tz", "Europe/Berlin", str(log))
    data = cli_json("trace", "--db", db, "--json", "x@e.example")
    att = data["stories"][0]["messages"][0]["deliveries"][0]["attempts"][0]
    assert att["time"].endswith("09:00:00+00:00")
    from inboxtrace.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["ingest", "--db", db, "--tz", "Mars/Olympus", str(log)])
    assert exc.value.code == 2
