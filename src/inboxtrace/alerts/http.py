"""Alerts for the server: ``GET /api/v1/alerts`` and the loop that evaluates the rules continuously.

The ``inboxtrace serve`` app mounts :func:`alerts_router` and starts an :class:`AlertLoop` in its
lifespan (``loop.start()`` / ``loop.stop()``); the loop evaluates every ``interval`` seconds and
sends what started or ended to the configured notifiers (each alert once per start and end).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request

from inboxtrace.alerts.config import AlertConfig
from inboxtrace.alerts.evaluate import Evaluation, evaluate
from inboxtrace.alerts.notify import deliver
from inboxtrace.errors import InboxtraceError
from inboxtrace.store.alerts import active_alerts
from inboxtrace.store.core import Store

log = logging.getLogger("inboxtrace.alerts")


def alerts_router(
    store: Store | None = None, *, prefix: str = "/api/v1", dependencies: Sequence[Any] = ()
) -> APIRouter:
    """``GET {prefix}/alerts``: the alerts active now, as last announced.

    Without ``store`` it reads the serving app's ``app.state.store``; ``dependencies`` are the
    app's own access checks (e.g. the web API's read scope), applied to the route.
    """
    router = APIRouter(prefix=prefix, tags=["alerts"], dependencies=list(dependencies))

    def list_alerts(request: Request) -> dict[str, Any]:
        return {"active": active_alerts(store if store is not None else request.app.state.store)}

    router.add_api_route("/alerts", list_alerts, methods=["GET"], summary="Active alerts")
    return router


class AlertLoop:
    """Evaluates ``config`` against ``store`` every ``interval`` seconds in a background thread."""

    def __init__(self, store: Store, config: AlertConfig, interval: float = 60.0) -> None:
        self.store = store
        self.config = config
        self.interval = interval
        self.last: Evaluation | None = None
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> Evaluation:
        result = evaluate(self.store, self.config)
        self.errors = deliver(self.config.notifiers, result.transitions)
        for e in self.errors:
            log.warning("alert notification failed: %s", e)
        self.last = result
        return result

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except InboxtraceError as exc:  # a store hiccup must not end the loop
                log.warning("alert evaluation failed: %s", exc)
            self._stop.wait(self.interval)

    def start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="inboxtrace-alerts", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)


__all__ = ["AlertLoop", "alerts_router"]
