"""Retention (``inboxtrace prune --older-than``): old timelines and bounces go, recent ones stay,
and the suppression list is the same before and after, on SQLite and the real PostgreSQL rig."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from inboxtrace.bounces import iter_paths, read_bounces
from inboxtrace.model import FinalState
from inboxtrace.store import Store, open_store
from inboxtrace.store.bounces import bounce_messages, bounce_recipients, ingest_bounces
from inboxtrace.store.log_queries import suppressions, trace
from inboxtrace.store.logs import log_deliveries, log_messages, write_messages
from inboxtrace.store.retention import prune
from tests.store.factory import SENT, T0, UNKNOWN_USER, attempt, delivery, message

DAY = 86400.0
CODE = "import sys; from inboxtrace.cli import main; sys.argv[0] = 'inboxtrace'; main()"

OLD_DSN = """\
From: MAILER-DAEMON@mx.dest.test
To: sender@example.test
Subject: Undelivered Mail Returned to Sender
Date: {date}
Message-ID: <{mid}@mx.dest.test>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

--b1
Content-Type: text/plain

Delivery failed.

--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.dest.test

Final-Recipient: rfc822; {rcpt}
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <{rcpt}>: User unknown

--b1--
"""


def _bounced(rcpt: str, t: float) -> object:
    return delivery(
        rcpt, FinalState.BOUNCED, attempt(t, "bounced", UNKNOWN_USER.format(rcpt=rcpt), dsn="5.1.1")
    )


def _sent(rcpt: str, t: float, qid: str) -> object:
    return delivery(
        rcpt, FinalState.DELIVERED, attempt(t, "sent", SENT.format(qid=qid), dsn="2.0.0", queued_as=qid)
    )


def _fill(store: Store, tmp: Path) -> None:
    write_messages(
        store,
        [
            # old: Bob delivered, Eve hard-bounced (and never delivered since: suppressed)
            message("OLD1", _sent("bob@example.org", 5, "R1"), _bounced("Eve@example.org", 6), completed=7),  # type: ignore[arg-type]
            # old: Carol hard-bounced, but delivered recently (not suppressed): the old bounce goes
            message("OLD2", _bounced("carol@example.org", 10), completed=11),  # type: ignore[arg-type]
            message("OLD3", _sent("dan@example.org", 20, "R3"), completed=21),  # type: ignore[arg-type]
            # recent (30 days later)
            message(
                "NEW1", _sent("carol@example.org", 30 * DAY, "R4"), received=30 * DAY, completed=30 * DAY + 1
            ),  # type: ignore[arg-type]
            message(
                "NEW2", _bounced("frank@example.org", 31 * DAY), received=31 * DAY, completed=31 * DAY + 1
            ),  # type: ignore[arg-type]
        ],
    )
    paths = []
    for i, (when, rcpt) in enumerate([(T0, "gone@dest.test"), (T0 + timedelta(days=30), "late@dest.test")]):
        p = tmp / f"dsn{i}.eml"
        text = OLD_DSN.format(date=when.strftime("%a, %d %b %Y %H:%M:%S +0000"), mid=f"b{i}", rcpt=rcpt)
        p.write_bytes(text.replace("\n", "\r\n").encode())
        paths.append(p)
    ingest_bounces(store, read_bounces(iter_paths(paths)))


def _rows(store: Store) -> tuple[list[str], list[tuple[str, str]], list[str]]:
    with store.connect() as conn:
        msgs = sorted(r[0] for r in conn.execute(sa.select(log_messages.c.queue_id)))
        dels = sorted(
            (str(q), str(r))
            for q, r in conn.execute(
                sa.select(log_messages.c.queue_id, log_deliveries.c.recipient).join(
                    log_deliveries, log_deliveries.c.mkey == log_messages.c.mkey
                )
            )
        )
        bounced = sorted(r[0] for r in conn.execute(sa.select(bounce_recipients.c.recipient_lc)))
    return msgs, dels, bounced


def test_prune_removes_old_timelines_and_keeps_suppressions(store: Store, tmp_path: Path) -> None:
    _fill(store, tmp_path)
    before = suppressions(store)
    assert {s.address for s in before} == {"eve@example.org", "frank@example.org"}
    dry = prune(store, T0 + timedelta(days=10), dry_run=True)
    assert _rows(store)[0] == ["NEW1", "NEW2", "OLD1", "OLD2", "OLD3"]
    counts = prune(store, T0 + timedelta(days=10))
    assert (dry.messages, dry.deliveries, dry.bounces) == (counts.messages, counts.deliveries, counts.bounces)
    assert (counts.messages, counts.deliveries, counts.bounces, counts.kept_for_suppressions) == (2, 3, 1, 1)
    msgs, dels, bounced = _rows(store)
    # OLD1 stays only for Eve's hard bounce; Bob's old delivery, OLD2 and OLD3 are gone
    assert msgs == ["NEW1", "NEW2", "OLD1"]
    assert dels == [("NEW1", "carol@example.org"), ("NEW2", "frank@example.org"), ("OLD1", "Eve@example.org")]
    assert bounced == ["late@dest.test"]
    assert suppressions(store) == before
    assert trace(store, "dan@example.org").stories == ()
    assert len(trace(store, "carol@example.org").stories) == 1
    # a second prune finds nothing more
    again = prune(store, T0 + timedelta(days=10))
    assert (again.messages, again.deliveries, again.bounces) == (0, 0, 0)
    with store.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(bounce_messages)).scalar_one() == 1


def test_prune_command(store_url: str, tmp_path: Path) -> None:
    with open_store(store_url) as store:
        _fill(store, tmp_path)
    # the old rows are from 20 November 2026, the recent ones 30 days later: 10000d keeps all
    keep = subprocess.run(
        [sys.executable, "-c", CODE, "prune", "--older-than", "10000d", "--db", store_url, "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert keep.returncode == 0, keep.stderr
    assert '"messages": 0' in keep.stdout
    # a cut-off between the old rows and the recent ones, whatever today's date
    age = (datetime.now(UTC) - (T0 + timedelta(days=10))).days
    cut = subprocess.run(
        [sys.executable, "-c", CODE, "prune", "--older-than", f"{age}d", "--db", store_url],
        capture_output=True,
        text=True,
        check=False,
    )
    assert cut.returncode == 0, cut.stderr
    assert "removed 2 messages, 3 recipient timelines" in cut.stdout
    with open_store(store_url) as store:
        assert _rows(store)[0] == ["NEW1", "NEW2", "OLD1"]
    bad = subprocess.run(
        [sys.executable, "-c", CODE, "prune", "--older-than", "soon", "--db", store_url],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2 and "not an age" in bad.stderr and "Traceback" not in bad.stderr


def test_the_web_server_applies_retention_daily(store_url: str, tmp_path: Path) -> None:
    """``serve --retention-days N``: the app prunes when it starts and then once a day."""
    from fastapi.testclient import TestClient

    from inboxtrace.web.app import create_app
    from inboxtrace.web.config import WebConfig

    with open_store(store_url) as store:
        _fill(store, tmp_path)
    age = (datetime.now(UTC) - (T0 + timedelta(days=10))).days
    app = create_app(WebConfig(db=store_url, auth=False, retention_days=age))
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with open_store(store_url) as store:
                if _rows(store)[0] == ["NEW1", "NEW2", "OLD1"]:
                    break
            time.sleep(0.2)
    with open_store(store_url) as store:
        assert _rows(store)[0] == ["NEW1", "NEW2", "OLD1"]
        assert {s.address for s in suppressions(store)} == {"eve@example.org", "frank@example.org"}
