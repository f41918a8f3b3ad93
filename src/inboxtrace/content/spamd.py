"""Scoring a message with a real SpamAssassin: talk SPAMD to a running ``spamd``, or start one.

:func:`score` speaks the spamd protocol (``REPORT SPAMC/1.5``, what ``spamc -R`` sends) to
``host:port`` and reads the verdict line and the rule table. :class:`SpamdServer` starts the
system's ``spamd`` on a loopback port in a temporary directory with network tests off (``-L``),
no Bayes and no per-user configuration, using the rules the distribution package ships (no
``sa-update`` needed); it is stopped, and its directory removed, on exit.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
from dataclasses import dataclass, field
from pathlib import Path

from inboxtrace.content.daemon import LoopbackDaemon, free_port, make_workdir
from inboxtrace.errors import RemoteError, UnreachableError

SPAMD_BINARY = "spamd"
RULES_DIRS = ("/usr/share/spamassassin", "/var/lib/spamassassin")
SITE_DIR = "/etc/spamassassin"
MAX_REPLY = 4 * 1024 * 1024
_VERDICT = re.compile(r"^Spam:\s*(\w+)\s*;\s*(-?[\d.]+)\s*/\s*(-?[\d.]+)", re.IGNORECASE | re.MULTILINE)
_STATUS = re.compile(r"^SPAMD/[\d.]+\s+(\d+)\s*(.*)$")
_RULE_LINE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s+([A-Z0-9_]{2,})\s+(.*)$")
_CONTINUED = re.compile(r"^\s{10,}(\S.*)$")
_LOCAL_CF = """\
# written by inboxtrace for a private spamd: no learning, a plain report
use_bayes 0
bayes_auto_learn 0
clear_report_template
report _SUMMARY_
"""
_OFFLINE_CF = "skip_rbl_checks 1\ndns_available no\n"
_NETWORK_CF = "skip_rbl_checks 0\ndns_available yes\n"


@dataclass(frozen=True, slots=True)
class RuleHit:
    """One SpamAssassin rule that fired: its name, points and SpamAssassin's own description."""

    name: str
    points: float
    description: str


@dataclass(frozen=True, slots=True)
class SpamReport:
    """SpamAssassin's verdict on one message."""

    total: float
    required: float
    spam: bool
    rules: tuple[RuleHit, ...] = field(default_factory=tuple)
    engine: str = "spamassassin"
    action: str = ""  # rspamd's action (no action, greylist, add header, rewrite subject, reject)


def parse_reply(reply: bytes) -> SpamReport:
    """Read a spamd ``REPORT`` answer (status line, headers, the rule table); raises RemoteError."""
    text = reply.decode("utf-8", "replace").replace("\r\n", "\n")
    head, _, report = text.partition("\n\n")
    first = head.split("\n", 1)[0]
    status = _STATUS.match(first)
    if status is None:
        raise RemoteError(f"spamd: not a SPAMD answer: {first[:120]!r}")
    if status.group(1) != "0":
        raise RemoteError(f"spamd refused the message: {status.group(1)} {status.group(2)[:120]}")
    verdict = _VERDICT.search(head)
    if verdict is None:
        raise RemoteError("spamd: the answer has no 'Spam:' verdict")
    rules: list[RuleHit] = []
    for line in report.split("\n"):
        m = _RULE_LINE.match(line)
        if m:
            rules.append(RuleHit(m.group(2), float(m.group(1)), m.group(3).strip()))
            continue
        more = _CONTINUED.match(line)
        if more and rules:
            last = rules[-1]
            rules[-1] = RuleHit(last.name, last.points, f"{last.description} {more.group(1).strip()}")
    return SpamReport(
        total=float(verdict.group(2)),
        required=float(verdict.group(3)),
        spam=verdict.group(1).lower() in ("true", "yes"),
        rules=tuple(rules),
    )


