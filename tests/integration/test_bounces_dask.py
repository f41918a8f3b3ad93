"""Bounce parsing on a Dask cluster (issue 15): ``read_bounces(..., cluster=ADDRESS)`` sends the
same pieces as the local processes (file names to read, or messages) to the workers of a real
Dask ``LocalCluster`` (2 worker processes on loopback); the reports equal one process's, in order."""

from __future__ import annotations

from pathlib import Path

from inboxtrace.bounces import iter_paths, read_bounces
from inboxtrace.bounces.sources import RawMessage
from tests.bounces.conftest import CORPUS


def test_bounces_on_a_dask_local_cluster_equal_one_process(tmp_path: Path) -> None:
    from distributed import LocalCluster

    paths = [*sorted((CORPUS / "emails").iterdir())[:150], tmp_path / "missing.eml"]
    one = list(read_bounces(iter_paths(paths), workers=1))
    in_memory = [RawMessage(f"m{i}.eml", p.read_bytes()) for i, p in enumerate(paths[:60])]
    with LocalCluster(
        # port 0: the scheduler's HTTP server (always started) on a free port, not 8787 (another run may hold it)
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
    ) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        on_dask = list(read_bounces(iter_paths(paths), cluster=cluster.scheduler_address))
        messages = list(read_bounces(in_memory, cluster=cluster.scheduler_address))
    assert len(one) >= 150 and one[-1].error == "no such file or directory"
    assert on_dask == one
    assert [r.recipients for r in messages] == [r.recipients for r in one[:60]]
    assert [r.source for r in messages] == [f"m{i}.eml" for i in range(60)]
