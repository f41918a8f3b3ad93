"""Running one job per seed concurrently, with a cap on connections per IMAP host."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from inboxtrace.model.placement import Seed

T = TypeVar("T")

DEFAULT_PER_HOST = 8
DEFAULT_TOTAL = 64


def run_per_seed(
    seeds: Sequence[Seed],
    job: Callable[[Seed], T],
    *,
    per_host: int = DEFAULT_PER_HOST,
    total: int = DEFAULT_TOTAL,
) -> list[T]:
    """``[job(seed) for seed in seeds]``, concurrently: at most ``per_host`` at once per (host, port)
    and ``total`` overall. ``job`` must not raise (turn errors into values); results keep seed order."""
    if not seeds:
        return []
    per_host = max(1, per_host)
    counts = Counter((s.host.lower(), s.port) for s in seeds)
    workers = max(1, min(total, sum(min(per_host, n) for n in counts.values())))
    gates = {key: threading.BoundedSemaphore(per_host) for key in counts}

    def gated(seed: Seed) -> T:
        with gates[(seed.host.lower(), seed.port)]:
            return job(seed)

    # interleave hosts so one big provider does not hold every worker while others wait
    nth: Counter[tuple[str, int]] = Counter()
    ranks = []
    for i, seed in enumerate(seeds):
        key = (seed.host.lower(), seed.port)
        ranks.append((nth[key], i))
        nth[key] += 1
    order = [i for _, i in sorted(ranks)]
    results: list[T | None] = [None] * len(seeds)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="seed") as pool:
        futures = {i: pool.submit(gated, seeds[i]) for i in order}
        for i, fut in futures.items():
            results[i] = fut.result()
    return results  # type: ignore[return-value]
