"""Backfills on many machines: ``inboxtrace ingest --cluster ... /archive/*/mail.log*``.

The files are grouped by rotated set (``DIR/mail.log``, ``DIR/mail.log.1``, ``DIR/mail.log.2.gz``
... are one set: one host's history), and each set is one piece of work for
:mod:`inboxtrace.execution`: a worker (a local process or a Dask worker) ingests that set into the
shared store exactly as a one-process ``ingest`` of it would. Sets are independent (a message's
row is keyed by its host), so the store ends with the rows of one ingest of all the files; the
summaries of the pieces are added up into one.

A set that holds a big plain file (one huge ``mail.log``) and more than one worker's share of all
the bytes (it would keep one worker busy long after the others are done) is not one task: it is
ingested here, with the file cut at line boundaries into pieces that the cluster's workers parse
(:class:`~inboxtrace.timeline.reader.LogReader` ``cluster=``); this process merges the pieces of
messages cut by the boundaries (the same merge as a local parallel read) and writes the rows.
Sets of similar sizes stay whole tasks: then every worker parses and writes at once.

The store must be one every worker can reach: PostgreSQL (a SQLite file is refused, except for
``inline`` runs). It is created once, here, before any piece starts.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from inboxtrace.errors import InputError
from inboxtrace.execution import runner
from inboxtrace.ingest import IngestSummary, ingest


@dataclass(frozen=True, slots=True)
class Piece:
    """One rotated set to ingest, and how."""

    url: str
    paths: tuple[str, ...]
    format: str | None = None
    tz: str | None = None
    host: str | None = None
    resume: bool = True


def _size(paths: Sequence[str]) -> int:
    return sum(os.path.getsize(p) for p in paths if os.path.isfile(p))


def _has_big_plain_file(paths: Sequence[str]) -> bool:
    """Whether one of ``paths`` is a plain file big enough to be cut into pieces."""
    from inboxtrace.sources import sniff_compression
    from inboxtrace.timeline.reader import PARALLEL_MIN_BYTES

    for p in paths:
        if os.path.isfile(p) and os.path.getsize(p) >= PARALLEL_MIN_BYTES:
            with open(p, "rb") as f:
                if sniff_compression(f.read(8)) is None:
                    return True
    return False


def sets_to_cut(sets: Sequence[tuple[str, ...]], workers: int) -> list[tuple[str, ...]]:
    """The rotated sets worth cutting into pieces on ``workers`` workers: those with a big plain
    file and more than one worker's share of all the bytes."""
    share = sum(_size(g) for g in sets) / max(1, workers)
    return [g for g in sets if _size(g) > share and _has_big_plain_file(g)]


def rotated_sets(paths: Sequence[str]) -> list[tuple[str, ...]]:
    """``paths`` grouped by rotated set (same directory and base name), biggest sets first (they
    take longest: starting them first keeps every worker busy to the end)."""
    from inboxtrace.sources import rotation_key

    groups: dict[str, list[str]] = {}
    for p in paths:
        if p == "-":
            raise InputError("a backfill reads files, not stdin ('-')")
        groups.setdefault(rotation_key(p)[0], []).append(p)

    return [tuple(g) for g in sorted(groups.values(), key=_size, reverse=True)]


def ingest_piece(piece: Piece) -> dict[str, Any]:
    """Ingest one rotated set into the store (runs on a worker); its summary as a dict."""
    from inboxtrace.store import open_store

    with open_store(piece.url) as store:
        summary = ingest(
            list(piece.paths),
            store,
            format=piece.format,
            tz=piece.tz,
            host=piece.host,
            resume=piece.resume,
            jobs=1,
            defer_indexes=False,
        )
    return summary.to_dict()


_SUMS = ("lines", "events", "ignored", "unknown", "truncated", "recoded", "messages", "new_messages")
_SUMS2 = ("deliveries", "new_deliveries", "new_attempts")


def _add(total: IngestSummary, part: dict[str, Any]) -> None:
    for key in (*_SUMS, *_SUMS2):
        setattr(total, key, getattr(total, key) + int(part.get(key, 0)))
    for key in ("ignored_by_kind", "formats"):
        mine: dict[str, int] = getattr(total, key)
        for k, v in dict(part.get(key, {})).items():
            mine[k] = mine.get(k, 0) + int(v)
    total.unknown_samples.extend(
        list(part.get("unknown_samples", []))[: max(0, 10 - len(total.unknown_samples))]
    )
    for key in ("sources", "skipped_sources", "damaged"):
        getattr(total, key).extend(part.get(key, []))


def backfill(
    paths: Sequence[str],
    url: str,
    *,
    cluster: str | None = None,
    format: str | None = None,
    tz: str | None = None,
    host: str | None = None,
    resume: bool = True,
) -> IngestSummary:
    """Ingest ``paths`` into the store at ``url``, one rotated set per piece, on ``cluster``
    (see :func:`inboxtrace.execution.runner`); the summed summary."""
    from inboxtrace.store import open_store

    started = time.monotonic()
    with open_store(url) as store:  # created (or upgraded) once, before the workers open it
        shown = store.url
        if store.dialect == "sqlite" and cluster not in (None, "inline"):
            raise InputError("a backfill on a cluster writes to PostgreSQL: give --db postgresql://...")
    sets = rotated_sets(paths)
    total = IngestSummary(store=shown)
    with runner(cluster) as run:
        big = sets_to_cut(sets, run.workers_count)
        if big:
            with open_store(url) as store:
                for group in big:  # cut into pieces parsed on the cluster, merged and written here
                    part = ingest(
                        list(group),
                        store,
                        format=format,
                        tz=tz,
                        host=host,
                        resume=resume,
                        defer_indexes=False,
                        cluster=cluster or "inline",
                    )
                    _add(total, part.to_dict())
        pieces = [Piece(url, group, format, tz, host, resume) for group in sets if group not in big]
        for _, done in run.map(ingest_piece, pieces):
            _add(total, done)
    total.duration = time.monotonic() - started
    return total


__all__ = ["Piece", "backfill", "ingest_piece", "rotated_sets", "sets_to_cut"]
