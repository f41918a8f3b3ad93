"""One private spamd shared by many content checks (the web server's): started on first use,
reused by every later check, started again if it died, stopped with :meth:`SharedSpamd.stop`.

Starting spamd loads every SpamAssassin rule (seconds); a server that started one per request
spent most of each check waiting for it.
"""

from __future__ import annotations

import threading

from inboxtrace.content.spamd import SpamdServer


class SharedSpamd:
    """``address()`` gives ``HOST:PORT`` of the running spamd, starting it when there is none.

    ``network`` and ``nameservers`` are those of :meth:`SpamdServer.start` (SpamAssassin's DNS
    tests and the resolvers they ask). Thread-safe: concurrent first checks start one spamd."""

    def __init__(
        self, *, network: bool = False, nameservers: tuple[str, ...] = (), timeout: float = 60.0
    ) -> None:
        self._network = network
        self._nameservers = nameservers
        self._timeout = timeout
        self._server: SpamdServer | None = None
        self._lock = threading.Lock()
        self.starts = 0  # how many spamd processes this has started

    def address(self) -> str:
        """``127.0.0.1:PORT``; raises :class:`~inboxtrace.errors.RemoteError` when spamd cannot start."""
        with self._lock:
            server = self._server
            if server is None or server.process.poll() is not None:
                if server is not None:
                    server.stop()
                self._server = None
                server = SpamdServer.start(
                    timeout=self._timeout, network=self._network, nameservers=self._nameservers
                )
                self._server = server
                self.starts += 1
            return f"{server.host}:{server.port}"

    @property
    def pid(self) -> int | None:
        """The process id of the running spamd (None before the first check)."""
        server = self._server
        return server.process.pid if server is not None else None

    def stop(self) -> None:
        with self._lock:
            if self._server is not None:
                self._server.stop()
                self._server = None


__all__ = ["SharedSpamd"]
