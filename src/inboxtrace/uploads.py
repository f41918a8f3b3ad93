"""Uploaded files (an MTA log, a bounce message or mailbox) ingested as jobs with progress.

:func:`start_upload` records a job (:mod:`inboxtrace.store.ingest_jobs`) and reads the file,
in the caller's thread or in a background thread, updating the job as it goes: bytes and lines
read, messages stored, lines not understood; then its summary, or why it failed (a clear
message: damaged or binary input is counted as not understood, never a traceback). The file is
removed when the job ends.
"""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from inboxtrace.errors import InboxtraceError
from inboxtrace.store.core import Store
from inboxtrace.store.ingest_jobs import create_job, update_job

KINDS = ("logs", "bounces")


def _logs(store: Store, job_id: str, path: Path, name: str) -> dict[str, Any]:
    from inboxtrace.ingest import Progress, ingest

    def progress(p: Progress) -> None:
        update_job(store, job_id, bytes_read=p.bytes_done, lines=p.lines, stored=p.messages)

    summary = ingest([str(path)], store, resume=False, progress=progress, progress_interval=0.5)
    data: dict[str, Any] = summary.to_dict()
    data["upload"] = name
    update_job(
        store, job_id, bytes_read=path.stat().st_size, lines=summary.lines, stored=summary.messages,
        unparsed=summary.unknown + summary.truncated,
    )  # fmt: skip
    return data


def _bounces(store: Store, job_id: str, path: Path, name: str) -> dict[str, Any]:
    from inboxtrace.bounces import iter_paths, read_bounces
    from inboxtrace.store.bounces import ingest_bounces

    reports = list(read_bounces(iter_paths([path])))
    counts = ingest_bounces(store, [r for r in reports if not r.error])
    errors = [r.error for r in reports if r.error]
    reasons = Counter(rc.verdict.reason for r in reports for rc in r.recipients)
    update_job(store, job_id, bytes_read=path.stat().st_size, stored=counts.stored, unparsed=len(errors))
    return {
        "upload": name,
        "messages": len(reports),
        "stored": counts.stored,
        "duplicates": counts.duplicates,
        "recipients": counts.recipients,
        "unreadable": len(errors),
        "errors": errors[:10],
        "by_reason": dict(reasons.most_common()),
    }


def run_upload(store: Store, job_id: str, path: Path, kind: str, name: str) -> dict[str, Any]:
    """Ingest the file of job ``job_id`` now; its summary. The job ends ``done`` or ``failed``
    (the error re-raised), and the file is removed."""
    try:
        result = (_bounces if kind == "bounces" else _logs)(store, job_id, path, name)
    except InboxtraceError as exc:
        update_job(store, job_id, state="failed", error=str(exc))
        raise
    except Exception as exc:
        update_job(store, job_id, state="failed", error=f"internal error ({type(exc).__name__})")
        raise
    finally:
        path.unlink(missing_ok=True)
    update_job(store, job_id, state="done", result=result)
    return result


def start_upload(store: Store, path: Path, kind: str, name: str, *, background: bool) -> str:
    """Record a job for the uploaded ``path`` and ingest it (in a thread when ``background``,
    else before returning); its id."""
    if kind not in KINDS:
        path.unlink(missing_ok=True)
        raise InboxtraceError(f"unknown upload kind {kind!r}; one of: {', '.join(KINDS)}")
    job_id = create_job(store, kind, name, path.stat().st_size)
    if not background:
        run_upload(store, job_id, path, kind, name)
        return job_id

    def work() -> None:
        with contextlib.suppress(Exception):  # recorded on the job: nobody else to tell here
            run_upload(store, job_id, path, kind, name)

    threading.Thread(target=work, name=f"upload-{job_id}", daemon=True).start()
    return job_id


__all__ = ["KINDS", "run_upload", "start_upload"]
