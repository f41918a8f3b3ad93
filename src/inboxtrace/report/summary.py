"""The delivery report: per-recipient totals and rates by final state, reason, domain, provider, day.

Counts are per recipient (one delivery = one recipient of one message), by final state:
``delivered`` (accepted by the next hop with 2xx), ``deferred`` (still queued), ``bounced``,
``expired`` (given up after the queue lifetime; pflogsumm counts these in neither "bounced" nor
"deferred"), ``rejected`` (refused before it was queued) and ``unknown``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table

from inboxtrace.report.bounce_links import async_bounce_summary
from inboxtrace.report.numbers import num
from inboxtrace.safetext import csv_row, markup_safe
from inboxtrace.store.core import Store, db_errors
from inboxtrace.store.log_queries import STATES, GroupCounts, grouped_counts, message_count, time_span

SECTIONS = (
    ("by_reason", "reason", "By reason"),
    ("by_domain", "rcpt_domain", "By receiving domain"),
    ("by_provider", "provider", "By provider (from MX/relay names)"),
    ("by_day", "day", "By day (UTC, day of the final state)"),
)
STATE_STYLE = {
    "delivered": "green",
    "deferred": "yellow",
    "bounced": "red",
    "expired": "magenta",
    "rejected": "red",
    "unknown": "dim",
}


def _rate(n: int, total: int) -> float:
    return round(n / total, 4) if total else 0.0


@dataclass(frozen=True, slots=True)
class GroupRow:
    """One row of a report section: a key and its per-state recipient counts."""

    key: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "total": self.total}
        for s in STATES:
            out[s] = self.counts.get(s, 0)
        out["delivered_rate"] = _rate(self.counts.get("delivered", 0), self.total)
        out["bounce_rate"] = _rate(self.counts.get("bounced", 0) + self.counts.get("expired", 0), self.total)
        return out

    @classmethod
    def of(cls, g: GroupCounts) -> GroupRow:
        return cls(g.key, dict(g.counts))


@dataclass(frozen=True, slots=True)
class Advice:
    """What a reason that held mail back means and what to do, with how many recipients it hit."""

    reason: str
    recipients: int
    meaning: str
    action: str
    hard: bool
    expired: int = 0  # of which the MTA gave up after retrying for the whole queue lifetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "recipients": self.recipients,
            "meaning": self.meaning,
            "action": self.action,
            "hard": self.hard,
            "expired": self.expired,
        }


def advice_for(rows: list[GroupRow], limit: int = 5) -> list[Advice]:
    """The reasons behind undelivered recipients, most frequent first, explained by the vocabulary."""
    from inboxtrace.codes import reason_info

    out: list[Advice] = []
    for r in rows:
        failed = r.total - r.counts.get("delivered", 0)
        if failed <= 0 or r.key in ("delivered", "(none)"):
            continue
        try:
            info = reason_info(r.key)
        except Exception:  # a reason the vocabulary does not know: shown without advice
            continue
        expired = r.counts.get("expired", 0)
        action = info.default_action
        if expired and expired * 2 >= failed and action == "retry":
            action = reason_info("expired").default_action  # retrying already failed for days
        out.append(Advice(r.key, failed, info.meaning, action, bool(info.hard), expired))
    out.sort(key=lambda a: -a.recipients)
    return out[:limit]


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """Totals and grouped counts; renders as rich tables, ``to_dict()`` (JSON) and ``to_csv()``."""

    totals: dict[str, int]
    messages: int
    sections: dict[str, list[GroupRow]] = field(default_factory=dict)
    since: datetime | None = None
    until: datetime | None = None
    first: datetime | None = None
    last: datetime | None = None
    top: int = 15
    advice: list[Advice] = field(default_factory=list)
    # Notices the MTA generated about other mail (null sender ``<>``: bounces, delay warnings), by
    # final state: reported apart, never in the totals or rates above.
    notices: dict[str, int] = field(default_factory=dict)
    notice_messages: int = 0
    # Bounce messages received after acceptance (``inboxtrace bounces --ingest``), counted apart
    # from the SMTP-time rejections above: {"recipients": n, "by_reason": {...}}.
    async_bounces: dict[str, Any] = field(default_factory=dict)

    @property
    def recipients(self) -> int:
        return sum(self.totals.values())

    def rates(self) -> dict[str, float]:
        return {s: _rate(self.totals.get(s, 0), self.recipients) for s in STATES}

    def to_dict(self) -> dict[str, Any]:
        totals: dict[str, Any] = {s: self.totals.get(s, 0) for s in STATES}
        totals["recipients"] = self.recipients
        totals["messages"] = self.messages
        return {
            "totals": totals,
            "rates": self.rates(),
            "period": {
                "since": self.since.isoformat() if self.since else None,
                "until": self.until.isoformat() if self.until else None,
                "first": self.first.isoformat() if self.first else None,
                "last": self.last.isoformat() if self.last else None,
            },
            **{name: [r.to_dict() for r in rows] for name, rows in self.sections.items()},
            "advice": [a.to_dict() for a in self.advice],
            "server_notices": {
                "messages": self.notice_messages,
                "recipients": sum(self.notices.values()),
                **{s: self.notices.get(s, 0) for s in STATES},
            },
            "smtp_time_rejections": self.totals.get("bounced", 0),
            "bounce_messages": dict(self.async_bounces),
        }

    def csv_rows(self) -> Iterator[list[Any]]:
        header = ["section", "key", "total", *STATES, "delivered_rate", "bounce_rate"]
        yield header
        total_row = GroupRow("all", dict(self.totals)).to_dict()
        yield ["totals", "all", *(total_row[h] for h in header[2:])]
        for name, rows in self.sections.items():
            for r in rows:
                d = r.to_dict()
                yield [name.removeprefix("by_"), r.key, *(d[h] for h in header[2:])]

    def to_csv(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        for row in self.csv_rows():
            w.writerow(csv_row(row))
        return buf.getvalue()

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        span = ""
        if self.first and self.last:
            span = f" from {self.first:%Y-%m-%d %H:%M} to {self.last:%Y-%m-%d %H:%M} UTC"
        if self.since or self.until:
            window = (f"from {self.since:%Y-%m-%d %H:%M} UTC" if self.since else "from the start") + (
                f" to {self.until:%Y-%m-%d %H:%M} UTC" if self.until else " on"
            )
            yield (
                f"[bold]Delivery report[/bold] {window}: {num(self.recipients)} recipients in "
                f"{num(self.messages)} messages"
            )
        else:
            yield (
                f"[bold]Delivery report[/bold]: {num(self.recipients)} recipients in "
                f"{num(self.messages)} messages{span}"
            )
        if not self.recipients:
            if self.first is None:
                yield "[dim]Nothing stored yet: run `inboxtrace ingest FILE...` first.[/dim]"
            elif self.since or self.until:
                covers = span.strip().removeprefix("from ")
                yield f"No sent mail falls in this window: the store covers {covers}."
            else:
                yield "No sent mail is stored (only notices the server generated, below)."
            yield from self._notice_lines()
            return
        t = Table(title="Final state (per recipient)", title_justify="left")
        t.add_column("state")
        t.add_column("recipients", justify="right")
        t.add_column("rate", justify="right")
        for s in STATES:
            n = self.totals.get(s, 0)
            if n or s != "unknown":
                t.add_row(f"[{STATE_STYLE[s]}]{s}[/]", num(n), f"{100 * _rate(n, self.recipients):.1f}%")
        yield t
        titles = {name: title for name, _, title in SECTIONS}
        for name, rows in self.sections.items():
            if not rows:
                continue
            t = Table(title=titles.get(name, name), title_justify="left")
            states = [st for st in STATES if any(r.counts.get(st) for r in rows)]
            t.add_column(name.removeprefix("by_").replace("rcpt_", ""), no_wrap=True, overflow="ellipsis")
            t.add_column("total", justify="right")
            for st in states:
                t.add_column(st, justify="right", style=STATE_STYLE[st] if st != "unknown" else None)
            t.add_column("deliv.%", justify="right")
            shown = rows if name == "by_day" else rows[: self.top]
            for r in shown:
                t.add_row(
                    markup_safe(r.key),
                    num(r.total),
                    *(num(r.counts.get(st, 0)) if r.counts.get(st) else "" for st in states),
                    f"{100 * _rate(r.counts.get('delivered', 0), r.total):.1f}",
                )
            if len(shown) < len(rows):
                t.caption = f"{len(rows) - len(shown)} more not shown (see --json or --csv)"
            yield t
        yield from self._notice_lines()
        if self.async_bounces.get("recipients"):
            b = self.async_bounces
            later = ", ".join(
                f"{markup_safe(str(k))} {v}" for k, v in list(b["after_acceptance_by_reason"].items())[:8]
            )
            yield (
                f"[bold]Bounce messages[/bold] (from `inboxtrace bounces --ingest`): {b['recipients']} failed "
                f"recipients. [bold]{b['after_acceptance']} bounced after the receiver had accepted with 2xx[/bold]"
                + (f" ({later})" if later else "")
                + f"; {b['at_smtp_time']} report refusals already seen during the SMTP conversation"
                f" ({self.totals.get('bounced', 0)} recipients bounced at SMTP time in the logs);"
                f" {b['not_in_logs']} match no logged delivery."
            )
        if self.async_bounces.get("delay_warnings"):
            yield (
                f"Delay warnings received (DSN action 'delayed'): {num(self.async_bounces['delay_warnings'])} "
                "recipients whose mail a server is still retrying; it may still arrive (not counted as bounces)."
            )
        if self.advice:
            yield "[bold]What held mail back, and what to do[/bold]"
            for a in self.advice:
                kind = "hard" if a.hard else "soft"
                gave_up = f", {a.expired} expired after every retry" if a.expired else ""
                yield (
                    f"  [bold]{markup_safe(a.reason)}[/bold] ({a.recipients} recipients, {kind}{gave_up}): "
                    f"{markup_safe(a.meaning)} [dim]→ {markup_safe(a.action)}[/dim]"
                )

    def _notice_lines(self) -> Iterator[str]:
        n = sum(self.notices.values())
        if not n:
            return
        states = ", ".join(f"{num(self.notices[s])} {s}" for s in STATES if self.notices.get(s))
        yield (
            f"[bold]Notices your server generated[/bold] (null sender <>: bounces and delay warnings it "
            f"sent about other mail), not counted above: {num(self.notice_messages)} messages to "
            f"{num(n)} recipients ({states})."
        )


@db_errors
def build_report(
    store: Store, *, since: datetime | None = None, until: datetime | None = None, top: int = 15
) -> DeliveryReport:
    """Query the store for the report (deliveries whose final state falls in [since, until))."""
    states = grouped_counts(store, "final_state", since=since, until=until)
    totals = {g.key: g.total for g in states}
    sections = {
        name: [GroupRow.of(g) for g in grouped_counts(store, col, since=since, until=until)]
        for name, col, _ in SECTIONS
    }
    sections["by_day"].sort(key=lambda r: r.key)
    notices = grouped_counts(store, "final_state", since=since, until=until, notices=True)
    return _report(
        store, totals, message_count(store, since=since, until=until), sections,
        {g.key: g.total for g in notices}, message_count(store, since=since, until=until, notices=True),
        since=since, until=until, top=top,
    )  # fmt: skip


def _report(  # noqa: PLR0917
    store: Store,
    totals: dict[str, int],
    messages: int,
    sections: dict[str, list[GroupRow]],
    notices: dict[str, int],
    notice_messages: int,
    *,
    since: datetime | None,
    until: datetime | None,
    top: int,
) -> DeliveryReport:
    """The report of these counts, with the store's span, the advice and the bounce messages."""
    first, last = time_span(store)
    return DeliveryReport(
        totals=totals,
        messages=messages,
        sections=sections,
        since=since,
        until=until,
        first=first,
        last=last,
        top=top,
        advice=advice_for(sections["by_reason"]),
        notices=notices,
        notice_messages=notice_messages,
        async_bounces=async_bounce_summary(store, since=since),
    )


