"""``inboxtrace bounces FILES...``: the short path skips the typer app, and says, byte for byte and
with the same exit status, what the full app says. (Its speed: benchmarks/bench_bounces.py.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from inboxtrace.cli._fast import _bounces_call
from tests.cli.test_explain import EXE

CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus" / "bounces"
# a spread of layouts: every 9th message of the corpus, the non-bounces among them
FILES = [str(p) for p in sorted((CORPUS / "emails").iterdir())[::9]] + [
    str(p) for p in sorted((CORPUS / "not-bounces").iterdir())
]
_ENV = {**os.environ, "COLUMNS": "120", "INBOXTRACE_CLUSTER": ""}


def _short(*args: str, env: dict[str, str] = _ENV) -> subprocess.CompletedProcess[str]:
    assert EXE, "the inboxtrace console script is not installed in this environment"
    return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=120, check=False, env=env)


def _full(
    *args: str, module: str = "inboxtrace.cli._app", env: dict[str, str] = _ENV
) -> subprocess.CompletedProcess[str]:
    """``main(args)`` of ``module`` (the full app by default) called in a fresh Python."""
    code = f"import sys\nfrom {module} import main\nmain(sys.argv[1:])\n"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )


@pytest.mark.parametrize(
    "options",
    [[], ["--json"], ["--all"], ["--json", "--all", "--workers", "2"], ["--workers=1"]],
    ids=["table", "json", "all", "json-all-workers", "workers="],
)
def test_the_short_path_says_what_the_app_says(options: list[str]) -> None:
    short = _short("bounces", *options, *FILES)
    full = _full("bounces", *options, *FILES)
    assert short.returncode == full.returncode == 0
    assert short.stdout == full.stdout
    assert short.stderr == full.stderr
    assert "userunknown" in short.stdout + short.stderr


def test_an_error_is_the_apps_one_line_message_and_status(tmp_path: Path) -> None:
    broken = tmp_path / "not-there.eml"
    short = _short("bounces", str(broken))
    full = _full("bounces", str(broken))
    assert (short.returncode, short.stdout, short.stderr) == (full.returncode, full.stdout, full.stderr)
    assert short.returncode == 2 and "not-there.eml" in short.stderr


def test_only_plain_invocations_take_the_short_path() -> None:
    assert _bounces_call(["a.eml", "--json", "--workers", "3"]) == {
        "paths": ["a.eml"],
        "json_out": True,
        "show_all": False,
        "workers": 3,
    }
    assert _bounces_call(["--", "-odd.eml"]) == {
        "paths": ["-odd.eml"],
        "json_out": False,
        "show_all": False,
        "workers": 0,
    }
    for args in (
        [],
        ["-"],
        ["--help"],
        ["a.eml", "--ingest"],
        ["a.eml", "--imap", "host"],
        ["a.eml", "--workers", "-1"],
        ["a.eml", "--workers"],
        ["a.eml", "--json=yes"],
    ):
        assert _bounces_call(args) is None, args


def test_a_plain_bounce_run_loads_no_typer_click_or_store() -> None:
    code = (
        "import sys\nfrom inboxtrace.cli import main\nmain(sys.argv[1:])\n"
        "sys.stdout.flush()\nprint('\\n'.join(sys.modules), file=sys.stderr)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "bounces", "--json", "--workers", "1", *FILES[:3]],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    loaded = set(done.stderr.split())
    assert "inboxtrace.bounces.parse" in loaded
    assert not {m for m in loaded if m.split(".")[0] in ("typer", "click", "sqlalchemy")}
    assert "inboxtrace.store" not in loaded
    # nor the process pools: a run without --cluster only asks the environment for one
    assert "inboxtrace.execution" not in loaded and "concurrent.futures.process" not in loaded
    # nor rich: its output is JSON lines, its notes and summary plain text on stderr
    assert not {m for m in loaded if m.split(".")[0] == "rich"}


_PROBE = """\
import atexit, os, sys
class _Probe:
    def __del__(self, _open=os.open, _close=os.close, _flags=os.O_CREAT | os.O_WRONLY):
        _close(_open({freed!r}, _flags))  # (builtins may be gone by then)
sys.modules[__name__].probe = _Probe()  # freed by the interpreter's teardown, if it runs
atexit.register(lambda: open({ran!r}, "w").close())
"""


@pytest.mark.parametrize(
    "command", [["bounces", "--json", *FILES], ["explain", "550"]], ids=["bounces", "explain"]
)
def test_the_short_path_runs_the_exit_handlers_and_skips_the_teardown(
    tmp_path: Path, command: list[str]
) -> None:
    ran, freed = tmp_path / "ran", tmp_path / "freed"
    (tmp_path / "sitecustomize.py").write_text(_PROBE.format(ran=str(ran), freed=str(freed)))
    env = {**_ENV, "PYTHONPATH": str(tmp_path)}
    short = _short(*command, env=env)
    assert short.returncode == 0 and short.stdout.endswith("\n")
    assert ran.exists() and not freed.exists()
    if command[0] == "bounces":  # every record written before the end
        assert short.stdout == _full(*command).stdout and len(short.stdout.splitlines()) > 40
    ran.unlink()
    # a caller's process (main, which the console script calls) ends the usual way
    called = _full(*command, module="inboxtrace.cli", env=env)
    assert called.returncode == 0 and called.stdout == short.stdout
    assert ran.exists() and freed.exists()
