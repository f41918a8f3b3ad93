"""The overview's rollup stays equal to a count from scratch through incremental writes: split
ingests whose messages cross a piece and a midnight, a resumed ingest, ``ingest --follow``, a
retention prune; on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from inboxtrace.ingest import follow, ingest
from inboxtrace.report.summary import build_day_report, build_report
from inboxtrace.store import Store, open_store, rollup
from inboxtrace.store.log_queries import grouped_counts
from inboxtrace.store.retention import prune
from tests.conftest import generated_log

_STAMP = re.compile(r"^Mar (\d\d) (\d\d):(\d\d):(\d\d)")


def _late_evening_log(tmp_path: Path) -> list[str]:
    """A generated Postfix log moved to start at 23:50, so retries of deferred mail (minutes to
    hours later) end after midnight: deliveries change day when their later lines arrive."""
    raw = generated_log(tmp_path / "gen.log", 14000).read_text().splitlines(keepends=True)
    out = []
    for line in raw:
        m = _STAMP.match(line)
        assert m, line
        t = datetime(2026, 3, int(m[1]), int(m[2]), int(m[3]), int(m[4])) + timedelta(hours=23, minutes=50)
        out.append(t.strftime("%b %d %H:%M:%S") + line[m.end() :])
    return out


def _snapshot(store: Store) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    r, mr = rollup.delivery_rollup.c, rollup.message_rollup.c
    with store.connect() as conn:
        rows = conn.execute(
            sa.select(r.day, r.notice, r.final_state, r.reason, r.rcpt_domain, r.provider, r.recipients)
        ).all()
        msgs = conn.execute(sa.select(mr.day, mr.notice, mr.messages)).all()
    norm = [(*row[:1], bool(row[1]), *row[2:6], int(row[6])) for row in rows]
    return sorted(norm, key=repr), sorted(((d, bool(n), int(c)) for d, n, c in msgs), key=repr)


def _assert_equals_scratch(store: Store) -> None:
    rollup.refresh(store)
    incremental = _snapshot(store)
    rollup.rebuild(store)
    assert _snapshot(store) == incremental
    # and the rollup's days agree with the report counted from the rows themselves
    by_day = {g.key: dict(g.counts) for g in grouped_counts(store, "day")}
    days = sorted(by_day)
    rep = build_day_report(
        store, datetime.fromisoformat(days[0]).date(), datetime.fromisoformat(days[-1]).date()
    )
    assert {r.key: r.counts for r in rep.sections["by_day"]} == by_day
    raw = build_report(store)
    assert rep.totals == raw.totals
    assert {r.key: r.counts for r in rep.sections["by_reason"]} == {
        r.key: r.counts for r in raw.sections["by_reason"]
    }
    assert rep.notices == raw.notices


def _follow(path: Path, store: Store, lines: list[str]) -> None:
    """``follow`` a file while its lines are appended, until it has been quiet for a moment."""
    done = threading.Event()

    def append() -> None:
        with path.open("a") as f:
            for i in range(0, len(lines), 50):
                f.writelines(lines[i : i + 50])
                f.flush()
                time.sleep(0.01)
        done.set()

    quiet: list[float] = []

    def should_stop() -> bool:
        if not done.is_set():
            return False
        quiet.append(time.monotonic())
        return quiet[-1] - quiet[0] > 1.0

    writer = threading.Thread(target=append)
    writer.start()
    follow(str(path), store, should_stop=should_stop, poll_interval=0.05)
    writer.join()


def test_rollup_follows_split_ingests_resume_follow_and_prune(store: Store, tmp_path: Path) -> None:
    lines = _late_evening_log(tmp_path)
    a, b = len(lines) // 3, 2 * len(lines) // 3
    first = tmp_path / "mail.log.2"
    first.write_text("".join(lines[:a]))
    ingest([str(first)], store)  # an empty store: counted once at the end
    assert rollup.refresh(store) == 0  # nothing left to do

    second = tmp_path / "mail.log.1"  # an interrupted read of the second piece, then resumed
    second.write_text("".join(lines[a : a + (b - a) // 2]))
    ingest([str(second)], store)
    with second.open("a") as f:
        f.writelines(lines[a + (b - a) // 2 : b])
    ingest([str(second)], store)
    _assert_equals_scratch(store)

    live = tmp_path / "mail.log"  # the rest arrives while `ingest --follow` runs
    live.touch()
    counter = rollup.write_counter(store)
    _follow(live, store, lines[b:])
    assert rollup.write_counter(store) > counter  # what the Activity page's event stream watches
    with store.connect() as conn:
        deltas = conn.execute(sa.select(sa.func.count()).select_from(rollup.rollup_delta)).scalar()
    assert deltas, "follow left no delta for the rollup"
    days_before = {g.key for g in grouped_counts(store, "day")}
    assert len(days_before) >= 2, "the log should end its deliveries on two days"
    _assert_equals_scratch(store)

    again = tmp_path / "all.log"  # the whole log once more as one file: merges every message
    again.write_text("".join(lines))
    ingest([str(again)], store)
    _assert_equals_scratch(store)

    newest = max(days_before)
    prune(store, datetime.fromisoformat(newest).replace(tzinfo=UTC))
    _assert_equals_scratch(store)


def test_a_store_without_a_rollup_is_counted_on_first_read(tmp_path: Path) -> None:
    lines = _late_evening_log(tmp_path)
    log = tmp_path / "mail.log"
    log.write_text("".join(lines))
    url = f"sqlite:///{tmp_path / 'old.db'}"
    with open_store(url) as store:
        ingest([str(log)], store)
        with store.begin() as conn:  # as a store made before the rollup existed
            conn.execute(sa.delete(rollup.delivery_rollup))
            conn.execute(sa.text("DELETE FROM inboxtrace_meta WHERE key = 'rollup'"))
        assert rollup.refresh(store) == -1
        day = max(g.key for g in grouped_counts(store, "day"))
        d = datetime.fromisoformat(day).date()
        rep = build_day_report(store, d, d)
        assert rep.recipients == sum(
            next(g for g in grouped_counts(store, "day") if g.key == day).counts.values()
        )


def test_rollup_follows_esp_events_in_any_order_and_a_late_join(store: Store, tmp_path: Path) -> None:
    """ESP webhooks rewrite a message's rows at every event (and move an event filed under its
    Message-ID to the provider's id when that arrives): the rollup keeps step."""
    import itertools
    import json

    from inboxtrace.esp import EspSettings, provider
    from inboxtrace.store.esp import write_events
    from tests.esp import payloads

    log = tmp_path / "mail.log"
    log.write_text("".join(_late_evening_log(tmp_path)[:3000]))
    ingest([str(log)], store)
    ses = provider("ses", EspSettings())
    for n, order in enumerate(itertools.permutations(["Send", "DeliveryDelay", "Delivery", "Bounce"])):
        for kind in order:
            body = {
                "Type": "Notification",
                "MessageId": f"p{n}-{kind}",
                "Message": json.dumps(payloads.ses_record(kind, msg=f"perm-{n}")),
            }
            write_events(store, ses.parse(body))
        if n % 6 == 5:
            _assert_equals_scratch(store)
    sg = provider("sendgrid", EspSettings())
    late = {"email": "a@example.com", "timestamp": payloads.T0 + 100, "event": "bounce", "type": "bounce",
            "smtp-id": "<j.1@sender.example>", "sg_event_id": "b1", "reason": "550 5.1.1 user unknown"}  # fmt: skip
    write_events(store, sg.parse(json.dumps([late])))  # filed under the Message-ID for now
    _assert_equals_scratch(store)
    done = {"email": "a@example.com", "timestamp": payloads.T0, "event": "delivered", "sg_event_id": "d1",
            "smtp-id": "<j.1@sender.example>", "sg_message_id": "j1.filter", "response": "250 2.0.0 OK"}  # fmt: skip
    write_events(store, sg.parse(json.dumps([done])))  # now under the provider's id: the old one goes
    _assert_equals_scratch(store)


