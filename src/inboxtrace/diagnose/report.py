"""``placement report``: seed-by-seed results, a provider × placement matrix, and the trend."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table

from inboxtrace.model.placement import PlacementTest, SeedResult
from inboxtrace.safetext import csv_row
from inboxtrace.safetext import markup_safe as escape

COLUMNS = ("inbox", "tab", "spam", "trash", "archive", "other", "missing", "error")


def bucket(placement: str) -> str:
    """The matrix column of a placement (``tab:promotions`` → tab, ``other:X`` → other)."""
    if placement.startswith("tab:"):
        return "tab"
    if placement.startswith("other:"):
        return "other"
    return placement if placement in COLUMNS else "other"


@dataclass(frozen=True, slots=True)
class Row:
    label: str
    total: int
    counts: Mapping[str, int]

    def pct(self, col: str) -> float:
        return round(100.0 * self.counts.get(col, 0) / self.total, 1) if self.total else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "counts": {c: self.counts.get(c, 0) for c in COLUMNS},
            "percent": {c: self.pct(c) for c in COLUMNS},
        }


def matrix(results: Sequence[SeedResult]) -> tuple[list[Row], Row]:
    """Per-provider rows and the overall row."""
    by: dict[str, Counter[str]] = {}
    for r in results:
        by.setdefault(r.provider, Counter())[bucket(r.placement)] += 1
    rows = [Row(p, sum(c.values()), c) for p, c in sorted(by.items())]
    overall: Counter[str] = Counter()
    for c in by.values():
        overall.update(c)
    return rows, Row("all", sum(overall.values()), overall)


@dataclass(frozen=True, slots=True)
class TrendPoint:
    test: PlacementTest
    overall: Row
    providers: tuple[Row, ...] = ()


@dataclass(frozen=True, slots=True)
class PlacementReport:
    """Everything ``placement report`` shows; renders itself with rich, or as JSON via ``to_dict``."""

    test: PlacementTest
    results: tuple[SeedResult, ...]
    trend: tuple[TrendPoint, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        rows, overall = matrix(self.results)
        return {
            "test": self.test.to_dict(),
            "seeds": [r.to_dict() for r in self.results],
            "matrix": {row.label: row.to_dict() for row in rows},
            "overall": overall.to_dict(),
            "trend": [
                {
                    "test_id": t.test.test_id,
                    "created": t.test.created.isoformat(),
                    **t.overall.to_dict(),
                    "matrix": {row.label: row.to_dict() for row in t.providers},
                }
                for t in self.trend
            ],
        }

    def to_csv(self) -> str:
        """One row per seed (for spreadsheets): provider, seed, placement, folder, arrival, delay, SPF/DKIM/DMARC."""
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["test_id", "provider", "seed", "placement", "folder", "arrived", "delay_s", "spf", "dkim",
                    "dmarc", "error"])  # fmt: skip
        for r in self.results:
            auth = {a.method: a.result for a in r.auth}
            w.writerow(csv_row([
                r.test_id, r.provider, r.address, r.placement, r.folder or "",
                r.arrived.isoformat() if r.arrived else "", "" if r.delay is None else f"{r.delay:.0f}",
                auth.get("spf", ""), auth.get("dkim", ""), auth.get("dmarc", ""), r.error or "",
            ]))  # fmt: skip
        return out.getvalue()

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from self._render()

    def _render(self) -> Iterator[Any]:
        t = self.test
        yield f"Placement test [bold]{escape(t.test_id)}[/bold]  token {escape(t.token)}"
        if not self.results:
            yield "No results yet: run  inboxtrace placement check " + escape(t.test_id)
            return
        seeds = Table(title="Seeds", title_justify="left")
        for col in ("provider", "seed", "placement", "folder", "delay", "SPF", "DKIM", "DMARC"):
            seeds.add_column(col)
        for r in self.results:
            auth = {a.method: a for a in r.auth}

            def cell(method: str, auth: Mapping[str, Any] = auth) -> str:
                a = auth.get(method)
                if a is None:
                    return "-"
                return escape(f"{a.result} ({a.domain})" if a.domain else a.result)

            placement = escape(r.placement)
            if r.placement == "inbox":
                placement = f"[green]{placement}[/green]"
            elif r.placement in ("missing", "error") or r.placement == "spam":
                placement = f"[red]{placement}[/red]"
            else:
                placement = f"[yellow]{placement}[/yellow]"
            seeds.add_row(
                escape(r.provider),
                escape(r.address),
                placement + (f" [dim]{escape(r.error)}[/dim]" if r.error else ""),
                escape(r.folder or "-"),
                f"{r.delay:.0f}s" if r.delay is not None else "-",
                cell("spf"),
                cell("dkim"),
                cell("dmarc"),
            )
        yield seeds
        rows, overall = matrix(self.results)
        shown = [c for c in COLUMNS if overall.counts.get(c, 0) or c in ("inbox", "spam", "tab", "missing")]
        mx = Table(title="Provider × placement", title_justify="left")
        mx.add_column("provider")
        mx.add_column("seeds", justify="right")
        for c in shown:
            mx.add_column(f"{c} %", justify="right")
        for row in [*rows, overall]:
            mx.add_row(escape(row.label), str(row.total), *(f"{row.pct(c):.0f}" for c in shown))
        yield mx
        if self.trend:
            tr = Table(title="Trend (earlier tests)", title_justify="left")
            for col in ("test", "created", "seeds", "inbox %", "tab %", "spam %", "missing %"):
                tr.add_column(col)
            for p in self.trend:
                o = p.overall
                tr.add_row(
                    escape(p.test.test_id),
                    f"{p.test.created:%Y-%m-%d %H:%M}",
                    str(o.total),
                    *(f"{o.pct(c):.0f}" for c in ("inbox", "tab", "spam", "missing")),
                )
            yield tr


def build_report(
    test: PlacementTest,
    results: Sequence[SeedResult],
    earlier: Sequence[tuple[PlacementTest, Sequence[SeedResult]]] = (),
) -> PlacementReport:
    trend = []
    for t, rs in earlier:
        if rs:
            rows, overall = matrix(rs)
            trend.append(TrendPoint(t, overall, tuple(rows)))
    return PlacementReport(test, tuple(results), tuple(trend))
