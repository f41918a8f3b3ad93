"""Byte-compile the inboxtrace package before a start-up or cold-run benchmark.

A regular ``pip install`` writes the ``.pyc`` files at install time. An editable install leaves
that to the first import, and with ``PYTHONDONTWRITEBYTECODE`` set (common in containers and CI)
no import ever writes them: each run then compiles every module from source, which no installed
copy does. The cold-run benchmarks call :func:`ensure_bytecode` first, so that they measure what a
user's installed inboxtrace costs.
"""

from __future__ import annotations

import compileall
import importlib.util
from pathlib import Path


def ensure_bytecode() -> Path:
    """Write any missing or stale ``.pyc`` of the inboxtrace package; returns the package folder."""
    spec = importlib.util.find_spec("inboxtrace")
    assert spec is not None and spec.origin is not None, "inboxtrace is not installed"
    package = Path(spec.origin).parent
    compileall.compile_dir(str(package), quiet=1)
    return package
