"""``POST /api/v1/content`` scores with one spamd per server: started by the first check, reused by
the next, stopped when the app shuts down."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi.testclient import TestClient

from inboxtrace.web import WebConfig, create_app
from tests.content.samples import SPAMMY, newsletter
from tests.rigs.knot import KnotServer


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_two_content_checks_use_one_spamd_which_stops_with_the_app(
    dbl_knot: KnotServer, tmp_path: Path
) -> None:
    config = WebConfig(
        db=f"sqlite:///{tmp_path / 'web.db'}", nameservers=(dbl_knot.nameserver,), dns_timeout=1.0
    )
    app = create_app(config)
    with TestClient(app) as client:
        client.cookies.set("itx_csrf", "t")
        client.headers["x-csrf-token"] = "t"
        assert app.state.spamd.pid is None  # nothing started before a check asks for it
        first = client.post("/api/v1/content", content=SPAMMY, params={"blocklists": "false"})
        assert first.status_code == 200, first.text
        pid = app.state.spamd.pid
        assert pid is not None and _alive(pid)
        second = client.post("/api/v1/content", content=newsletter(), params={"blocklists": "false"})
        assert second.status_code == 200, second.text
        assert app.state.spamd.pid == pid and app.state.spamd.starts == 1
        spam, clean = first.json()["content"], second.json()["content"]
        assert spam["spamassassin"] is not None and clean["spamassassin"] is not None
        assert spam["spamassassin"]["score"] > clean["spamassassin"]["score"]
    assert not _alive(pid) or _zombie(pid)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except OSError:
        return False
