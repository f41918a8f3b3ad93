#!/usr/bin/env python3
"""Regenerate ``maillog``: a real Postfix log from the test rig (run as root on Debian with postfix).

Starts a throw-away Postfix on 127.0.0.1 relaying to a scripted SMTP receiver (see
``tests/rigs/scenario.py``), sends one message per outcome (delivered, bounced 550/552/554 and after
DATA, deferred 421/450/451/452 then expired, timeout, connection refused, rejected at smtpd) and
copies the log Postfix wrote. Nothing leaves the machine. Takes about 30 seconds.

    .venv/bin/python examples/postfix/generate.py
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from tests.rigs.scenario import run_scenario  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        run = run_scenario(Path(tmp))
        shutil.copy(run.log, HERE / "maillog")
    print(f"wrote {HERE / 'maillog'}")


if __name__ == "__main__":
    main()
