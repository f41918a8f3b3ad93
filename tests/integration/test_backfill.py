"""Backfills on a Dask cluster (issue 15): ``inboxtrace ingest --cluster tcp://...`` spreads the
rotated sets of several hosts over the workers of a real Dask ``LocalCluster`` (2 worker
processes on loopback), writing into the real PostgreSQL rig; the rows equal a one-process ingest."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from inboxtrace.errors import ConfigError
from inboxtrace.execution import runner
from inboxtrace.ingest import ingest
from inboxtrace.store import open_store
from inboxtrace.timeline.reader import PARALLEL_MIN_BYTES
from tests.conftest import generated_log
from tests.integration.test_split_ingests import rows
from tests.rigs.postgres import PostgresRig

pytestmark = pytest.mark.postgres

CODE = "import sys; from inboxtrace.cli import main; sys.argv[0] = 'inboxtrace'; main()"


@pytest.fixture(scope="module")
def pg() -> Iterator[PostgresRig]:
    with PostgresRig.start() as rig:
        yield rig


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Three hosts' rotated sets: mail.log.2.gz, mail.log.1, mail.log (cut mid-message)."""
    base = tmp_path_factory.mktemp("archive")
    files: list[str] = []
    for i in range(3):
        d = base / f"mx{i}"
        d.mkdir()
        text = generated_log(base / f"gen{i}.log", 4_000, "--seed", str(7 + i)).read_text()
        lines = text.replace(" mx1 postfix/", f" mx{i} postfix/").splitlines(keepends=True)
        a, b = len(lines) // 3, 2 * len(lines) // 3
        with gzip.open(d / "mail.log.2.gz", "wt") as f:
            f.writelines(lines[:a])
        (d / "mail.log.1").write_text("".join(lines[a:b]))
        (d / "mail.log").write_text("".join(lines[b:]))
        files += [str(d / "mail.log"), str(d / "mail.log.1"), str(d / "mail.log.2.gz")]
    return files


def backfill_on_local_cluster(
    url: str, files: list[str]
) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """``inboxtrace ingest --json --db URL --cluster ADDRESS FILES`` against a fresh Dask
    LocalCluster (2 worker processes on loopback): the run, and the tasks the workers ran."""
    from distributed import Client, LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        argv = ["ingest", "--json", "--db", url, "--cluster", cluster.scheduler_address, *files]
        res = subprocess.run(
            [sys.executable, "-c", CODE, *argv], capture_output=True, text=True, check=False, timeout=600
        )
        with Client(cluster) as client:
            tasks = {t for log in client.run(_task_names).values() for t in log}
    assert res.returncode == 0, res.stderr
    return res, tasks


def _task_names(dask_worker: Any) -> set[str]:
    """The keys of the tasks a Dask worker ran (run on each worker by ``client.run``)."""
    return {key for key, *_ in dask_worker.state.log if isinstance(key, str)}


def one_ingest(files: list[str], tmp_path: Path) -> tuple[int, Any]:
    """Lines read and rows of a one-process ingest of ``files`` (the reference)."""
    with open_store(f"sqlite:///{tmp_path / 'ref.db'}") as store:
        one = ingest(files, store, jobs=1)
        return one.lines, rows(store)


def test_backfill_on_a_dask_local_cluster_equals_one_ingest(
    pg: PostgresRig, archive: list[str], tmp_path: Path
) -> None:
    url = pg.create_database("backfill")
    res, tasks = backfill_on_local_cluster(url, archive)
    assert sum(1 for t in tasks if t.startswith("ingest_piece")) == 3  # one per host's rotated set
    lines, expected = one_ingest(archive, tmp_path)
    with open_store(url) as store:
        got = rows(store)
    assert len(expected) > 2000
    assert got == expected
    assert f'"lines": {lines}' in res.stdout


