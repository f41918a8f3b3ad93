"""The suppression list: addresses whose latest outcome is a hard bounce, for a mailing list to drop."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table

from inboxtrace.safetext import csv_cell, markup_safe
from inboxtrace.store.core import Store, db_errors
from inboxtrace.store.log_queries import Suppression, suppressions

CSV_HEADER = ("address", "last_bounce", "reason", "dsn", "bounces", "relay_host", "reply")


@dataclass(frozen=True, slots=True)
class SuppressionList:
    entries: tuple[Suppression, ...]

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "address": e.address,
                "last_bounce": e.last_bounce.isoformat() if e.last_bounce else None,
                "reason": e.reason,
                "dsn": e.dsn,
                "bounces": e.bounces,
                "relay_host": e.relay_host,
                "reply": e.reply,
            }
            for e in self.entries
        ]

    def to_dict(self) -> dict[str, Any]:
        return {"count": len(self.entries), "suppressions": self.rows()}

    def to_csv(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(CSV_HEADER)
        for r in self.rows():
            w.writerow([csv_cell(str(r[h])) if r[h] is not None else "" for h in CSV_HEADER])
        return buf.getvalue()

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        t = Table(title=f"{len(self.entries)} hard-bounced addresses", title_justify="left")
        for h in ("address", "last bounce", "reason", "dsn", "bounces"):
            t.add_column(h)
        for e in self.entries:
            t.add_row(
                markup_safe(e.address),
                f"{e.last_bounce:%Y-%m-%d %H:%M}" if e.last_bounce else "",
                markup_safe(e.reason or ""),
                markup_safe(e.dsn or ""),
                str(e.bounces),
            )
        yield t


@db_errors
def build_suppressions(store: Store, *, since: datetime | None = None) -> SuppressionList:
    return SuppressionList(tuple(suppressions(store, since=since)))


__all__ = ["SuppressionList", "build_suppressions"]
