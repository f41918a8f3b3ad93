"""send → check → report → diagnose on real Postfix, Dovecot (IMAP, LMTP, Sieve) and a real store."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from inboxtrace.bounces import iter_path, read_bounces
from inboxtrace.cli import get_app
from inboxtrace.diagnose.run import diagnose_address, diagnose_test
from inboxtrace.diagnose.workflow import create_test, placement_report, run_check, send_placement
from inboxtrace.ingest import ingest
from inboxtrace.model.placement import ConclusionKind, PlacementTest, SeedResult, SendResult
from inboxtrace.seeds.send import SmtpOptions
from inboxtrace.store import Store, open_store
from inboxtrace.store.bounces import ingest_bounces
from inboxtrace.store.placement import load_sends
from tests.helpers.cli import run_main
from tests.seeds.conftest import SEED_PASSWORD
from tests.seeds.scenario import LEFT_OUT, MESSAGE, SEEDS, Scenario, scenario, wait_until

pytestmark = [pytest.mark.postfix, pytest.mark.dovecot, pytest.mark.dns]


@dataclass
class Run:
    sc: Scenario
    store: Store
    db: str
    test: PlacementTest
    sends: list[SendResult]
    results: dict[str, SeedResult]


@pytest.fixture(scope="module")
def run() -> Iterator[Run]:
    with scenario() as sc:
        db = f"sqlite:///{sc.workdir / 'store.db'}"
        store = open_store(db)
        try:
            test = create_test(store, seed_file=sc.seed_file, note="e2e")
            msg = sc.workdir / "campaign.eml"
            msg.write_text(MESSAGE)
            sends = send_placement(
                store, test.test_id, msg, SmtpOptions("127.0.0.1", sc.sender_mta.smtpd_port, helo="client.test"),
                skip=[LEFT_OUT],
            )  # fmt: skip
            # final states on the sender side: 6 sent to the MX, 1 bounced (reject), heidi deferred;
            # 2 DSNs (the sender's for grace, the MX's for judy) arrive in the sender's mailbox
            wait_until(lambda: sc.sender_mta.log().count("status=sent") >= 8, what="deliveries")
            wait_until(lambda: "status=deferred" in sc.sender_mta.log(), what="the 421 deferral")
            wait_until(lambda: sc.bounce_count() >= 2, what="two DSNs")
            results = run_check(store, test.test_id, wait=0, environ={"SEED_PW": SEED_PASSWORD})
            ingest([str(sc.sender_mta.log_path)], store)
            ingest_bounces(store, read_bounces(iter_path(sc.bounce_maildir())))
            yield Run(sc, store, db, test, sends, {r.address: r for r in results})
        finally:
            store.close()


def test_send_records_replies_and_transcripts(run: Run) -> None:
    by = {s.address: s for s in run.sends}
    assert LEFT_OUT not in by and len(by) == len(SEEDS) - 1
    assert all(s.accepted and s.code == 250 and s.queue_id for s in by.values())
    t = by["alice@inbox.test"].transcript
    assert "S: 220 mta.sender.test ESMTP" in t
    assert re.search(r"C: rcpt TO:<alice@inbox\.test>", t, re.IGNORECASE)
    assert re.search(r"C: mail FROM:<sender@sender\.test>", t, re.IGNORECASE)
    assert re.search(r"S: 250 2\.0\.0 Ok: queued as \w+", t)
    assert "C: <message," in t
    stored = load_sends(run.store, run.test.test_id)
    assert stored["alice@inbox.test"].transcript == t
    # the token went into the message as a header
    (copy,) = list((run.sc.dovecot.mail_dir("alice@inbox.test") / "new").iterdir())
    assert f"X-Inboxtrace-Test: {run.test.token}".encode() in copy.read_bytes()


def test_check_finds_every_copy_where_sieve_put_it(run: Run) -> None:
    p = {a: r.placement for a, r in run.results.items()}
    assert p == {
        "alice@inbox.test": "inbox",
        "bob@inbox.test": "inbox",
        "carol@junk.test": "spam",
        "dave@promo.test": "tab:promotions",
        "erin@bulk.test": "spam",
        "frank@discard.test": "missing",
        "grace@reject.test": "missing",
        "heidi@defer.test": "missing",
        "judy@gone.test": "missing",
        "ivan@inbox.test": "missing",
    }
    alice = run.results["alice@inbox.test"]
    assert alice.folder == "INBOX" and alice.arrived is not None and alice.delay is not None
    assert 0 <= alice.delay < 60
    auth = {a.method: (a.result, a.domain) for a in alice.auth}
    # written by the real OpenDKIM verifier on the seed-side Postfix (key looked up in the test DNS) and
    # by the SPF policy service (pyspf against the same DNS); both headers trusted by authserv_id
    assert auth == {
        "spf": ("pass", "sender.test"),
        "dkim": ("pass", "sender.test"),
        "dkim-atps": ("neutral", None),
    }
    assert {a.authserv_id for a in alice.auth} == {"mx.seeds.test"}
    assert any("mx.seeds.test" in r for r in alice.received)
    assert run.results["erin@bulk.test"].folder == "Bulk"


def test_report_matrix_and_json(run: Run) -> None:
    rep = placement_report(run.store, run.test.test_id).to_dict()
    assert rep["matrix"]["inboxmail"]["counts"]["inbox"] == 2
    assert rep["matrix"]["inboxmail"]["counts"]["missing"] == 1
    assert rep["matrix"]["inboxmail"]["percent"]["inbox"] == pytest.approx(66.7)
    assert rep["matrix"]["promomail"]["percent"]["tab"] == 100.0
    assert rep["overall"]["counts"] == {
        "inbox": 2, "tab": 1, "spam": 2, "trash": 0, "archive": 0, "other": 0, "missing": 5, "error": 0,
    }  # fmt: skip
    res = CliRunner().invoke(
        get_app(), ["placement", "report", run.test.test_id, "--db", run.db], env={"COLUMNS": "200"}
    )
    assert res.exit_code == 0, res.output
    assert "Provider × placement" in res.stdout and "tab:promotions" in res.stdout
    res = CliRunner().invoke(get_app(), ["placement", "report", run.test.test_id, "--db", run.db, "--csv"])
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert len(rows) == len(SEEDS)
    alice = next(r for r in rows if r["seed"] == "alice@inbox.test")
    assert (alice["placement"], alice["folder"], alice["dkim"], alice["spf"], alice["dmarc"]) == (
        "inbox",
        "INBOX",
        "pass",
        "pass",
        "",
    )


def _conclusions(run: Run, window: timedelta) -> dict[str, object]:
    d = diagnose_test(run.store, run.test.test_id, window=window)
    assert d.in_inbox == 2
    return {c.address: c for c in d.conclusions}


def test_diagnose_gives_every_seed_its_story(run: Run) -> None:
    c = _conclusions(run, timedelta(0))
    kinds = {a: x.kind for a, x in c.items()}  # type: ignore[attr-defined]
    assert kinds == {
        "carol@junk.test": ConclusionKind.SPAM,
        "dave@promo.test": ConclusionKind.TAB,
        "erin@bulk.test": ConclusionKind.SPAM,
        "frank@discard.test": ConclusionKind.ACCEPTED_NOT_FOUND,
        "grace@reject.test": ConclusionKind.REJECTED,
        "heidi@defer.test": ConclusionKind.DEFERRED,
        "judy@gone.test": ConclusionKind.BOUNCED_AFTER_ACCEPT,
        "ivan@inbox.test": ConclusionKind.NOT_SENT,
    }
    mx_log = run.sc.mx.log()
    frank = c["frank@discard.test"]
    m = re.search(r"\b([0-9A-F]{6,}): to=<frank@discard\.test>", mx_log)
    assert m, mx_log
    assert frank.remote_queue_id == m.group(1)  # type: ignore[attr-defined]
    assert m.group(1) in frank.next_step and "postmaster" in frank.next_step  # type: ignore[attr-defined]
    assert frank.server and "127.0.0.1" in frank.server  # type: ignore[attr-defined]
    assert any("status=sent" in e for e in frank.evidence)  # type: ignore[attr-defined]
    grace = c["grace@reject.test"]
    assert grace.details["verdict"]["reason"] == "userunknown"  # type: ignore[attr-defined]
    assert any("5.1.1" in e for e in grace.evidence)  # type: ignore[attr-defined]
    heidi = c["heidi@defer.test"]
    assert "still queued" in heidi.summary and "421" in " ".join(heidi.evidence)  # type: ignore[attr-defined]
    judy = c["judy@gone.test"]
    assert "mx.seeds.test" in judy.summary  # type: ignore[attr-defined]
    assert any(e.startswith("bounce from") and "5.2.1" in e for e in judy.evidence)  # type: ignore[attr-defined]
    carol = c["carol@junk.test"]
    assert "SPF and DKIM passed; DMARC was not evaluated" in carol.next_step  # type: ignore[attr-defined]
    assert any("dkim=pass (sender.test)" in e for e in carol.evidence)  # type: ignore[attr-defined]
    assert "inboxtrace check sender.test" in carol.next_step  # type: ignore[attr-defined]


def test_spam_and_tab_carry_the_sender_check(run: Run) -> None:
    """--check-sender: the sender check of the authenticated domain, DNS from the test Knot server."""
    from inboxtrace.checks import CheckOptions

    opts = CheckOptions(nameservers=(run.sc.dns.nameserver,), ips=("127.0.0.1",), fetch_policies=False,
                        blocklists=False, selectors=("s1",))  # fmt: skip
    d = diagnose_test(run.store, run.test.test_id, window=timedelta(0), sender_check=opts)
    by = {c.address: c for c in d.conclusions}
    for address in ("carol@junk.test", "dave@promo.test"):
        sc = by[address].details["sender_check"]
        assert sc["domain"] == "sender.test" and 0 <= sc["score"] <= 100
        assert any(e.startswith("sender check of sender.test: score") for e in by[address].evidence)
        assert "The sender check of sender.test" in by[address].next_step
    # DMARC p=none is what the test zone publishes: the check says so
    assert any("dmarc" in code for code in by["carol@junk.test"].details["sender_check"]["top"])
    assert "sender_check" not in by["frank@discard.test"].details


def test_window_still_open_means_in_transit(run: Run) -> None:
    c = _conclusions(run, timedelta(hours=1))
    assert c["frank@discard.test"].kind is ConclusionKind.IN_TRANSIT  # type: ignore[attr-defined]
    assert c["judy@gone.test"].kind is ConclusionKind.BOUNCED_AFTER_ACCEPT  # type: ignore[attr-defined]


def test_diagnose_one_recipient_and_cli_json(run: Run) -> None:
    since = (run.test.created - timedelta(minutes=1)).astimezone(UTC)
    d = diagnose_address(run.store, "grace@reject.test", since=since)
    assert [c.kind for c in d.conclusions] == [ConclusionKind.REJECTED]
    d = diagnose_address(run.store, "nobody@inbox.test", since=since)
    assert [c.kind for c in d.conclusions] == [ConclusionKind.NOT_SENT]
    d = diagnose_address(run.store, "grace@reject.test", since=datetime.now(UTC) + timedelta(days=2))
    assert [c.kind for c in d.conclusions] == [ConclusionKind.UNKNOWN]
    res = CliRunner().invoke(
        get_app(), ["diagnose", run.test.test_id, "--db", run.db, "--json", "--window", "0s"]
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["counts"]["accepted-not-found"] == 1 and data["in_inbox"] == 2
    res = CliRunner().invoke(
        get_app(), ["diagnose", "--to", "judy@gone.test", "--since", since.isoformat(), "--db", run.db]
    )
    assert res.exit_code == 0, res.output
    assert "bounced-after-accept" in res.stdout


def test_unknown_without_logs(run: Run, tmp_path: Path) -> None:
    """A store with the placement test but no logs: the missing seeds are `unknown`, saying why."""
    other = open_store(f"sqlite:///{tmp_path / 'bare.db'}")
    try:
        from inboxtrace.store.placement import save_results, save_sends, save_test

        save_test(other, run.test, [(a, p) for a, p in SEEDS.items()])
        save_sends(other, run.test.test_id, run.sends)
        save_results(other, run.results.values())
        d = diagnose_test(other, run.test.test_id, window=timedelta(0))
        kinds = {c.address: c.kind for c in d.conclusions}
        assert kinds["frank@discard.test"] is ConclusionKind.UNKNOWN
        assert kinds["carol@junk.test"] is ConclusionKind.SPAM
        frank = next(c for c in d.conclusions if c.address == "frank@discard.test")
        assert "no MTA logs are ingested" in frank.summary and "inboxtrace ingest" in frank.next_step
    finally:
        other.close()


def _main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Run the real entry point (which maps errors to exit statuses); (status, stdout+stderr)."""
    code, out, err = run_main(argv, capsys)
    return code, out + err


