"""Scoring a message with rspamd, where it is installed: its HTTP scan API (``POST /checkv2`` on the
normal worker), or a private rspamd started on loopback.

The private rspamd uses the distribution's configuration with overrides in a temporary directory:
one normal worker on a kernel-chosen loopback port, no controller or proxy, logs and databases in
the directory, and every module that asks DNS or other servers turned off (SPF, DKIM, DMARC and
blocklists are the sender check's job; fuzzy hashes and reputation need rspamd's servers). Its
resolver points at ``127.0.0.1:1`` so nothing leaves the machine. Starting takes tens of seconds
(rspamd compiles its expressions), so it is only started on request.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from inboxtrace.content.daemon import LoopbackDaemon, free_port, make_workdir
from inboxtrace.content.spamd import RuleHit, SpamReport
from inboxtrace.errors import RemoteError, UnreachableError

RSPAMD_BINARY = "rspamd"
CONFIG = "/etc/rspamd/rspamd.conf"
DEFAULT_URL = "http://127.0.0.1:11333"
MAX_REPLY = 8 * 1024 * 1024
# modules that talk to DNS or to other servers (or need redis): off in the private rspamd
_NETWORK_MODULES = (
    "arc", "asn", "bimi", "dcc", "dkim", "dmarc", "emails", "fuzzy_check", "greylist", "history_redis",
    "mx_check", "neural", "phishing", "ratelimit", "rbl", "replies", "reputation", "rspamd_update",
    "spf", "surbl", "url_redirector", "whitelist", "antivirus", "external_services", "clickhouse",
    "elastic", "metric_exporter", "p0f",
)  # fmt: skip


def _report(doc: object) -> SpamReport:
    if not isinstance(doc, dict) or "score" not in doc:
        raise RemoteError("rspamd: the answer is not a scan result")
    symbols = doc.get("symbols") or {}
    rules = []
    if isinstance(symbols, dict):
        for name, sym in symbols.items():
            if isinstance(sym, dict):
                rules.append(
                    RuleHit(
                        str(name)[:100], float(sym.get("score", 0.0)), str(sym.get("description", ""))[:300]
                    )
                )
    try:
        total, required = float(doc["score"]), float(doc.get("required_score", 15.0))
    except (TypeError, ValueError) as exc:
        raise RemoteError("rspamd: the score is not a number") from exc
    action = str(doc.get("action", ""))
    return SpamReport(
        total=total,
        required=required,
        spam=action in ("reject", "add header", "rewrite subject"),
        rules=tuple(sorted(rules, key=lambda r: (-r.points, r.name))),
        engine="rspamd",
        action=action,
    )


def score(raw: bytes, url: str = DEFAULT_URL, *, timeout: float = 30.0) -> SpamReport:
    """Ask the rspamd normal worker at ``url`` for its verdict on ``raw``."""
    import httpx

    try:
        answer = httpx.post(
            url.rstrip("/") + "/checkv2",
            content=raw,
            timeout=timeout,
            headers={"Pass": "all"},
            trust_env=False,
        )
    except httpx.HTTPError as exc:
        raise UnreachableError(f"rspamd at {url}: {exc}") from exc
    if answer.status_code != 200:
        raise RemoteError(f"rspamd at {url} answered HTTP {answer.status_code}")
    if len(answer.content) > MAX_REPLY:
        raise RemoteError("rspamd: the answer is too large")
    try:
        return _report(answer.json())
    except ValueError as exc:
        raise RemoteError("rspamd: the answer is not JSON") from exc


def ping(url: str, timeout: float = 2.0) -> bool:
    """True when an rspamd worker answers ``/ping`` at ``url``."""
    import httpx

    try:
        return "pong" in httpx.get(url.rstrip("/") + "/ping", timeout=timeout, trust_env=False).text
    except httpx.HTTPError:
        return False


def available() -> str | None:
    """The path of the system's rspamd (with its configuration), or None."""
    binary = shutil.which(RSPAMD_BINARY)
    return binary if binary and Path(CONFIG).exists() else None


class RspamdServer(LoopbackDaemon):
    """A private rspamd on 127.0.0.1: ``with RspamdServer.start() as rs: score(raw, rs.url)``."""

    name = "rspamd"
    log_files = ("stderr.log", "log/rspamd.log")
    poll_seconds = 0.5
    stop_seconds = 15.0  # its main process stops its workers first

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def answers(self, timeout: float) -> bool:
        return ping(self.url, timeout=timeout)

    @classmethod
    def start(cls, *, timeout: float = 180.0) -> RspamdServer:
        binary = available()
        if binary is None:
            raise RemoteError("rspamd is not installed (apt-get install rspamd)")
        workdir = make_workdir("rspamd")
        local = workdir / "local"
        override = local / "override.d"
        override.mkdir(parents=True)
        for sub in ("db", "run", "log"):
            (workdir / sub).mkdir()
            if os.geteuid() == 0:
                shutil.chown(workdir / sub, "nobody", "nogroup")
        port = free_port()
        (override / "worker-normal.inc").write_text(f'bind_socket = "127.0.0.1:{port}";\ncount = 1;\n')
        (override / "worker-controller.inc").write_text("enabled = false;\n")
        (override / "worker-proxy.inc").write_text("enabled = false;\n")
        (override / "worker-fuzzy.inc").write_text("enabled = false;\n")
        (override / "options.inc").write_text(
            'dns {\n  nameserver = ["127.0.0.1:1"];\n  timeout = 0.1s;\n  retransmits = 0;\n}\n'
        )
        (override / "logging.inc").write_text(
            f'type = "file";\nfilename = "{workdir}/log/rspamd.log";\nlevel = "error";\n'
        )
        for module in _NETWORK_MODULES:
            (override / f"{module}.conf").write_text("enabled = false;\n")
        args = [binary, "-f", "-c", CONFIG]
        for name, value in (("LOCAL_CONFDIR", local), ("DBDIR", workdir / "db"), ("RUNDIR", workdir / "run"),
                            ("LOGDIR", workdir / "log")):  # fmt: skip
            args.append(f"--var={name}={value}")
        if os.geteuid() == 0:
            args += ["-u", "nobody", "-g", "nogroup"]
        return cls.launch(args, port, workdir, timeout=timeout)

    def score(self, raw: bytes, *, timeout: float = 30.0) -> SpamReport:
        return score(raw, self.url, timeout=timeout)
