"""Server-rendered SVG charts: geometry only (rectangles and labels); the template draws them and
the stylesheet colours them by state, so no script and no inline style is needed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CHART_STATES = ("delivered", "deferred", "bounced", "rejected", "expired")


@dataclass(frozen=True, slots=True)
class Segment:
    state: str
    x: float
    y: float
    w: float
    h: float
    n: int


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    total: int
    segments: list[Segment] = field(default_factory=list)
    x: float = 0.0
    y: float = 0.0


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    peak: int


def day_columns(rows: list[dict[str, Any]], *, width: int = 720, height: int = 200) -> Chart:
    """Stacked columns per day (rows are report ``by_day`` dicts in day order)."""
    n = max(len(rows), 1)
    peak = max((int(r["total"]) for r in rows), default=0) or 1
    plot_h = height - 24
    step = width / n
    bar_w = max(step * 0.8, 1.0)
    bars = []
    for i, r in enumerate(rows):
        x = i * step + (step - bar_w) / 2
        y = float(plot_h)
        segs = []
        for s in CHART_STATES:
            c = int(r.get(s, 0))
            if not c:
                continue
            h = plot_h * c / peak
            y -= h
            segs.append(Segment(s, x, y, bar_w, h, c))
        bars.append(Bar(str(r["key"])[5:], int(r["total"]), segs, x + bar_w / 2, float(height - 6)))
    return Chart(width, height, bars, peak)


def share_rows(rows: list[dict[str, Any]], *, width: int = 720, row_h: int = 22, label_w: int = 180) -> Chart:
    """Horizontal stacked bars, one per row (providers or domains), as shares of the biggest row."""
    peak = max((int(r["total"]) for r in rows), default=0) or 1
    plot_w = width - label_w - 60
    bars = []
    for i, r in enumerate(rows):
        y = i * row_h + 2
        x = float(label_w)
        segs = []
        for s in CHART_STATES:
            c = int(r.get(s, 0))
            if not c:
                continue
            w = plot_w * c / peak
            segs.append(Segment(s, x, y, w, row_h - 6, c))
            x += w
        bars.append(Bar(str(r["key"]), int(r["total"]), segs, x + 4, y + row_h - 9))
    return Chart(width, max(len(rows), 1) * row_h + 4, bars, peak)
