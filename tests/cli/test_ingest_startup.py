"""A plain `inboxtrace ingest FILES --json` runs without loading the typer app and prints what the
app prints; anything else still goes to the app."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from inboxtrace.cli import get_app
from tests.conftest import generated_log

RUN = [
    sys.executable,
    "-c",
    "import sys; from inboxtrace.cli import main; main(); "
    "print(sorted(m for m in sys.modules if m.startswith(('typer', 'pydantic', 'rich')))[:1], file=sys.stderr)",
]
# what differs from one run to the next, and the store's own name
_VARYING = ("duration", "lines_per_second", "store")


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "INBOXTRACE_CLUSTER"}


def _stable(out: str) -> dict[str, object]:
    data = json.loads(out)
    assert isinstance(data, dict)
    return {k: v for k, v in data.items() if k not in _VARYING}


def test_the_short_path_ingests_and_prints_what_the_app_prints(tmp_path: Path) -> None:
    log = generated_log(tmp_path / "mail.log", 3000)
    fast_db, app_db = tmp_path / "fast.db", tmp_path / "app.db"
    fast = subprocess.run(
        [*RUN, "ingest", "-q", "--db", f"sqlite:///{fast_db}", "--json", str(log)],
        capture_output=True,
        text=True,
        env=_env(),
        check=True,
    )
    assert fast.stderr.strip() == "[]", "typer, pydantic or rich were loaded"
    app = CliRunner().invoke(
        get_app(), ["ingest", f"--db=sqlite:///{app_db}", "--json", str(log)], env=_env()
    )
    assert app.exit_code == 0, app.output
    assert _stable(fast.stdout) == _stable(app.stdout)
    assert _stable(fast.stdout)["new_messages"] > 100
    # the same rows in both stores
    from inboxtrace.store import open_store
    from tests.store.test_store_logs import counts

    with open_store(str(fast_db)) as a, open_store(str(app_db)) as b:
        assert counts(a) == counts(b)
    again = subprocess.run(  # read to its end already: skipped, as the app does
        [*RUN, "ingest", f"--db=sqlite:///{fast_db}", "--json", str(log)],
        capture_output=True,
        text=True,
        env=_env(),
        check=True,
    )
    assert json.loads(again.stdout)["skipped_sources"] == [str(log)]


def test_bad_input_says_what_the_app_says_and_anything_else_goes_to_the_app(tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("hello\nthis is not a mail log\n")
    db = f"--db=sqlite:///{tmp_path / 's.db'}"
    fast = subprocess.run(
        [*RUN, "ingest", db, "--json", str(junk)], capture_output=True, text=True, env=_env(), check=False
    )
    assert fast.returncode == 2
    assert "not a mail log inboxtrace can read" in fast.stderr and "Traceback" not in fast.stderr
    missing = subprocess.run(
        [*RUN, "ingest", db, "--json", str(tmp_path / "nope.log")],
        capture_output=True,
        text=True,
        env=_env(),
        check=False,
    )
    assert missing.returncode == 2 and "no such file" in missing.stderr and "Traceback" not in missing.stderr
    for args, code in ((["ingest", "--help"], 0), (["ingest", "--nope", str(junk)], 2)):
        r = subprocess.run([*RUN, *args], capture_output=True, text=True, env=_env(), check=False)
        assert r.returncode == code, (args, r.stderr)
        assert ("Usage" in r.stdout) if code == 0 else ("No such option" in r.stderr)  # the app's words
