"""DMARC aggregate and failure reports and TLS-RPT reports in the store.

Idempotent by report id: an aggregate or TLS report is keyed by a digest of (organisation,
report id), a failure report by its Message-ID (else a digest of its bytes), so reading the same
reports again adds nothing. The tables are created in an existing store when it is opened (new
tables, nothing else changes: the upgrade is in place).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from inboxtrace.store.core import Store, db_errors, metadata, register_schema
from inboxtrace.store.logs import epoch

if TYPE_CHECKING:
    from inboxtrace.feedback.model import AggregateReport, Rejected, Report

register_schema("feedback", 1)

dmarc_reports = sa.Table(
    "dmarc_reports",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("org_name", sa.String(255), nullable=False),
    sa.Column("report_id", sa.String(255), nullable=False),
    sa.Column("email", sa.String(255)),
    sa.Column("domain", sa.String(255), nullable=False),
    sa.Column("date_begin", sa.Float, nullable=False),
    sa.Column("date_end", sa.Float, nullable=False),
    sa.Column("policy", sa.Text, nullable=False),  # JSON of the published policy tags
    sa.Column("messages", sa.Integer, nullable=False),
    sa.Column("problems", sa.Text, nullable=False),  # JSON list
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("ingested", sa.Float, nullable=False),
    sa.Index("ix_dmarc_reports_domain_begin", "domain", "date_begin"),
)

dmarc_rows = sa.Table(
    "dmarc_rows",
    metadata,
    sa.Column("key", sa.String(64), sa.ForeignKey("dmarc_reports.key"), primary_key=True),
    sa.Column("idx", sa.Integer, primary_key=True),
    sa.Column("source_ip", sa.String(64), nullable=False),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("disposition", sa.String(32), nullable=False),
    sa.Column("dkim", sa.String(16), nullable=False),
    sa.Column("spf", sa.String(16), nullable=False),
    sa.Column("header_from", sa.String(255), nullable=False),
    sa.Column("envelope_from", sa.String(255), nullable=False),
    sa.Column("reasons", sa.Text, nullable=False),  # JSON list of [type, comment]
    sa.Column("auth", sa.Text, nullable=False),  # JSON list of [method, domain, result, selector/scope]
    sa.Index("ix_dmarc_rows_ip", "source_ip"),
)

dmarc_failures = sa.Table(
    "dmarc_failures",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("reporter", sa.String(255), nullable=False),
    sa.Column("arrival", sa.Float),
    sa.Column("source_ip", sa.String(64), nullable=False),
    sa.Column("domain", sa.String(255), nullable=False),
    sa.Column("auth_failure", sa.String(64), nullable=False),
    sa.Column("identity_alignment", sa.String(64), nullable=False),
    sa.Column("delivery_result", sa.String(64), nullable=False),
    sa.Column("mail_from", sa.String(255), nullable=False),
    sa.Column("rcpt_to", sa.String(255), nullable=False),
    sa.Column("dkim_domain", sa.String(255), nullable=False),
    sa.Column("dkim_selector", sa.String(255), nullable=False),
    sa.Column("header_from", sa.String(255), nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("fields", sa.Text, nullable=False),  # JSON of every feedback field
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("ingested", sa.Float, nullable=False),
    sa.Index("ix_dmarc_failures_domain", "domain", "arrival"),
)

tlsrpt_reports = sa.Table(
    "tlsrpt_reports",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("org_name", sa.String(255), nullable=False),
    sa.Column("report_id", sa.String(255), nullable=False),
    sa.Column("contact", sa.String(255), nullable=False),
    sa.Column("date_begin", sa.Float, nullable=False),
    sa.Column("date_end", sa.Float, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("ingested", sa.Float, nullable=False),
)

tlsrpt_policies = sa.Table(
    "tlsrpt_policies",
    metadata,
    sa.Column("key", sa.String(64), sa.ForeignKey("tlsrpt_reports.key"), primary_key=True),
    sa.Column("idx", sa.Integer, primary_key=True),
    sa.Column("policy_type", sa.String(32), nullable=False),
    sa.Column("policy_domain", sa.String(255), nullable=False),
    sa.Column("mx_hosts", sa.Text, nullable=False),  # JSON list
    sa.Column("successful", sa.Integer, nullable=False),
    sa.Column("failed", sa.Integer, nullable=False),
    sa.Index("ix_tlsrpt_policies_domain", "policy_domain"),
)

tlsrpt_failures = sa.Table(
    "tlsrpt_failures",
    metadata,
    sa.Column("key", sa.String(64), sa.ForeignKey("tlsrpt_reports.key"), primary_key=True),
    sa.Column("policy_idx", sa.Integer, primary_key=True),
    sa.Column("idx", sa.Integer, primary_key=True),
    sa.Column("result_type", sa.String(64), nullable=False),
    sa.Column("sessions", sa.Integer, nullable=False),
    sa.Column("sending_mta_ip", sa.String(64), nullable=False),
    sa.Column("receiving_mx", sa.String(255), nullable=False),
    sa.Column("receiving_ip", sa.String(64), nullable=False),
    sa.Column("reason_code", sa.String(255), nullable=False),
    sa.Column("info", sa.Text, nullable=False),
)


def report_key(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class FeedbackCounts:
    """What an ingest did: reports stored per kind, duplicates, rejected inputs (named)."""

    aggregate: int = 0
    failure: int = 0
    tlsrpt: int = 0
    duplicates: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    skipped_records: int = 0  # records of stored aggregate reports that could not be read

    def to_dict(self) -> dict[str, Any]:
        return {
            "aggregate": self.aggregate,
            "failure": self.failure,
            "tlsrpt": self.tlsrpt,
            "duplicates": self.duplicates,
            "skipped_records": self.skipped_records,
            "rejected": [r.to_dict() for r in self.rejected],
        }


def _aggregate_rows(key: str, report: AggregateReport) -> list[dict[str, Any]]:
    return [
        {
            "key": key,
            "idx": i,
            "source_ip": r.source_ip,
            "count": r.count,
            "disposition": r.disposition[:32],
            "dkim": r.dkim[:16],
            "spf": r.spf[:16],
            "header_from": r.header_from[:255],
            "envelope_from": r.envelope_from[:255],
            "reasons": json.dumps(r.reasons),
            "auth": json.dumps([[a.method, a.domain, a.result, a.selector or a.scope] for a in r.auth]),
        }
        for i, r in enumerate(report.rows)
    ]


# in insertion order: a report before the rows that refer to it
_TABLES = (dmarc_reports, dmarc_rows, dmarc_failures, tlsrpt_reports, tlsrpt_policies, tlsrpt_failures)


class _Batch:
    def __init__(self) -> None:
        self.tables: dict[str, list[dict[str, Any]]] = {t.name: [] for t in _TABLES}
        self.keys: dict[str, tuple[str, Report]] = {}

    def __len__(self) -> int:
        return len(self.keys)


def _key_of(report: Report) -> tuple[str, str]:
    from inboxtrace.feedback.model import AggregateReport, TlsReport

    if isinstance(report, AggregateReport):
        return "dmarc_reports", report_key("dmarc", report.org_name, report.report_id)
    if isinstance(report, TlsReport):
        return "tlsrpt_reports", report_key("tlsrpt", report.org_name, report.report_id)
    return "dmarc_failures", report_key("failure", report.report_id)


def _add(batch: _Batch, key: str, report: Report, source: str, now: float) -> None:
    from inboxtrace.feedback.model import AggregateReport, TlsReport

    t = batch.tables
    if isinstance(report, AggregateReport):
        t["dmarc_reports"].append(
            {
                "key": key,
                "org_name": report.org_name,
                "report_id": report.report_id,
                "email": report.email,
                "domain": report.domain,
                "date_begin": epoch(report.begin),
                "date_end": epoch(report.end),
                "policy": json.dumps(report.policy),
                "messages": report.messages,
                "problems": json.dumps(report.problems),
                "source": source,
                "ingested": now,
            }
        )
        t["dmarc_rows"].extend(_aggregate_rows(key, report))
    elif isinstance(report, TlsReport):
        t["tlsrpt_reports"].append(
            {
                "key": key,
                "org_name": report.org_name,
                "report_id": report.report_id,
                "contact": report.contact,
                "date_begin": epoch(report.begin),
                "date_end": epoch(report.end),
                "source": source,
                "ingested": now,
            }
        )
        for i, p in enumerate(report.policies):
            t["tlsrpt_policies"].append(
                {
                    "key": key,
                    "idx": i,
                    "policy_type": p.policy_type[:32],
                    "policy_domain": p.policy_domain[:255],
                    "mx_hosts": json.dumps(p.mx_hosts),
                    "successful": p.successful,
                    "failed": p.failed,
                }
            )
            for j, f in enumerate(p.failures):
                t["tlsrpt_failures"].append(
                    {
                        "key": key,
                        "policy_idx": i,
                        "idx": j,
                        "result_type": f.result_type[:64],
                        "sessions": f.sessions,
                        "sending_mta_ip": f.sending_mta_ip[:64],
                        "receiving_mx": f.receiving_mx[:255],
                        "receiving_ip": f.receiving_ip[:64],
                        "reason_code": f.reason_code[:255],
                        "info": f.info,
                    }
                )
    else:
        t["dmarc_failures"].append(
            {
                "key": key,
                "reporter": report.reporter,
                "arrival": epoch(report.arrival),
                "source_ip": report.source_ip,
                "domain": report.reported_domain,
                "auth_failure": report.auth_failure,
                "identity_alignment": report.identity_alignment,
                "delivery_result": report.delivery_result,
                "mail_from": report.original_mail_from,
                "rcpt_to": report.original_rcpt_to,
                "dkim_domain": report.dkim_domain,
                "dkim_selector": report.dkim_selector,
                "header_from": report.header_from,
                "subject": report.subject,
                "fields": json.dumps(report.fields),
                "source": source,
                "ingested": now,
            }
        )


def _existing(store: Store, conn: Connection, table: str, keys: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for clause, params in store.in_params(list(keys)):
        rows = conn.exec_driver_sql(f"SELECT key FROM {table} WHERE key {clause}", params)
        found.update(str(r[0]) for r in rows)
    return found


def _flush(store: Store, batch: _Batch, counts: FeedbackCounts) -> None:
    from inboxtrace.feedback.model import AggregateReport, TlsReport

    if not batch.keys:
        return
    with store.begin() as conn:
        by_table: dict[str, list[str]] = {}
        for key, (table, _r) in batch.keys.items():
            by_table.setdefault(table, []).append(key)
        seen: set[str] = set()
        for table, keys in by_table.items():
            seen |= _existing(store, conn, table, keys)
        for target in _TABLES:
            rows = [r for r in batch.tables[target.name] if r["key"] not in seen]
            if rows:
                store.bulk(conn, store.insert(target).on_conflict_do_nothing(), rows)
    for key, (_table, report) in batch.keys.items():
        if key in seen:
            counts.duplicates += 1
        elif isinstance(report, AggregateReport):
            counts.aggregate += 1
            counts.skipped_records += len(report.problems)
        elif isinstance(report, TlsReport):
            counts.tlsrpt += 1
        else:
            counts.failure += 1


@db_errors
def ingest_reports(
    store: Store, items: Iterable[Report | Rejected], *, batch_size: int = 500, source: str = ""
) -> FeedbackCounts:
    """Store every report of ``items`` once; rejections are counted and kept (named) in the result."""
    # (the report model, and the readers its package loads, only when reports are stored: opening
    # the store for anything else declares these tables without them)
    from inboxtrace.feedback.model import Rejected

    counts = FeedbackCounts()
    batch = _Batch()
    now = time.time()
    for item in items:
        if isinstance(item, Rejected):
            counts.rejected.append(item)
            continue
        table, key = _key_of(item)
        if key in batch.keys:  # the same report twice in one batch
            counts.duplicates += 1
            continue
        batch.keys[key] = (table, item)
        _add(batch, key, item, source, now)
        if len(batch) >= batch_size:
            _flush(store, batch, counts)
            batch = _Batch()
    _flush(store, batch, counts)
    return counts


@dataclass(frozen=True, slots=True)
class StoredRow:
    """One aggregate row with its report's facts, as the summaries read it."""

    org_name: str
    domain: str
    begin: datetime
    policy: str
    source_ip: str
    count: int
    disposition: str
    dkim: str
    spf: str
    header_from: str
    envelope_from: str
    reasons: tuple[tuple[str, str], ...]
    auth: tuple[tuple[str, str, str, str], ...]


