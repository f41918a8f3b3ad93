"""ESP events filed as log records: idempotent, order-independent, joined with a log by Message-ID."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from inboxtrace.esp import EspSettings, provider
from inboxtrace.ingest import ingest
from inboxtrace.report import build_report
from inboxtrace.store import open_store
from inboxtrace.store.core import Store
from inboxtrace.store.esp import event_count, write_events
from inboxtrace.store.log_queries import suppressions, trace
from inboxtrace.store.logs import log_deliveries, log_messages
from tests.conftest import generated_log
from tests.esp import payloads


def _ses(kind: str, msg: str, sns_id: str, **kw: object) -> list:  # type: ignore[type-arg]
    body = {
        "Type": "Notification",
        "MessageId": sns_id,
        "Message": json.dumps(payloads.ses_record(kind, msg=msg, **kw)),
    }
    return provider("ses", EspSettings()).parse(body)


def _deliveries(store: Store) -> list[dict[str, object]]:
    with store.connect() as conn:
        return [
            dict(r)
            for r in conn.execute(sa.select(log_deliveries).order_by(log_deliveries.c.mkey)).mappings()
        ]


def test_retried_batches_add_nothing_twice(store: Store) -> None:
    sg = provider("sendgrid", EspSettings())
    events = sg.parse(json.dumps(payloads.sendgrid_batch()))
    first = write_events(store, events)
    rows = _deliveries(store)
    again = write_events(store, events)
    assert (first.new, first.duplicates, again.new, again.duplicates) == (4, 0, 0, 4)
    assert _deliveries(store) == rows and event_count(store) == 4
    states = {r["recipient"]: (r["final_state"], r["reason"]) for r in rows}
    assert states == {
        "nobody@example.com": ("bounced", "userunknown"),
        "slow@example.com": ("deferred", states["slow@example.com"][1]),
        "ok@example.com": ("delivered", "delivered"),
        "gone@example.com": ("rejected", "suppressed"),
    }


def test_any_arrival_order_gives_the_same_final_state(store: Store) -> None:
    """Send, a delay, a delivery and a late (asynchronous) bounce, in all 24 arrival orders."""
    finals = set()
    for n, order in enumerate(itertools.permutations(["Send", "DeliveryDelay", "Delivery", "Bounce"])):
        msg = f"perm-{n}"
        for kind in order:
            write_events(store, _ses(kind, msg, f"{msg}-{kind}"))
        with store.connect() as conn:
            (row,) = conn.execute(
                sa.select(log_deliveries).where(log_deliveries.c.mkey == f"esp|ses|{msg}")
            ).mappings()
        statuses = [a[1] for a in json.loads(row["attempts"])]
        finals.add((row["final_state"], row["reason"], row["hard_bounce"], tuple(statuses)))
    assert finals == {("bounced", "userunknown", True, ("accepted", "deferred", "sent", "bounced"))}


def test_event_without_provider_id_joins_its_message(store: Store) -> None:
    """A SendGrid asynchronous bounce carries no sg_message_id: it joins by Message-ID, in any order."""
    sg = provider("sendgrid", EspSettings())
    bounce = {
        "email": "a@example.com",
        "timestamp": payloads.T0 + 100,
        "event": "bounce",
        "type": "bounce",
        "smtp-id": "<j.1@sender.example>",
        "sg_event_id": "b1",
        "reason": "550 5.1.1 user unknown",
    }
    done = {
        "email": "a@example.com",
        "timestamp": payloads.T0,
        "event": "delivered",
        "sg_event_id": "d1",
        "smtp-id": "<j.1@sender.example>",
        "sg_message_id": "j1.filter",
        "response": "250 2.0.0 OK",
    }
    write_events(store, sg.parse(json.dumps([bounce])))
    write_events(store, sg.parse(json.dumps([done])))
    rows = _deliveries(store)
    assert [(r["mkey"], r["final_state"], r["n_attempts"]) for r in rows] == [
        ("esp|sendgrid|j1.filter", "bounced", 2)
    ]
    with store.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(log_messages)).scalar() == 1
    assert [s.address for s in suppressions(store)] == ["a@example.com"]


def test_log_and_esp_join_by_message_id(tmp_path: Path) -> None:
    """A generated Postfix log relays a message; the ESP's events about it appear in the same trace."""
    log = generated_log(tmp_path / "mail.log", 400, "--seed", "3")
    with open_store(f"sqlite:///{tmp_path / 'j.db'}") as store:
        ingest([str(log)], store)
        with store.connect() as conn:
            mkey, mid = conn.execute(
                sa.select(log_messages.c.mkey, log_messages.c.message_id)
                .where(log_messages.c.message_id.is_not(None))
                .limit(1)
            ).one()
        bare = mid.strip("<>")
        record = payloads.ses_record("Bounce", msg="0100-join")
        record["mail"]["commonHeaders"]["messageId"] = mid
        write_events(store, provider("ses", EspSettings()).parse(record))
        hits = trace(store, bare)
        assert len(hits.stories) == 1
        assert sorted(lk.message.mta for lk in hits.stories[0].messages) == ["esp", "postfix"]
        # from the log's side (its queue id) the ESP's copy is linked
        qid = mkey.rsplit("|", 1)[1]
        hits = trace(store, qid)
        assert {(lk.relation, lk.message.mta) for lk in hits.stories[0].messages} == {
            ("match", "postfix"),
            ("esp", "esp"),
        }
        # from the ESP's side the log's copy is the previous hop
        hits = trace(store, "0100-join")
        assert {lk.relation for lk in hits.stories[0].messages} == {"match", "previous-hop"}
        report = build_report(store).to_dict()
        assert report["totals"]["bounced"] >= 1


