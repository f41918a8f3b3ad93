"""Counting every line: parsed into an event, knowingly ignored (by kind), or unknown (with samples)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_SAMPLES = 5
SAMPLE_CHARS = 300


@dataclass
class LogStats:
    """Line accounting for one read. ``lines == events + sum(ignored.values()) + unknown``.

    ``truncated`` counts lines cut at the length cap and ``recoded`` lines that were not UTF-8
    (read as Latin-1); both are also counted in one of the three buckets. ``messages`` is the
    number of :class:`~inboxtrace.model.Message` records produced. ``formats`` counts lines per
    MTA parser that handled them; ``sources`` lists the inputs in the order read. ``damaged``
    names each input whose reading stopped early (a truncated or corrupt .gz/.xz/.bz2, a read
    error) and why: what came before the damage was read and counted.
    """

    lines: int = 0
    events: int = 0
    ignored: dict[str, int] = field(default_factory=dict)
    unknown: int = 0
    unknown_samples: list[str] = field(default_factory=list)
    truncated: int = 0
    recoded: int = 0
    messages: int = 0
    formats: dict[str, int] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    damaged: list[str] = field(default_factory=list)

    def add_unknown(self, line: str) -> None:
        self.unknown += 1
        if len(self.unknown_samples) < MAX_SAMPLES:
            self.unknown_samples.append(line[:SAMPLE_CHARS])

    def ignore(self, kind: str, n: int = 1) -> None:
        self.ignored[kind] = self.ignored.get(kind, 0) + n

    def merge(self, other: LogStats) -> None:
        """Add another read's counts (used to combine parallel workers)."""
        self.lines += other.lines
        self.events += other.events
        for k, v in other.ignored.items():
            self.ignored[k] = self.ignored.get(k, 0) + v
        self.unknown += other.unknown
        room = MAX_SAMPLES - len(self.unknown_samples)
        if room > 0:
            self.unknown_samples.extend(other.unknown_samples[:room])
        self.truncated += other.truncated
        self.recoded += other.recoded
        self.messages += other.messages
        for k, v in other.formats.items():
            self.formats[k] = self.formats.get(k, 0) + v
        self.damaged.extend(other.damaged)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary with the public keys lines, events, ignored, unknown, unknown_samples."""
        return {
            "lines": self.lines,
            "events": self.events,
            "ignored": sum(self.ignored.values()),
            "ignored_by_kind": dict(sorted(self.ignored.items(), key=lambda kv: -kv[1])),
            "unknown": self.unknown,
            "unknown_samples": list(self.unknown_samples),
            "truncated": self.truncated,
            "recoded": self.recoded,
            "messages": self.messages,
            "formats": dict(self.formats),
            "sources": list(self.sources),
            "damaged": list(self.damaged),
        }


__all__ = ["LogStats"]
