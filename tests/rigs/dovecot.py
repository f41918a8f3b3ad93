"""A real Dovecot (IMAP + LMTP + Sieve) started from a temp-dir config on loopback high ports.

Usage::

    with DovecotRig.start(users={"a@inbox.test": "pw"}) as rig:
        rig.imaps_port, rig.imap_port (STARTTLS), rig.lmtp_port, rig.ca_file
        rig.deliver("a@inbox.test", b"Subject: hi\\r\\n\\r\\nbody")   # over LMTP, runs Sieve

The rig generates its own test CA and a server certificate for 127.0.0.1/localhost, so clients keep
certificate verification on and point at ``rig.ca_file``. Mail is stored as the ``mail`` user (Dovecot
refuses root), under a 0755 temp dir every service user can enter.

Sieve: a global ``sieve_before`` script decides by the envelope recipient's domain (see
``DEFAULT_SIEVE``): ``junk.*`` → Junk, ``promo.*`` → Promotions, ``bulk.*`` → a "Bulk" folder with no
SPECIAL-USE flag (name fallback), ``discard.*`` → discarded (LMTP still answers 250), else INBOX. A
message with the header ``X-Rig-Folder: NAME`` is filed into NAME (created if needed), whatever the domain.

OAuth: with ``oauth2_introspection_url`` (e.g. :class:`tests.rigs.token_server.TokenServer`), IMAP also
offers SASL XOAUTH2 and OAUTHBEARER, checked by Dovecot's oauth2 passdb against that endpoint.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import smtplib
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tests.rigs import free_port

DOVECOT = "/usr/sbin/dovecot"
OPENSSL = "openssl"

DEFAULT_SIEVE = """\
require ["fileinto", "envelope", "mailbox", "variables"];
if header :matches "X-Rig-Folder" "*" {
  fileinto :create "${1}";
  stop;
}
if envelope :domain :matches "to" "junk.*" { fileinto "Junk"; stop; }
if envelope :domain :matches "to" "promo.*" { fileinto "Promotions"; stop; }
if envelope :domain :matches "to" "bulk.*" { fileinto :create "Bulk"; stop; }
if envelope :domain :matches "to" "discard.*" { discard; stop; }
"""


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting for its parent to reap it counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def make_test_ca(directory: Path, names: tuple[str, ...] = ("localhost",)) -> tuple[Path, Path, Path]:
    """Create a throw-away CA and a server certificate for 127.0.0.1 and ``names``.

    Returns (ca_cert, server_cert, server_key). Uses the openssl binary (a system package).
    """
    if shutil.which(OPENSSL) is None:
        raise RuntimeError("openssl binary not found: run .ci/install-system.sh")
    directory.mkdir(parents=True, exist_ok=True)
    ca_key, ca_crt = directory / "ca.key", directory / "ca.crt"
    key, csr, crt = directory / "server.key", directory / "server.csr", directory / "server.crt"
    ext = directory / "server.ext"
    san = ",".join(["IP:127.0.0.1", *(f"DNS:{n}" for n in names)])
    ext.write_text(
        f"subjectAltName={san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\n"
    )

    def run(*args: str) -> None:
        subprocess.run([OPENSSL, *args], check=True, capture_output=True)

    run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", str(ca_key), "-out", str(ca_crt), "-days", "2", "-subj", "/CN=inboxtrace test CA",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")  # fmt: skip
    run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", str(key), "-out", str(csr), "-subj", "/CN=localhost")  # fmt: skip
    run("x509", "-req", "-in", str(csr), "-CA", str(ca_crt), "-CAkey", str(ca_key), "-CAcreateserial",
        "-out", str(crt), "-days", "2", "-extfile", str(ext))  # fmt: skip
    for p in (ca_crt, crt):
        p.chmod(0o644)
    key.chmod(0o640)
    return ca_crt, crt, key


def rig_tempdir(prefix: str = "inboxtrace-rig-") -> Path:
    """A 0755 temp dir under a parent every service user can enter (pytest's tmp_path is 0700)."""
    base = Path(tempfile.gettempdir())
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=base))
    path.chmod(0o755)
    return path


