"""``inboxtrace events receive --workers 2``: two server processes share the port and one store.

Every request answered 200 has its event stored, exactly once, even when the same event reaches
both workers (a provider's retry), and the workers are really two processes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import sqlalchemy as sa

from inboxtrace.store import open_store
from inboxtrace.store.esp import esp_events
from inboxtrace.store.logs import log_deliveries
from tests.esp.keys import SendGridSigner
from tests.esp.payloads import T0
from tests.esp.test_fault import _wait_up
from tests.rigs import free_port

N_EVENTS = 240


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False).stdout
    return [int(p) for p in out.split()]


def test_two_workers_store_every_acknowledged_event_once(tmp_path: Path) -> None:
    signer = SendGridSigner()
    db = f"sqlite:///{tmp_path / 'workers.db'}"  # a new store: the parent creates it before the workers start
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, INBOXTRACE_SENDGRID_PUBLIC_KEY=signer.public_b64)
    code = "from inboxtrace.cli import main; main()"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "events", "receive", "--db", db, "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_up(url, time.monotonic() + 60)
        bodies = [
            json.dumps(
                [
                    {
                        "email": f"r{i}@example.com",
                        "timestamp": T0 + i,
                        "event": "delivered",
                        "response": "250 2.0.0 OK",
                        "sg_event_id": f"ev-{i}",
                        "sg_message_id": f"m{i}.filter",
                        "smtp-id": f"<m{i}@sender.example>",
                    }
                ]
            ).encode()
            for i in range(N_EVENTS)
        ]
        sends = [*bodies, *bodies[: N_EVENTS // 4]]  # a quarter sent twice, as a provider's retries

        def post(body: bytes) -> int:
            with httpx.Client(base_url=url, timeout=30) as client:
                return client.post(
                    "/webhooks/sendgrid", content=body, headers=signer.headers(body)
                ).status_code

        with ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(post, sends))
        workers = _children(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert codes == [200] * len(sends), err.decode(errors="replace")[-2000:]
    assert len(workers) >= 2, workers  # uvicorn's supervisor and its two server processes
    with open_store(db) as store, store.connect() as conn:
        ids = [r[0] for r in conn.execute(sa.select(esp_events.c.event_id))]
        states = conn.execute(sa.select(log_deliveries.c.final_state)).scalars().all()
    assert sorted(ids) == sorted(f"ev-{i}" for i in range(N_EVENTS))
    assert states == ["delivered"] * N_EVENTS
