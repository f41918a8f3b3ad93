"""Placement tests end to end over the store: create, send, check, report.

These are the library calls behind ``inboxtrace placement new|send|check|report``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from inboxtrace.diagnose.report import PlacementReport, build_report
from inboxtrace.errors import ConfigError, InputError
from inboxtrace.model.placement import PlacementTest, Seed, SeedResult, SendResult
from inboxtrace.seeds.config import load_seeds
from inboxtrace.seeds.locate import check_placement
from inboxtrace.seeds.pool import DEFAULT_PER_HOST, DEFAULT_TOTAL
from inboxtrace.seeds.send import SmtpOptions, send_test
from inboxtrace.seeds.token import new_test
from inboxtrace.store.core import Store
from inboxtrace.store.placement import (
    get_test,
    list_tests,
    load_results,
    load_sends,
    results_for_tests,
    save_results,
    save_sends,
    save_test,
)


def create_test(
    store: Store, *, seed_file: str | Path | None = None, note: str | None = None
) -> PlacementTest:
    """A new test with a unique token, saved (with the seed list's addresses when one is given)."""
    seeds: tuple[Seed, ...] = ()
    path = None
    if seed_file is not None:
        path = str(Path(seed_file).resolve())
        seeds = load_seeds(path)
    test = new_test(seed_file=path, note=note)
    save_test(store, test, [(s.address, s.provider) for s in seeds])
    return test


def _seeds_for(test: PlacementTest, seed_file: str | Path | None) -> tuple[Seed, ...]:
    path = seed_file or test.seed_file
    if not path:
        raise ConfigError(f"test {test.test_id} has no seed list: pass --seeds FILE")
    return load_seeds(path)


def send_placement(
    store: Store,
    test_id: str,
    message_file: str | Path,
    opts: SmtpOptions,
    *,
    seed_file: str | Path | None = None,
    only: Sequence[str] | None = None,
    skip: Sequence[str] = (),
    progress: Callable[[SendResult], None] | None = None,
    pause: float = 0.0,
) -> list[SendResult]:
    """Send the message to every seed (or ``only`` those, minus ``skip``) and record each SMTP story."""
    test = get_test(store, test_id)
    seeds = _seeds_for(test, seed_file)
    try:
        message = Path(message_file).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read message file {message_file}: {exc.strerror or exc}") from exc
    wanted = {a.lower() for a in only} if only else None
    skipped = {a.lower() for a in skip}
    recipients = [
        s.address
        for s in seeds
        if (wanted is None or s.address.lower() in wanted) and s.address.lower() not in skipped
    ]
    started = datetime.now(UTC)
    sent = send_test(test, message, recipients, opts, progress=progress, pause=pause)
    save_sends(store, test.test_id, sent)
    save_test(store, replace(test, sent_at=test.sent_at or started, seed_file=test.seed_file or (
        str(Path(seed_file).resolve()) if seed_file else None)), [(s.address, s.provider) for s in seeds])  # fmt: skip
    return sent


def run_check(
    store: Store,
    test_id: str,
    *,
    seed_file: str | Path | None = None,
    wait: float = 0.0,
    interval: float = 15.0,
    per_host: int = DEFAULT_PER_HOST,
    total: int = DEFAULT_TOTAL,
    environ: Mapping[str, str] | None = None,
    progress: Callable[[list[SeedResult]], None] | None = None,
    sent_at: datetime | None = None,
) -> list[SeedResult]:
    """Poll every seed of the test (see :func:`check_placement`) and store where each copy is.

    ``sent_at`` records when a campaign sent outside inboxtrace (an ESP, the sender's platform) went
    out, for arrival delays and the diagnosis window; a time recorded by ``placement send`` wins."""
    test = get_test(store, test_id)
    if sent_at is not None and test.sent_at is None:
        test = replace(test, sent_at=sent_at)
        save_test(store, test)
    seeds = _seeds_for(test, seed_file)
    sends = load_sends(store, test.test_id)
    # after `placement send`, only the copies the submission server accepted are worth waiting for
    awaited = [a for a, s in sends.items() if s.accepted] if sends else None
    results = check_placement(
        test, seeds, wait=wait, interval=interval, per_host=per_host, total=total,
        environ=environ, progress=progress, awaited=awaited,
    )  # fmt: skip
    save_results(store, results)
    return results


def placement_report(store: Store, test_id: str, *, trend: int = 10) -> PlacementReport:
    """The report of one test and the overall results of up to ``trend`` earlier tests."""
    test = get_test(store, test_id)
    results = load_results(store, test.test_id)
    earlier = [
        t for t in list_tests(store, until=test.created, limit=trend + 1) if t.test_id != test.test_id
    ][:trend]
    by_test = results_for_tests(store, [t.test_id for t in earlier])
    return build_report(test, results, [(t, by_test.get(t.test_id, [])) for t in reversed(earlier)])