@dataclass
class DovecotRig:
    """A running Dovecot; stop it with :meth:`stop` (or use it as a context manager)."""

    root: Path
    imaps_port: int
    imap_port: int
    lmtp_port: int
    ca_file: Path
    users: dict[str, str] = field(default_factory=dict)
    _owns_root: bool = True

    host = "127.0.0.1"

    # -- life cycle --------------------------------------------------------------------------
    @classmethod
    def start(
        cls,
        users: Mapping[str, str] | None = None,
        *,
        sieve: str = DEFAULT_SIEVE,
        root: Path | None = None,
        process_limit: int = 400,
        oauth2_introspection_url: str | None = None,
    ) -> DovecotRig:
        if not Path(DOVECOT).exists():
            raise RuntimeError(f"{DOVECOT} not found: run .ci/install-system.sh")
        owns = root is None
        root = rig_tempdir("inboxtrace-dovecot-") if root is None else root
        root.chmod(0o755)
        ca, crt, key = make_test_ca(root / "tls")
        rig = cls(root, free_port(), free_port(), free_port(), ca, dict(users or {}), owns)
        for sub in ("run", "state", "mail", "sieve"):
            (root / sub).mkdir(exist_ok=True)
        shutil.chown(root / "mail", "mail", "mail")
        shutil.chown(key, "root", "dovecot")
        (root / "sieve" / "before.sieve").write_text(sieve)
        rig._write_passwd()
        (root / "dovecot.conf").write_text(rig._config(crt, key, process_limit, oauth2_introspection_url))
        subprocess.run(["sievec", str(root / "sieve" / "before.sieve")], check=True, capture_output=True)
        # Dovecot forks a daemon that would keep captured pipes open: send its output to a file.
        with open(root / "start.out", "wb") as out:
            proc = subprocess.run(
                [DOVECOT, "-c", str(root / "dovecot.conf")],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                check=False,
            )
        if proc.returncode != 0:
            raise RuntimeError(f"dovecot failed to start: {(root / 'start.out').read_text()}{rig.log()}")
        rig._wait_ready()
        return rig

    def stop(self) -> None:
        """SIGTERM the master; if it lingers (its children wait 5 s for the stats service on shutdown),
        SIGKILL its process group, which is its own (the daemon calls setsid)."""
        pid_file = self.root / "run" / "master.pid"
        with contextlib.suppress(FileNotFoundError, ValueError, ProcessLookupError):
            pid = int(pid_file.read_text().strip())
            own_group = os.getpgid(pid) == pid
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 1.5
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.02)
            if _alive(pid):
                if own_group:
                    os.killpg(pid, signal.SIGKILL)
                else:
                    os.kill(pid, signal.SIGKILL)
                deadline = time.monotonic() + 5
                while _alive(pid) and time.monotonic() < deadline:
                    time.sleep(0.02)
        if self._owns_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> DovecotRig:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- helpers for tests --------------------------------------------------------------------
    def add_user(self, address: str, password: str) -> None:
        """Add a mailbox (Dovecot re-reads the passwd-file when it changes)."""
        self.users[address] = password
        self._write_passwd()

    def deliver(self, address: str, message: bytes, *, sender: str = "sender@example.test") -> None:
        """Deliver one message over LMTP (Sieve runs as for real mail)."""
        with smtplib.LMTP(self.host, self.lmtp_port, timeout=10) as lmtp:
            lmtp.sendmail(sender, [address], message)

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def mail_dir(self, address: str) -> Path:
        local, _, domain = address.partition("@")
        return self.root / "mail" / domain / local / "Maildir"

    # -- internals -----------------------------------------------------------------------------
    def _write_passwd(self) -> None:
        path = self.root / "passwd"
        tmp = path.with_suffix(".tmp")
        tmp.write_text("".join(f"{u}:{{PLAIN}}{p}::::::\n" for u, p in sorted(self.users.items())))
        shutil.chown(tmp, "root", "dovecot")
        tmp.chmod(0o640)
        tmp.replace(path)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                for port in (self.imaps_port, self.imap_port, self.lmtp_port):
                    socket.create_connection((self.host, port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"dovecot did not listen in time:\n{self.log()}")

    def _config(self, crt: Path, key: Path, process_limit: int, oauth2_url: str | None = None) -> str:
        r = self.root
        mechanisms = "plain login"
        oauth2 = ""
        if oauth2_url:
            # SASL XOAUTH2 / OAUTHBEARER: the token is checked by POSTing it to the introspection URL
            mechanisms += " xoauth2 oauthbearer"
            (r / "oauth2.conf.ext").write_text(
                f"introspection_mode = post\nintrospection_url = {oauth2_url}\nforce_introspection = yes\n"
                "username_attribute = username\nactive_attribute = active\nactive_value = true\n"
            )
            oauth2 = f"passdb {{\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  args = {r}/oauth2.conf.ext\n}}\n"
        return f"""\
base_dir = {r}/run
state_dir = {r}/state
instance_name = inboxtrace-{r.name}
log_path = {r}/dovecot.log
protocols = imap lmtp
listen = 127.0.0.1
ssl = yes
ssl_cert = <{crt}
ssl_key = <{key}
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = {mechanisms}
auth_failure_delay = 0
login_trusted_networks = 127.0.0.0/8
first_valid_uid = 8
last_valid_uid = 8
mail_uid = mail
mail_gid = mail
mail_location = maildir:~/Maildir
default_process_limit = {process_limit}
default_client_limit = {process_limit * 4}
mail_max_userip_connections = 100
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {r}/passwd
}}
{oauth2}
userdb {{
  driver = static
  args = uid=mail gid=mail home={r}/mail/%d/%n
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Junk {{
    special_use = \\Junk
    auto = subscribe
  }}
  mailbox Trash {{
    special_use = \\Trash
    auto = subscribe
  }}
  mailbox Archive {{
    special_use = \\Archive
    auto = subscribe
  }}
  mailbox Sent {{
    special_use = \\Sent
    auto = subscribe
  }}
  mailbox Promotions {{
    auto = subscribe
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.imaps_port}
    ssl = yes
  }}
  process_min_avail = 4
  service_count = 0
  client_limit = {process_limit * 4}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {self.lmtp_port}
  }}
  unix_listener lmtp {{
    mode = 0666
  }}
}}
service auth {{
  client_limit = {process_limit * 8}
}}
service anvil {{
  client_limit = {process_limit * 8 + 100}
}}
protocol lmtp {{
  mail_plugins = sieve
  postmaster_address = postmaster@localhost
}}
lmtp_save_to_detail_mailbox = no
plugin {{
  sieve_before = {r}/sieve/before.sieve
  sieve = file:~/sieve;active=~/.dovecot.sieve
  sieve_extensions = +variables
}}
"""


@contextlib.contextmanager
def dovecot_rig(users: Mapping[str, str] | None = None, **kwargs: object) -> Iterator[DovecotRig]:
    """Context-manager form of :meth:`DovecotRig.start`."""
    rig = DovecotRig.start(users, **kwargs)  # type: ignore[arg-type]
    try:
        yield rig
    finally:
        rig.stop()
