"""Gathering the evidence from the store and concluding: ``diagnose TEST`` and ``diagnose --to``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from rich.console import Console, ConsoleOptions, RenderResult

from inboxtrace.checks.context import CheckOptions
from inboxtrace.diagnose.conclude import BounceEvidence, Evidence, conclude, follow_hops
from inboxtrace.model.check import CheckResult, Severity
from inboxtrace.model.placement import Conclusion, ConclusionKind, PlacementTest
from inboxtrace.safetext import markup_safe as escape
from inboxtrace.store.core import Store
from inboxtrace.store.placement import (
    deferrals_at,
    deliveries_to,
    get_test,
    load_results,
    load_sends,
    seeds_of_test,
)

if TYPE_CHECKING:
    from inboxtrace.store.bounces import StoredBounce

SLACK = timedelta(minutes=5)  # clocks of the sender's host and this machine may differ a little
DEFAULT_WINDOW = timedelta(minutes=15)


def _bounces(
    store: Store,
    address: str,
    since: datetime | None,
    known: Mapping[str, Sequence[StoredBounce]] | None = None,
) -> tuple[BounceEvidence, ...]:
    from inboxtrace.store.bounces import bounces_for_recipient

    lowered = address.strip().lower()
    found = (
        known[lowered] if known is not None and lowered in known else bounces_for_recipient(store, address)
    )
    out = []
    for b in found:
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
    deliveries = tuple(deliveries_to(store, address, since=lo, until=until))
    return _evidence(
        store, address, deliveries, provider=provider, test=test, send=send, result=result, sent_at=sent_at,
        until=until, span=span,
    )  # fmt: skip


def _evidence(
    store: Store,
    address: str,
    deliveries: tuple[tuple[Any, Any], ...],
    *,
    provider: str | None,
    test: PlacementTest | None,
    send: Any,
    result: Any,
    sent_at: datetime | None,
    until: datetime | None,
    span: tuple[datetime | None, datetime | None] | None,
    bounces: Mapping[str, Sequence[StoredBounce]] | None = None,
) -> Evidence:
    peers: tuple[int, datetime | None] = (0, None)
    last = deliveries[-1][1].last_attempt if deliveries else None
    if last is not None and last.relay_host and sent_at is not None and last.status == "deferred":
        peers = deferrals_at(store, last.relay_host, since=sent_at - SLACK, until=until)
    return Evidence(
        address=address,
        provider=provider,
        test_id=test.test_id if test else None,
        sent_at=sent_at,
        send=send,
        result=result,
        deliveries=deliveries,
        bounces=_bounces(store, address, sent_at, bounces),
        logs_span=span if span is not None else _span(store),
        peer_deferrals=peers,
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
            ConclusionKind.EXPIRED: "red", ConclusionKind.DISCARDED: "red", ConclusionKind.ACCEPTED: "cyan",
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


def add_sender_check(conclusions: Sequence[Conclusion], options: CheckOptions) -> list[Conclusion]:
    """Spam and tab conclusions with what the sender check says about the authenticated sending domain
    (one check per domain; DNS through ``options.nameservers``)."""
    from inboxtrace.checks import check_domain

    cache: dict[str, CheckResult] = {}
    out: list[Conclusion] = []
    for c in conclusions:
        domain = c.details.get("domain")
        if c.kind not in (ConclusionKind.SPAM, ConclusionKind.TAB) or not domain:
            out.append(c)
            continue
        if domain not in cache:
            cache[domain] = check_domain(domain, options)
        res = cache[domain]
        top = [f for f in res.findings if f.severity in (Severity.ERROR, Severity.WARNING)][:5]
        shown = "n/a (nothing could be checked)" if res.score is None else f"{res.score}/100"
        lines = [f"sender check of {domain}: score {shown}" + ("" if res.complete else " (incomplete)")]
        lines += [
            f"sender check: {f.severity.value}: {f.title}" + (f" ({f.found})" if f.found else "") for f in top
        ]
        if top:
            step = f" The sender check of {domain} scores {shown}; fix first: {top[0].title}. {top[0].fix}"
        else:
            step = f" The sender check of {domain} finds no problem ({shown})."
        details = {
            **c.details,
            "sender_check": {"domain": domain, "score": res.score, "top": [f.code for f in top]},
        }
        out.append(replace(c, evidence=(*c.evidence, *lines), next_step=c.next_step + step, details=details))
    return out


def diagnose_test(
    store: Store,
    test_id: str,
    *,
    window: timedelta = DEFAULT_WINDOW,
    now: datetime | None = None,
    include_inbox: bool = False,
    sender_check: CheckOptions | None = None,
) -> Diagnosis:
    """One conclusion per seed of the test that is not in the inbox (all seeds with ``include_inbox``).

    With ``sender_check`` options, spam and tab conclusions also carry the sender check of the
    authenticated sending domain (:func:`add_sender_check`)."""
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
    if sender_check is not None:
        out = add_sender_check(out, sender_check)
    return Diagnosis(f"Diagnosis of placement test {test.test_id}", tuple(out), inbox)


def diagnose_address(
    store: Store,
    address: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    window: timedelta = DEFAULT_WINDOW,
    now: datetime | None = None,
    limit: int = 20,
) -> Diagnosis:
    """One conclusion per message logged to a recipient who says "I never got it" (or one saying why
    nothing is known), from the logs and bounces; without ``since``, over everything stored.

    A message that passed several queues (a content filter's re-injection, relays whose logs are
    ingested) gets one conclusion, from its last known hop."""
    found = deliveries_to(store, address, since=since - SLACK if since else None, until=until)
    return diagnose_found(
        store, address, found, since=since, until=until, window=window, now=now, limit=limit
    )


def in_window(
    messages: Sequence[Any], address: str, *, since: datetime | None, until: datetime | None
) -> list[tuple[Any, Any]]:
    """The (message, delivery) pairs to ``address`` among ``messages`` (already loaded) with
    activity in the window, oldest first: what :func:`deliveries_to` finds in the store."""
    addr = address.strip().strip("<>").lower()
    lo = since - SLACK if since else None
    out = []
    for msg in messages:
        for dl in msg.deliveries:
            if addr not in (dl.recipient.lower(), (dl.original_recipient or "").lower()):
                continue
            if dl.attempts and lo is not None and dl.attempts[-1].time < lo:
                continue
            if dl.attempts and until is not None and dl.attempts[0].time > until:
                continue
            out.append((msg, dl))
    out.sort(key=lambda md: md[1].attempts[0].time.timestamp() if md[1].attempts else 0.0)
    return out


def diagnose_found(
    store: Store,
    address: str,
    found: Sequence[tuple[Any, Any]],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    window: timedelta = DEFAULT_WINDOW,
    now: datetime | None = None,
    limit: int = 20,
    span: tuple[datetime | None, datetime | None] | None = None,
    bounces: Mapping[str, Sequence[StoredBounce]] | None = None,
) -> Diagnosis:
    """:func:`diagnose_address` over (message, delivery) pairs already loaded (``found``, oldest
    first, e.g. from :func:`in_window`); ``span``: the logs' time span when already known;
    ``bounces``: the stored bounces of each address (lower case) already read, when known."""
    now = now or datetime.now(UTC)
    title = f"Diagnosis of {address}"
    if since is not None:
        title += f" since {since:%Y-%m-%d %H:%M %Z}"
    if until is not None:
        title += f" until {until:%Y-%m-%d %H:%M %Z}"
    span = span if span is not None else _span(store)
    if not found:
        ev = replace(
            gather(store, address, since=since, until=until, span=span), sent_at=None, asked=(since, until)
        )
        return Diagnosis(title, (conclude(ev, now=now, window=window),))
    later = {id(m) for start in found for m, _ in follow_hops(start, found)[1:]}
    starts = [md for md in found if id(md[0]) not in later]
    out = []
    for msg, dl in starts[-limit:]:
        chain = tuple(follow_hops((msg, dl), found))
        first = dl.attempts[0].time if dl.attempts else msg.received
        ev = _evidence(
            store, address, chain, provider=None, test=None, send=None, result=None,
            sent_at=msg.received or first, until=until, span=span, bounces=bounces,
        )  # fmt: skip
        c = conclude(ev, now=now, window=window)
        out.append(replace(c, details={**c.details, "message_id": msg.message_id, "queue_id": msg.queue_id}))
    more = f" (the last {limit} of {len(starts)} messages)" if len(starts) > limit else ""
    return Diagnosis(title + more, tuple(out))
