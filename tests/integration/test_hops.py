"""Two real Postfix hosts in a chain (edge → hub → receiver): one trace follows the message across both."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from inboxtrace.ingest import ingest
from inboxtrace.store import open_store
from inboxtrace.store.log_queries import trace
from tests.rigs.postfix import PostfixRig
from tests.rigs.smtp_sink import SmtpSink

pytestmark = pytest.mark.postfix


def test_trace_follows_queued_as_to_the_next_host(tmp_path: Path) -> None:
    with (
        SmtpSink() as sink,
        PostfixRig.start(relay_port=sink.port, myhostname="hub.rig.test") as hub,
        PostfixRig.start(relay_port=hub.smtpd_port, myhostname="edge.rig.test") as edge,
    ):
        edge.send("app@sender.test", ["carol@example.org"], message_id="<hop.1@sender.test>")
        hub.wait_for(lambda log: re.search(r"to=<carol@example.org>.*status=sent", log) is not None)
        edge.wait_for(lambda log: "removed" in log)
        hub.wait_for(lambda log: re.search(r": removed", log) is not None)
        shutil.copy(edge.log_path, tmp_path / "edge.log")
        shutil.copy(hub.log_path, tmp_path / "hub.log")
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store:
        ingest([str(tmp_path / "edge.log"), str(tmp_path / "hub.log")], store)
        for query in ("carol@example.org", "hop.1@sender.test"):
            hits = trace(store, query)
            stories = hits.stories
            hosts = {lk.message.host for s in stories for lk in s.messages}
            assert hosts == {"edge", "hub"}, (query, hits)
        (story,) = trace(store, "carol@example.org").stories
        edge_msg = next(lk.message for lk in story.messages if lk.message.host == "edge")
        hub_msg = next(lk.message for lk in story.messages if lk.message.host == "hub")
        assert edge_msg.next_hops == (hub_msg.queue_id,)
        assert hub_msg.deliveries[0].attempts[-1].remote_queue_id in {m.queue_id for m in sink.messages}
        # starting from the hub's queue id finds the edge as the previous hop
        (story,) = trace(store, hub_msg.queue_id).stories
        assert {(lk.relation, lk.message.host) for lk in story.messages} == {
            ("match", "hub"),
            ("previous-hop", "edge"),
        }
