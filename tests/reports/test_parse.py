"""Reports in every container format are read; hostile and malformed ones are refused by name."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inboxtrace.feedback import AggregateReport, FailureReport, Rejected, TlsReport, read_blob, read_paths
from inboxtrace.feedback.aggregate import ReportError, parse_aggregate
from inboxtrace.feedback.tlsrpt import parse_tlsrpt
from tests.reports.samples import (
    BILLION_LAUGHS,
    ESP,
    EXTERNAL_ENTITY,
    FORWARDER,
    OURS,
    SPOOFER,
    aggregate,
    failure_email,
    gz,
    mbox,
    record,
    report_email,
    tlsrpt,
    tlsrpt_email,
    zip_bomb,
    zipped,
)


def one(data: bytes, source: str = "input") -> AggregateReport | FailureReport | TlsReport | Rejected:
    items = list(read_blob(data, source))
    assert len(items) == 1, items
    return items[0]


@pytest.mark.parametrize("namespace", [False, True])
def test_aggregate_fields(namespace: bool) -> None:
    report = parse_aggregate(aggregate(namespace=namespace))
    assert (report.org_name, report.report_id, report.domain) == ("Receiver One", "rpt-1", "example.com")
    assert report.policy["p"] == "reject" and report.begin.year == 2026
    assert [r.source_ip for r in report.rows] == [OURS, ESP, SPOOFER, FORWARDER]
    assert report.messages == 160
    spoof = report.rows[2]
    assert (spoof.disposition, spoof.dkim, spoof.spf, spoof.dmarc_pass) == ("reject", "fail", "fail", False)
    assert report.rows[3].reasons == (("local_policy", "forwarded by a trusted list"),)
    esp = report.rows[1]
    assert [(a.method, a.domain, a.result, a.selector, a.scope) for a in esp.auth] == [
        ("dkim", "esp.example", "pass", "s1", ""),
        ("spf", "bounce.esp.example", "pass", "", "mfrom"),
    ]


@pytest.mark.parametrize(
    ("data", "source"),
    [
        (aggregate(), "r.xml"),
        (gz(aggregate()), "r.xml.gz"),
        (zipped("receiver!example.com!1!2.xml", aggregate()), "r.zip"),
        (zipped("r.xml.gz", gz(aggregate())), "nested.zip"),
        (report_email(zipped("r.xml", aggregate()), "r.zip", "application/zip"), "zip.eml"),
        (report_email(gz(aggregate()), "r.xml.gz", "application/gzip"), "gz.eml"),
        (report_email(aggregate(), "r.xml", "text/xml"), "xml.eml"),
        (report_email(gz(aggregate()), "r.xml.gz", "application/octet-stream"), "octet.eml"),
    ],
)
def test_aggregate_in_every_container(data: bytes, source: str) -> None:
    report = one(data, source)
    assert isinstance(report, AggregateReport) and report.report_id == "rpt-1" and len(report.rows) == 4


@pytest.mark.parametrize(
    "data", [tlsrpt(), gz(tlsrpt()), tlsrpt_email(tlsrpt())], ids=["json", "json.gz", "tlsrpt+gzip mail"]
)
def test_tls_report_in_every_container(data: bytes) -> None:
    report = one(data)
    assert isinstance(report, TlsReport) and report.report_id == "tls-1"
    sts, none = report.policies
    assert (sts.policy_type, sts.successful, sts.failed) == ("sts", 900, 12)
    assert [(f.receiving_mx, f.result_type, f.sessions) for f in sts.failures] == [
        ("mx2.example.com", "certificate-expired", 10),
        ("mx1.example.com", "starttls-not-supported", 2),
    ]
    assert none.mx_hosts == ("mx.other.example",)  # a string where a list belongs is accepted


def test_failure_report_fields() -> None:
    report = one(failure_email())
    assert isinstance(report, FailureReport)
    assert (report.source_ip, report.reported_domain, report.auth_failure) == (
        SPOOFER,
        "example.com",
        "dmarc",
    )
    assert (report.identity_alignment, report.delivery_result) == ("none", "reject")
    assert report.header_from == "billing@example.com" and report.subject == "Your invoice is overdue"
    assert report.arrival is not None and report.arrival.hour == 9


def test_mbox_and_maildir(tmp_path: Path) -> None:
    box = tmp_path / "reports.mbox"
    box.write_bytes(
        mbox(
            report_email(gz(aggregate("m1")), "a.xml.gz", "application/gzip"),
            failure_email(),
            tlsrpt_email(tlsrpt("t9")),
        )
    )
    maildir = tmp_path / "Maildir"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "new" / "1.host").write_bytes(
        report_email(zipped("b.xml", aggregate("m2")), "b.zip", "application/zip")
    )
    (maildir / "cur" / "2.host:2,S").write_bytes(failure_email("<fail-2@receiver.example>"))
    kinds = [type(r).__name__ for r in read_paths([box, maildir])]
    assert kinds == ["AggregateReport", "FailureReport", "TlsReport", "AggregateReport", "FailureReport"]


def test_billion_laughs_and_external_entities_are_refused() -> None:
    for data in (
        BILLION_LAUGHS,
        EXTERNAL_ENTITY,
        gz(BILLION_LAUGHS),
        report_email(BILLION_LAUGHS, "r.xml", "text/xml"),
    ):
        item = one(data)
        assert isinstance(item, Rejected) and "DTD" in item.reason and item.kind == "aggregate"


def test_zip_and_gzip_bombs_are_refused() -> None:
    bomb = one(zip_bomb(), "bomb.zip")
    assert isinstance(bomb, Rejected) and "refused: expands" in bomb.reason
    gzip_bomb = one(gzip.compress(b"\0" * (80 * 1024 * 1024), compresslevel=1), "bomb.xml.gz")
    assert isinstance(gzip_bomb, Rejected) and "refused" in gzip_bomb.reason


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<feedback><report_metadata><org_name>x</org_name></report_metadata></feedback>", "report_id"),
        (aggregate().replace(b"<begin>1796083200</begin>", b"<begin>yesterday</begin>"), "Unix time"),
        (aggregate()[:300], "not well-formed"),
        (aggregate().replace(b"<domain>example.com</domain><adkim>", b"<adkim>"), "policy_published"),
        (b"<html><body>hello</body></html>", "root element <html>"),
        (tlsrpt().replace(b'"report-id"', b'"report-name"'), "report-id"),
        (tlsrpt().replace(b'"failed-session-count": 10', b'"failed-session-count": "ten"'), "not a count"),
        (tlsrpt()[:100], "not JSON"),
        (b"\x1f\x8b\x08\x00garbage", "gzip"),
        (b"PK\x03\x04broken", "zip"),
        (b"\x00\x01\x02 binary", "not a DMARC or TLS report"),
        (b"", "empty"),
    ],
)
def test_malformed_reports_are_named(data: bytes, reason: str) -> None:
    item = one(data, "bad")
    assert isinstance(item, Rejected) and reason in item.reason, item


def test_bad_records_are_skipped_and_named() -> None:
    data = aggregate(
        records=(record(OURS, 5), record("not-an-ip", 3), record(ESP, 2).replace("<count>2", "<count>-2"))
    )
    report = parse_aggregate(data)
    assert [r.source_ip for r in report.rows] == [OURS]
    assert len(report.problems) == 2 and "record 2: source_ip" in report.problems[0]


def test_a_mail_without_reports_is_named() -> None:
    item = one(b"From: a@b.example\nSubject: hello\n\nno reports here\n")
    assert isinstance(item, Rejected) and "no DMARC or TLS report" in item.reason


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_become_reports_or_rejections(data: bytes) -> None:
    for item in read_blob(data, "fuzz"):
        assert isinstance(item, (AggregateReport, TlsReport, FailureReport, Rejected))


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_any_text_inside_the_reports_is_handled(text: str) -> None:
    from xml.sax.saxutils import escape

    try:  # control characters (not XML) or a blank name are refused with a reason
        report: AggregateReport | None = parse_aggregate(aggregate(org=escape(text)))
    except ReportError:
        report = None
    if text.strip() and text.isprintable():
        assert report is not None and report.org_name == text.strip()[:255]
    if text:
        assert parse_tlsrpt(tlsrpt(org=text)).org_name == text[:255]
    else:
        with pytest.raises(ReportError, match="organization-name"):
            parse_tlsrpt(tlsrpt(org=text))


def test_failure_report_with_the_whole_original_message() -> None:
    raw = failure_email("<fail-9@receiver.example>")
    original = (
        b"From: Billing <billing@example.com>\r\nTo: victim@receiver.example\r\n"
        b"Subject: =?utf-8?q?Rechnung_=C3=BCberf=C3=A4llig?=\r\n\r\nPay now.\r\n"
    )
    import email
    import email.policy
    from email.mime.message import MIMEMessage

    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    parts = msg.get_payload()
    assert isinstance(parts, list)
    parts[-1] = MIMEMessage(email.message_from_bytes(original))
    report = one(msg.as_bytes())
    assert isinstance(report, FailureReport)
    assert report.subject == "Rechnung überfällig" and report.header_from == "billing@example.com"
    assert report.report_id == "<fail-9@receiver.example>"


def test_arf_abuse_report_is_not_a_failure_report() -> None:
    raw = failure_email().replace(b"Feedback-Type: auth-failure", b"Feedback-Type: abuse")
    item = one(raw)
    assert isinstance(item, Rejected) and "no DMARC or TLS report" in item.reason


@pytest.mark.parametrize(
    ("encoding", "codec"), [("windows-1252", "cp1252"), ("UTF-16", "utf-16"), ("ISO-8859-1", "latin-1")]
)
def test_declared_encodings(encoding: str, codec: str) -> None:
    text = aggregate(org="Empfänger GmbH").decode().replace('encoding="UTF-8"', f'encoding="{encoding}"')
    report = one(text.encode(codec))
    assert isinstance(report, AggregateReport) and report.org_name == "Empfänger GmbH"


def test_a_dtd_in_utf16_is_refused_too() -> None:
    text = BILLION_LAUGHS.decode().replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>')
    item = one(text.encode("utf-16"))
    assert isinstance(item, Rejected) and "DTD" in item.reason
