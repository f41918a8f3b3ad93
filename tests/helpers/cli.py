"""Running the real ``inboxtrace`` entry point inside the test process."""

from __future__ import annotations

import pytest

from inboxtrace.cli import main


def run_main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run ``inboxtrace ARGS`` as the console script does (errors mapped to exit statuses, nothing
    caught on the way): (exit status, stdout, stderr)."""
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err
