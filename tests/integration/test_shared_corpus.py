"""The real Postfix run in ``shared/corpus/logs/postfix-real-run``: ingested, every recipient's ending."""

from __future__ import annotations

from pathlib import Path

from inboxtrace.ingest import ingest
from inboxtrace.store import open_store
from inboxtrace.store.log_queries import grouped_counts, suppressions, trace

EXPECTED = {
    "ok1@dest.test": "delivered",
    "ok2@dest.test": "delivered",
    "ok3@dest.test": "delivered",
    "nobody@localhost": "delivered",
    "reject1@dest.test": "bounced",
    "reject2@dest.test": "bounced",
    "full1@dest.test": "bounced",
    "policy1@dest.test": "bounced",
    "datafail1@dest.test": "bounced",
    "tempfail1@dest.test": "expired",
    "tempfail2@dest.test": "expired",
    "greylist1@dest.test": "expired",
    "shutdown1@dest.test": "expired",
    "xyzzy@localhost": "rejected",
}


def test_real_run_log_final_states_and_totals(shared_dir: Path, tmp_path: Path) -> None:
    log = shared_dir / "corpus" / "logs" / "postfix-real-run" / "postfix.log"
    sink_ids = sorted(p.stem for p in log.parent.glob("SINK*.eml"))
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store:
        summary = ingest([str(log)], store)
        assert summary.unknown == 0 and summary.lines == len(log.read_bytes().splitlines())
        for rcpt, state in EXPECTED.items():
            (story,) = trace(store, rcpt).stories
            (d,) = [d for d in story.messages[0].message.deliveries if d.recipient == rcpt]
            assert d.final_state.value == state, rcpt
        totals = {g.key: g.total for g in grouped_counts(store, "final_state")}
        # pflogsumm on this log: 17 delivered, 5 bounced, 1 rejected, "4 deferred (24 deferrals)":
        # it counts the 4 recipients that expired as deferred, never as bounced or expired, and it
        # counts the 13 DSNs Postfix itself sent (from=<>) as delivered mail; inboxtrace counts them apart
        assert totals == {"delivered": 4, "bounced": 5, "expired": 4, "rejected": 1}
        notices = {g.key: g.total for g in grouped_counts(store, "final_state", notices=True)}
        assert notices == {"delivered": 13}
        # every "queued as" the sink handed out is a next hop of a stored message
        hops = sorted(
            h
            for g in [trace(store, q).stories for q in ("ok1@dest.test",)]
            for s in g
            for lk in s.messages
            for h in lk.message.next_hops
        )
        assert set(hops) <= set(sink_ids) and hops
        assert [s.address for s in suppressions(store)] == ["reject1@dest.test", "reject2@dest.test"]
