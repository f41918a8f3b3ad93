"""The log a real Postfix 3.7 wrote while relaying to a scripted receiver: every recipient's story."""

from __future__ import annotations

from pathlib import Path

import pytest

from inboxtrace.logs import LogStats
from inboxtrace.model import Delivery, FinalState, Message, Phase
from inboxtrace.timeline import read_logs
from tests.conftest import SHARED

LOG = SHARED / "corpus" / "logs" / "postfix-real-run" / "postfix.log"


@pytest.fixture(scope="module")
def run() -> tuple[list[Message], LogStats]:
    stats = LogStats()
    return list(read_logs([LOG], stats=stats)), stats


def _delivery(messages: list[Message], rcpt: str) -> tuple[Message, Delivery]:
    found = [(m, d) for m in messages for d in m.deliveries if d.recipient == rcpt]
    assert len(found) == 1, f"{rcpt}: {len(found)} deliveries"
    return found[0]


def test_every_line_accounted(run: tuple[list[Message], LogStats]) -> None:
    _, stats = run
    n_lines = len(LOG.read_text("utf-8").splitlines())
    assert stats.lines == n_lines
    assert stats.unknown == 0, stats.unknown_samples
    assert stats.events + sum(stats.ignored.values()) + stats.unknown == stats.lines
    assert stats.ignored["warning"] == 24


@pytest.mark.parametrize(
    ("rcpt", "state", "attempts", "reason_code"),
    [
        ("ok1@dest.test", FinalState.DELIVERED, 1, "250"),
        ("ok2@dest.test", FinalState.DELIVERED, 1, "250"),
        ("ok3@dest.test", FinalState.DELIVERED, 1, "250"),
        ("nobody@localhost", FinalState.DELIVERED, 1, None),
        ("reject1@dest.test", FinalState.BOUNCED, 1, "550"),
        ("reject2@dest.test", FinalState.BOUNCED, 1, "550"),
        ("full1@dest.test", FinalState.BOUNCED, 1, "552"),
        ("policy1@dest.test", FinalState.BOUNCED, 1, "554"),
        ("datafail1@dest.test", FinalState.BOUNCED, 1, "550"),
        ("tempfail1@dest.test", FinalState.EXPIRED, 7, "450"),
        ("tempfail2@dest.test", FinalState.EXPIRED, 7, "450"),
        ("greylist1@dest.test", FinalState.EXPIRED, 7, "451"),
        ("shutdown1@dest.test", FinalState.EXPIRED, 7, "421"),
        ("xyzzy@localhost", FinalState.REJECTED, 1, "550"),
    ],
)
def test_recipient_story(
    run: tuple[list[Message], LogStats], rcpt: str, state: FinalState, attempts: int, reason_code: str | None
) -> None:
    messages, _ = run
    _, d = _delivery(messages, rcpt)
    assert d.final_state is state
    assert len(d.attempts) == attempts
    last = d.attempts[-1]
    assert last.evidence is not None and last.evidence.source == str(LOG)
    line = LOG.read_text("utf-8").splitlines()[last.evidence.line_no - 1]
    assert line == last.evidence.line
    assert rcpt in line or state is FinalState.EXPIRED
    if reason_code is not None:
        assert last.reply is not None and reason_code in last.reply
        assert last.verdict is not None and last.verdict.reply_code == int(reason_code)
    times = [a.time for a in d.attempts]
    assert times == sorted(times)
    if state is FinalState.EXPIRED:
        assert d.attempts[-1].status == "expired"
        assert all(a.status == "deferred" for a in d.attempts[:-1])
        assert d.dsn_queue_id is not None  # the non-delivery notice Postfix sent


def test_delivered_has_remote_queue_id(run: tuple[list[Message], LogStats]) -> None:
    messages, _ = run
    msg, d = _delivery(messages, "ok1@dest.test")
    assert msg.queue_id == "15E7A16039A"
    assert msg.message_id == "ok1.2348@example.test"
    assert msg.sender == "sender@example.test" and msg.size == 281 and msg.nrcpt == 1
    assert d.attempts[0].remote_queue_id == "SINK17956238420001"
    assert msg.next_hops == ("SINK17956238420001",)
    assert d.attempts[0].relay_ip == "127.0.0.1" and d.attempts[0].relay_port == 2525
    assert d.attempts[0].delays == "0.04/0.01/0/0" and d.attempts[0].delay == pytest.approx(0.06)
    assert msg.received is not None and msg.received.year == 2026 and msg.completed is not None


def test_bounce_links_dsn_both_ways(run: tuple[list[Message], LogStats]) -> None:
    messages, _ = run
    msg, d = _delivery(messages, "reject1@dest.test")
    assert d.dsn_queue_id == "2A65A16039A"
    dsn = next(m for m in messages if m.queue_id == "2A65A16039A")
    assert dsn.dsn_of == msg.queue_id
    assert dsn.sender == ""
    assert dsn.deliveries[0].final_state is FinalState.DELIVERED


def test_phase_and_reason(run: tuple[list[Message], LogStats]) -> None:
    messages, _ = run
    _, data = _delivery(messages, "datafail1@dest.test")
    assert data.attempts[0].phase is Phase.END_OF_DATA
    _, unknown = _delivery(messages, "reject1@dest.test")
    assert unknown.attempts[0].phase is Phase.RCPT
    assert unknown.attempts[0].verdict is not None and unknown.attempts[0].verdict.reason == "userunknown"
    assert unknown.attempts[0].verdict.hard_bounce


def test_noqueue_reject_message(run: tuple[list[Message], LogStats]) -> None:
    messages, _ = run
    msg, d = _delivery(messages, "xyzzy@localhost")
    assert msg.queue_id.startswith("NOQUEUE-")
    assert msg.client_ip == "127.0.0.1" and msg.sender == "sender@example.test"
    assert d.attempts[0].status == "rejected"


def test_multi_recipient_message(run: tuple[list[Message], LogStats]) -> None:
    messages, _ = run
    msg = next(m for m in messages if m.queue_id == "576451603A0")
    states = {d.recipient: d.final_state for d in msg.deliveries}
    assert states == {
        "reject2@dest.test": FinalState.BOUNCED,
        "tempfail2@dest.test": FinalState.EXPIRED,
        "ok2@dest.test": FinalState.DELIVERED,
    }
    assert msg.nrcpt == 3 and msg.client_host == "unknown"


def test_every_queued_message_once(run: tuple[list[Message], LogStats]) -> None:
    messages, stats = run
    keys = [(m.host, m.queue_id) for m in messages]
    assert len(keys) == len(set(keys))
    removed = {
        line.split()[5].rstrip(":")
        for line in LOG.read_text("utf-8").splitlines()
        if line.endswith(": removed")
    }
    assert removed <= {q for _, q in keys}
    assert stats.messages == len(messages)


def test_same_log_as_stream_gives_same_result(run: tuple[list[Message], LogStats], tmp_path: Path) -> None:
    messages, _ = run
    with LOG.open("rb") as f:
        again = list(read_logs([f]))
    assert sorted((m.queue_id, tuple(d.final_state for d in m.deliveries)) for m in again) == sorted(
        (m.queue_id, tuple(d.final_state for d in m.deliveries)) for m in messages
    )
