"""Report objects over a store: JSON/CSV shapes, time windows, terminal safety, CLI exit codes."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from inboxtrace.cli import get_app
from inboxtrace.errors import InputError
from inboxtrace.model import FinalState
from inboxtrace.report import build_report, build_suppressions, build_trace
from inboxtrace.report.period import parse_when
from inboxtrace.store import Store
from inboxtrace.store.logs import write_messages
from tests.store.factory import DEFER, SENT, UNKNOWN_USER, attempt, delivery, message


def render(obj: object) -> str:
    console = Console(width=120, record=True, force_terminal=False, color_system=None)
    console.print(obj)
    return console.export_text()


def fill(store: Store) -> None:
    evil = '=HYPERLINK("http://x")@example.org'
    write_messages(
        store,
        [
            message(
                "M1",
                delivery(
                    "a@gmail.com",
                    FinalState.DELIVERED,
                    attempt(1, "sent", SENT.format(qid="G1"), relay="gmail-smtp-in.l.google.com"),
                ),
            ),
            message(
                "M2",
                delivery(
                    "[red]b[/red]@example.org",
                    FinalState.BOUNCED,
                    attempt(2, "bounced", UNKNOWN_USER.format(rcpt="b@example.org"), dsn="5.1.1"),
                ),
            ),
            message(
                "M3",
                delivery(
                    evil,
                    FinalState.BOUNCED,
                    attempt(3, "bounced", UNKNOWN_USER.format(rcpt="c@example.org"), dsn="5.1.1"),
                ),
            ),
            message(
                "M4",
                delivery("d@yahoo.com", FinalState.DEFERRED, attempt(2 * 86400, "deferred", DEFER)),
                received=2 * 86400 - 5,
            ),
        ],
    )


def test_parse_when_accepts_dates_datetimes_and_ages() -> None:
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    assert parse_when("2026-11-24") == datetime(2026, 11, 24, tzinfo=UTC)
    assert parse_when("2026-11-24T10:00:00+02:00") == datetime(2026, 11, 24, 8, tzinfo=UTC)
    assert parse_when("2026-11-24T10:00Z") == datetime(2026, 11, 24, 10, tzinfo=UTC)
    assert parse_when("36h", now=now) == datetime(2026, 11, 24, 0, tzinfo=UTC)
    assert parse_when("1w", now=now) == datetime(2026, 11, 18, 12, tzinfo=UTC)
    assert parse_when(None) is None
    with pytest.raises(InputError):
        parse_when("yesterday-ish")


def test_report_json_csv_and_window(store: Store) -> None:
    fill(store)
    rep = build_report(store)
    d = rep.to_dict()
    assert d["totals"] == {
        "delivered": 1,
        "deferred": 1,
        "bounced": 2,
        "expired": 0,
        "rejected": 0,
        "unknown": 0,
        "recipients": 4,
        "messages": 4,
    }
    assert d["rates"]["bounced"] == 0.5
    assert {r["key"]: r["total"] for r in d["by_provider"]} == {"(none)": 2, "gmail": 1, "yahoo": 1}
    assert [r["key"] for r in d["by_day"]] == ["2026-11-20", "2026-11-22"]
    advice = {a["reason"]: a for a in d["advice"]}
    assert advice["userunknown"]["recipients"] == 2 and advice["userunknown"]["action"] == "suppress-address"
    assert advice["userunknown"]["hard"] is True and "delivered" not in advice
    rows = list(csv.reader(io.StringIO(rep.to_csv())))
    assert rows[0][:4] == ["section", "key", "total", "delivered"]
    assert rows[1][:3] == ["totals", "all", "4"]
    later = build_report(store, since=datetime(2026, 11, 21, tzinfo=UTC)).to_dict()["totals"]
    assert later["recipients"] == 1 and later["deferred"] == 1
    early = build_report(store, until=datetime(2026, 11, 21, tzinfo=UTC)).to_dict()["totals"]
    assert early["recipients"] == 3
    text = render(rep)
    assert "[red]b[/red]@example.org" not in text  # keys are data, markup is not interpreted
    assert "example.org" in text and "Final state" in text
    assert "What held mail back" in text and "suppress-address" in text


def test_suppressions_csv_neutralises_formulas(store: Store) -> None:
    fill(store)
    rows = list(csv.reader(io.StringIO(build_suppressions(store).to_csv())))
    assert rows[0][0] == "address"
    addresses = [r[0] for r in rows[1:]]
    assert '\'=hyperlink("http://x")@example.org' in addresses
    assert "[red]b[/red]@example.org" in addresses
    assert "a@gmail.com" not in addresses


def test_trace_view_json_and_terminal(store: Store) -> None:
    fill(store)
    view = build_trace(store, "[red]b[/red]@example.org")
    data = view.to_dict()
    assert data["found"] and data["kind"] == "recipient"
    att = data["stories"][0]["messages"][0]["deliveries"][0]["attempts"][0]
    assert att["verdict"]["reason"] == "userunknown" and att["verdict"]["hard_bounce"] is True
    assert att["evidence"]["line_no"] == 1
    text = render(view)
    assert "<[red]b[/red]@example.org>" in text and ": bounced" in text and "userunknown" in text
    missing = build_trace(store, "nobody@example.org")
    assert not missing.found and "No stored message" in render(missing)


def test_cli_read_commands(tmp_path: Path) -> None:
    runner = CliRunner()
    url = f"sqlite:///{tmp_path / 's.db'}"
    from inboxtrace.store import open_store

    with open_store(url) as s:
        fill(s)
    r = runner.invoke(get_app(), ["trace", "--db", url, "--json", "nobody@example.org"])
    assert r.exit_code == 3 and json.loads(r.stdout)["found"] is False
    r = runner.invoke(get_app(), ["report", "--db", url, "--since", "2026-11-21"])
    assert r.exit_code == 0 and "1 recipients" in r.stdout
    r = runner.invoke(get_app(), ["suppressions", "--db", url, "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["count"] == 2
    r = runner.invoke(get_app(), ["report", "--db", url, "--since", "soon"])
    assert r.exit_code != 0
    from inboxtrace.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["report", "--db", str(tmp_path / "absent" / "x.db")])
    assert exc.value.code == 1
    assert not (tmp_path / "absent").exists()
