"""Finding test copies on a real Dovecot: polling inside the window, folder roles, errors as values."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console

from inboxtrace.diagnose.report import build_report
from inboxtrace.model.placement import SeedResult
from inboxtrace.seeds import load_seeds
from inboxtrace.seeds.locate import check_placement
from inboxtrace.seeds.token import new_test, stamp
from tests.rigs.dovecot import DovecotRig
from tests.seeds.conftest import SEED_PASSWORD, seed_toml

pytestmark = pytest.mark.dovecot
ENV = {"SEED_PW": SEED_PASSWORD}


def _message(test: object, extra: str = "") -> bytes:
    raw = (
        f"From: a@sender.test\r\nSubject: poll\r\n{extra}Message-ID: <p@sender.test>\r\n\r\nbody\r\n".encode()
    )
    return stamp(raw, test)  # type: ignore[arg-type]


def test_polling_finds_a_copy_that_arrives_inside_the_window(dovecot: DovecotRig, workdir: Path) -> None:
    f = workdir / "seeds.toml"
    f.write_text(seed_toml(dovecot, {"alice@inbox.test": "inboxmail", "carol@junk.test": "junkmail"}))
    seeds = load_seeds(f)
    test = new_test()
    dovecot.deliver("alice@inbox.test", _message(test))
    rounds: list[list[str]] = []
    timer = threading.Timer(1.0, dovecot.deliver, args=("carol@junk.test", _message(test)))
    timer.start()
    started = time.monotonic()
    try:
        results = check_placement(
            test, seeds, wait=15, interval=0.3, sent_at=datetime.now(UTC), environ=ENV,
            progress=lambda rs: rounds.append([r.placement for r in rs]),
        )  # fmt: skip
    finally:
        timer.cancel()
    assert [r.placement for r in results] == ["inbox", "spam"]
    assert time.monotonic() - started < 10
    assert rounds[0] == ["inbox", "missing"] and len(rounds) >= 2
    assert results[1].delay is not None and 0 <= results[1].delay < 10  # INTERNALDATE has 1 s resolution


def test_window_closes_with_missing_and_errors_are_values(fresh_dovecot: DovecotRig, workdir: Path) -> None:
    f = workdir / "seeds.toml"
    f.write_text(seed_toml(fresh_dovecot, {"bob@inbox.test": "inboxmail", "nobody@inbox.test": "inboxmail"}))
    test = new_test()
    started = time.monotonic()
    results = check_placement(test, load_seeds(f), wait=1.0, interval=0.4, environ=ENV)
    assert 1.0 <= time.monotonic() - started < 8
    assert results[0].placement == "missing" and results[0].error is None
    assert results[1].placement == "error" and "login refused" in (results[1].error or "")


def test_trash_archive_other_and_body_marker(dovecot: DovecotRig, workdir: Path) -> None:
    """A copy filed by the user's own rule (X-Rig-Folder) lands in trash/archive/other; a token in the
    body only (platform stripped headers) is found too."""
    f = workdir / "seeds.toml"
    f.write_text(seed_toml(dovecot, {"bob@inbox.test": "inboxmail"}))
    seeds = load_seeds(f)
    found = {}
    for folder, expected in (
        ("Trash", "trash"),
        ("Archive", "archive"),
        ("Projects [x]", "other:Projects [x]"),
    ):
        test = new_test()
        dovecot.deliver("bob@inbox.test", _message(test, f"X-Rig-Folder: {folder}\r\n"))
        (r,) = check_placement(test, seeds, environ=ENV)
        found[folder] = r.placement
        assert r.placement == expected, r
    body_only = new_test()
    raw = f"From: a@sender.test\r\nSubject: b\r\n\r\nHi {body_only.body_marker}\r\n".encode()
    dovecot.deliver("bob@inbox.test", raw)
    (r,) = check_placement(body_only, seeds, environ=ENV)
    assert r.placement == "inbox"


def test_report_escapes_attacker_controlled_text() -> None:
    test = new_test()
    evil = SeedResult(
        test.test_id, "x@evil.test", "[red]evil[/red]", "other:[bold]Folder[/bold]", folder="[link]"
    )
    con = Console(record=True, width=200, color_system=None)
    con.print(build_report(test, [evil]))
    text = con.export_text()
    assert "[red]evil[/red]" in text and "other:[bold]Folder[/bold]" in text


def test_seeds_not_sent_to_are_searched_once_not_waited_for(dovecot: DovecotRig, workdir: Path) -> None:
    f = workdir / "seeds.toml"
    f.write_text(seed_toml(dovecot, {"alice@inbox.test": "inboxmail", "bob@inbox.test": "inboxmail"}))
    test = new_test()
    dovecot.deliver("alice@inbox.test", _message(test))
    started = time.monotonic()
    results = check_placement(
        test, load_seeds(f), wait=20, interval=0.3, environ=ENV, awaited=["ALICE@inbox.test"]
    )
    assert time.monotonic() - started < 8
    assert [r.placement for r in results] == ["inbox", "missing"]


def test_campaign_sent_elsewhere_gets_its_send_time(dovecot: DovecotRig, workdir: Path) -> None:
    """A test mixed into a real campaign (no `placement send`): --sent-at dates it for delays."""
    from datetime import timedelta

    from inboxtrace.diagnose.workflow import create_test, run_check
    from inboxtrace.store import open_store
    from inboxtrace.store.placement import get_test

    f = workdir / "seeds.toml"
    f.write_text(seed_toml(dovecot, {"alice@inbox.test": "inboxmail"}))
    with open_store(f"sqlite:///{workdir / 's.db'}") as store:
        test = create_test(store, seed_file=f)
        raw = f"From: esp@sender.test\r\nSubject: campaign\r\n\r\nHello {test.body_marker}\r\n".encode()
        dovecot.deliver("alice@inbox.test", raw)
        sent = datetime.now(UTC) - timedelta(minutes=5)
        (r,) = run_check(store, test.test_id, environ=ENV, sent_at=sent)
        assert r.placement == "inbox" and r.delay is not None and 290 <= r.delay <= 400
        assert get_test(store, test.test_id).sent_at == sent
