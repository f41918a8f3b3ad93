"""What ``inboxtrace ingest FILES... --json`` does, without typer (:func:`run_json`, the short path
of :mod:`inboxtrace.cli._fast`: loading the typer app and rich costs more than a small log takes
to read, and is paid by every scripted or scheduled ingest), and the check of a summary that both
it and the app's command make (:func:`check`)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from inboxtrace.safetext import json_text

if TYPE_CHECKING:
    from inboxtrace.ingest import IngestSummary


def run_json(files: Sequence[str], db: str | None) -> None:
    """Ingest ``files`` into the store ``db`` (no cluster, no progress) and print the summary as
    JSON; a damaged input or a file of no known format is then raised (:func:`check`)."""
    from inboxtrace.ingest import ingest
    from inboxtrace.store import open_store

    with open_store(db) as store:
        summary = ingest(list(files), store)
    sys.stdout.write(json_text(summary.to_dict(), indent=2) + "\n")
    check(summary, files)


def check(summary: IngestSummary, files: Sequence[str]) -> None:
    """Raise what an ingest's summary says went wrong with its input (exit status 2)."""
    if summary.damaged:  # what was readable is stored; the input is still bad: say so, exit 2
        from inboxtrace.errors import MalformedInputError

        raise MalformedInputError("; ".join(summary.damaged) + " (what was readable is stored)")
    if summary.lines and summary.unknown == summary.lines:
        from inboxtrace.errors import UnknownFormatError

        raise UnknownFormatError(
            f"not a mail log inboxtrace can read: none of the {summary.lines:,} lines of "
            f"{', '.join(summary.sources) or ', '.join(files)} is a Postfix, Exim or Sendmail line "
            "(use --format to force one)"
        )


__all__ = ["check", "run_json"]
