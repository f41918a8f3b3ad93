"""Bounces stored beside the logs: trace shows "accepted with 250 by X at T1, bounced by Y at T2",
and the report counts bounces after acceptance apart from SMTP-time refusals.

Inputs: the real Postfix run of ``shared/corpus/logs/postfix-real-run`` (its log and the DSNs that
Postfix itself wrote), plus one remote DSN for a recipient the log shows accepted with 250 — the
"accepted, then bounced later" case a receiver really produces (RFC 3464, as its MTA writes it).
"""

from __future__ import annotations

from pathlib import Path

from inboxtrace.bounces import iter_paths, read_bounces
from inboxtrace.ingest import ingest
from inboxtrace.report import build_report, build_trace
from inboxtrace.store import open_store
from inboxtrace.store.bounces import ingest_bounces

_REMOTE_DSN = """\
From: MAILER-DAEMON@mx.dest.test (Mail Delivery System)
To: sender@example.test
Subject: Undelivered Mail Returned to Sender
Date: Wed, 25 Nov 2026 16:40:00 +0000
Message-ID: <20261125164000.AB12@mx.dest.test>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

--b1
Content-Type: text/plain; charset=us-ascii

Your message was accepted, then quarantined and refused by a content scan.

--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.dest.test
Arrival-Date: Wed, 25 Nov 2026 16:24:02 +0000

Final-Recipient: rfc822; ok1@dest.test
Action: failed
Status: 5.7.1
Diagnostic-Code: smtp; 550 5.7.1 Message rejected as spam by content filter
Last-Attempt-Date: Wed, 25 Nov 2026 16:39:58 +0000

--b1
Content-Type: text/rfc822-headers

From: sender@example.test
To: ok1@dest.test
Subject: ok1
Message-ID: <ok1.2348@example.test>

--b1--
"""


def _remote_dsn(path: Path) -> None:
    path.write_bytes(_REMOTE_DSN.replace("\n", "\r\n").encode())


def test_trace_and_report_join_bounces_to_logged_deliveries(shared_dir: Path, tmp_path: Path) -> None:
    run = shared_dir / "corpus" / "logs" / "postfix-real-run"
    remote = tmp_path / "remote-dsn.eml"
    _remote_dsn(remote)
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store:
        ingest([str(run / "postfix.log")], store)
        counts = ingest_bounces(store, read_bounces(iter_paths([*sorted(run.glob("SINK*.eml")), remote])))
        assert counts.errors == 0
        assert counts.stored >= 2

        view = build_trace(store, "ok1@dest.test").to_dict()
        (delivery,) = [
            d
            for s in view["stories"]
            for m in s["messages"]
            for d in m["deliveries"]
            if d["recipient"] == "ok1@dest.test"
        ]
        assert delivery["final_state"] == "delivered"
        (bounce,) = delivery["bounces"]
        assert bounce["summary"].startswith("accepted with 250 by 127.0.0.1 at 2026-11-25 16:24:02")
        assert "bounced by mx.dest.test" in bounce["summary"]
        assert bounce["verdict"]["reason"] == "spamdetected"
        assert bounce["matched_by"] == "message-id"

        # Postfix's own DSN for an SMTP-time 5xx joins too, but is not an "after acceptance" bounce.
        rejected = build_trace(store, "reject1@dest.test").to_dict()
        own = [
            b
            for s in rejected["stories"]
            for m in s["messages"]
            for d in m["deliveries"]
            for b in d["bounces"]
        ]
        assert own
        assert not own[0]["summary"].startswith("accepted")

        report = build_report(store).to_dict()
        bounces = report["bounce_messages"]
        assert bounces["after_acceptance"] == 1
        assert bounces["after_acceptance_by_reason"] == {"spamdetected": 1}
        assert bounces["at_smtp_time"] >= 5
        assert report["smtp_time_rejections"] == 5
