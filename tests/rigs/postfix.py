"""A real Postfix instance from a temp config dir (``postfix -c DIR``), loopback only, own queue and log.

Usage::

    with SmtpSink() as sink, PostfixRig.start(relay_port=sink.port) as pf:
        pf.send("sender@sender.test", ["ok@dest.test", "reject@dest.test"])
        pf.wait_for(lambda log: "removed" in log)
        pf.log_path                       # the maillog Postfix wrote (maillog_file, via postlogd)

Parameters: ``relay_port`` (relayhost ``[127.0.0.1]:PORT``), ``transports`` (domain → transport,
e.g. ``{"closed.test": "smtp:[127.0.0.1]:9"}``), ``rcpt_access`` (regexp → smtpd answer, for NOQUEUE
rejects), ``header_checks`` (regexp table lines, e.g. ``/^Subject:/ WARN`` to log subjects), ``main`` (extra main.cf settings), ``master_extra`` (more master.cf lines, e.g. the
re-injection smtpd of a content filter). Queue lifetimes are short (deferred mail expires after
``queue_lifetime`` seconds) so every final state happens within a test. Every parent directory is
0755 so the ``postfix`` user can enter it; services are not chrooted.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import smtplib
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from tests.rigs import free_port

POSTFIX = "/usr/sbin/postfix"
POSTCONF = "/usr/sbin/postconf"

MASTER_CF = """\
# service type  private unpriv  chroot  wakeup  maxproc command + args
{smtpd_port} inet n       -       n       -       -       smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


def _main_cf(
    d: Path,
    *,
    myhostname: str,
    relay_port: int | None,
    queue_lifetime: int,
    timeout: int,
    extra: Mapping[str, str],
) -> dict[str, str]:
    settings = {
        "compatibility_level": "3.6",
        "config_directory": str(d / "etc"),
        "queue_directory": str(d / "queue"),
        "data_directory": str(d / "data"),
        "mail_owner": "postfix",
        "setgid_group": "postdrop",
        "myhostname": myhostname,
        "mydomain": "rig.test",
        "myorigin": "$myhostname",
        "mydestination": "",
        "local_recipient_maps": "",
        "inet_interfaces": "127.0.0.1",
        "inet_protocols": "ipv4",
        "mynetworks": "127.0.0.0/8",
        "smtp_bind_address": "127.0.0.1",
        "relayhost": f"[127.0.0.1]:{relay_port}" if relay_port else "",
        "maillog_file": str(d / "maillog"),
        "maillog_file_prefixes": str(d),
        "smtp_tls_security_level": "none",
        "smtp_dns_support_level": "disabled",  # nothing is ever looked up (relays are IP literals)
        "smtpd_tls_security_level": "none",
        "smtputf8_enable": "no",
        "biff": "no",
        "append_dot_mydomain": "no",
        "alias_maps": "",
        "alias_database": "",
        "queue_run_delay": "3s",
        "minimal_backoff_time": "3s",
        "maximal_backoff_time": "6s",
        "maximal_queue_lifetime": f"{queue_lifetime}s",
        "bounce_queue_lifetime": f"{queue_lifetime}s",
        "delay_warning_time": "0h",
        "smtp_connect_timeout": f"{timeout}s",
        "smtp_helo_timeout": f"{timeout}s",
        "smtp_mail_timeout": f"{timeout}s",
        "smtp_rcpt_timeout": f"{timeout}s",
        "smtp_data_init_timeout": f"{timeout}s",
        "smtp_data_done_timeout": f"{timeout}s",
        "smtpd_relay_restrictions": "permit_mynetworks, reject_unauth_destination",
        "smtpd_recipient_restrictions": f"check_recipient_access regexp:{d / 'etc' / 'rcpt_access'}",
        "transport_maps": f"texthash:{d / 'etc' / 'transport'}",
        "smtp_destination_concurrency_limit": "2",
        "default_destination_rate_delay": "0s",
        "smtpd_banner": "$myhostname ESMTP",
        "import_environment": "MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C",
        "shlib_directory": _default("shlib_directory"),
        "daemon_directory": _default("daemon_directory"),
        "command_directory": _default("command_directory"),
    }
    settings.update(extra)
    return settings


