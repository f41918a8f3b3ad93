"""Reports stored once (idempotent by report id) on SQLite and PostgreSQL, and what the summaries say."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from inboxtrace.feedback import dmarc_summary, read_blob, tls_summary
from inboxtrace.store import Store, migrate, open_store
from inboxtrace.store.feedback import ingest_reports
from tests.reports.samples import (
    BILLION_LAUGHS,
    ESP,
    FORWARDER,
    OURS,
    SPOOFER,
    aggregate,
    failure_email,
    gz,
    record,
    tlsrpt,
    zipped,
)


def blobs(*items: tuple[bytes, str]) -> list[object]:
    return [r for data, source in items for r in read_blob(data, source)]


def test_ingest_is_idempotent_by_report_id(store: Store) -> None:
    first = ingest_reports(
        store,
        blobs(
            (aggregate("a1"), "a1.xml"),
            (gz(aggregate("a2", org="Receiver Two")), "a2.xml.gz"),
            (tlsrpt(), "t.json"),
            (failure_email(), "f.eml"),
            (BILLION_LAUGHS, "bomb.xml"),
        ),
    )
    assert (first.aggregate, first.tlsrpt, first.failure, first.duplicates) == (2, 1, 1, 0)
    assert [(r.source, r.kind) for r in first.rejected] == [("bomb.xml", "aggregate")]
    # the same reports again, in other containers, and one new one: only the new one is stored
    again = ingest_reports(
        store,
        blobs(
            (zipped("a1.xml", aggregate("a1")), "a1.zip"),
            (aggregate("a2", org="Receiver Two"), "a2.xml"),
            (gz(tlsrpt()), "t.json.gz"),
            (failure_email(), "f2.eml"),
            (aggregate("a3"), "a3.xml"),
        ),
    )
    assert (again.aggregate, again.tlsrpt, again.failure, again.duplicates) == (1, 0, 0, 4)
    with store.connect() as conn:
        rows = conn.execute(sa.text("SELECT count(*) FROM dmarc_rows")).scalar_one()
    assert rows == 12  # three reports of four records


def test_same_report_id_from_two_receivers_is_two_reports(store: Store) -> None:
    counts = ingest_reports(
        store, blobs((aggregate("same"), "1.xml"), (aggregate("same", org="Other"), "2.xml"))
    )
    assert counts.aggregate == 2 and counts.duplicates == 0


def test_dmarc_summary_sources_and_overrides(store: Store) -> None:
    ingest_reports(
        store,
        blobs(
            (aggregate("a1"), "a1.xml"),
            (aggregate("a2", org="Receiver Two"), "a2.xml"),
            (
                aggregate(
                    "x", domain="other.example", records=(record(OURS, 1000, header_from="other.example"),)
                ),
                "x.xml",
            ),
            (failure_email(), "f.eml"),
        ),
    )
    summary = dmarc_summary(store, domain="example.com")
    assert summary.reports == {"aggregate": 2, "failure": 1, "tlsrpt": 0}
    assert summary.messages == 320
    by_ip = {s.ip: s for s in summary.sources}
    assert [s.ip for s in summary.sources] == [OURS, ESP, SPOOFER, FORWARDER]  # by volume
    assert by_ip[OURS].status == "authenticated" and by_ip[OURS].messages == 240
    assert by_ip[ESP].status == "unaligned" and dict(by_ip[ESP].dkim_domains) == {"esp.example": 60}
    assert by_ip[SPOOFER].status == "not-authenticated" and dict(by_ip[SPOOFER].dispositions) == {
        "reject": 14
    }
    assert [s.ip for s in summary.not_yours] == [ESP, SPOOFER, FORWARDER]
    assert summary.reporters["Receiver Two"] == {"messages": 160, "dmarc_pass": 120}
    assert summary.overrides["local_policy"]["messages"] == 6
    assert summary.overrides["local_policy"]["comments"] == ["forwarded by a trusted list"]
    assert summary.failures[0]["source_ip"] == SPOOFER
    data = summary.to_dict()
    assert data["dmarc_pass_rate"] == 0.75 and data["sources"][0]["spf_aligned_rate"] == 1.0


def test_since_filters_by_report_period(store: Store) -> None:
    old = 1764547200  # 2025-12-01
    ingest_reports(store, blobs((aggregate("old", begin=old), "o.xml"), (aggregate("new"), "n.xml")))
    since = datetime(2026, 6, 1, tzinfo=UTC)
    assert dmarc_summary(store, since=since).messages == 160
    assert dmarc_summary(store, since=since).reports == {"aggregate": 1, "failure": 0, "tlsrpt": 0}
    assert dmarc_summary(store).messages == 320


def test_tls_summary_by_mx_and_result_type(store: Store) -> None:
    ingest_reports(store, blobs((tlsrpt("t1"), "1.json"), (tlsrpt("t2", org="Second Org"), "2.json")))
    summary = tls_summary(store)
    assert (summary.successful, summary.failed) == (1810, 24)
    first = summary.failures[0]
    assert (first["receiving_mx"], first["result_type"], first["sessions"]) == (
        "mx2.example.com",
        "certificate-expired",
        20,
    )
    assert first["reporters"] == {"Sender Org": 10, "Second Org": 10}
    assert summary.policies["example.com (sts)"]["mx_hosts"] == ["mx1.example.com", "mx2.example.com"]
    assert tls_summary(store, domain="other.example").failed == 0


def test_tables_are_added_to_an_existing_store_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    url = f"sqlite:///{path}"
    with open_store(url) as store, store.begin() as conn:
        conn.execute(sa.text("DROP TABLE tlsrpt_failures"))
        conn.execute(sa.text("DROP TABLE tlsrpt_policies"))
        conn.execute(sa.text("DROP TABLE tlsrpt_reports"))
        conn.execute(sa.text("DELETE FROM inboxtrace_meta WHERE key = 'schema:feedback'"))
        conn.execute(sa.text("CREATE TABLE keep_me (x INTEGER)"))
        conn.execute(sa.text("INSERT INTO keep_me VALUES (42)"))
    with open_store(url) as store:  # an older store: the report tables appear, nothing else changes
        counts = ingest_reports(store, blobs((tlsrpt(), "t.json")))
        assert counts.tlsrpt == 1
        with store.connect() as conn:
            assert conn.execute(sa.text("SELECT x FROM keep_me")).scalar_one() == 42
            version = conn.execute(sa.text("SELECT value FROM inboxtrace_meta WHERE key = 'schema:feedback'"))
            assert version.scalar_one() == f"alembic:{migrate.head()}"


def test_sender_check_findings_from_the_reports(store: Store) -> None:
    from inboxtrace.checks.reports import report_findings

    assert [f.code for f in report_findings(store, "example.com")] == ["dmarc.reports-none"]
    partly = record(OURS, 10, dkim="fail", spf="fail", dkim_result="fail", spf_result="fail")
    ingest_reports(store, blobs((aggregate("a1"), "a1.xml"), (aggregate("a2", records=(partly,)), "a2.xml")))
    found = {f.code: f for f in report_findings(store, "example.com")}
    assert set(found) == {"dmarc.reports-unknown-sources", "dmarc.reports-partly-failing", "dmarc.reports-ok"}
    unknown = found["dmarc.reports-unknown-sources"]
    assert unknown.title.startswith("Receivers report 3 source(s)") and SPOOFER in unknown.found
    assert f"{OURS} (92% pass of 130)" in found["dmarc.reports-partly-failing"].found
    assert (
        "120 of 170" not in found["dmarc.reports-ok"].found
        and "70.6% of 170" in found["dmarc.reports-ok"].found
    )
    assert all(f.check == "dmarc" and f.penalty == 0 for f in found.values())
