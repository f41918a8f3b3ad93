"""Many agents, one store (issue 15): four ``inboxtrace ingest --follow`` agents tail four hosts'
growing logs into one real PostgreSQL. Two logs are rotated, one agent is killed (SIGKILL) and
restarted, and the database is restarted once, all while lines keep coming: the agents retry with
backoff, resume from their checkpoints, and the store ends with the rows of one one-process ingest
of the same files. A message relayed from one host to another ("queued as") is traced across both,
though the receiving host's agent wrote it first."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from inboxtrace.ingest import ingest
from inboxtrace.store import open_store
from inboxtrace.store.log_queries import trace
from inboxtrace.store.logs import log_sources
from tests.conftest import generated_log
from tests.integration.test_split_ingests import Rows, rows
from tests.rigs.postgres import PostgresRig

pytestmark = pytest.mark.postgres

CODE = "import sys; from inboxtrace.cli import main; sys.argv[0] = 'inboxtrace'; main()"
HOSTS = 4
LINES = 3_000
STEPS = 8

# A message relayed from mta0 to mta1 (real Postfix 3.x line shapes): mta1 logs it first.
EDGE = """\
Mar 14 00:00:00 mta0 postfix/smtpd[100]: connect from app1.example.com[10.0.0.11]
Mar 14 00:00:00 mta0 postfix/smtpd[100]: 1A2B3C4D5E: client=app1.example.com[10.0.0.11]
Mar 14 00:00:00 mta0 postfix/cleanup[101]: 1A2B3C4D5E: message-id=<hop.1@app.example.com>
Mar 14 00:00:00 mta0 postfix/qmgr[999]: 1A2B3C4D5E: from=<news@shop.example.com>, size=1000, nrcpt=1 (queue active)
Mar 14 00:00:00 mta0 postfix/smtp[102]: 1A2B3C4D5E: to=<hop@corp.example>, relay=mta1.example.net[10.9.0.2]:25, delay=0.2, delays=0.05/0.01/0.05/0.09, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 9F8E7D6C5B)
Mar 14 00:00:00 mta0 postfix/qmgr[999]: 1A2B3C4D5E: removed
"""
HUB = """\
Mar 14 00:00:00 mta1 postfix/smtpd[200]: connect from mta0.example.net[10.9.0.1]
Mar 14 00:00:00 mta1 postfix/smtpd[200]: 9F8E7D6C5B: client=mta0.example.net[10.9.0.1]
Mar 14 00:00:00 mta1 postfix/cleanup[201]: 9F8E7D6C5B: message-id=<hop.1@app.example.com>
Mar 14 00:00:00 mta1 postfix/qmgr[999]: 9F8E7D6C5B: from=<news@shop.example.com>, size=1200, nrcpt=1 (queue active)
Mar 14 00:00:01 mta1 postfix/smtp[202]: 9F8E7D6C5B: to=<hop@corp.example>, relay=mail.corp.example[198.51.100.7]:25, delay=0.5, delays=0.1/0.01/0.2/0.19, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4C3B2A)
Mar 14 00:00:01 mta1 postfix/qmgr[999]: 9F8E7D6C5B: removed
"""


@pytest.fixture(scope="module")
def pg() -> Iterator[PostgresRig]:
    with PostgresRig.start() as rig:
        yield rig


def _host_lines(tmp: Path, i: int) -> list[str]:
    text = generated_log(tmp / f"gen{i}.log", LINES, "--seed", str(100 + i)).read_text()
    text = text.replace(" mx1 postfix/", f" mta{i} postfix/")
    extra = EDGE if i == 0 else HUB if i == 1 else ""
    return (extra + text).splitlines(keepends=True)


def _agent(url: str, log: Path, errs: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", CODE, "ingest", "--follow", "--quiet", "--db", url, str(log)],
        stdout=subprocess.DEVNULL,
        stderr=errs.open("ab"),
    )


def _count(url: str) -> int:
    from inboxtrace.store.log_queries import message_count

    try:
        with open_store(url) as store:
            return int(message_count(store))
    except Exception:
        return -1


def _wait_for_checkpoints(url: str, logs: list[Path]) -> None:
    keys = {f"follow:{os.path.abspath(p)}" for p in logs}
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with open_store(url) as store, store.connect() as conn:
            if keys <= set(conn.execute(sa.select(log_sources.c.key)).scalars()):
                return
        time.sleep(0.5)
    raise AssertionError("the agents did not start following within 2 minutes")


def test_four_agents_with_rotations_a_kill_and_a_database_restart(pg: PostgresRig, tmp_path: Path) -> None:
    url = pg.create_database("agents")
    open_store(url).close()
    hosts = [tmp_path / f"mta{i}" for i in range(HOSTS)]
    lines = [_host_lines(tmp_path, i) for i in range(HOSTS)]
    for d in hosts:
        d.mkdir()
        (d / "mail.log").touch()
    errs = [tmp_path / f"agent{i}.err" for i in range(HOSTS)]
    agents: list[subprocess.Popen[bytes]] = [None] * HOSTS  # type: ignore[list-item]
    for i in reversed(range(HOSTS)):  # mta1's agent is up (and writes the relayed message) first
        agents[i] = _agent(url, hosts[i] / "mail.log", errs[i])
    try:
        time.sleep(2.0)
        for step in range(STEPS):
            for i in range(HOSTS):
                per = len(lines[i]) // STEPS + 1
                with (hosts[i] / "mail.log").open("a") as f:
                    f.writelines(lines[i][step * per : (step + 1) * per])
            time.sleep(1.0)
            if step == 0:  # every agent is up and reading its log (a busy machine starts them slowly)
                _wait_for_checkpoints(url, [d / "mail.log" for d in hosts])
            if step == 2:  # logrotate on two hosts: the rest of their lines go to a new file
                for i in (0, 2):
                    (hosts[i] / "mail.log").rename(hosts[i] / "mail.log.1")
                    (hosts[i] / "mail.log").touch()
            if step == 3:  # one agent killed outright, restarted a moment later
                agents[1].send_signal(signal.SIGKILL)
                agents[1].wait(timeout=30)
                time.sleep(1.0)
                agents[1] = _agent(url, hosts[1] / "mail.log", errs[1])
            if step == 5:  # the database goes down for a few seconds under the agents, lines still coming
                pg.restart(down_for=4.0)
        # wait until the agents have read everything (the count of stored messages stops moving)
        last, still = -2, 0
        deadline = time.monotonic() + 180
        while still < 4 and time.monotonic() < deadline:
            time.sleep(1.0)
            now = _count(url)
            still = still + 1 if now == last else 0
            last = now
        for a in agents:
            assert a.poll() is None, errs[agents.index(a)].read_text()
            a.send_signal(signal.SIGTERM)
        codes = [a.wait(timeout=120) for a in agents]
    finally:
        for a in agents:
            if a is not None and a.poll() is None:
                a.kill()
                a.wait()
    assert codes == [0] * HOSTS, [e.read_text() for e in errs]
    files = [str(p) for d in hosts for p in sorted(d.glob("mail.log*"), reverse=True)]
    ref = f"sqlite:///{tmp_path / 'ref.db'}"
    with open_store(ref) as store:
        ingest(files, store, jobs=1)
        expected: Rows = rows(store)
    with open_store(url) as store:
        got = rows(store)
        per_host = {
            h: (sum(r[1] == h for r in got), sum(r[1] == h for r in expected))
            for h in {r[1] for r in expected}
        }
        assert len(got) == len(expected), per_host
        assert got == expected
        (story,) = trace(store, "hop@corp.example").stories
        assert {lk.message.host for lk in story.messages} == {"mta0", "mta1"}
    assert "retrying in" in "".join(e.read_text() for e in errs)  # the restart was noticed and survived
