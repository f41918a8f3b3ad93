"""Never-queued rejections have a natural key: two ingests of one big log at the same time, and
an overlapping rotated pair read by one command, store each rejection once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from inboxtrace.ingest import ingest
from inboxtrace.store import open_store
from inboxtrace.store.log_queries import grouped_counts
from tests.conftest import generated_log

LINES = 80_000  # about 9.7 MB: read in parallel pieces, bulk-loaded into an empty store


def _states(url: str) -> dict[str, int]:
    with open_store(url) as store:
        return {g.key: g.total for g in grouped_counts(store, "final_state")}


@pytest.fixture(scope="module")
def big_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated_log(tmp_path_factory.mktemp("big") / "mail.log", LINES)


@pytest.fixture(scope="module")
def one_pass(big_log: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, int]:
    url = f"sqlite:///{tmp_path_factory.mktemp('ref') / 'ref.db'}"
    with open_store(url) as store:
        ingest([str(big_log)], store, jobs=1)
    states = _states(url)
    assert states["rejected"] > 400
    return states


def _cli(*args: str) -> subprocess.Popen[bytes]:
    code = "import sys; from inboxtrace.cli import main; sys.argv[0] = 'inboxtrace'; main()"
    return subprocess.Popen([sys.executable, "-c", code, *args], stderr=subprocess.PIPE)


def test_two_ingests_of_one_log_at_the_same_time(
    big_log: Path, one_pass: dict[str, int], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    open_store(url).close()  # the store exists, its log tables are empty: both take the bulk path
    procs = [_cli("ingest", "--db", url, "--quiet", str(big_log)) for _ in range(2)]
    for p in procs:
        _, err = p.communicate(timeout=240)
        assert p.returncode == 0, err.decode()
    assert _states(url) == one_pass


def test_an_overlapping_rotated_pair_in_one_command(
    big_log: Path, one_pass: dict[str, int], tmp_path: Path
) -> None:
    lines = big_log.read_text().splitlines(keepends=True)
    older, newer = tmp_path / "mail.log.1", tmp_path / "mail.log"
    older.write_text("".join(lines[:70_000]))  # both big enough to be read in pieces
    newer.write_text("".join(lines[10_000:]))  # 60,000 lines in both files
    url = f"sqlite:///{tmp_path / 'store.db'}"
    with open_store(url) as store:
        ingest([str(newer), str(older)], store)
    assert _states(url) == one_pass


def test_repeated_rejections_in_one_second_are_not_cut_apart(tmp_path: Path) -> None:
    """The same reject line three times in one second, right where a parallel read would cut
    the file: three events, stored once each however often the file is read."""
    line = (
        "Mar 14 06:00:00 mx1 postfix/smtpd[4242]: NOQUEUE: reject: RCPT from unknown[192.0.2.9]: "
        "554 5.7.1 <x@example.net>: Relay access denied; from=<a@example.com> to=<x@example.net> "
        "proto=ESMTP helo=<h>\n"
    )
    filler = "Mar 14 05:59:59 mx1 postfix/anvil[1]: statistics: max connection rate 1/60s\n"
    size = 9 << 20
    n = size // 2 // len(filler)
    log = tmp_path / "mail.log"
    log.write_text(filler * n + line * 3 + filler.replace("05:59:59", "06:00:01") * n)
    url = f"sqlite:///{tmp_path / 'store.db'}"
    with open_store(url) as store:
        ingest([str(log)], store, jobs=2)
        assert _states(url) == {"rejected": 3}
        ingest([str(log)], store, jobs=2, resume=False)
        assert _states(url) == {"rejected": 3}