def test_schema_added_to_an_existing_store(tmp_path: Path) -> None:
    """A store made before the ESP tables existed gets them on open, logs kept."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    log = generated_log(tmp_path / "mail.log", 200, "--seed", "4")
    with open_store(url) as store:
        ingest([str(log)], store)
        with store.begin() as conn:
            conn.execute(sa.text("DROP TABLE esp_events"))
            conn.execute(sa.text("DROP TABLE esp_tokens"))
            conn.execute(sa.text("DELETE FROM inboxtrace_meta WHERE key = 'schema:esp'"))
            before = conn.execute(sa.select(sa.func.count()).select_from(log_deliveries)).scalar()
    with open_store(url) as store:
        write_events(store, provider("sendgrid", EspSettings()).parse(json.dumps(payloads.sendgrid_batch())))
        with store.connect() as conn:
            after = conn.execute(sa.select(sa.func.count()).select_from(log_deliveries)).scalar()
        assert after == before + 4


def test_single_use_tokens_are_forgotten_only_when_old(store: Store) -> None:
    from inboxtrace.esp.base import Replayed
    from inboxtrace.store.esp import prune_tokens

    write_events(store, [], token=("mailgun", "old"), now=1000.0)
    write_events(store, [], token=("mailgun", "new"), now=5000.0)
    assert prune_tokens(store, 2000.0) == 1
    write_events(store, [], token=("mailgun", "old"), now=6000.0)  # forgotten: usable again
    with pytest.raises(Replayed):
        write_events(store, [], token=("mailgun", "new"), now=6000.0)


def test_a_failing_database_is_a_store_error_and_keeps_nothing(store: Store) -> None:
    """A write the database refuses half-way (the records' table is gone) is one StoreError,
    not a driver exception, and none of the batch stays: the events are stored with their records
    or not at all."""
    from inboxtrace.errors import StoreError

    events = provider("sendgrid", EspSettings()).parse(json.dumps(payloads.sendgrid_batch()))
    with store.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE log_deliveries RENAME TO log_deliveries_away")
    with pytest.raises(StoreError, match="database error"):
        write_events(store, events)
    with store.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE log_deliveries_away RENAME TO log_deliveries")
    assert event_count(store) == 0
    assert write_events(store, events).new == 4
    assert len(_deliveries(store)) == 4
