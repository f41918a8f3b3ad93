"""What receivers report back: DMARC aggregate (RFC 7489, RFC 9990) and failure (RFC 6591)
reports, and SMTP TLS reports (RFC 8460).

========== ==========================================================================
model      the report records (aggregate rows, failure reports, TLS policies/failures)
aggregate  DMARC aggregate XML: DTDs refused before parsing (no entities, nothing fetched), C parser
failure    ARF auth-failure reports
tlsrpt     TLS-RPT JSON
read       files, .gz, .zip, report emails, mbox, Maildir, IMAP → reports or named rejections
summary    sources sending as the domain, pass/alignment rates, overrides, TLS failures by MX
========== ==========================================================================

Stored by :mod:`inboxtrace.store.feedback` (idempotent by report id)::

    from inboxtrace.feedback import read_paths, dmarc_summary
    from inboxtrace.store import open_store
    from inboxtrace.store.feedback import ingest_reports

    with open_store("sqlite:///mail.db") as store:
        counts = ingest_reports(store, read_paths(["reports/"]))
        print(dmarc_summary(store, domain="example.com").to_dict()["not_yours"])
"""

from typing import TYPE_CHECKING, Any

from inboxtrace.feedback.aggregate import ReportError, parse_aggregate
from inboxtrace.feedback.model import (
    AggregateReport,
    AggregateRow,
    FailureReport,
    Rejected,
    Report,
    TlsReport,
)
from inboxtrace.feedback.read import read_blob, read_message, read_messages, read_paths
from inboxtrace.feedback.tlsrpt import parse_tlsrpt

if TYPE_CHECKING:
    from inboxtrace.feedback.summary import dmarc_summary, tls_summary


def __getattr__(name: str) -> Any:
    """The summaries (and the DNS and store code they need) load on first use, not with the readers."""
    if name in ("dmarc_summary", "tls_summary"):
        from inboxtrace.feedback import summary

        return getattr(summary, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "AggregateReport",
    "AggregateRow",
    "FailureReport",
    "Rejected",
    "Report",
    "ReportError",
    "TlsReport",
    "dmarc_summary",
    "parse_aggregate",
    "parse_tlsrpt",
    "read_blob",
    "read_message",
    "read_messages",
    "read_paths",
    "tls_summary",
]