def score(raw: bytes, host: str = "127.0.0.1", port: int = 783, *, timeout: float = 30.0) -> SpamReport:
    """Ask the spamd at ``host:port`` for its report on ``raw``."""
    request = (
        b"REPORT SPAMC/1.5\r\n"
        + f"Content-length: {len(raw)}\r\n".encode("ascii")
        + b"User: inboxtrace\r\n\r\n"
        + raw
    )
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(request)
            sock.shutdown(socket.SHUT_WR)
            chunks: list[bytes] = []
            size = 0
            while size < MAX_REPLY:
                data = sock.recv(65536)
                if not data:
                    break
                chunks.append(data)
                size += len(data)
    except (TimeoutError, OSError) as exc:
        raise UnreachableError(f"spamd at {host}:{port}: {exc}") from exc
    return parse_reply(b"".join(chunks))


def ping(host: str, port: int, timeout: float = 2.0) -> bool:
    """True when a spamd answers PONG at ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(b"PING SPAMC/1.5\r\n\r\n")
            return b"PONG" in sock.recv(256)
    except OSError:
        return False


def _dns_server(spec: str) -> str:
    """``HOST[:PORT]`` (``[v6]:PORT`` too) as SpamAssassin's ``dns_server`` wants it."""
    from inboxtrace.checks.dnsq import parse_nameserver

    host, port = parse_nameserver(spec)
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def available() -> str | None:
    """The path of the system's spamd, or None when SpamAssassin is not installed."""
    return shutil.which(SPAMD_BINARY) or (
        "/usr/sbin/spamd" if os.access("/usr/sbin/spamd", os.X_OK) else None
    )


class SpamdServer(LoopbackDaemon):
    """A private ``spamd`` on 127.0.0.1; ``with SpamdServer.start() as sd: score(raw, sd.host, sd.port)``."""

    name = "spamd"
    log_files = ("stderr.log", "spamd.log")
    error_lines_first = True

    def answers(self, timeout: float) -> bool:
        return ping(self.host, self.port, timeout=timeout)

    @classmethod
    def start(
        cls,
        *,
        timeout: float = 60.0,
        rules_dir: str | None = None,
        network: bool = False,
        nameservers: tuple[str, ...] = (),
    ) -> SpamdServer:
        """Start spamd and wait until it answers PING; raises RemoteError when it cannot start.

        ``network`` turns SpamAssassin's DNS tests on (blocklists of IPs and of link domains),
        asking ``nameservers`` (``HOST[:PORT]``; default: the system's resolvers)."""
        binary = available()
        if binary is None:
            raise RemoteError("SpamAssassin is not installed (no spamd): apt-get install spamassassin spamd")
        rules = rules_dir or next((d for d in RULES_DIRS if Path(d, "10_default_prefs.cf").exists()), None)
        if rules is None:
            raise RemoteError(f"no SpamAssassin rules found in {' or '.join(RULES_DIRS)}")
        workdir = make_workdir("spamd")  # spamd's children run as nobody when started by root
        site = workdir / "site"
        site.mkdir()
        for pre in sorted(Path(SITE_DIR).glob("*.pre")) + sorted(Path(rules).glob("*.pre")):
            shutil.copy(pre, site / pre.name)
        local = _LOCAL_CF + (_NETWORK_CF if network else _OFFLINE_CF)
        for ns in nameservers if network else ():
            local += f"dns_server {_dns_server(ns)}\n"
        (site / "local.cf").write_text(local)
        port = free_port()
        args = [
            binary,
            "-C",
            rules,
            "--siteconfigpath",
            str(site),
            "-i",
            f"127.0.0.1:{port}",
            "-A",
            "127.0.0.1",
            *(() if network else ("-L",)),
            "-x",
            "-m",
            "2",
            "--min-children=1",
            "--max-spare=1",
            "-H",
            str(workdir),
            "-s",
            str(workdir / "spamd.log"),
            "-r",
            str(workdir / "spamd.pid"),
        ]
        if os.geteuid() == 0:
            args += ["-u", "nobody"]
        return cls.launch(args, port, workdir, timeout=timeout)

    def score(self, raw: bytes, *, timeout: float = 30.0) -> SpamReport:
        return score(raw, self.host, self.port, timeout=timeout)
