"""`diagnose` on real Postfix logs: one conclusion per message across content-filter hops, refusals with
the verdict `explain` gives, discards named as the sender's own, no conclusion stronger than its evidence."""

from __future__ import annotations

import json
import re
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from inboxtrace.cli import get_app
from inboxtrace.codes import classify
from inboxtrace.diagnose.conclude import Evidence, conclude
from inboxtrace.diagnose.run import diagnose_address
from inboxtrace.ingest import ingest
from inboxtrace.model.log import FinalState
from inboxtrace.model.placement import ConclusionKind, SeedResult, SendResult
from inboxtrace.seeds.send import SmtpOptions, send_test
from inboxtrace.seeds.token import new_test
from inboxtrace.store import open_store
from inboxtrace.store.placement import deliveries_to
from tests.rigs import free_port
from tests.rigs.postfix import PostfixRig
from tests.rigs.smtp_sink import SmtpSink


def _diagnose(db: str, *args: str) -> dict[str, object]:
    r = CliRunner().invoke(get_app(), ["diagnose", "--db", db, "--json", *args])
    assert r.exit_code == 0, r.output
    out: dict[str, object] = json.loads(r.stdout)
    return out


@pytest.fixture(scope="module")
def filter_run(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One real Postfix with a content filter that re-injects on a second smtpd (the amavis hop,
    "250 ... queued as X" to 127.0.0.1), a ``discard:`` transport, relaying to a scripted receiver."""
    tmp = tmp_path_factory.mktemp("filter")
    reinject = free_port()
    extra = (
        f"127.0.0.1:{reinject} inet n - n - - smtpd -o content_filter= "
        "-o smtpd_recipient_restrictions=permit_mynetworks\n"
    )
    with (
        SmtpSink() as sink,
        PostfixRig.start(
            relay_port=sink.port,
            main={"content_filter": f"smtp:[127.0.0.1]:{reinject}"},
            transports={"drop.test": "discard:silently"},
            master_extra=extra,
        ) as pf,
    ):
        pf.send(
            "app@sender.test",
            ["reject@example.org", "ok@example.org", "x@drop.test"],
            message_id="<cf.1@sender.test>",
        )
        pf.wait_for(lambda log: len(re.findall(r": removed", log)) >= 3)
        time.sleep(0.5)
        shutil.copy(pf.log_path, tmp / "maillog")
    url = f"sqlite:///{tmp / 's.db'}"
    with open_store(url) as store:
        ingest([str(tmp / "maillog")], store)
    return url


@pytest.mark.postfix
def test_one_conclusion_per_message_across_the_content_filter_hop(filter_run: str) -> None:
    d = _diagnose(filter_run, "--to", "reject@example.org")
    (c,) = d["conclusions"]  # type: ignore[misc]
    assert c["conclusion"] == "rejected"
    assert c["details"]["verdict"]["reason"] == "userunknown"
    assert len(c["details"]["queues"]) == 2  # both queues named, in order
    with open_store(filter_run) as store:
        one = diagnose_address(store, "ok@example.org")
    assert [x.kind for x in one.conclusions] == [ConclusionKind.ACCEPTED]
    assert one.conclusions[0].remote_queue_id == "SINK000001"  # the receiver's id, not the filter's


@pytest.mark.postfix
def test_the_placement_form_follows_the_hop_from_the_submission_queue_id(filter_run: str) -> None:
    """`diagnose TEST` starts from the queue id the submission got: the content filter's queue."""
    with open_store(filter_run) as store:
        found = deliveries_to(store, "reject@example.org")
    first = next(m for m, d in found if d.final_state is FinalState.DELIVERED)  # handed to the filter
    assert len(found) == 2
    send = SendResult(
        "reject@example.org", True, 250, f"250 2.0.0 Ok: queued as {first.queue_id}",
        first.received or datetime.now(UTC), first.queue_id, "<cf.1@sender.test>",
    )  # fmt: skip
    seed = SeedResult("T", "reject@example.org", "example", "missing", checked_at=datetime.now(UTC))
    ev = Evidence(address="reject@example.org", send=send, result=seed, deliveries=tuple(found),
                  sent_at=send.sent_at, logs_span=(send.sent_at - timedelta(minutes=1), datetime.now(UTC)))  # fmt: skip
    c = conclude(ev, now=datetime.now(UTC), window=timedelta(0))
    assert c.kind is ConclusionKind.REJECTED and c.details["verdict"]["reason"] == "userunknown"
    assert c.details["queues"][0] == first.queue_id


@pytest.mark.postfix
def test_accepted_without_a_searched_mailbox_says_where_it_went_is_unknown(filter_run: str) -> None:
    d = _diagnose(filter_run, "--to", "ok@example.org")
    (c,) = d["conclusions"]  # type: ignore[misc]
    assert c["conclusion"] == "accepted"
    assert "where it went inside the receiver is unknown" in c["summary"]
    assert "(their id SINK000001)" in c["summary"]
    assert "filtered" not in c["summary"] and "quarantined after acceptance" not in c["next_step"]
    assert (
        "seed mailbox" in c["next_step"] and "postmaster" in c["next_step"] and "SINK000001" in c["next_step"]
    )


@pytest.mark.postfix
def test_a_discard_names_the_senders_own_server(filter_run: str) -> None:
    d = _diagnose(filter_run, "--to", "x@drop.test")
    (c,) = d["conclusions"]  # type: ignore[misc]
    assert c["conclusion"] == "discarded"
    assert "your own server mta" in c["summary"] and "'silently'" in c["summary"]
    assert "accepted with silently" not in c["summary"]
    assert "postmaster" not in c["next_step"] and "discard" in c["next_step"]


@pytest.mark.postfix
def test_since_is_optional_and_a_window_is_not_shown_as_a_send(filter_run: str) -> None:
    d = _diagnose(filter_run, "--to", "nobody@example.org")
    (c,) = d["conclusions"]  # type: ignore[misc]
    assert c["conclusion"] == "not-sent"
    d = _diagnose(filter_run, "--to", "ok@example.org", "--since", "2020-01-01", "--until", "2020-01-02")
    (c,) = d["conclusions"]  # type: ignore[misc]
    assert c["conclusion"] == "unknown"
    assert "not the send" not in c["next_step"]
    assert "the window you asked about (2020-01-01 00:00:00 UTC to 2020-01-02 00:00:00 UTC)" in c["next_step"]


@pytest.mark.postfix
def test_a_refusal_at_submission_carries_the_verdict_explain_gives(tmp_path: Path) -> None:
    refusal = "550 5.1.1 <gone@example.org>: Recipient address rejected: User unknown"
    with PostfixRig.start(rcpt_access={"/^gone@/": refusal}) as pf:
        test = new_test()
        (res,) = send_test(
            test,
            b"From: app@sender.test\nSubject: hi\n\nhello\n",
            ["gone@example.org"],
            SmtpOptions("127.0.0.1", pf.smtpd_port, mail_from="app@sender.test"),
        )
    assert not res.accepted and res.reply.startswith("550 5.1.1")
    c = conclude(
        Evidence(address="gone@example.org", send=res), now=res.sent_at, window=timedelta(minutes=15)
    )
    want = classify(res.reply)
    assert c.kind is ConclusionKind.REJECTED
    assert c.details["verdict"] == want.to_dict()
    assert want.reason in c.summary and want.explanation.split(".")[0] in c.next_step
    assert "credentials, sender address, size" not in c.next_step


def test_one_state_name_everywhere_and_no_retry_after_the_mta_gave_up(example_db: str) -> None:
    runner = CliRunner()
    report = json.loads(runner.invoke(get_app(), ["report", "--db", example_db, "--json"]).stdout)
    assert report["totals"]["expired"] > 0
    trace = runner.invoke(get_app(), ["trace", "--db", example_db, "tempfail@example.com"]).stdout
    assert "expired" in trace and "EXPIRED" not in trace
    d = _diagnose(example_db, "--to", "tempfail@example.com")
    (c,) = d["conclusions"]  # type: ignore[misc]
    assert c["conclusion"] == "expired"
    assert "retry" not in c["next_step"].lower() and "gave up" in c["next_step"]
