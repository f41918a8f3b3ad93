"""Placement tables on SQLite and on a real PostgreSQL: round trips, upserts, lookups by token."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from inboxtrace.errors import StoreError
from inboxtrace.model.placement import AuthResult, SeedResult, SendResult
from inboxtrace.seeds.token import new_test
from inboxtrace.store import Store
from inboxtrace.store.placement import (
    deliveries_to,
    get_test,
    list_tests,
    load_results,
    load_sends,
    results_for_tests,
    save_results,
    save_sends,
    save_test,
    seeds_of_test,
)


def test_round_trip_and_upserts(store: Store) -> None:
    t0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    first = new_test(now=t0, note="first")
    second = new_test(now=t0 + timedelta(days=1), seed_file="/x/seeds.toml")
    save_test(store, first, [("a@x.test", "xmail"), ("b@y.test", "ymail")])
    save_test(store, second)
    assert get_test(store, first.test_id) == first
    assert get_test(store, first.token).test_id == first.test_id  # by token too
    with pytest.raises(StoreError, match="no placement test"):
        get_test(store, "nope")
    assert seeds_of_test(store, first.test_id) == [("a@x.test", "xmail"), ("b@y.test", "ymail")]
    sent = replace(first, sent_at=t0 + timedelta(minutes=1))
    save_test(store, sent)  # an update keeps the seeds recorded before
    assert get_test(store, first.test_id).sent_at == sent.sent_at
    assert seeds_of_test(store, first.test_id) == [("a@x.test", "xmail"), ("b@y.test", "ymail")]
    assert [t.test_id for t in list_tests(store)] == [second.test_id, first.test_id]
    assert [t.test_id for t in list_tests(store, until=t0 + timedelta(hours=1))] == [first.test_id]

    s = SendResult(
        "A@x.test", True, 250, "250 2.0.0 Ok: queued as Q1", t0, "Q1", "<m@x>", "S: 220 hi\nC: QUIT"
    )
    save_sends(
        store, first.test_id, [s, replace(s, address="b@y.test", accepted=False, code=550, reply="550 no")]
    )
    save_sends(store, first.test_id, [replace(s, reply="250 again")])  # re-send overwrites
    sends = load_sends(store, first.test_id)
    assert set(sends) == {"a@x.test", "b@y.test"}
    assert sends["a@x.test"].reply == "250 again" and sends["a@x.test"].transcript == "S: 220 hi\nC: QUIT"
    assert sends["b@y.test"].accepted is False and sends["b@y.test"].code == 550

    r = SeedResult(
        first.test_id, "a@x.test", "xmail", "spam", folder="Junk", arrived=t0, delay=61.5, checked_at=t0,
        auth=(AuthResult("dkim", "pass", "x.test", "mx.x.test"),), received=("from a by b",), message_id="<m@x>",
    )  # fmt: skip
    save_results(store, [r, SeedResult(first.test_id, "b@y.test", "ymail", "missing", checked_at=t0)])
    save_results(store, [replace(r, placement="inbox", folder="INBOX")])
    got = load_results(store, first.test_id)
    assert [(x.address, x.placement) for x in got] == [("a@x.test", "inbox"), ("b@y.test", "missing")]
    assert got[0].auth == r.auth and got[0].received == r.received and got[0].delay == 61.5
    assert results_for_tests(store, [first.test_id, second.test_id])[second.test_id] == []
    assert deliveries_to(store, "a@x.test") == []
