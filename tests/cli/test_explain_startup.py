"""``inboxtrace explain`` typed by hand: the short path loads only what one reply needs, and says
exactly what the full typer app says. (Its speed is measured in benchmarks/bench_startup.py.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from inboxtrace.cli import get_app
from tests.cli.test_explain import EXE

# Replies as bounces quote them, in the corpus the tests use: every 12th distinct Diagnostic-Code.
SHARED = Path(__file__).resolve().parents[1] / "data" / "corpus" / "bounces"


def _corpus_replies() -> list[str]:
    found: set[str] = set()
    for path in sorted(SHARED.rglob("*")):
        if path.is_file():
            for line in path.read_bytes().decode("utf-8", "replace").splitlines():
                if line.startswith("Diagnostic-Code:") and len(line) < 300:
                    found.add(line.strip())
    return sorted(found)[::12]


REPLIES = [
    "550",
    "421 4.7.0 Try again later",
    "250 2.0.0 Ok: queued as 4Bx1yZ",
    "354 go ahead",
    "host mx.example[192.0.2.1] said: 550 [bold]x[/bold] (in reply to RCPT TO command)",
    *_corpus_replies(),
]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """The console script as a user runs it, at the width the app is compared at."""
    assert EXE, "the inboxtrace console script is not installed in this environment"
    env = {**os.environ, "COLUMNS": "80"}
    return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=60, check=False, env=env)


def _loaded_after(*args: str) -> set[str]:
    """The modules loaded by a fresh interpreter running ``inboxtrace ARGS``."""
    code = (
        "import sys\nfrom inboxtrace.cli import main\nmain(sys.argv[1:])\n"
        "sys.stdout.flush()\nprint('\\n'.join(sys.modules), file=sys.stderr)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60, check=True
    )
    return set(done.stderr.split())


def test_the_corpus_gives_enough_replies_to_compare() -> None:
    assert len(REPLIES) >= 15


@pytest.mark.parametrize("as_json", [False, True], ids=["readable", "json"])
def test_the_short_path_says_what_the_app_says(as_json: bool) -> None:
    runner = CliRunner()
    app = get_app()
    flags = ["--json"] if as_json else []
    for reply in REPLIES:
        short = run("explain", *flags, reply)
        full = runner.invoke(app, ["explain", *flags, reply], env={"COLUMNS": "80"})
        assert short.returncode == full.exit_code, reply
        assert short.stdout == full.stdout, reply
        if as_json and short.returncode == 0:
            assert json.loads(short.stdout)["reason"]


def test_explain_550_loads_neither_the_app_nor_the_data_machinery_it_does_not_use() -> None:
    loaded = _loaded_after("explain", "550")
    assert "inboxtrace.codes.classify" in loaded and "rich.table" in loaded  # the work was done
    for unused in (
        "typer",
        "click",
        "importlib.resources",
        "zipfile",
        "inboxtrace.cli._app",
        "inboxtrace.store",
    ):
        assert unused not in loaded, unused


def test_json_output_loads_no_rich() -> None:
    loaded = _loaded_after("explain", "--json", "550 5.1.1 User unknown")
    assert "inboxtrace.codes.classify" in loaded
    assert not {name for name in loaded if name == "rich" or name.startswith("rich.")}
