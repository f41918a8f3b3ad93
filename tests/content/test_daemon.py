"""The shared start/wait/stop of the private scanners, with real processes that fail in each way."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from inboxtrace.content.daemon import LoopbackDaemon, free_port, make_workdir
from inboxtrace.errors import RemoteError


class _Silent(LoopbackDaemon):
    name = "silent"
    log_files = ("stderr.log",)
    error_lines_first = True

    def answers(self, timeout: float) -> bool:
        return False


def test_a_daemon_that_dies_while_starting_is_named_with_its_last_error_line() -> None:
    workdir = make_workdir("silent")
    script = "import sys; print('loading rules'); print('ERROR: bad rule'); print('bye'); sys.exit(3)"
    with pytest.raises(RemoteError, match=r"silent stopped while starting: ERROR: bad rule"):
        _Silent.launch([sys.executable, "-c", script], free_port(), workdir, timeout=30)
    assert not workdir.exists()


def test_a_daemon_that_never_answers_is_stopped_and_its_directory_removed() -> None:
    workdir = make_workdir("silent")
    with pytest.raises(RemoteError, match=r"silent did not answer within 1 s"):
        _Silent.launch([sys.executable, "-c", "import time; time.sleep(60)"], free_port(), workdir, timeout=1)
    assert not workdir.exists()


def test_a_program_that_cannot_run_is_a_clear_error(tmp_path: Path) -> None:
    workdir = make_workdir("silent")
    with pytest.raises(RemoteError, match=r"cannot start silent"):
        _Silent.launch([str(tmp_path / "no-such-program")], free_port(), workdir, timeout=5)
    assert not workdir.exists()
