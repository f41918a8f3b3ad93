"""Fault test: webhook requests on loopback while the receiver is killed (SIGKILL) and restarted.

Every event answered 2xx must be in the store exactly once; requests that failed are retried
like a provider would, and add nothing twice.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import sqlalchemy as sa

from inboxtrace.store import open_store
from inboxtrace.store.esp import esp_events
from inboxtrace.store.logs import log_deliveries
from tests.esp.keys import SendGridSigner
from tests.esp.payloads import T0
from tests.rigs import free_port

N_REQUESTS = 150
PER_REQUEST = 4


def _start(db: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    code = "from inboxtrace.cli import main; main()"
    return subprocess.Popen(
        [sys.executable, "-c", code, "events", "receive", "--db", db, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _wait_up(url: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            httpx.post(url + "/webhooks/sendgrid", content=b"[]", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError("receiver did not come up")


def test_acknowledged_events_survive_kills(tmp_path: Path) -> None:
    signer = SendGridSigner()
    db = f"sqlite:///{tmp_path / 'fault.db'}"
    open_store(db).close()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, INBOXTRACE_SENDGRID_PUBLIC_KEY=signer.public_b64)
    bodies = []
    for i in range(N_REQUESTS):
        batch = [
            {
                "email": f"r{i}-{j}@example.com",
                "timestamp": T0 + i,
                "event": "delivered" if j % 2 else "bounce",
                "type": "bounce",
                "reason": "550 5.1.1 user unknown",
                "response": "250 2.0.0 OK",
                "sg_event_id": f"ev-{i}-{j}",
                "sg_message_id": f"m{i}-{j}.filter",
                "smtp-id": f"<m{i}.{j}@sender.example>",
            }
            for j in range(PER_REQUEST)
        ]
        bodies.append(json.dumps(batch).encode())

    proc = _start(db, port, env)
    _wait_up(url, time.monotonic() + 30)
    acked: list[str] = []
    stop = threading.Event()
    kills = 0
    lock = threading.Lock()

    served = 0  # requests acknowledged so far

    def killer() -> None:
        # kills at a quarter, a half and three quarters of the stream, however fast the machine
        # serves it (a kill timed in seconds can land after a quick machine has served everything)
        nonlocal proc, kills
        while not stop.is_set() and kills < 3:
            if served < (kills + 1) * N_REQUESTS // 4:
                time.sleep(0.002)
                continue
            with lock:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                kills += 1
                proc = _start(db, port, env)

    t = threading.Thread(target=killer, daemon=True)
    t.start()
    pending = list(range(N_REQUESTS))
    attempts = 0
    deadline = time.monotonic() + 120
    with httpx.Client(base_url=url, timeout=5) as client:
        while pending and time.monotonic() < deadline:
            i = pending.pop(0)
            attempts += 1
            try:
                r = client.post("/webhooks/sendgrid", content=bodies[i], headers=signer.headers(bodies[i]))
            except httpx.HTTPError:
                pending.append(i)  # retried later, like the provider would
                time.sleep(0.05)
                continue
            if r.status_code == 200:
                acked.extend(f"ev-{i}-{j}" for j in range(PER_REQUEST))
                served += 1
            else:
                pending.append(i)
    stop.set()
    t.join(30)
    with lock:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)
    assert not pending, f"{len(pending)} requests never acknowledged"
    assert kills == 3 and attempts > N_REQUESTS  # the server really died under the stream
    with open_store(db) as store, store.connect() as conn:
        ids = [r[0] for r in conn.execute(sa.select(esp_events.c.event_id))]
        rows = conn.execute(sa.select(log_deliveries.c.recipient, log_deliveries.c.final_state)).all()
    assert sorted(ids) == sorted(acked) and len(set(ids)) == len(ids) == N_REQUESTS * PER_REQUEST
    assert len(rows) == N_REQUESTS * PER_REQUEST
    assert {s for _, s in rows} == {"delivered", "bounced"}
