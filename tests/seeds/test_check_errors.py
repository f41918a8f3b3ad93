"""`placement check` when no seed can be searched: an error at once, not a poll of the whole --wait."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from inboxtrace.cli import main
from inboxtrace.cli.exits import FAILED
from tests.rigs.dovecot import DovecotRig
from tests.seeds.conftest import seed_toml

pytestmark = pytest.mark.dovecot


def test_seeds_that_cannot_log_in_are_not_polled_and_the_check_fails(
    fresh_dovecot: DovecotRig,
    workdir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    f = workdir / "seeds.toml"
    f.write_text(seed_toml(fresh_dovecot, {"alice@inbox.test": "inboxmail", "bob@inbox.test": "inboxmail"}))
    monkeypatch.setenv("SEED_PW", "not-the-password")
    monkeypatch.setenv("INBOXTRACE_DB", f"sqlite:///{workdir / 's.db'}")
    with pytest.raises(SystemExit) as done:
        main(["placement", "new", "--seeds", str(f), "--json"])
    assert done.value.code in (0, None)
    test_id = json.loads(capsys.readouterr().out)["test_id"]
    started = time.monotonic()
    with pytest.raises(SystemExit) as done:
        main(["placement", "check", test_id, "--wait", "120s", "--interval", "2s"])
    elapsed = time.monotonic() - started
    out = capsys.readouterr()
    assert done.value.code == FAILED
    assert elapsed < 60  # one attempt per seed, not two minutes of polling
    assert "no seed could be searched (2 of 2 failed)" in out.err and "login refused" in out.err
    assert "not in the inbox" not in out.out and "Traceback" not in out.err
