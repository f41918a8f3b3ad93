"""`report` on the bundled real Postfix log: the server's own notices apart, empty windows explained."""

from __future__ import annotations

import json
import re

from typer.testing import CliRunner

from inboxtrace.cli import get_app
from tests.answers.conftest import EXAMPLE_LOG


def _log_facts() -> tuple[set[str], dict[str, str]]:
    """(queue ids of null-sender messages, final status per (queue id, recipient)) read from the log."""
    text = EXAMPLE_LOG.read_text()
    notices = set(re.findall(r" ([0-9A-F]+): from=<>,", text))
    final: dict[str, str] = {}
    for qid, rcpt, status in re.findall(r" ([0-9A-F]+): to=<([^>]+)>.*?status=(\w+)", text):
        final[f"{qid} {rcpt}"] = status
    return notices, final


def test_null_sender_notices_are_reported_apart_and_never_in_rates(example_db: str) -> None:
    notices, final = _log_facts()
    assert notices, "the example log has DSNs the server generated"
    r = CliRunner().invoke(get_app(), ["report", "--db", example_db, "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    sent = {k: v for k, v in final.items() if k.split()[0] not in notices}
    delivered = sum(1 for v in sent.values() if v == "sent")
    assert d["server_notices"]["messages"] == len(notices)
    assert d["server_notices"]["recipients"] == sum(1 for k in final if k.split()[0] in notices)
    # the real sends only (plus the one NOQUEUE refusal, which has no to=... status line)
    assert d["totals"]["delivered"] == delivered
    assert d["totals"]["recipients"] == len(sent) + 1
    assert d["rates"]["delivered"] == round(delivered / (len(sent) + 1), 4)
    domains = {row["key"] for row in d["by_domain"]}
    assert "sender.test" not in domains  # where the DSNs went: the sender's own domain
    text = CliRunner().invoke(get_app(), ["report", "--db", example_db]).stdout
    assert f"{delivered} │" in text and "Notices your server generated" in text
    assert f"{len(notices)} messages" in " ".join(text.split())


def test_an_empty_window_says_what_period_the_store_covers(example_db: str) -> None:
    r = CliRunner().invoke(get_app(), ["report", "--db", example_db, "--since", "7d"])
    assert r.exit_code == 0
    text = " ".join(r.stdout.split())
    assert "Nothing stored yet" not in text
    assert (
        "No sent mail falls in this window: the store covers 2026-11-25 17:23 to 2026-11-25 17:24 UTC" in text
    )
