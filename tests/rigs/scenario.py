"""One real Postfix run covering every outcome, used by the integration tests and ``examples/postfix``.

:func:`run_scenario` starts the scripted sink and a Postfix relaying to it, submits one message per
interesting recipient (plus one with two recipients), copies the log once every deferral has been
logged (``snapshot``: mail still queued), waits until every message has left the queue (deferred
mail expires after ``queue_lifetime`` seconds) and returns the log paths with the expected final
state of every recipient.
"""

from __future__ import annotations

import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from tests.rigs import closed_port
from tests.rigs.postfix import PostfixRig
from tests.rigs.smtp_sink import SmtpSink

SENDER = "newsletter@sender.test"

# recipient -> (final state, reason expected from the vocabulary or None to not check)
EXPECTED: dict[str, tuple[str, str | None]] = {
    "ok@gmail.com": ("delivered", "delivered"),
    "ok@outlook.com": ("delivered", "delivered"),
    "ok@yahoo.com": ("delivered", "delivered"),
    "reject@gmail.com": ("bounced", "userunknown"),
    "full@yahoo.com": ("bounced", "mailboxfull"),
    "policy@outlook.com": ("bounced", None),
    "datafail@example.com": ("bounced", None),
    "tempfail@example.com": ("expired", None),
    "greylist@example.net": ("expired", None),
    "quota@example.com": ("expired", None),
    "shutdown@example.com": ("expired", None),
    "datatemp@example.com": ("expired", None),
    "slow@example.com": ("expired", None),
    "nobody@closed.test": ("expired", None),
    "blocked@example.com": ("rejected", None),
    "ok2@gmail.com": ("delivered", "delivered"),
    "reject2@gmail.com": ("bounced", "userunknown"),
}
DEFERRED_FIRST = [r for r, (s, _) in EXPECTED.items() if s == "expired"]


@dataclass(frozen=True)
class ScenarioRun:
    log: Path  # the whole log, every message gone from the queue
    snapshot: Path  # the log while deferred mail was still queued
    message_ids: dict[str, str]  # recipient -> Message-ID of its message
    sink_queue_ids: list[str]  # "queued as" ids the sink handed out


def run_scenario(out_dir: Path, *, queue_lifetime: int = 20, timeout: int = 4) -> ScenarioRun:
    out_dir.mkdir(parents=True, exist_ok=True)
    port = closed_port()
    with (
        SmtpSink(slow_seconds=timeout * 2 + 2) as sink,
        PostfixRig.start(
            relay_port=sink.port,
            transports={"closed.test": f"smtp:[127.0.0.1]:{port}"},
            rcpt_access={"/^blocked@/": "REJECT Recipient address blocked by local policy"},
            queue_lifetime=queue_lifetime,
            timeout=timeout,
        ) as pf,
    ):
        batch: list[tuple[str, list[str], str]] = []
        ids: dict[str, str] = {}
        for rcpt in EXPECTED:
            if rcpt == "reject2@gmail.com":
                continue
            rcpts = [rcpt, "reject2@gmail.com"] if rcpt == "ok2@gmail.com" else [rcpt]
            mid = f"<{rcpt.replace('@', '.')}.{int(time.time())}@sender.test>"
            for r in rcpts:
                ids[r] = mid
            batch.append((SENDER, rcpts, mid))
        pf.send_many(batch)

        def all_deferred(log: str) -> bool:
            return all(re.search(rf"to=<{re.escape(r)}>.*status=deferred", log) for r in DEFERRED_FIRST)

        pf.wait_for(all_deferred, timeout=60)
        shutil.copy(pf.log_path, out_dir / "snapshot.log")
        deadline = time.monotonic() + queue_lifetime * 4 + 60
        while not pf.queue_empty():
            if time.monotonic() > deadline:
                raise TimeoutError(f"postfix queue never emptied:\n{pf.log()[-3000:]}")
            time.sleep(0.5)
        time.sleep(0.5)  # let the last qmgr "removed" lines reach the log
        shutil.copy(pf.log_path, out_dir / "maillog")
        sink_ids = [m.queue_id for m in sink.messages]
    return ScenarioRun(out_dir / "maillog", out_dir / "snapshot.log", ids, sink_ids)
