"""Reading the reviewable data files that ship inside inboxtrace's packages (``PACKAGE/data/``).

The files are read straight from the installed package directory. ``importlib.resources`` would
find them too, but importing it (with ``zipfile``, ``tempfile`` and ``shutil`` behind it) costs more
than a short command such as ``inboxtrace explain 550`` spends on its whole work, and inboxtrace
never runs from a zip archive (its compiled hot paths are extension modules, which cannot).
"""

from __future__ import annotations

import os
from typing import Any

from inboxtrace.errors import DataFileError
from inboxtrace.loadcache import parse_toml

_ROOT = os.path.dirname(os.path.abspath(__file__))


def package_path(package: str, *parts: str) -> str:
    """The path of ``inboxtrace/PACKAGE/PARTS...`` (``package`` may be dotted: ``"bounces.formats"``)."""
    return os.path.join(_ROOT, *package.split("."), *parts)


def read_text(package: str, *parts: str) -> str:
    """The UTF-8 text of the file ``inboxtrace/PACKAGE/PARTS...`` (OSError when it is missing)."""
    with open(package_path(package, *parts), encoding="utf-8") as f:
        return f.read()


def load_toml(package: str, name: str) -> dict[str, Any]:
    """The data file ``inboxtrace/PACKAGE/data/NAME`` parsed; DataFileError naming it when it is
    missing, not UTF-8 or not TOML."""
    try:
        return parse_toml(read_text(package, "data", name))
    except (OSError, ValueError) as exc:  # missing, not UTF-8, not TOML (tomllib's error is a ValueError)
        raise DataFileError(f"{package}/data/{name} is missing or malformed: {exc}") from exc
