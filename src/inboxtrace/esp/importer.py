"""Importing exported ESP event files, and replaying stored raw payloads.

Accepted (compressed or not, ``-`` = stdin):

* JSON lines: each line one webhook body of the provider (an object or an array of events), or an
  exported stored event ``{"provider": ..., "raw": {...}}`` (from ``inboxtrace events export``:
  replaying gives the same event ids, so nothing is stored twice);
* one JSON document (an array of events, or an object);
* CSV with a header row (flat exports such as SendGrid's or SMTP2GO's activity files).

Files are local and trusted, so no signature is checked; a line that cannot be read is counted
as unparsed (with a few samples), never a traceback.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from inboxtrace.errors import InputError
from inboxtrace.esp.base import EspEvent, Provider, WebhookError
from inboxtrace.esp.config import EspSettings
from inboxtrace.esp.registry import PROVIDERS, provider
from inboxtrace.sources.compression import open_binary
from inboxtrace.store.core import Store
from inboxtrace.store.esp import write_events

MAX_LINE = 8 * 1024 * 1024


@dataclass(slots=True)
class ImportSummary:
    path: str
    records: int = 0  # lines / rows / documents read
    events: int = 0
    new: int = 0
    duplicates: int = 0
    unparsed: int = 0
    samples: list[str] = field(default_factory=list)

    def bad(self, where: str, why: str) -> None:
        self.unparsed += 1
        if len(self.samples) < 5:
            self.samples.append(f"{where}: {why}"[:300])

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "records": self.records,
            "events": self.events,
            "new": self.new,
            "duplicates": self.duplicates,
            "unparsed": self.unparsed,
            "samples": self.samples,
        }


def _read(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    stream, _ = open_binary(path)
    with stream:
        try:
            return stream.read()
        except (OSError, EOFError) as exc:
            raise InputError(f"{path}: cannot read: {exc}") from exc


def _records(data: bytes, fmt: str | None, summary: ImportSummary) -> Iterator[tuple[str, Any]]:
    """(where, decoded record) for every record of the file."""
    text = data.decode("utf-8", "replace").lstrip("\ufeff")
    head = text.lstrip()[:1]
    if fmt == "csv" or (fmt is None and head not in ("{", "[")):
        reader = csv.DictReader(io.StringIO(text.replace("\x00", "")))
        try:
            if not reader.fieldnames:
                return
            for n, row in enumerate(reader, start=2):
                summary.records += 1
                yield f"row {n}", {k: v for k, v in row.items() if k is not None and v not in (None, "")}
        except csv.Error as exc:
            summary.bad(f"row {reader.line_num}", f"not CSV ({exc})")
        return
    if head == "[" and fmt != "jsonl":
        try:
            doc = json.loads(text)
        except (ValueError, RecursionError):
            doc = None
        if doc is not None:
            summary.records += 1
            yield "document", doc
            return
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        summary.records += 1
        if len(line) > MAX_LINE:
            summary.bad(f"line {n}", "line too long")
            continue
        try:
            yield f"line {n}", json.loads(line)
        except (ValueError, RecursionError) as exc:
            summary.bad(f"line {n}", f"not JSON ({str(exc)[:80]})")


def import_file(
    path: str,
    store: Store,
    *,
    provider_name: str | None = None,
    fmt: str | None = None,
    batch_size: int = 1000,
) -> ImportSummary:
    """Store the events of one exported file (see the module docstring)."""
    summary = ImportSummary(path)
    settings = EspSettings()  # parsing needs no credentials
    chosen = provider(provider_name, settings) if provider_name else None
    cache: dict[str, Provider] = {}
    batch: list[EspEvent] = []

    def flush() -> None:
        if batch:
            result = write_events(store, batch)
            summary.new += result.new
            summary.duplicates += result.duplicates
            batch.clear()

    for where, record in _records(_read(path), fmt, summary):
        prov = chosen
        body = record
        if isinstance(record, dict) and "raw" in record and record.get("provider") in PROVIDERS:
            name = str(record["provider"])
            prov = cache.get(name) or cache.setdefault(name, provider(name, settings))
            body = record["raw"]
        if prov is None:
            summary.bad(where, "no --provider given and not an exported stored event")
            continue
        try:
            events = prov.parse(body)
        except WebhookError as exc:
            summary.bad(where, str(exc))
            continue
        if not events:
            summary.bad(where, f"no {prov.name} event in it")
            continue
        summary.events += len(events)
        batch.extend(events)
        if len(batch) >= batch_size:
            flush()
    flush()
    return summary


def export_events(store: Store, out: Any, *, provider_name: str | None = None) -> int:
    """Write every stored event as a JSON line ``{"provider", "event_id", "raw"}`` (replayable)."""
    from inboxtrace.store.esp import stored_events

    n = 0
    for row in stored_events(store, provider=provider_name):
        line = {"provider": row["provider"], "event_id": row["event_id"], "raw": json.loads(row["raw"])}
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
        n += 1
    return n


__all__ = ["ImportSummary", "export_events", "import_file"]