def test_a_first_load_counts_the_rollup_beside_the_index_build(store: Store, tmp_path: Path) -> None:
    """The count of a bulk load (store.rollup.Recount: a reading connection in a thread on SQLite)
    equals one from scratch, and leaves for the next refresh the deltas committed after it began."""
    from inboxtrace.store.logs import write_messages
    from inboxtrace.timeline import read_logs

    lines = _late_evening_log(tmp_path)
    half = tmp_path / "mail.log.1"
    half.write_text("".join(lines[: len(lines) // 2]))
    ingest([str(half)], store)
    assert rollup.refresh(store) == 0  # counted, nothing left
    counted = _snapshot(store)
    assert counted[0] and counted[1]
    rollup.rebuild(store)
    assert _snapshot(store) == counted

    recount = rollup.Recount(store)
    recount.start()
    if recount._thread is not None:  # SQLite: the count has read its snapshot
        recount._thread.join()
    rest = tmp_path / "mail.log"
    rest.write_text("".join(lines[len(lines) // 2 :]))
    write_messages(store, read_logs([str(rest)]))  # committed after: its deltas stay pending
    recount.finish()
    if store.dialect == "sqlite":
        assert rollup.refresh(store) > 0
    _assert_equals_scratch(store)


def test_a_first_load_stopped_half_way_leaves_the_rollup_to_be_counted(
    store: Store, tmp_path: Path, monkeypatch: Any
) -> None:
    """A bulk load writes no deltas: stopped after some batches are committed, it leaves the
    rollup marked as not built, so the next read counts those rows (not an empty rollup)."""
    from inboxtrace.store.logs import LogWriter

    rollup.refresh(store)  # an empty store's rollup: built, nothing in it
    log = tmp_path / "mail.log"
    log.write_text("".join(_late_evening_log(tmp_path)))
    flushes = []
    real_flush = LogWriter.flush

    def flush(self: LogWriter) -> None:
        real_flush(self)
        flushes.append(1)
        if len(flushes) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(LogWriter, "flush", flush)
    with pytest.raises(KeyboardInterrupt):
        ingest([str(log)], store, batch_size=200, jobs=1)
    monkeypatch.undo()
    with store.connect() as conn:
        stored = conn.execute(sa.select(sa.func.count()).select_from(rollup.log_deliveries)).scalar()
    assert stored
    assert rollup.refresh(store) == -1  # counted from scratch
    assert sum(r[-1] for r in _snapshot(store)[0]) == stored - _undecided(store)


def _undecided(store: Store) -> int:
    with store.connect() as conn:
        q = (
            sa.select(sa.func.count())
            .select_from(rollup.log_deliveries)
            .where(rollup.log_deliveries.c.day.is_(None))
        )
        return int(conn.execute(q).scalar() or 0)