@db_errors
def aggregate_rows(
    store: Store, *, domain: str | None = None, since: datetime | None = None
) -> Iterator[StoredRow]:
    """Stored aggregate rows (newest reports first), optionally of one domain and since a time."""
    from inboxtrace.store.logs import from_epoch

    r, w = dmarc_reports, dmarc_rows
    query = sa.select(
        r.c.org_name,
        r.c.domain,
        r.c.date_begin,
        r.c.policy,
        w.c.source_ip,
        w.c.count.label("n"),
        w.c.disposition,
        w.c.dkim,
        w.c.spf,
        w.c.header_from,
        w.c.envelope_from,
        w.c.reasons,
        w.c.auth,
    ).join(w, w.c.key == r.c.key)
    if domain:
        query = query.where(r.c.domain == domain.lower())
    if since is not None:
        query = query.where(r.c.date_end >= epoch(since))
    query = query.order_by(r.c.date_begin.desc(), r.c.key, w.c.idx)
    with store.connect() as conn:
        for row in conn.execute(query):
            policy = json.loads(row.policy).get("p", "")
            yield StoredRow(
                org_name=row.org_name,
                domain=row.domain,
                begin=from_epoch(row.date_begin) or datetime.min,
                policy=str(policy),
                source_ip=row.source_ip,
                count=int(row.n),
                disposition=row.disposition,
                dkim=row.dkim,
                spf=row.spf,
                header_from=row.header_from,
                envelope_from=row.envelope_from,
                reasons=tuple((str(a), str(b)) for a, b in json.loads(row.reasons)),
                auth=tuple((str(a), str(b), str(c), str(d)) for a, b, c, d in json.loads(row.auth)),
            )


