"""Real servers for the test suite, each started in a temp dir on 127.0.0.1 high ports and stopped after.

* :mod:`tests.rigs.postfix` — a real Postfix instance (``postfix -c DIR``) with its own queue and log.
* :mod:`tests.rigs.smtp_sink` — a scripted aiosmtpd receiver answering per recipient (250/4xx/5xx,
  after DATA, slow) and a closed port.
* :mod:`tests.rigs.postgres` — a real PostgreSQL 15 (initdb + pg_ctl) on a loopback port.
* :mod:`tests.rigs.dovecot`, :mod:`tests.rigs.knot` — IMAP/LMTP and authoritative DNS (other areas).

A missing binary makes the rig raise (so the test fails): these tests never skip.
"""

from __future__ import annotations

import socket


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def closed_port() -> int:
    """A loopback port nothing listens on (connections to it are refused)."""
    return free_port()
