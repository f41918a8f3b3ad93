"""`inboxtrace explain` answers without loading the typer app, and says exactly what the app says."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from inboxtrace.cli import get_app
from tests.answers.conftest import EXAMPLE_LOG

RUN = [
    sys.executable,
    "-c",
    "import sys; from inboxtrace.cli import main; main(); print(sorted(m for m in sys.modules if m.startswith(('typer', 'pydantic')))[:1], file=sys.stderr)",
]


def _replies() -> list[str]:
    """Real replies from the example log (as a user pastes them), plus bare codes."""
    import re

    found = re.findall(r"said: (\d{3} .*?) \(in reply to", EXAMPLE_LOG.read_text())
    return [*dict.fromkeys(found), "550", "5.7.1", "421"]


@pytest.mark.parametrize("extra", [[], ["--json"], ["--lang", "vi"], ["--remote-host", "mx.google.com"]])
def test_the_fast_path_prints_what_the_app_prints(extra: list[str]) -> None:
    for reply in [*_replies()[:4], "250", "550"]:
        args = ["explain", *extra, reply]
        fast = subprocess.run(
            [*RUN, *args], capture_output=True, text=True, env={"COLUMNS": "100"}, check=True
        )
        assert fast.stderr.strip() == "[]", "typer/pydantic were loaded"
        app = CliRunner().invoke(get_app(), args, env={"COLUMNS": "100"})
        assert app.exit_code == 0
        assert fast.stdout == app.stdout, (args, fast.stdout, app.stdout)


def test_anything_else_goes_to_the_app() -> None:
    for args, code in (
        (["explain", "--help"], 0),
        (["explain", "--nope", "550"], 2),
        (["explain", "--lang"], 2),
    ):
        r = subprocess.run([*RUN, *args], capture_output=True, text=True, check=False)
        assert r.returncode == code, (args, r.stderr)
    bad = subprocess.run(
        [*RUN, "explain", "--lang", "xx", "550"], capture_output=True, text=True, check=False
    )
    assert bad.returncode == 2 and "unknown language 'xx'" in bad.stderr and "Traceback" not in bad.stderr
    compare = subprocess.run([*RUN, "explain", "250", "550"], capture_output=True, text=True, check=True)
    assert "250" in compare.stdout and "550" in compare.stdout
