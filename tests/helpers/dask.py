"""A real Dask cluster for tests: two worker processes on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def local_cluster() -> Iterator[Any]:
    """A fresh ``distributed.LocalCluster``: 2 worker processes of one thread on 127.0.0.1. The
    scheduler's HTTP server always starts: on a free port, not 8787 (another run may hold it)."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address="127.0.0.1:0"
    ) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        yield cluster
