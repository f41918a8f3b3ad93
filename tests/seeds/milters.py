"""Real OpenDKIM milters for the placement scenario: the sender's Postfix signs, the seed-side Postfix
verifies against the test DNS server (Knot) and writes a genuine Authentication-Results header.

OpenDKIM resolves through libunbound; an unbound config with a stub zone sends the key lookups to the
Knot rig's loopback port. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.rigs import free_port

OPENDKIM = "/usr/sbin/opendkim"
GENKEY = "/usr/sbin/opendkim-genkey"


def dkim_key(directory: Path, domain: str, selector: str) -> tuple[Path, str]:
    """A fresh RSA key: (private key file, zone-file text of the selector's TXT record)."""
    for tool in (OPENDKIM, GENKEY):
        if not Path(tool).exists():
            raise RuntimeError(
                f"{tool} is missing: run .ci/install-system.sh (Debian packages opendkim, opendkim-tools)"
            )
    directory.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [GENKEY, "-b", "2048", "-d", domain, "-s", selector, "-D", str(directory)],
        check=True,
        capture_output=True,
    )
    key = directory / f"{selector}.private"
    key.chmod(0o600)
    text = (directory / f"{selector}.txt").read_text()
    value = "".join(re.findall(r'"([^"]*)"', text))
    chunks = " ".join(f'"{value[i : i + 250]}"' for i in range(0, len(value), 250))
    return key, f"{selector}._domainkey IN TXT {chunks}\n"


@dataclass
class OpenDkim:
    """One running opendkim (foreground child process); ``socket`` is the Postfix milter address."""

    proc: subprocess.Popen[bytes]
    port: int
    directory: Path

    @property
    def socket(self) -> str:
        return f"inet:127.0.0.1:{self.port}"

    @classmethod
    def start(cls, directory: Path, settings: dict[str, str]) -> OpenDkim:
        directory.mkdir(parents=True, exist_ok=True)
        port = free_port()
        conf = {
            "Syslog": "no",
            "Socket": f"inet:{port}@127.0.0.1",
            "PidFile": str(directory / "opendkim.pid"),
            "Canonicalization": "relaxed/relaxed",
            "RequireSafeKeys": "no",  # the rig lives under /tmp (sticky, world-writable)
            **settings,
        }
        path = directory / "opendkim.conf"
        path.write_text("".join(f"{k} {v}\n" for k, v in conf.items()))
        log = open(directory / "opendkim.out", "wb")  # noqa: SIM115 (closed with the process)
        proc = subprocess.Popen([OPENDKIM, "-f", "-x", str(path)], stdout=log, stderr=subprocess.STDOUT)
        log.close()
        rig = cls(proc, port, directory)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"opendkim exited: {(directory / 'opendkim.out').read_text()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return rig
            except OSError:
                time.sleep(0.05)
        rig.stop()
        raise RuntimeError("opendkim did not listen in time")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def signer(directory: Path, domain: str, selector: str, key: Path) -> OpenDkim:
    """Signs mail submitted from loopback for ``domain``."""
    return OpenDkim.start(
        directory,
        {
            "Mode": "s",
            "Domain": domain,
            "Selector": selector,
            "KeyFile": str(key),
            "InternalHosts": "csl:127.0.0.1",
        },
    )


def verifier(directory: Path, authserv_id: str, dns_port: int, zones: tuple[str, ...]) -> OpenDkim:
    """Verifies signatures, looking keys up in the Knot rig, and adds Authentication-Results."""
    directory.mkdir(parents=True, exist_ok=True)
    unbound = directory / "unbound.conf"
    stubs = "".join(f'stub-zone:\n    name: "{z}"\n    stub-addr: 127.0.0.1@{dns_port}\n' for z in zones)
    server = (
        'server:\n    do-not-query-localhost: no\n    module-config: "iterator"\n    qname-minimisation: no\n'
        "    do-ip6: no\n    harden-referral-path: no\n"
        '    local-zone: "test." nodefault\n'  # unbound answers NXDOMAIN for .test (RFC 6761) by default
    )
    unbound.write_text(server + stubs)
    return OpenDkim.start(
        directory,
        {
            "Mode": "v",
            "AuthservID": authserv_id,
            "ResolverConfiguration": str(unbound),
            "InternalHosts": "csl:192.0.2.1",  # loopback is the outside world here: verify its mail
        },
    )


def remove(directory: Path) -> None:
    shutil.rmtree(directory, ignore_errors=True)