@db_errors
def report_counts(
    store: Store, *, domain: str | None = None, since: datetime | None = None
) -> dict[str, int]:
    """How many reports of each kind are stored (within the filters)."""
    # kind: (table, its domain column (None: not filtered by domain), its time column)
    kinds = {
        "aggregate": (dmarc_reports, dmarc_reports.c.domain, dmarc_reports.c.date_end),
        "failure": (dmarc_failures, dmarc_failures.c.domain, dmarc_failures.c.arrival),
        "tlsrpt": (tlsrpt_reports, None, tlsrpt_reports.c.date_end),
    }
    out = {}
    with store.connect() as conn:
        for kind, (table, domain_col, time_col) in kinds.items():
            q = sa.select(sa.func.count()).select_from(table)
            if domain and domain_col is not None:
                q = q.where(domain_col == domain.lower())
            if since is not None:
                q = q.where(time_col >= epoch(since))
            out[kind] = int(conn.execute(q).scalar_one())
    return out


@db_errors
def failure_reports(
    store: Store, *, domain: str | None = None, since: datetime | None = None
) -> list[dict[str, Any]]:
    """Stored failure reports, newest first."""
    f = dmarc_failures
    q = sa.select(
        f.c.reporter,
        f.c.arrival,
        f.c.source_ip,
        f.c.domain,
        f.c.auth_failure,
        f.c.identity_alignment,
        f.c.delivery_result,
        f.c.mail_from,
        f.c.rcpt_to,
        f.c.dkim_domain,
        f.c.dkim_selector,
        f.c.header_from,
        f.c.subject,
    ).order_by(f.c.arrival.desc())
    if domain:
        q = q.where(f.c.domain == domain.lower())
    if since is not None:
        q = q.where(f.c.arrival >= epoch(since))
    with store.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]


