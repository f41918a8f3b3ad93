"""``placement check``: find each seed's copy of a test, polling until all are found or time is up."""

from __future__ import annotations

import imaplib
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import UTC, datetime, timedelta

from imapclient.exceptions import IMAPClientError

from inboxtrace.errors import InboxtraceError
from inboxtrace.model.placement import PlacementTest, Seed, SeedErrorKind, SeedResult
from inboxtrace.seeds.check import error_kind
from inboxtrace.seeds.folders import knowledge, placement_for, search_order
from inboxtrace.seeds.headers import copy_facts
from inboxtrace.seeds.imap import session
from inboxtrace.seeds.pool import DEFAULT_PER_HOST, DEFAULT_TOTAL, run_per_seed

MISSING = "missing"
ERROR = "error"
_PERMANENT = {SeedErrorKind.AUTH.value, SeedErrorKind.CONFIG.value, SeedErrorKind.TLS.value}


def locate(
    seed: Seed,
    test: PlacementTest,
    *,
    sent_at: datetime | None = None,
    environ: Mapping[str, str] | None = None,
) -> SeedResult:
    """Search one seed's folders for the test copy; ``missing`` when none holds it, ``error`` on failure."""
    now = datetime.now(UTC)
    try:
        with session(seed, environ=environ) as s:
            since = (sent_at or test.created) - timedelta(days=1)
            for folder in search_order(s.folders()):
                try:
                    uids = s.search(folder.name, test.token, test.header, since=since.date())
                except IMAPClientError as exc:
                    if isinstance(exc, imaplib.IMAP4.abort):
                        raise  # the connection is gone: the seed is an error, not "missing"
                    continue  # a folder that vanished or cannot be selected: the others still count
                if not uids:
                    continue
                placement = placement_for(folder)
                uid = max(uids)
                if s.gmail and folder.role == "inbox":
                    tab = s.gmail_tab(uid, knowledge().gmail_tabs)
                    if tab:
                        placement = f"tab:{tab}"
                raw, arrived = s.headers(uid)
                facts = copy_facts(raw, trusted_authserv=seed.authserv_ids)
                if arrived is not None and arrived.tzinfo is None:
                    arrived = arrived.replace(tzinfo=UTC)
                delay = None
                if arrived is not None and sent_at is not None:
                    delay = max(0.0, (arrived - sent_at).total_seconds())
                return SeedResult(
                    test_id=test.test_id,
                    address=seed.address,
                    provider=seed.provider,
                    placement=placement,
                    folder=folder.name,
                    arrived=arrived,
                    delay=delay,
                    checked_at=now,
                    auth=facts.auth,
                    received=facts.received,
                    message_id=facts.message_id,
                )
    except InboxtraceError as exc:
        return SeedResult(
            test.test_id, seed.address, seed.provider, ERROR, checked_at=now, error=str(exc),
            error_kind=error_kind(exc).value,
        )  # fmt: skip
    return SeedResult(test.test_id, seed.address, seed.provider, MISSING, checked_at=now)


def check_placement(
    test: PlacementTest,
    seeds: Sequence[Seed],
    *,
    wait: float = 0.0,
    interval: float = 15.0,
    sent_at: datetime | None = None,
    per_host: int = DEFAULT_PER_HOST,
    total: int = DEFAULT_TOTAL,
    environ: Mapping[str, str] | None = None,
    progress: Callable[[list[SeedResult]], None] | None = None,
    awaited: Collection[str] | None = None,
) -> list[SeedResult]:
    """Poll every seed concurrently until every copy is found or ``wait`` seconds have passed.

    Seeds that are found are not searched again; the others are retried every ``interval`` seconds,
    except a seed that cannot log in (credentials refused, bad configuration, TLS failure).
    With ``awaited`` (the addresses the test was really sent to), the others are searched once and
    not waited for.
    The result keeps seed order: found copies with their folder, else ``missing`` (or ``error`` with the
    last error when the seed could not be searched at all).
    """
    sent_at = sent_at or test.sent_at
    deadline = time.monotonic() + max(0.0, wait)
    latest: dict[str, SeedResult] = {}
    pending = list(seeds)
    wanted = {a.lower() for a in awaited} if awaited is not None else None
    while True:
        found = run_per_seed(
            pending,
            lambda s: locate(s, test, sent_at=sent_at, environ=environ),
            per_host=per_host,
            total=total,
        )
        for r in found:
            latest[r.address.lower()] = r
        # a seed that cannot log in (or is misconfigured, or fails TLS) will not do better later
        pending = [
            s
            for s, r in zip(pending, found, strict=True)
            if r.placement == MISSING or (r.placement == ERROR and r.error_kind not in _PERMANENT)
        ]
        if wanted is not None:
            pending = [s for s in pending if s.address.lower() in wanted]
        if progress:
            progress([latest[s.address.lower()] for s in seeds])
        if not pending:
            break
        left = deadline - time.monotonic()
        if left <= 0:
            break
        time.sleep(min(interval, left))
    return [latest[s.address.lower()] for s in seeds]
