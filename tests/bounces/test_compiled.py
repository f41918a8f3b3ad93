"""The compiled bounce parser (mypyc: the bounce modules of ``native.COMPILED``) and the plain
Python one read every message alike.

Each runs in its own process (the choice is made at import): the labeled corpus with its
not-bounces, two copies of it varied as the benchmark mailbox varies them (so that the verdict
memo answers, and fills its slots, in both), flufl.bounce's test bounces and the hostile inputs
of ``test_inputs.py``; every report, verdicts with their text and explanation, must be the same.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from inboxtrace import native

from .conftest import CORPUS, REPO
from .test_memo import FLUFL

_DUMP = r"""
import importlib.util, json, random, sys
from pathlib import Path
from inboxtrace.bounces import parse_bounce
from inboxtrace.native import compiled_modules, implementation
spec = importlib.util.spec_from_file_location("mailbox", sys.argv[1])
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)
files = tool.sources(Path(sys.argv[2]))
blobs = [(f.name, f.read_bytes()) for f in files]
rng = random.Random(14)
blobs += [(f"{name}~{n}", tool.vary(data, rng)) for n in (1, 2) for name, data in blobs[: len(files)]]
blobs += [(f"flufl/{f.name}", f.read_bytes()) for f in sorted(Path(sys.argv[3]).iterdir()) if f.is_file()]
hostile = [
    b"From: a@b\nContent-Type: multipart/report; boundary=x\n\n--x\n" + b"A" * 200_000 + b"\n--x--\n",
    b"From: MAILER-DAEMON@x\nSubject: \xff\xfe broken\nContent-Type: multipart/mixed; boundary=\n\n",
    b"Subject: =?utf-8?b?AAAA?=\nTo: \xe4\xbd\xa0@x\n\n" + b"\x00\x01" * 1000,
    b"Content-Type: multipart/mixed; boundary=b\n\n" + b"--b\nContent-Type: multipart/mixed; boundary=b\n\n" * 300,
]
blobs += [(f"hostile/{n}", data) for n, data in enumerate(hostile)]
print(json.dumps({"implementation": implementation(), "compiled": compiled_modules()}))
for name, data in blobs:
    print(json.dumps({"name": name, "report": repr(parse_bounce(data, name))}))
"""


def _run(*, pure: bool) -> list[dict[str, object]]:
    env = {k: v for k, v in os.environ.items() if k != native.ENV_PURE}
    if pure:
        env[native.ENV_PURE] = "1"
    args = [str(REPO / "benchmarks" / "make_bounce_mailbox.py"), str(CORPUS), str(FLUFL)]
    done = subprocess.run(
        [sys.executable, "-c", _DUMP, *args], env=env, cwd=REPO, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_the_compiled_and_the_plain_bounce_parser_give_the_same_reports() -> None:
    assert FLUFL.is_dir(), "python3-flufl.bounce is not installed (it is in .ci/apt-packages.txt)"
    compiled = _run(pure=False)
    pure = _run(pure=True)
    assert "inboxtrace.bounces.mime" in compiled[0]["compiled"], compiled[0]  # type: ignore[operator]
    assert pure[0]["compiled"] == [], pure[0]
    assert len(compiled) == len(pure) > 1300
    differing = [c["name"] for c, p in zip(compiled[1:], pure[1:], strict=True) if c != p]
    assert differing == []
