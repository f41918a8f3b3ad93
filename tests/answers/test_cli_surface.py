"""The command line as a user meets it: help for every option, one spelling and one description per
option, --version, one number format, honest "(more exist)", exit codes, SIGTERM on ingest --follow."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from inboxtrace.cli import get_app, main
from inboxtrace.cli.exits import BAD_INPUT
from inboxtrace.store import open_store
from inboxtrace.store.checkpoints import FileCheckpoints
from tests.answers.conftest import EXAMPLE_LOG
from tests.conftest import generated_log


def _commands() -> Iterator[tuple[str, Any]]:
    """(name, command) of every command, sub-commands as "group name"."""

    def walk(prefix: str, group: Any) -> Iterator[tuple[str, Any]]:
        for name, cmd in group.commands.items():
            if hasattr(cmd, "commands"):
                yield from walk(f"{prefix}{name} ", cmd)
            else:
                yield f"{prefix}{name}", cmd

    yield from walk("", typer.main.get_command(get_app()))


def test_every_option_has_help_one_spelling_and_one_description() -> None:
    spellings: dict[str, set[str]] = {}
    db_help: set[str] = set()
    commands = dict(_commands())
    assert {"explain", "ingest", "trace", "report", "bounces", "check", "diagnose", "placement check"} <= set(
        commands
    )
    for name, cmd in commands.items():
        for p in cmd.params:
            if p.param_type_name != "option":
                continue
            assert p.help, f"{name} {p.opts[0]} has no help text"
            for opt in p.opts:
                spellings.setdefault(opt.replace("-", ""), set()).add(opt)
            if "--db" in p.opts and name != "check":  # check reads DMARC reports only from a --db given
                db_help.add(p.help)
    assert not {k: v for k, v in spellings.items() if len(v) > 1}, "one spelling per option"
    assert len(db_help) == 1
    for name in commands:
        out = CliRunner().invoke(get_app(), [*name.split(), "--help"], env={"COLUMNS": "200"}).stdout
        assert "<bool>" not in out, name


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert re.fullmatch(r"inboxtrace \d+\.\d+\.\d+\S*\n", capsys.readouterr().out)


def test_numbers_have_one_format(tmp_path: Path) -> None:
    log = generated_log(tmp_path / "big.log", 12000)
    db = f"sqlite:///{tmp_path / 's.db'}"
    r = CliRunner().invoke(get_app(), ["ingest", "--db", db, "-q", str(log)])
    assert r.exit_code == 0, r.output
    lines = sum(1 for _ in log.open())
    assert f"{lines:,}" in r.stdout and "," in f"{lines:,}"
    report = CliRunner().invoke(get_app(), ["report", "--db", db, "--json"]).stdout
    total = json.loads(report)["totals"]["recipients"]
    assert total >= 1000
    text = CliRunner().invoke(get_app(), ["report", "--db", db]).stdout
    assert f"{total:,} recipients" in text and f"{total} recipients" not in text


def test_more_exist_only_when_more_messages_match(example_db: str) -> None:
    def head(*args: str) -> str:
        r = CliRunner().invoke(get_app(), ["trace", "--db", example_db, *args])
        return " ".join(r.stdout.split("╭", 1)[0].split())  # the heading, before the first panel

    # the sender of every sent message is also the recipient of every notice about them
    data = json.loads(
        CliRunner()
        .invoke(
            get_app(), ["trace", "--db", example_db, "--json", "--limit", "100", "newsletter@sender.test"]
        )
        .stdout
    )
    matched, stories = data["matched"], len(data["stories"])
    assert 20 < matched < 100 and stories < matched
    assert "more exist" in head("newsletter@sender.test")  # the default limit is 20
    full = head("newsletter@sender.test", "--limit", "100")
    assert "more exist" not in full and f"{matched} matching messages" in full
    one = head("tempfail@example.com")  # its message and the DSN about it: one story
    assert one.startswith("1 story") and "more exist" not in one


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as stop:
        main(argv)
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return int(stop.value.code or 0), out.err


def test_errors_are_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _run(["bounces", str(tmp_path / "missing.eml")], capsys)
    assert code == BAD_INPUT and "missing.eml" in err
    junk = tmp_path / "notes.txt"
    junk.write_text("shopping list\nmilk\neggs\n")
    code, err = _run(["ingest", "--db", f"sqlite:///{tmp_path / 's.db'}", "-q", str(junk)], capsys)
    assert code == BAD_INPUT and "not a mail log" in err and "notes.txt" in err


def test_sigterm_on_follow_saves_the_position_and_prints_a_summary(tmp_path: Path) -> None:
    log = tmp_path / "maillog"
    log.write_bytes(EXAMPLE_LOG.read_bytes())
    db = f"sqlite:///{tmp_path / 's.db'}"
    with open_store(db):
        pass  # the schema exists before the follower and this test both open the store
    cmd = [
        sys.executable,
        "-c",
        "from inboxtrace.cli import main; main()",
        "ingest",
        "--db",
        db,
        "--follow",
        str(log),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        name = os.path.abspath(log)
        while time.monotonic() < deadline:
            with open_store(db) as store:
                pos = FileCheckpoints(store).load_follow(name)
            if pos is not None and pos.offset == log.stat().st_size:
                break
            time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Ingest summary" in out and "stopped by SIGTERM" in err
    with open_store(db) as store:
        pos = FileCheckpoints(store).load_follow(name)
    assert pos is not None and pos.offset == log.stat().st_size