def _rows(groups: dict[str, dict[str, int]]) -> list[GroupRow]:
    rows = [GroupRow(k, dict(v)) for k, v in groups.items()]
    return sorted(rows, key=lambda r: (-r.total, r.key))


@db_errors
def build_day_report(store: Store, first_day: date, last_day: date, *, top: int = 15) -> DeliveryReport:
    """The report of whole UTC days ``first_day``..``last_day`` read from the store's rollup
    (:mod:`inboxtrace.store.rollup`): the same totals and sections as :func:`build_report` over
    those days, in milliseconds instead of a count of every row. ``messages``: queued messages
    with a recipient whose final state fell in the days."""
    from inboxtrace.store import rollup

    lo, hi = first_day.isoformat(), last_day.isoformat()
    sent = rollup.read(store, lo, hi)
    notices = rollup.read(store, lo, hi, notices=True)
    names = {"reason": "by_reason", "rcpt_domain": "by_domain", "provider": "by_provider"}
    sections = {name: _rows(sent.by[dim]) for dim, name in names.items()}
    sections["by_day"] = sorted(_rows(sent.by["day"]), key=lambda r: r.key)
    since = datetime.combine(first_day, time.min, UTC)
    until = datetime.combine(last_day, time.min, UTC) + timedelta(days=1)
    return _report(
        store, sent.totals, sent.messages, sections, notices.totals, notices.messages,
        since=since, until=until, top=top,
    )  # fmt: skip


__all__ = [
    "SECTIONS",
    "Advice",
    "DeliveryReport",
    "GroupRow",
    "advice_for",
    "build_day_report",
    "build_report",
]
