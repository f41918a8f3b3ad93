"""`inboxtrace events import` of exported files, and replaying what the store kept."""

from __future__ import annotations

import csv
import gzip
import json
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from inboxtrace.cli import get_app
from inboxtrace.store import open_store
from inboxtrace.store.logs import log_deliveries
from tests.esp import payloads

runner = CliRunner()


def _cli(*args: str) -> str:
    r = runner.invoke(get_app(), list(args), env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    return r.stdout


def _states(db: str) -> dict[str, str]:
    with open_store(db) as store, store.connect() as conn:
        return dict(conn.execute(sa.select(log_deliveries.c.recipient, log_deliveries.c.final_state)).all())


def test_jsonl_csv_json_and_gzip(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'i.db'}"
    jsonl = tmp_path / "sg.jsonl.gz"
    with gzip.open(jsonl, "wt") as f:
        f.write(json.dumps(payloads.sendgrid_batch()[:2]) + "\n")  # one webhook body per line
        f.write("this line is not json\n")
        f.write(json.dumps(payloads.sendgrid_batch()[2]) + "\n")
        f.write(json.dumps({"no": "event"}) + "\n")
    out = json.loads(_cli("events", "import", str(jsonl), "--provider", "sendgrid", "--db", db, "--json"))[0]
    assert (out["events"], out["new"], out["unparsed"]) == (3, 3, 2)
    assert out["samples"][0].startswith("line 2: not JSON")
    rows = tmp_path / "s2g.csv"
    with rows.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(payloads.smtp2go_bounce()))
        w.writeheader()
        w.writerow(payloads.smtp2go_bounce())
        w.writerow(
            dict(
                payloads.smtp2go_bounce(),
                rcpt="other@example.org",
                bounce="soft",
                message="452 4.2.2 over quota",
            )
        )
    _cli("events", "import", str(rows), "-p", "smtp2go", "--db", db)
    doc = tmp_path / "sp.json"
    doc.write_text(json.dumps(payloads.sparkpost_batch()))
    text = _cli("events", "import", str(doc), "-p", "sparkpost", "--db", db)
    assert "3 events, 3 new" in text
    again = _cli("events", "import", str(doc), "-p", "sparkpost", "--db", db)
    assert "0 new, 3 already stored" in again
    states = _states(db)
    assert states["other@example.org"] == "deferred" and states["ok@example.com"] == "delivered"


def test_export_then_replay_into_a_new_store_gives_the_same_records(tmp_path: Path) -> None:
    first = f"sqlite:///{tmp_path / 'a.db'}"
    body = tmp_path / "mixed.jsonl"
    body.write_text(
        json.dumps(
            {
                "Type": "Notification",
                "MessageId": "sns-9",
                "Message": json.dumps(payloads.ses_record("Bounce")),
            }
        )
        + "\n"
    )
    _cli("events", "import", str(body), "-p", "ses", "--db", first)
    mg = tmp_path / "mg.jsonl"
    mg.write_text(
        json.dumps({"signature": {}, "event-data": payloads.mailgun_event(rcpt="m@example.com")}) + "\n"
    )
    _cli("events", "import", str(mg), "-p", "mailgun", "--db", first)
    exported = tmp_path / "export.jsonl"
    exported.write_text(_cli("events", "export", "--db", first))
    assert len(exported.read_text().splitlines()) == 2
    second = f"sqlite:///{tmp_path / 'b.db'}"
    _cli("events", "import", str(exported), "--db", second)
    assert "0 new, 2 already stored" in _cli("events", "import", str(exported), "--db", second)
    assert _states(first) == _states(second) == {"nobody@example.com": "bounced", "m@example.com": "bounced"}


def test_bad_input_is_a_message(tmp_path: Path) -> None:
    def main(*args: str) -> subprocess.CompletedProcess[str]:
        code = "from inboxtrace.cli import main; main()"
        return subprocess.run(
            [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False
        )

    r = main(
        "events",
        "import",
        str(tmp_path / "nope.jsonl"),
        "-p",
        "ses",
        "--db",
        f"sqlite:///{tmp_path / 'x.db'}",
    )
    assert r.returncode == 2 and "no such file" in r.stderr and "Traceback" not in r.stderr
    r = main("events", "import", "x", "-p", "nosuch", "--db", f"sqlite:///{tmp_path / 'x.db'}")
    assert r.returncode == 1 and "unknown provider" in r.stderr and "Traceback" not in r.stderr
    binary = tmp_path / "bin.dat"
    binary.write_bytes(bytes(range(256)) * 50)
    out = json.loads(
        _cli(
            "events",
            "import",
            str(binary),
            "-p",
            "postmark",
            "--db",
            f"sqlite:///{tmp_path / 'x.db'}",
            "--json",
        )
    )[0]
    assert out["new"] == 0
