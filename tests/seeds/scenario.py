"""The full placement story on real servers: a sender Postfix → a seed-side Postfix (MX) → Dovecot.

Seeds and what happens to them:

===================  ===================================================================
alice, bob @inbox    delivered to INBOX
carol @junk          Sieve files it into Junk (\\Junk)                    → spam
dave @promo          Sieve files it into Promotions (seed override)     → tab:promotions
erin @bulk           Sieve files it into "Bulk" (no flag: name fallback) → spam
frank @discard       MX answers 250 "queued as X", Sieve discards       → accepted-not-found
grace @reject        MX rejects at RCPT with 550 5.1.1                  → rejected
heidi @defer         MX answers 421 at RCPT until the window closes     → deferred
judy @gone           MX accepts with 250; its internal mail store (a     → bounced-after-accept
                     scripted SMTP sink) refuses it, the MX sends a DSN
ivan @inbox          left out of the send                               → not-sent
===================  ===================================================================

DSNs from both Postfixes go to sender@sender.test, a real mailbox in the same Dovecot. A real OpenDKIM
milter on the sender's Postfix signs (d=sender.test, s=s1); another on the seed-side Postfix verifies
against the test DNS server (Knot, key published in the sender.test zone) and writes a genuine
Authentication-Results header into every copy; an SPF policy service (pyspf, same DNS) adds the SPF
result the way postfix-policyd-spf does. DMARC is not evaluated on the seed side (OpenDMARC resolves
only through /etc/resolv.conf, which the suite does not touch).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.rigs import free_port
from tests.rigs.dovecot import DovecotRig, rig_tempdir
from tests.rigs.knot import KnotServer, knot_server
from tests.rigs.postfix import PostfixRig
from tests.rigs.smtp_sink import Rule, SmtpSink
from tests.seeds.conftest import SEED_PASSWORD, seed_toml
from tests.seeds.conftest import SEEDS as BASE_SEEDS
from tests.seeds.milters import dkim_key, signer, verifier

SEEDS = {
    **BASE_SEEDS,
    "grace@reject.test": "rejectmail",
    "heidi@defer.test": "defermail",
    "judy@gone.test": "gonemail",
    "ivan@inbox.test": "inboxmail",
}
LEFT_OUT = "ivan@inbox.test"
MAILBOX_DOMAINS = ("inbox.test", "junk.test", "promo.test", "bulk.test", "discard.test")
SENDER = "sender@sender.test"
MESSAGE = (
    "From: Sender <sender@sender.test>\n"
    "To: Seeds <seeds@sender.test>\n"
    "Subject: November newsletter\n"
    "Message-ID: <newsletter-1@sender.test>\n"
    "Date: Wed, 25 Nov 2026 10:00:00 +0000\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "\n"
    "Hello from the placement test.\n"
)


@dataclass
class Scenario:
    dovecot: DovecotRig
    sender_mta: PostfixRig
    mx: PostfixRig
    dns: KnotServer
    workdir: Path
    seed_file: Path

    def bounce_maildir(self) -> Path:
        return self.dovecot.mail_dir(SENDER)

    def bounce_count(self) -> int:
        d = self.bounce_maildir()
        return sum(1 for sub in ("new", "cur") if (d / sub).is_dir() for _ in (d / sub).iterdir())


@contextmanager
def scenario() -> Iterator[Scenario]:
    workdir = rig_tempdir("inboxtrace-placement-")
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, workdir, True)
        users = dict.fromkeys([*SEEDS, SENDER], SEED_PASSWORD)
        dovecot = DovecotRig.start(users)
        stack.callback(dovecot.stop)
        lmtp = f"lmtp:inet:127.0.0.1:{dovecot.lmtp_port}"
        key, key_record = dkim_key(workdir / "dkim", "sender.test", "s1")
        zone = key_record + '@ IN TXT "v=spf1 ip4:127.0.0.1 -all"\n_dmarc IN TXT "v=DMARC1; p=none"\n'
        dns = stack.enter_context(knot_server({"sender.test": zone}))
        dkim_sign = signer(workdir / "dkim-sign", "sender.test", "s1", key)
        stack.callback(dkim_sign.stop)
        dkim_verify = verifier(workdir / "dkim-verify", "mx.seeds.test", dns.port, ("sender.test",))
        stack.callback(dkim_verify.stop)
        store_sink = SmtpSink(
            [Rule("judy", "RCPT", "550 5.2.1 <{rcpt}>: Mailbox disabled, not accepting messages")],
            hostname="store.seeds.test",
        ).start()
        stack.callback(store_sink.stop)
        policy_port = free_port()
        policy = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("spf_policy.py")), str(policy_port), str(dns.port),
             "mx.seeds.test"],
            stdout=subprocess.PIPE,
        )  # fmt: skip
        stack.callback(_stop, policy)
        assert policy.stdout is not None and policy.stdout.readline().strip() == b"ready"
        mx_dir = workdir / "mx"
        mx_dir.mkdir(mode=0o755)
        mx = PostfixRig.start(
            directory=mx_dir,
            myhostname="mx.seeds.test",
            transports={
                **dict.fromkeys(MAILBOX_DOMAINS, lmtp),
                "sender.test": lmtp,
                "gone.test": f"smtp:[127.0.0.1]:{store_sink.port}",
            },
            rcpt_access={
                r"/@reject\.test$/": "550 5.1.1 User unknown in virtual mailbox table",
                r"/@defer\.test$/": "421 4.7.0 Too many connections from your IP, try again later",
            },
            main={
                "smtpd_milters": dkim_verify.socket,
                "milter_default_action": "tempfail",
                "smtpd_recipient_restrictions": f"check_recipient_access regexp:{mx_dir / 'etc' / 'rcpt_access'}, "
                f"check_policy_service inet:127.0.0.1:{policy_port}",
            },
        )
        stack.callback(mx.cleanup)
        stack.callback(mx.stop)
        relay = f"smtp:[127.0.0.1]:{mx.smtpd_port}"
        sender_mta = PostfixRig.start(
            myhostname="mta.sender.test",
            transports={
                **dict.fromkeys((*MAILBOX_DOMAINS, "reject.test", "defer.test", "gone.test"), relay),
                "sender.test": lmtp,
            },
            queue_lifetime=3600,
            main={"smtpd_milters": dkim_sign.socket, "milter_default_action": "tempfail"},
        )
        stack.callback(sender_mta.cleanup)
        stack.callback(sender_mta.stop)
        seed_file = workdir / "seeds.toml"
        seed_file.write_text(seed_toml(dovecot, SEEDS, extra='authserv_id = "mx.seeds.test"'))
        yield Scenario(dovecot, sender_mta, mx, dns, workdir, seed_file)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def wait_until(predicate: object, timeout: float = 120.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.2)