def test_cli_new_send_check_report_with_trend(
    run: Run, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same story through the commands, as a second test: the report shows the first as the trend."""
    monkeypatch.setenv("SEED_PW", SEED_PASSWORD)
    app, cli = get_app(), CliRunner()
    res = cli.invoke(app, ["placement", "new", "--seeds", str(run.sc.seed_file), "--db", run.db, "--json"])
    assert res.exit_code == 0, res.output
    new = json.loads(res.stdout)
    assert new["header"] == f"X-Inboxtrace-Test: {new['token']}" and new["token"] in new["body_marker"]
    smtp = f"127.0.0.1:{run.sc.sender_mta.smtpd_port}"
    bad = run.sc.workdir / "bad.eml"
    bad.write_bytes(b"\x00\x01 not a message")
    argv = ["placement", "send", new["test_id"], "--message", str(bad), "--smtp", smtp, "--db", run.db]
    code, out = _main(argv, capsys)
    assert code == 2 and "error: the message file has no header block" in out and "Traceback" not in out
    msg = run.sc.workdir / "campaign2.eml"
    msg.write_text(MESSAGE.replace("newsletter-1@", "newsletter-2@"))
    res = cli.invoke(
        app,
        ["placement", "send", new["test_id"], "--message", str(msg), "--smtp", smtp, "--db", run.db,
         "--skip", LEFT_OUT, "--json"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert len(json.loads(res.stdout)) == len(SEEDS) - 1
    inbox = run.sc.dovecot.mail_dir("bob@inbox.test") / "new"
    wait_until(
        lambda: any(new["token"].encode() in p.read_bytes() for p in inbox.iterdir()), what="bob's copy"
    )
    wait_until(
        lambda: len(list((run.sc.dovecot.mail_dir("dave@promo.test") / ".Promotions" / "new").iterdir())) >= 2
    )
    res = cli.invoke(app, ["placement", "check", new["test_id"], "--db", run.db, "--json", "--wait", "0"])
    assert res.exit_code == 0, res.output
    checked = json.loads(res.stdout)
    assert checked["matrix"]["inboxmail"]["counts"]["inbox"] == 2
    res = cli.invoke(app, ["placement", "report", new["test_id"], "--db", run.db, "--json"])
    rep = json.loads(res.stdout)
    assert [t["test_id"] for t in rep["trend"]] == [run.test.test_id]
    assert rep["trend"][0]["counts"]["inbox"] == 2
    assert rep["trend"][0]["matrix"]["promomail"]["percent"]["tab"] == 100.0
    res = cli.invoke(app, ["placement", "report", "--db", run.db])
    assert new["test_id"] in res.stdout and run.test.test_id in res.stdout
    code, out = _main(["placement", "check", "no-such-test", "--db", run.db], capsys)
    assert code == 1 and "no placement test 'no-such-test'" in out
    # the second send, diagnosed after re-ingesting the grown log and the new DSNs: heidi's provider now
    # defers two deliveries (throttling the sender as a whole); judy's bounce is the one for newsletter-2
    second = new["test_id"]
    wait_until(lambda: run.sc.bounce_count() >= 4, what="the second run's DSNs")
    ingest([str(run.sc.sender_mta.log_path)], run.store)
    ingest_bounces(run.store, read_bounces(iter_path(run.sc.bounce_maildir())))
    d = {c.address: c for c in diagnose_test(run.store, second, window=timedelta(0)).conclusions}
    assert d["heidi@defer.test"].kind is ConclusionKind.DEFERRED
    assert any("2 deliveries to 127.0.0.1 are deferred" in e for e in d["heidi@defer.test"].evidence)
    assert d["judy@gone.test"].kind is ConclusionKind.BOUNCED_AFTER_ACCEPT
    assert d["frank@discard.test"].kind is ConclusionKind.ACCEPTED_NOT_FOUND
    assert d["frank@discard.test"].remote_queue_id not in (None, c_first_frank_qid(run))
    one = diagnose_address(run.store, "frank@discard.test", since=run.test.created - timedelta(minutes=1))
    assert len(one.conclusions) == 2  # one per message sent to frank
    assert {c.details["message_id"] for c in one.conclusions} == {
        "newsletter-1@sender.test",
        "newsletter-2@sender.test",
    }


def c_first_frank_qid(run: Run) -> str | None:
    c = {x.address: x for x in diagnose_test(run.store, run.test.test_id, window=timedelta(0)).conclusions}
    return c["frank@discard.test"].remote_queue_id
