"""Uploads being ingested by the web server, as jobs a page or a program can follow.

One row per job: what is being read (kind, file name, size), how far it got (bytes and lines
read, messages stored, lines not understood), its state (``running``, ``done``, ``failed``) and,
once finished, its summary (the ``ingest --json`` object) or the reason it failed. Kept in the
store so every worker process of the server answers for every job.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from inboxtrace.store.core import Store, db_errors, metadata

ingest_jobs = sa.Table(
    "ingest_jobs",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),  # logs or bounces
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("bytes_total", sa.BigInteger),
    sa.Column("bytes_read", sa.BigInteger, nullable=False, default=0),
    sa.Column("lines", sa.BigInteger, nullable=False, default=0),
    sa.Column("stored", sa.BigInteger, nullable=False, default=0),  # messages written to the store
    sa.Column("unparsed", sa.BigInteger, nullable=False, default=0),
    sa.Column("started", sa.Float, nullable=False),
    sa.Column("finished", sa.Float),
    sa.Column("pid", sa.Integer),  # the process doing the work (a job whose process died is "interrupted")
    sa.Column("result", sa.Text),
    sa.Column("error", sa.Text),
)

STATES = ("running", "done", "failed", "interrupted")


@dataclass(frozen=True, slots=True)
class IngestJob:
    id: str
    kind: str
    name: str
    state: str
    bytes_total: int | None
    bytes_read: int
    lines: int
    stored: int
    unparsed: int
    started: float
    finished: float | None
    result: dict[str, Any] | None
    error: str | None

    @property
    def percent(self) -> float | None:
        if self.state == "done":
            return 100.0
        if not self.bytes_total:
            return None
        return round(min(100.0, 100.0 * self.bytes_read / self.bytes_total), 1)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "name": self.name,
            "state": self.state,
            "bytes_total": self.bytes_total,
            "bytes_read": self.bytes_read,
            "percent": self.percent,
            "lines": self.lines,
            "stored": self.stored,
            "unparsed": self.unparsed,
            "started": self.started,
            "finished": self.finished,
            "result": self.result,
            "error": self.error,
        }


@db_errors
def create_job(store: Store, kind: str, name: str, size: int | None) -> str:
    """A new running job; its id (random, URL-safe)."""
    job_id = secrets.token_urlsafe(12)
    with store.begin() as conn:
        conn.execute(
            sa.insert(ingest_jobs).values(
                id=job_id, kind=kind, name=name[:255], state="running", bytes_total=size,
                bytes_read=0, lines=0, stored=0, unparsed=0, started=time.time(), pid=os.getpid(),
            )
        )  # fmt: skip
    return job_id


@db_errors
def update_job(store: Store, job_id: str, **values: Any) -> None:
    """Record progress (``bytes_read``, ``lines``, ``stored``, ``unparsed``) or the end
    (``state``, ``result`` as a dict, ``error``)."""
    if "result" in values and values["result"] is not None:
        values["result"] = json.dumps(values["result"], ensure_ascii=False)
    if values.get("state") in ("done", "failed"):
        values["finished"] = time.time()
    with store.begin() as conn:
        conn.execute(sa.update(ingest_jobs).where(ingest_jobs.c.id == job_id).values(**values))


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@db_errors
def get_job(store: Store, job_id: str) -> IngestJob | None:
    """The job, or None. A job still ``running`` whose process is gone is ``interrupted``."""
    with store.connect() as conn:
        r = conn.execute(sa.select(ingest_jobs).where(ingest_jobs.c.id == job_id)).mappings().first()
    if r is None:
        return None
    state = r["state"]
    if state == "running" and not _alive(r["pid"]):
        state = "interrupted"
    return IngestJob(
        id=r["id"], kind=r["kind"], name=r["name"], state=state, bytes_total=r["bytes_total"],
        bytes_read=int(r["bytes_read"] or 0), lines=int(r["lines"] or 0), stored=int(r["stored"] or 0),
        unparsed=int(r["unparsed"] or 0), started=float(r["started"]), finished=r["finished"],
        result=json.loads(r["result"]) if r["result"] else None, error=r["error"],
    )  # fmt: skip


__all__ = ["STATES", "IngestJob", "create_job", "get_job", "ingest_jobs", "update_job"]
