"""Reading the reviewable TOML data files that ship inside inboxtrace's packages (``PACKAGE/data/``)."""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

from inboxtrace.errors import DataFileError


def load_toml(package: str, name: str) -> dict[str, Any]:
    """The data file ``inboxtrace/PACKAGE/data/NAME`` parsed; DataFileError naming it when it is
    missing, not UTF-8 or not TOML."""
    try:
        text = resources.files(f"inboxtrace.{package}").joinpath("data", name).read_text("utf-8")
        return tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DataFileError(f"{package}/data/{name} is missing or malformed: {exc}") from exc