@db_errors
def tls_rows(
    store: Store, *, domain: str | None = None, since: datetime | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Stored TLS-RPT policies and failure details (joined to their report's organisation and dates)."""
    r, p, fl = tlsrpt_reports, tlsrpt_policies, tlsrpt_failures
    pq = sa.select(
        r.c.org_name,
        r.c.date_begin,
        p.c.policy_type,
        p.c.policy_domain,
        p.c.mx_hosts,
        p.c.successful,
        p.c.failed,
    ).join(p, p.c.key == r.c.key)
    fq = sa.select(
        r.c.org_name,
        p.c.policy_domain,
        p.c.policy_type,
        fl.c.result_type,
        fl.c.sessions,
        fl.c.sending_mta_ip,
        fl.c.receiving_mx,
        fl.c.receiving_ip,
        fl.c.reason_code,
        fl.c.info,
    ).select_from(
        r.join(p, p.c.key == r.c.key).join(fl, sa.and_(fl.c.key == p.c.key, fl.c.policy_idx == p.c.idx))
    )
    if domain:
        pq = pq.where(p.c.policy_domain == domain.lower())
        fq = fq.where(p.c.policy_domain == domain.lower())
    if since is not None:
        pq = pq.where(r.c.date_end >= epoch(since))
        fq = fq.where(r.c.date_end >= epoch(since))
    with store.connect() as conn:
        return {
            "policies": [dict(x._mapping) for x in conn.execute(pq)],
            "failures": [dict(x._mapping) for x in conn.execute(fq)],
        }
