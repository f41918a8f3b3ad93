"""The app uvicorn imports for ``inboxtrace serve`` (its settings come in ``$INBOXTRACE_WEB_CONFIG``,
so every worker process builds the same app)."""

from __future__ import annotations

import json
import os

from inboxtrace.web.app import create_app
from inboxtrace.web.config import WebConfig


def _config() -> WebConfig:
    raw = json.loads(os.environ.get("INBOXTRACE_WEB_CONFIG") or "{}")
    return WebConfig(
        db=raw.get("db"),
        auth=raw.get("auth"),
        secure_cookies=bool(raw.get("secure_cookies")),
        seeds=raw.get("seeds"),
        nameservers=tuple(raw.get("nameservers") or ()),
        max_upload=int(raw.get("max_upload") or 64 * 1024 * 1024),
        retention_days=raw.get("retention_days"),
    )


app = create_app(_config())
