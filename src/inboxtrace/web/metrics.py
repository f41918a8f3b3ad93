"""Prometheus text exposition: request latencies (a histogram per route), deliveries by state and
ingest lag (read from the store at scrape time)."""

from __future__ import annotations

import threading
import time
from collections import defaultdict

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class Metrics:
    """Thread-safe request counters and latency histograms."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * len(BUCKETS))
        self._sum: dict[tuple[str, str], float] = defaultdict(float)
        self._count: dict[tuple[str, str], int] = defaultdict(int)
        self._status: dict[tuple[str, str, int], int] = defaultdict(int)
        self.started = time.time()

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route)
        with self._lock:
            b = self._buckets[key]
            for i, edge in enumerate(BUCKETS):
                if seconds <= edge:
                    b[i] += 1
            self._sum[key] += seconds
            self._count[key] += 1
            self._status[(method, route, status)] += 1

    def render(self, states: dict[str, int], lag: float | None) -> str:
        out = [
            "# HELP inboxtrace_deliveries Stored deliveries (recipients) by final state.",
            "# TYPE inboxtrace_deliveries gauge",
        ]
        for state, n in sorted(states.items()):
            out.append(f'inboxtrace_deliveries{{state="{_label(state)}"}} {n}')
        out += [
            "# HELP inboxtrace_ingest_lag_seconds Seconds between now and the newest stored event.",
            "# TYPE inboxtrace_ingest_lag_seconds gauge",
        ]
        if lag is not None:
            out.append(f"inboxtrace_ingest_lag_seconds {lag:.3f}")
        out += [
            "# HELP inboxtrace_http_requests_total HTTP requests by method, route and status.",
            "# TYPE inboxtrace_http_requests_total counter",
        ]
        with self._lock:
            for (method, route, status), n in sorted(self._status.items()):
                out.append(
                    f'inboxtrace_http_requests_total{{method="{method}",route="{_label(route)}",status="{status}"}} {n}'
                )
            out += [
                "# HELP inboxtrace_http_request_duration_seconds Time to answer a request.",
                "# TYPE inboxtrace_http_request_duration_seconds histogram",
            ]
            for (method, route), b in sorted(self._buckets.items()):
                labels = f'method="{method}",route="{_label(route)}"'
                for edge, n in zip(BUCKETS, b, strict=True):
                    out.append(f'inboxtrace_http_request_duration_seconds_bucket{{{labels},le="{edge}"}} {n}')
                count = self._count[(method, route)]
                out.append(f'inboxtrace_http_request_duration_seconds_bucket{{{labels},le="+Inf"}} {count}')
                out.append(
                    f"inboxtrace_http_request_duration_seconds_sum{{{labels}}} {self._sum[(method, route)]:.6f}"
                )
                out.append(f"inboxtrace_http_request_duration_seconds_count{{{labels}}} {count}")
        return "\n".join(out) + "\n"
