"""A real Knot DNS authoritative server on loopback, for tests and benchmarks.

Usage::

    from tests.rigs.knot import knot_server

    zones = {"example.test": "@ IN TXT \\"v=spf1 -all\\"\\n"}
    with knot_server(zones, signed={"example.test"}) as ns:
        ns.host, ns.port          # 127.0.0.1, a free high port
        ns.nameserver             # "127.0.0.1:PORT", the form ``--nameserver`` takes

Each zone text is written relative to its origin (``$ORIGIN`` and ``$TTL`` are added); an SOA and
an NS record are added when the text has none. A catch-all root zone is served too (unless the
caller gives one), so names outside the test zones answer NXDOMAIN rather than REFUSED. Zones
named in ``signed`` are signed automatically by Knot (ECDSA P-256, default policy) and the rig
waits until their DNSKEY answers. Zones named in ``broken`` get an unparsable zone file, so Knot
answers SERVFAIL for them. ``extra_listen`` adds more loopback addresses (e.g. ``("127.0.0.53",
53)``).

The server runs in a temporary directory and is stopped (and the directory removed) on exit.
When ``knotd`` is missing this raises: a test needing DNS must fail, not skip.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import dns.exception
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype

_SOA = "@ 3600 IN SOA ns1 hostmaster {serial} 3600 600 86400 60\n"
_NS = "@ 3600 IN NS ns1\n@ 3600 IN NS ns2\nns1 IN A 127.0.0.1\nns2 IN A 127.0.0.2\n"
_ROOT = "@ 3600 IN SOA a.root.invalid. hostmaster.invalid. {serial} 3600 600 86400 60\n@ 3600 IN NS a.root.invalid.\n"


def free_port(host: str = "127.0.0.1") -> int:
    """A port free for both UDP and TCP on ``host`` at the time of the call."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind((host, 0))
            port = int(udp.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind((host, port))
                except OSError:
                    continue
            return port
    raise RuntimeError("no free port found")


@dataclass
class KnotServer:
    """A running knotd; see the module docstring."""

    host: str
    port: int
    workdir: Path
    process: subprocess.Popen[bytes]
    zones: dict[str, str] = field(default_factory=dict)
    serial: int = 1
    owns_workdir: bool = False

    @property
    def nameserver(self) -> str:
        return f"{self.host}:{self.port}"

    def query(self, name: str, rdtype: str, *, dnssec: bool = False) -> dns.message.Message:
        """One direct query to the server (for readiness checks and test set-up)."""
        msg = dns.message.make_query(name, rdtype, want_dnssec=dnssec)
        return dns.query.udp(msg, self.host, port=self.port, timeout=1.0)

    def set_zone(self, origin: str, body: str, timeout: float = 10.0) -> None:
        """Replace the text of a served zone and reload it (the SOA serial is bumped)."""
        origin = _fqdn(origin)
        index = list(self.zones).index(origin)
        self.serial += 1
        self.zones[origin] = body
        (self.workdir / "zones" / f"z{index}.zone").write_text(_zone_text(origin, body, self.serial))
        knotc = shutil.which("knotc") or "/usr/sbin/knotc"
        subprocess.run(
            [knotc, "-c", str(self.workdir / "knot.conf"), "zone-reload", origin],
            check=True,
            capture_output=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            answer = self.query(origin, "SOA")
            soa = [rr for rr in answer.answer if rr.rdtype == dns.rdatatype.SOA]
            if soa and next(iter(soa[0])).serial >= self.serial:  # type: ignore[attr-defined]
                return
            time.sleep(0.02)
        raise RuntimeError(f"knotd did not reload {origin}")

    def stop(self) -> None:
        """Stop knotd; the temporary directory goes too when the rig made it."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.owns_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)


def _zone_text(origin: str, body: str, serial: int = 1) -> str:
    """The zone file: ``$ORIGIN``/``$TTL``, a default SOA and (two) NS records with addresses."""
    head = f"$ORIGIN {origin}\n$TTL 60\n"
    if " SOA " not in body.upper():
        if origin == ".":
            head += _ROOT.format(serial=serial)
        else:
            head += _SOA.format(serial=serial)
            if " NS " not in body.upper():
                head += _NS
    return head + body + ("\n" if not body.endswith("\n") else "")


def _fqdn(name: str) -> str:
    return name.rstrip(".").lower() + "."


def _config(workdir: Path, listen: list[tuple[str, int]], zones: list[str], signed: set[str]) -> str:
    addrs = ", ".join(f"{h}@{p}" for h, p in listen)
    lines = [
        "server:",
        f'    rundir: "{workdir}"',
        f"    listen: [ {addrs} ]",
        "control:",
        f'    listen: "{workdir / "knot.sock"}"',
        "database:",
        f'    storage: "{workdir / "db"}"',
        "log:",
        "  - target: stderr",
        "    any: warning",
        "template:",
        "  - id: default",
        f'    storage: "{workdir / "zones"}"',
        "    zonefile-sync: -1",
        "    zonefile-load: whole",
        "    journal-content: none",
        "    semantic-checks: off",
        "zone:",
    ]
    for i, zone in enumerate(zones):
        lines.append(f'  - domain: "{zone}"')
        lines.append(f"    file: z{i}.zone")
        if zone in signed:
            lines.append("    dnssec-signing: on")
    return "\n".join(lines) + "\n"


def start_knot(
    zones: Mapping[str, str],
    *,
    signed: Iterable[str] = (),
    broken: Iterable[str] = (),
    host: str = "127.0.0.1",
    port: int | None = None,
    extra_listen: Iterable[tuple[str, int]] = (),
    workdir: Path | None = None,
    ready_timeout: float = 15.0,
) -> KnotServer:
    """Start knotd serving ``zones`` (origin → zone text); see the module docstring."""
    knotd = shutil.which("knotd") or ("/usr/sbin/knotd" if Path("/usr/sbin/knotd").exists() else None)
    if knotd is None:
        raise RuntimeError("knotd not found: install the Debian package 'knot' (.ci/install-system.sh)")
    own_dir = workdir is None
    wd = Path(tempfile.mkdtemp(prefix="inboxtrace-knot-")) if workdir is None else workdir
    (wd / "db").mkdir(parents=True, exist_ok=True)
    (wd / "zones").mkdir(parents=True, exist_ok=True)
    texts = {_fqdn(k): v for k, v in zones.items()}
    if "." not in texts:
        texts["."] = ""
    signed_set = {_fqdn(s) for s in signed}
    broken_set = {_fqdn(b) for b in broken}
    order = list(texts)
    for b in broken_set:
        if b not in texts:
            order.append(b)
    for i, origin in enumerate(order):
        path = wd / "zones" / f"z{i}.zone"
        if origin in broken_set:
            path.write_text("this is ( not a zone file\n")
        else:
            path.write_text(_zone_text(origin, texts[origin]))
    port = port if port is not None else free_port(host)
    listen = [(host, port), *extra_listen]
    conf = wd / "knot.conf"
    conf.write_text(_config(wd, listen, order, signed_set))
    log = (wd / "knotd.log").open("wb")
    proc = subprocess.Popen([knotd, "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT)
    log.close()
    server = KnotServer(
        host=host, port=port, workdir=wd, process=proc, zones=dict(texts), owns_workdir=own_dir
    )
    try:
        _wait_ready(server, [z for z in order if z not in broken_set], signed_set, ready_timeout)
    except BaseException:
        server.stop()
        raise
    return server


def _wait_ready(server: KnotServer, zones: list[str], signed: set[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    pending = list(zones)
    while pending:
        if server.process.poll() is not None:
            log = (server.workdir / "knotd.log").read_text(errors="replace")
            raise RuntimeError(f"knotd exited with {server.process.returncode}:\n{log}")
        zone = pending[0]
        rdtype = "DNSKEY" if zone in signed else "SOA"
        try:
            answer = server.query(zone, rdtype)
            ok = answer.rcode() == dns.rcode.NOERROR and any(
                rr.rdtype == dns.rdatatype.from_text(rdtype) for rr in answer.answer
            )
        except (OSError, dns.exception.DNSException):
            ok = False
        if ok:
            pending.pop(0)
            continue
        if time.monotonic() > deadline:
            log = (server.workdir / "knotd.log").read_text(errors="replace")
            raise RuntimeError(f"knotd did not serve {zone} {rdtype} in {timeout}s:\n{log}")
        time.sleep(0.02)


@contextmanager
def knot_server(zones: Mapping[str, str], **kwargs: object) -> Iterator[KnotServer]:
    """Context manager around :func:`start_knot`; stops the server and removes its directory."""
    server = start_knot(zones, **kwargs)  # type: ignore[arg-type]
    try:
        yield server
    finally:
        server.stop()
