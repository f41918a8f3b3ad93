"""Gathering the evidence from the store and concluding: ``diagnose TEST`` and ``diagnose --to``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from rich.console import Console, ConsoleOptions, RenderResult
from rich.markup import escape

from inboxtrace.diagnose.conclude import BounceEvidence, Evidence, conclude
from inboxtrace.model.placement import Conclusion, ConclusionKind, PlacementTest
from inboxtrace.store.core import Store
from inboxtrace.store.placement import deliveries_to, get_test, load_results, load_sends, seeds_of_test

SLACK = timedelta(minutes=5)  # clocks of the sender's host and this machine may differ a little
DEFAULT_WINDOW = timedelta(minutes=15)


def _bounces(store: Store, address: str, since: datetime | None) -> tuple[BounceEvidence, ...]:
    from inboxtrace.store.bounces import bounces_for_recipient

    out = []
    for b in bounces_for_recipient(store, address):
        if not b.is_bounce:
            continue
        when = b.date or b.recipient.last_attempt
        if since is not None and when is not None and when < since - SLACK:
            continue
        out.append(BounceEvidence(b.recipient, when, b.source, b.original.message_id))
    out.sort(key=lambda x: x.date or datetime.min.replace(tzinfo=UTC))
    return tuple(out)


def _span(store: Store) -> tuple[datetime | None, datetime | None]:
    from inboxtrace.store.log_queries import time_span

    return time_span(store)


def gather(
    store: Store,
    address: str,
    *,
    since: datetime | None,
    until: datetime | None = None,
    provider: str | None = None,
    test: PlacementTest | None = None,
    send: Any = None,
    result: Any = None,
    span: tuple[datetime | None, datetime | None] | None = None,
) -> Evidence:
    """All evidence about one address from ``since`` on."""
    sent_at = send.sent_at if send is not None else since
    lo = sent_at - SLACK if sent_at else None
    return Evidence(
        address=address,
        provider=provider,
        test_id=test.test_id if test else None,
        sent_at=sent_at,
        send=send,
        result=result,
        deliveries=tuple(deliveries_to(store, address, since=lo, until=until)),
        bounces=_bounces(store, address, sent_at),
        logs_span=span if span is not None else _span(store),
    )


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """Conclusions for a test (or one address); renders itself, or ``to_dict`` for JSON."""

    title: str
    conclusions: tuple[Conclusion, ...]
    in_inbox: int = 0

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for c in self.conclusions:
            out[c.kind.value] = out.get(c.kind.value, 0) + 1
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "in_inbox": self.in_inbox,
            "counts": self.counts(),
            "conclusions": [c.to_dict() for c in self.conclusions],
        }

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from self._lines()

    def _lines(self) -> Iterator[str]:
        yield f"[bold]{escape(self.title)}[/bold]"
        if self.in_inbox:
            yield f"{self.in_inbox} in the inbox."
        if not self.conclusions:
            yield "Nothing to explain."
        colour = {
            ConclusionKind.SPAM: "red", ConclusionKind.REJECTED: "red", ConclusionKind.ACCEPTED_NOT_FOUND: "red",
            ConclusionKind.BOUNCED_AFTER_ACCEPT: "red", ConclusionKind.DEFERRED: "yellow",
            ConclusionKind.IN_TRANSIT: "yellow", ConclusionKind.TAB: "yellow", ConclusionKind.INBOX: "green",
        }  # fmt: skip
        for c in self.conclusions:
            col = colour.get(c.kind, "magenta")
            who = f" ({escape(c.provider)})" if c.provider else ""
            yield ""
            yield f"[{col}]{c.kind.value}[/{col}]  {escape(c.address)}{who}: {escape(c.summary)}"
            for e in c.evidence:
                yield f"    [dim]{escape(e)}[/dim]"
            yield f"    next: {escape(c.next_step)}"


def diagnose_test(
    store: Store,
    test_id: str,
    *,
    window: timedelta = DEFAULT_WINDOW,
    now: datetime | None = None,
    include_inbox: bool = False,
) -> Diagnosis:
    """One conclusion per seed of the test that is not in the inbox (all seeds with ``include_inbox``)."""
    test = get_test(store, test_id)
    now = now or datetime.now(UTC)
    sends = load_sends(store, test.test_id)
    results = {r.address.lower(): r for r in load_results(store, test.test_id)}
    seeds = dict(seeds_of_test(store, test.test_id))
    addresses = {a.lower(): p for a, p in seeds.items()}
    for a, r in results.items():
        addresses.setdefault(a, r.provider)
    for a in sends:
        addresses.setdefault(a, None)  # type: ignore[arg-type]
    span = _span(store)
    out: list[Conclusion] = []
    inbox = 0
    for address, provider in addresses.items():
        send = sends.get(address)
        ev = gather(
            store, address, since=test.sent_at or test.created, provider=provider, test=test,
            send=send, result=results.get(address), span=span,
        )  # fmt: skip
        c = conclude(ev, now=now, window=window)
        if c.kind is ConclusionKind.INBOX:
            inbox += 1
            if not include_inbox:
                continue
        out.append(c)
    return Diagnosis(f"Diagnosis of placement test {test.test_id}", tuple(out), inbox)


def diagnose_address(
    store: Store,
    address: str,
    *,
    since: datetime,
    until: datetime | None = None,
    window: timedelta = DEFAULT_WINDOW,
    now: datetime | None = None,
) -> Diagnosis:
    """The conclusion for one recipient who says "I never got it", from the logs and bounces."""
    now = now or datetime.now(UTC)
    ev = gather(store, address, since=since, until=until)
    c = conclude(ev, now=now, window=window)
    return Diagnosis(f"Diagnosis of {address} since {since:%Y-%m-%d %H:%M %Z}", (c,))
