"""A real rspamd (Debian's, network modules off) on loopback scores the test messages."""

from __future__ import annotations

import socket

from inboxtrace.content import ContentOptions, check_content, overall
from inboxtrace.content.rspamd import RspamdServer, ping, score
from tests.content.samples import SPAMMY, newsletter

OFFLINE = {"spamassassin": False, "blocklists": False}


def test_spammy_message_is_marked_and_symbols_ordered(rspamd_server: RspamdServer) -> None:
    report = rspamd_server.score(SPAMMY)
    assert report.engine == "rspamd" and report.action in ("add header", "rewrite subject", "reject")
    assert report.spam and report.total >= 6
    names = {r.name for r in report.rules}
    assert {"SUBJ_ALL_CAPS", "MIME_HTML_ONLY"} <= names
    points = [r.points for r in report.rules]
    assert points == sorted(points, reverse=True)
    assert sum(points) == report.total or abs(sum(points) - report.total) < 0.5


def test_content_check_with_rspamd(rspamd_server: RspamdServer) -> None:
    result = check_content(SPAMMY, ContentOptions(rspamd=rspamd_server.url, **OFFLINE))
    assert result.rspamd is not None and "content.rspamd-spam" in {f.code for f in result.findings}
    data = result.to_dict()["rspamd"]
    assert (
        data["action"] == result.rspamd.action and data["rules"][0]["points"] >= data["rules"][-1]["points"]
    )
    verdict = overall(None, result)
    assert any(f.title.startswith("rspamd ") for f in verdict.fixes)
    clean = check_content(newsletter(), ContentOptions(rspamd=rspamd_server.url, **OFFLINE))
    assert clean.rspamd is not None and not clean.rspamd.spam
    assert "content.rspamd-clean" in {f.code for f in clean.findings}


def test_rspamd_asked_for_but_not_there_is_named() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    assert not ping(url)
    result = check_content(SPAMMY, ContentOptions(rspamd=url, **OFFLINE))
    assert result.rspamd is None and result.rspamd_error and "rspamd at" in result.rspamd_error
    missing = [f for f in result.findings if f.code == "content.rspamd-unavailable"]
    assert missing and not missing[0].checked


def test_an_http_server_that_is_not_rspamd(tmp_path: object) -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import pytest

    from inboxtrace.errors import RemoteError

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = b'{"hello": "world"}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(RemoteError, match="not a scan result"):
            score(SPAMMY, f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()
