"""A tiny OAuth 2.0 token-introspection endpoint (RFC 7662) on 127.0.0.1 for Dovecot's oauth2 passdb.

Usage::

    with TokenServer({"token-abc": "seed@inbox.test"}) as ts:
        ts.url                      # http://127.0.0.1:PORT/introspect (POST token=...)
        ts.seen                     # tokens asked about, in order

A known token answers ``{"active": true, "username": ADDRESS, "email": ADDRESS}``; any other
``{"active": false}``. Tokens can be added or revoked while it runs (``ts.tokens``).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qs


class TokenServer:
    """See the module docstring."""

    def __init__(self, tokens: dict[str, str] | None = None) -> None:
        self.tokens: dict[str, str] = dict(tokens or {})
        self.seen: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode("utf-8", "replace"))
                token = (form.get("token") or [""])[0]
                self._answer(token)

            def do_GET(self) -> None:
                auth = self.headers.get("Authorization", "")
                self._answer(auth.removeprefix("Bearer ").strip())

            def _answer(self, token: str) -> None:
                server.seen.append(token)
                user = server.tokens.get(token)
                body = {"active": True, "username": user, "email": user} if user else {"active": False}
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:  # quiet
                return

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self._httpd.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}/introspect"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self) -> TokenServer:
        self._thread.start()
        return self

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
