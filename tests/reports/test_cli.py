"""``inboxtrace dmarc`` / ``inboxtrace tlsrpt``: ingest files and a real Dovecot mailbox, then report."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from inboxtrace.bounces.sources import iter_imap
from inboxtrace.feedback import AggregateReport, FailureReport, Rejected, TlsReport, read_messages
from tests.helpers.cli import run_main
from tests.reports.samples import (
    BILLION_LAUGHS,
    SPOOFER,
    aggregate,
    failure_email,
    gz,
    record,
    report_email,
    tlsrpt,
    tlsrpt_email,
    zipped,
)
from tests.rigs.dovecot import DovecotRig

pytestmark = pytest.mark.dovecot


@pytest.fixture(scope="module")
def mailbox() -> Iterator[DovecotRig]:
    rig = DovecotRig.start(users={"dmarc@inbox.test": "s3cret"})
    try:
        rig.deliver(
            "dmarc@inbox.test", report_email(zipped("r.xml", aggregate("imap-1")), "r.zip", "application/zip")
        )
        rig.deliver(
            "dmarc@inbox.test",
            report_email(gz(aggregate("imap-2", org="Receiver Two")), "r.xml.gz", "application/gzip"),
        )
        rig.deliver("dmarc@inbox.test", failure_email())
        rig.deliver("dmarc@inbox.test", tlsrpt_email(tlsrpt()))
        rig.deliver("dmarc@inbox.test", report_email(BILLION_LAUGHS, "evil.xml", "text/xml"))
        rig.deliver(
            "dmarc@inbox.test", b"From: friend@example.org\r\nSubject: lunch?\r\n\r\nnot a report\r\n"
        )
        yield rig
    finally:
        rig.stop()


def test_reports_from_a_real_imap_mailbox(mailbox: DovecotRig) -> None:
    items = list(
        read_messages(
            iter_imap(
                mailbox.host,
                "dmarc@inbox.test",
                "s3cret",
                port=mailbox.imaps_port,
                cafile=str(mailbox.ca_file),
            )
        )
    )
    kinds = [type(i).__name__ for i in items]
    assert kinds == [
        "AggregateReport",
        "AggregateReport",
        "FailureReport",
        "TlsReport",
        "Rejected",
        "Rejected",
    ]
    assert isinstance(items[0], AggregateReport) and items[0].report_id == "imap-1"
    assert isinstance(items[2], FailureReport) and isinstance(items[3], TlsReport)
    evil, chat = items[4], items[5]
    assert isinstance(evil, Rejected) and "DTD" in evil.reason and "UID=" in evil.source
    assert isinstance(chat, Rejected) and "no DMARC or TLS report" in chat.reason


def test_cli_ingest_imap_then_files_then_report(
    mailbox: DovecotRig, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = f"sqlite:///{tmp_path / 'store.db'}"
    monkeypatch.setenv("DMARC_PW", "s3cret")
    imap = ["--imap", mailbox.host, "--port", str(mailbox.imaps_port), "--user", "dmarc@inbox.test"]
    imap += ["--password-env", "DMARC_PW", "--ca-file", str(mailbox.ca_file)]
    code, out, _ = run_main(["dmarc", "ingest", *imap, "--db", db, "--json"], capsys)
    assert code == 0
    counts = json.loads(out)
    assert (counts["aggregate"], counts["failure"], counts["tlsrpt"], len(counts["rejected"])) == (2, 1, 1, 2)
    assert "s3cret" not in out
    # the same mailbox again adds nothing
    code, out, _ = run_main(["tlsrpt", "ingest", *imap, "--db", db, "--json"], capsys)
    assert json.loads(out)["duplicates"] == 4
    extra = tmp_path / "more"
    extra.mkdir()
    (extra / "third.xml").write_bytes(
        aggregate(
            "file-3",
            records=(
                record(
                    SPOOFER,
                    50,
                    dkim="fail",
                    spf="fail",
                    dkim_result="fail",
                    spf_result="fail",
                    disposition="quarantine",
                ),
            ),
        )
    )
    (extra / "broken.xml.gz").write_bytes(b"\x1f\x8bnot really")
    code, out, _ = run_main(["dmarc", "ingest", str(extra), "--db", db], capsys)
    assert code == 0 and "stored 1 aggregate" in out and "broken.xml.gz" in out and "gzip" in out

    code, out, _ = run_main(["dmarc", "report", "--db", db, "--domain", "example.com", "--json"], capsys)
    data = json.loads(out)
    assert data["reports"]["aggregate"] == 3 and data["messages"] == 370
    spoofer = next(s for s in data["sources"] if s["ip"] == SPOOFER)
    assert spoofer["messages"] == 64 and spoofer["status"] == "not-authenticated"
    assert spoofer["dispositions"] == {"reject": 14, "quarantine": 50}
    code, out, _ = run_main(["dmarc", "report", "--db", db], capsys)
    assert code == 0 and "never pass DMARC" in out and SPOOFER in out and "local_policy" in out
    code, out, _ = run_main(["tlsrpt", "report", "--db", db], capsys)
    assert code == 0 and "certificate-expired" in out and "mx2.example.com" in out
    code, out, _ = run_main(["tlsrpt", "report", "--db", db, "--json"], capsys)
    assert json.loads(out)["failed_sessions"] == 12


def test_report_text_from_receivers_is_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'store.db'}"
    # XML 1.0 cannot carry ESC or BEL, but rich markup and C1 controls pass through a report
    hostile = aggregate(
        "esc",
        org="Evil [bold]Org[/bold]\u009b2J",
        records=(
            record(
                SPOOFER,
                5,
                disposition="[red]none[/red]",
                dkim="fail",
                spf="fail",
                dkim_result="fail",
                spf_result="fail",
            ),
        ),
    )
    evil = tmp_path / "evil.xml"
    evil.write_bytes(hostile)
    code, out, _ = run_main(["dmarc", "ingest", str(evil), "--db", db], capsys)
    assert "stored 1 aggregate" in out
    code, out, _ = run_main(["dmarc", "report", "--db", db], capsys)
    assert code == 0 and "\u009b" not in out and "\\x9b" in out
    assert "[red]none[/red]" in out and "[bold]Org[/bold]" in out  # shown as text, never applied


def test_only_unreadable_inputs_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_bytes(BILLION_LAUGHS)
    code, out, _ = run_main(
        [
            "dmarc",
            "ingest",
            str(bad),
            str(tmp_path / "missing.zip"),
            "--db",
            f"sqlite:///{tmp_path / 's.db'}",
        ],
        capsys,
    )
    assert code == 1 and "DTD" in out and "no such file" in out


def test_report_without_a_store_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_main(["dmarc", "report", "--db", f"sqlite:///{tmp_path / 'none.db'}"], capsys)
    assert code == 1 and "no store" in err


@pytest.mark.dns
def test_report_names_sources_by_ptr_on_a_real_dns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.reports.samples import ESP, OURS
    from tests.rigs.knot import start_knot

    zones = {
        "113.0.203.in-addr.arpa": "10 PTR mail.example.com.\n",
        "100.51.198.in-addr.arpa": "20 PTR o1.outbound.esp-mail.test.\n",
    }
    knot = start_knot(zones)
    try:
        db = f"sqlite:///{tmp_path / 'store.db'}"
        report = tmp_path / "r.xml"
        report.write_bytes(aggregate("ptr-1"))
        run_main(["dmarc", "ingest", str(report), "--db", db], capsys)
        code, out, _ = run_main(
            ["dmarc", "report", "--db", db, "--ptr", "--nameserver", knot.nameserver, "--json"], capsys
        )
    finally:
        knot.stop()
    assert code == 0
    sources = {s["ip"]: s for s in json.loads(out)["sources"]}
    assert sources[OURS]["ptr"] == "mail.example.com" and sources[OURS]["provider"] == "example.com"
    assert sources[ESP]["provider"] == "esp-mail.test"
    assert sources[SPOOFER]["ptr"] is None  # no PTR: unknown, not invented