def _default(name: str) -> str:
    out = subprocess.run([POSTCONF, "-dh", name], capture_output=True, text=True, check=True)
    return out.stdout.strip()


class PostfixRig:
    """One running Postfix instance; see the module docstring."""

    def __init__(self, directory: Path, smtpd_port: int, owns_dir: bool) -> None:
        self.dir = directory
        self.smtpd_port = smtpd_port
        self.log_path = directory / "maillog"
        self._owns_dir = owns_dir

    # -- lifecycle --------------------------------------------------------------------------------

    @classmethod
    def start(
        cls,
        *,
        relay_port: int | None = None,
        transports: Mapping[str, str] | None = None,
        rcpt_access: Mapping[str, str] | None = None,
        header_checks: Sequence[str] = (),
        main: Mapping[str, str] | None = None,
        queue_lifetime: int = 20,
        timeout: int = 4,
        myhostname: str = "mta.rig.test",
        directory: Path | None = None,
        master_extra: str = "",
    ) -> PostfixRig:
        for binary in (POSTFIX, POSTCONF):
            if not Path(binary).exists():
                raise RuntimeError(f"{binary} is missing: run .ci/install-system.sh (Debian package postfix)")
        owns = directory is None
        d = (
            Path(tempfile.mkdtemp(prefix="inboxtrace-postfix-", dir="/tmp"))
            if directory is None
            else directory
        )
        os.chmod(d, 0o755)
        etc = d / "etc"
        for sub in ("etc", "data", "queue"):
            (d / sub).mkdir(exist_ok=True)
            os.chmod(d / sub, 0o755)
        port = free_port()
        extra = dict(main or {})
        if header_checks:
            (etc / "header_checks").write_text("".join(f"{line}\n" for line in header_checks))
            extra.setdefault("header_checks", f"regexp:{etc / 'header_checks'}")
        settings = _main_cf(
            d,
            myhostname=myhostname,
            relay_port=relay_port,
            queue_lifetime=queue_lifetime,
            timeout=timeout,
            extra=extra,
        )
        (etc / "main.cf").write_text("".join(f"{k} = {v}\n" for k, v in settings.items()))
        (etc / "master.cf").write_text(MASTER_CF.format(smtpd_port=f"127.0.0.1:{port}") + master_extra)
        (etc / "transport").write_text("".join(f"{k} {v}\n" for k, v in (transports or {}).items()))
        (etc / "rcpt_access").write_text("".join(f"{k} {v}\n" for k, v in (rcpt_access or {}).items()))
        # the postfix user owns the data dir; pid files and the queue are set up by postfix itself
        shutil.chown(d / "data", "postfix")
        # Postfix ignores a main.cf younger than a second: backdate it
        old = time.time() - 10
        for name in ("main.cf", "master.cf"):
            os.utime(etc / name, (old, old))
        rig = cls(d, port, owns)
        try:
            res = subprocess.run(
                [POSTFIX, "-c", str(etc), "start"],
                check=False,
                capture_output=True,
                text=True,
                env=rig._env(),
                timeout=60,
            )
            if res.returncode != 0:
                raise RuntimeError(f"postfix start failed: {res.stdout}{res.stderr}")
            rig._wait_listening()
        except BaseException:
            rig.stop()
            raise
        return rig

    def _wait_listening(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            try:
                with smtplib.SMTP("127.0.0.1", self.smtpd_port, timeout=5) as s:
                    s.noop()
                return
            except OSError as exc:
                last = exc
                time.sleep(0.1)
        raise RuntimeError(f"postfix smtpd did not come up on port {self.smtpd_port}: {last}\n{self.log()}")

    @property
    def config_dir(self) -> Path:
        return self.dir / "etc"

    def _env(self) -> dict[str, str]:
        return {**os.environ, "MAIL_CONFIG": str(self.config_dir)}

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            subprocess.run(
                [POSTFIX, "-c", str(self.config_dir), "stop"],
                check=False,
                capture_output=True,
                env=self._env(),
                timeout=60,
            )
        pid_file = self.dir / "queue" / "pid" / "master.pid"
        deadline = time.monotonic() + 10
        while pid_file.exists() and time.monotonic() < deadline:
            try:
                pid = int(pid_file.read_text().strip())
                os.kill(pid, 0)
            except (ValueError, OSError):
                break
            time.sleep(0.1)

    def cleanup(self) -> None:
        if self._owns_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> PostfixRig:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self.cleanup()

    # -- using it ---------------------------------------------------------------------------------

    def send(
        self,
        sender: str,
        recipients: Sequence[str],
        subject: str = "rig test",
        body: str = "Hello from the inboxtrace test rig.\n",
        message_id: str | None = None,
    ) -> str:
        """Submit one message over SMTP; returns its Message-ID. Refused recipients are not an error."""
        msg = EmailMessage()
        msg["From"] = sender
        msg["To"] = ", ".join(recipients)
        msg["Subject"] = subject
        msg["Message-ID"] = message_id or make_msgid(domain="sender.test")
        msg.set_content(body)
        with smtplib.SMTP("127.0.0.1", self.smtpd_port, timeout=30) as s:
            s.ehlo("client.rig.test")
            with contextlib.suppress(smtplib.SMTPRecipientsRefused):
                s.send_message(msg, from_addr=sender, to_addrs=list(recipients))
        return str(msg["Message-ID"])

    def send_many(self, messages: Sequence[tuple[str, Sequence[str], str]]) -> None:
        """Submit several messages, each ``(sender, recipients, message_id)``, over one SMTP session."""
        with smtplib.SMTP("127.0.0.1", self.smtpd_port, timeout=30) as s:
            s.ehlo("client.rig.test")
            for sender, recipients, message_id in messages:
                msg = EmailMessage()
                msg["From"] = sender
                msg["To"] = ", ".join(recipients)
                msg["Subject"] = f"rig test for {recipients[0]}"
                msg["Message-ID"] = message_id
                msg.set_content("Hello from the inboxtrace test rig.\n")
                try:
                    s.send_message(msg, from_addr=sender, to_addrs=list(recipients))
                except smtplib.SMTPRecipientsRefused:
                    s.rset()

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_for(self, predicate: Callable[[str], bool], timeout: float = 60.0) -> str:
        """Poll the log until ``predicate(log_text)`` holds; returns the log. Raises on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.log()
            if predicate(text):
                return text
            if time.monotonic() > deadline:
                raise TimeoutError(f"postfix log never satisfied the condition; log so far:\n{text[-4000:]}")
            time.sleep(0.25)

    def flush(self) -> None:
        """Ask Postfix to retry deferred mail now (``postqueue -f``)."""
        subprocess.run(
            ["/usr/sbin/postqueue", "-c", str(self.config_dir), "-f"],
            check=False,
            capture_output=True,
            timeout=30,
        )

    def queue_empty(self) -> bool:
        out = subprocess.run(
            ["/usr/sbin/postqueue", "-c", str(self.config_dir), "-j"],
            check=False,
            capture_output=True,
            text=True,
            timeout=30,
        )
        return not out.stdout.strip()


@contextlib.contextmanager
def running_postfix(**kwargs: object) -> Iterator[PostfixRig]:
    """``with running_postfix(relay_port=...) as pf:`` — start, yield, stop and remove."""
    rig = PostfixRig.start(**kwargs)  # type: ignore[arg-type]
    try:
        yield rig
    finally:
        rig.stop()
        rig.cleanup()
