"""What a sender did not write is escaped in every output: a log whose addresses and replies carry
terminal escapes (ESC, OSC, BEL, C1) and spreadsheet formulas is ingested, then every view of it
(terminal, CSV, JSON) is checked for raw control characters and for CSV cells a spreadsheet
would run."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys

import pytest

CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
FORMULA = ("=", "+", "-", "@")

RCPT = '=HYPERLINK("http://x.example")@=evil\x1b[31m.example'
REPLY = "550 5.1.1 <u@evil.example>: \x1b]0;owned\x07 user \x9b6n unknown"
LOG = (
    "Mar 14 00:00:00 mx1 postfix/qmgr[9]: 4ABC123DEF: from=<-2+3@sender.example>, size=10, nrcpt=1 "
    "(queue active)\n"
    f"Mar 14 00:00:01 mx1 postfix/smtp[8]: 4ABC123DEF: to=<{RCPT}>, relay=mx.evil.example[192.0.2.1]:25, "
    "delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx.evil.example[192.0.2.1] said: "
    f"{REPLY} (in reply to RCPT TO command))\n"
    "Mar 14 00:00:01 mx1 postfix/qmgr[9]: 4ABC123DEF: removed\n"
)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    code = "import sys; from inboxtrace.cli import main; sys.argv[0] = 'inboxtrace'; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    d = tmp_path_factory.mktemp("hostile")
    (d / "mail.log").write_text(LOG)
    url = f"sqlite:///{d / 'store.db'}"
    done = _cli("ingest", "--db", url, "--quiet", str(d / "mail.log"))
    assert done.returncode == 0, done.stderr
    return url


VIEWS = {
    "report": ["report"],
    "report --json": ["report", "--json"],
    "report --csv": ["report", "--csv"],
    "suppressions": ["suppressions"],
    "suppressions --json": ["suppressions", "--json"],
    "suppressions --table": ["suppressions", "--table"],
    "trace": ["trace", "4ABC123DEF"],
    "trace --json": ["trace", "--json", "4ABC123DEF"],
}


@pytest.mark.parametrize("view", sorted(VIEWS))
def test_no_raw_control_character_reaches_the_output(db: str, view: str) -> None:
    done = _cli(*VIEWS[view], "--db", db)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "userunknown" in out or "4ABC123DEF" in out  # the hostile message is shown
    assert not CONTROLS.search(out.replace("\n", "").replace("\t", "")), repr(out)
    if view.endswith("--json"):
        json.loads(out)


@pytest.mark.parametrize("view", ["report --csv", "suppressions"])
def test_csv_cells_are_never_formulas(db: str, view: str) -> None:
    out = _cli(*VIEWS[view], "--db", db).stdout
    rows = list(csv.reader(io.StringIO(out)))
    cells = [c for row in rows for c in row]
    assert any("=evil" in c for c in cells)  # the domain is there, neutralised
    assert not [c for c in cells if c.startswith(FORMULA)]


def test_explain_json_escapes_c1_controls() -> None:
    done = _cli("explain", "--json", REPLY)
    assert done.returncode == 0, done.stderr
    assert not CONTROLS.search(done.stdout.strip())
    assert json.loads(done.stdout)["text"].count("\x9b") == 1  # escaped, not lost
