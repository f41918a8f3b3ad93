"""A real delay warning (DSN ``Action: delayed``) is a transient delay, never a failure or an expiry."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from inboxtrace.cli import get_app

# Outlook's "THIS IS A WARNING MESSAGE ONLY ... has been delayed" and an RFC 3464 report whose second
# recipient is only delayed (both from the bounce corpus)
WARNING = "corpus/bounces/emails/lhost-outlook-06.eml"
MIXED = "corpus/bounces/emails/rfc3464-35.eml"


def _run(*args: str) -> str:
    """What the command shows: out of a terminal, the lines on stdout and the summary on stderr."""
    r = CliRunner().invoke(get_app(), list(args))
    assert r.exit_code == 0, r.output
    return r.output


def test_a_delay_warning_is_not_counted_as_failed(shared_dir: Path) -> None:
    out = " ".join(_run("bounces", str(shared_dir / WARNING)).split())
    assert "1 recipient(s) only delayed" in out and "may still arrive" in out
    assert "(warning)" in out and "gave up" not in out and "expired" not in out
    mixed = " ".join(_run("bounces", str(shared_dir / MIXED)).split())
    assert "1 recipient(s) only delayed" in mixed


def test_stored_delay_warnings_are_reported_apart_and_diagnosed_as_a_delay(
    shared_dir: Path, tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 's.db'}"
    _run("bounces", "--db", db, "--ingest", str(shared_dir / WARNING), str(shared_dir / MIXED))
    report = json.loads(_run("report", "--db", db, "--json"))
    b = report["bounce_messages"]
    assert b["delay_warnings"] == 2
    assert "expired" not in b["by_reason"]
    assert b["recipients"] == sum(b["by_reason"].values())
    d = json.loads(_run("diagnose", "--db", db, "--json", "--to", "kijitora@example.com"))
    (c,) = d["conclusions"]
    assert c["conclusion"] == "deferred" and "may still arrive" in c["summary"]
    assert "gave up" not in c["summary"] + c["next_step"]
