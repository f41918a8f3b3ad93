"""A parsed bounce is freed as soon as its report is: parsing leaves no reference cycle behind.

A cycle (a recipient holding a function that holds the recipient, a compiled closure and its
environment) keeps the whole parsed message alive until the cycle collector finds it, and that
collector's scans then cost a large share of a big mailbox's parse (bench_bounce_mailbox.py). Each
implementation runs in its own process (the choice is made at import) over the labeled corpus, its
not-bounces and a copy of it varied as the benchmark mailbox varies it (so that the verdict memo
answers as well as computes), with the collector off, then counts what only a collection frees.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from inboxtrace import native

from .conftest import CORPUS, REPO

_COUNT = r"""
import collections, gc, importlib.util, json, random, sys
from pathlib import Path
from inboxtrace.bounces import parse_bounce
from inboxtrace.native import compiled_modules
spec = importlib.util.spec_from_file_location("mailbox", sys.argv[1])
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)
files = tool.sources(Path(sys.argv[2]))
blobs = [f.read_bytes() for f in files]
rng = random.Random(14)
blobs += [tool.vary(data, rng) for data in blobs]
parse_bounce(blobs[0])  # the knowledge loaded (and its own garbage collected) before counting
gc.collect()
gc.disable()
gc.set_debug(gc.DEBUG_SAVEALL)
reports = sum(1 for data in blobs if parse_bounce(data).digest)
gc.collect()
left = collections.Counter(type(o).__name__ for o in gc.garbage)
print(json.dumps({"compiled": compiled_modules(), "reports": reports, "left": dict(left.most_common(8))}))
"""


@pytest.mark.parametrize("pure", [False, True], ids=["compiled", "pure"])
def test_parsing_leaves_no_reference_cycles(pure: bool) -> None:
    env = {k: v for k, v in os.environ.items() if k != native.ENV_PURE}
    if pure:
        env[native.ENV_PURE] = "1"
    args = [str(REPO / "benchmarks" / "make_bounce_mailbox.py"), str(CORPUS)]
    done = subprocess.run(
        [sys.executable, "-c", _COUNT, *args], env=env, cwd=REPO, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout)
    assert ("inboxtrace.bounces.classify" in out["compiled"]) is not pure, out["compiled"]
    assert out["reports"] > 800
    assert out["left"] == {}
