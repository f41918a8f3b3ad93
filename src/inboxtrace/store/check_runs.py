"""Sender checks kept for their history: each run of a domain/IP check with its score and findings."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from inboxtrace.model.check import CheckResult
from inboxtrace.store.core import Store, db_errors, metadata, register_schema
from inboxtrace.store.logs import from_epoch

register_schema("check_runs", 1)

check_runs = sa.Table(
    "check_runs",
    metadata,
    sa.Column("run_id", sa.String(24), primary_key=True),
    sa.Column("domain", sa.String(255), nullable=False),
    sa.Column("ip", sa.String(64)),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("score", sa.Integer),
    sa.Column("complete", sa.Boolean, nullable=False),
    sa.Column("result", sa.Text, nullable=False),  # CheckResult.to_dict() as JSON
    sa.Index("ix_check_runs_domain", "domain", "created"),
)


@dataclass(frozen=True, slots=True)
class CheckRun:
    run_id: str
    domain: str
    ip: str | None
    created: datetime
    score: int | None
    complete: bool
    result: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.run_id,
            "domain": self.domain,
            "ip": self.ip,
            "created": self.created.isoformat(),
            "score": self.score,
            "complete": self.complete,
            "result": self.result,
        }


def _run(row: Any) -> CheckRun:
    return CheckRun(
        run_id=row.run_id,
        domain=row.domain,
        ip=row.ip,
        created=from_epoch(row.created) or datetime.min,
        score=row.score,
        complete=bool(row.complete),
        result=json.loads(row.result),
    )


@db_errors
def save_check(store: Store, result: CheckResult, *, ip: str | None = None) -> CheckRun:
    """Store one finished check; returns it with its new id."""
    run_id = secrets.token_hex(8)
    data = json.loads(json.dumps(result.to_dict(), default=str))
    now = time.time()
    with store.begin() as conn:
        conn.execute(
            check_runs.insert().values(
                run_id=run_id,
                domain=result.domain,
                ip=ip,
                created=now,
                score=result.score,
                complete=result.complete,
                result=json.dumps(data, ensure_ascii=False),
            )
        )
    return CheckRun(
        run_id, result.domain, ip, from_epoch(now) or datetime.min, result.score, result.complete, data
    )


@db_errors
def get_check(store: Store, run_id: str) -> CheckRun | None:
    with store.connect() as conn:
        row = conn.execute(sa.select(check_runs).where(check_runs.c.run_id == run_id)).first()
    return _run(row) if row else None


@db_errors
def check_history(store: Store, domain: str | None = None, *, limit: int = 50) -> list[CheckRun]:
    """Earlier checks, newest first (of one domain when given)."""
    q = sa.select(check_runs).order_by(check_runs.c.created.desc()).limit(limit)
    if domain:
        q = q.where(check_runs.c.domain == domain.strip().lower().rstrip("."))
    with store.connect() as conn:
        return [_run(r) for r in conn.execute(q)]


__all__ = ["CheckRun", "check_history", "get_check", "save_check"]
