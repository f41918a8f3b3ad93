"""Progress reports and the summary on a generated log (the shared generator, real Postfix line shapes)."""

from __future__ import annotations

from pathlib import Path

from inboxtrace.ingest import Progress, ingest
from inboxtrace.store import open_store
from tests.conftest import generated_log


def test_progress_is_reported_and_the_summary_adds_up(tmp_path: Path) -> None:
    log = generated_log(tmp_path / "mail.log", 30000)
    seen: list[Progress] = []
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store:
        summary = ingest([str(log)], store, progress=seen.append, progress_interval=0.0)
    assert len(seen) >= 2
    assert [p.bytes_done for p in seen] == sorted(p.bytes_done for p in seen)
    last = seen[-1]
    assert last.bytes_total == log.stat().st_size and last.bytes_done == last.bytes_total
    assert last.lines == summary.lines == len(log.read_bytes().splitlines())
    assert last.eta == 0.0 and last.lines_per_second > 0
    assert summary.lines == summary.events + summary.ignored + summary.unknown
    d = summary.to_dict()
    for key in (
        "lines",
        "events",
        "ignored",
        "unknown",
        "unknown_samples",
        "messages",
        "deliveries",
        "duration",
    ):
        assert key in d
    assert summary.messages > 1000 and summary.new_messages == summary.messages