@pytest.fixture(scope="module")
def huge(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """One host whose current log is one big plain file (over PARALLEL_MIN_BYTES: cut into
    pieces), after a small rotated part that ends mid-message."""
    base = tmp_path_factory.mktemp("huge")
    d = base / "mx9"
    d.mkdir()
    text = generated_log(base / "gen.log", 90_000, "--seed", "21").read_text()
    lines = text.replace(" mx1 postfix/", " mx9 postfix/").splitlines(keepends=True)
    (d / "mail.log.1").write_text("".join(lines[:10_000]))
    (d / "mail.log").write_text("".join(lines[10_000:]))
    assert (d / "mail.log").stat().st_size >= PARALLEL_MIN_BYTES
    return [str(d / "mail.log"), str(d / "mail.log.1")]


def test_a_huge_file_is_cut_into_pieces_parsed_on_the_dask_workers(
    pg: PostgresRig, archive: list[str], huge: list[str], tmp_path: Path
) -> None:
    """``ingest --cluster``: the big file's pieces are parsed by the two workers (seen in the
    workers' task log), the other hosts' sets are tasks of their own; the rows equal one
    single-process ingest of every file, messages cut by the piece boundaries included."""
    url = pg.create_database("huge")
    res, tasks = backfill_on_local_cluster(url, [*huge, *archive])
    assert sum(1 for t in tasks if t.startswith("parse_piece")) >= 4  # 2 per worker, of the big file
    assert sum(1 for t in tasks if t.startswith("ingest_piece")) == 3  # one per small set
    lines, expected = one_ingest([*huge, *archive], tmp_path)
    with open_store(url) as store:
        got = rows(store)
    assert len(expected) > 20_000
    assert got == expected
    assert f'"lines": {lines}' in res.stdout


def test_backfill_in_local_processes_and_inline(archive: list[str], tmp_path: Path) -> None:
    from inboxtrace.backfill import backfill

    _, expected = one_ingest(archive, tmp_path)
    inline = f"sqlite:///{tmp_path / 'inline.db'}"
    summary = backfill(archive, inline, cluster="inline")
    with open_store(inline) as store:
        assert rows(store) == expected
    assert len(summary.sources) == len(archive)
    with pytest.raises(Exception, match="PostgreSQL"):  # a SQLite file is no store for a cluster
        backfill(archive, f"sqlite:///{tmp_path / 'x.db'}", cluster="local:2")


def _square(x: int) -> int:
    return x * x


@pytest.mark.parametrize("where", ["inline", "local:2"])
def test_runner_runs_every_piece_once(where: str) -> None:
    with runner(where) as run:
        got = dict(run.map(_square, list(range(20))))
    assert got == {i: i * i for i in range(20)}


def test_runner_refuses_what_is_not_a_cluster() -> None:
    with pytest.raises(ConfigError, match="not a cluster"):
        runner("mycluster")
    with pytest.raises(ConfigError, match="local processes"):
        runner("local:zero")


def test_only_a_set_bigger_than_a_workers_share_is_cut_into_pieces(tmp_path: Path) -> None:
    from inboxtrace.backfill import rotated_sets, sets_to_cut

    def log(name: str, size: int, gz: bool = False) -> str:
        path = tmp_path / name
        path.parent.mkdir(exist_ok=True)
        line = b"Mar 14 00:00:01 mx1 postfix/qmgr[9]: 4ABC: removed\n"
        # a compressed file as big on disk as it says (random bytes do not shrink)
        path.write_bytes(gzip.compress(os.urandom(size)) if gz else line * (size // len(line) + 1))
        return str(path)

    big = PARALLEL_MIN_BYTES + 1000
    a, b = log("a/mail.log", big), log("b/mail.log", big)
    small = log("c/mail.log", 100_000)
    packed = log("d/mail.log.1.gz", big, gz=True)  # compressed: never cut, whatever its size
    assert os.path.getsize(packed) > big
    assert sets_to_cut(rotated_sets([a, small]), 2) == [(a,)]
    assert sets_to_cut(rotated_sets([a, small]), 1) == []  # one worker: nothing to share
    assert sets_to_cut(rotated_sets([a, b, small]), 2) == []  # equal sets keep the workers busy
    assert sets_to_cut(rotated_sets([packed, small]), 4) == []
