from __future__ import annotations

import http.server
import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from inboxtrace.alerts import AlertConfig
from inboxtrace.alerts.config import parse_config
from inboxtrace.ingest import ingest
from inboxtrace.store import open_store
from tests.alerts.logs import three_hours

RULES = """
[settings]
window = "15m"
baseline = "1h"

[[rule]]
id = "provider-refusing"
metric = "bounce_rate"
by = "provider"
threshold = 10.0
factor = 3.0
min_volume = 30
severity = "critical"

[[rule]]
id = "provider-throttling"
metric = "throttling"
by = "provider"
threshold = 5.0
factor = 2.0
min_volume = 30

[[rule]]
id = "new-blocklisting"
metric = "blocklisting"
threshold = 1
"""


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    return three_hours(tmp_path_factory.mktemp("logs"))


@pytest.fixture(scope="module")
def base_db(logs: tuple[Path, Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the normal hour and the bad quarter after it (copied per test)."""
    path = tmp_path_factory.mktemp("db") / "alerts.db"
    with open_store(f"sqlite:///{path}") as store:
        ingest([str(logs[0]), str(logs[1])], store)
    return path


@pytest.fixture
def db(base_db: Path, tmp_path: Path) -> str:
    dst = tmp_path / "alerts.db"
    shutil.copy(base_db, dst)
    return f"sqlite:///{dst}"


@pytest.fixture
def config() -> AlertConfig:
    import tomllib

    return parse_config(tomllib.loads(RULES), "test rules")


class Receiver:
    """A real HTTP server on loopback that records the JSON posted to it."""

    def __init__(self) -> None:
        self.posts: list[Any] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                n = int(self.headers.get("content-length") or 0)
                outer.posts.append(json.loads(self.rfile.read(n)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()
