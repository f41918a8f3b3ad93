"""Records of seed mailboxes and inbox-placement tests.

A :class:`Seed` says how to reach one seed mailbox (never the password itself, only where to read it);
a :class:`SeedCheck` is what ``seeds check`` found there; a :class:`PlacementTest` is one test with its
token; a :class:`SendResult` is the sender-side SMTP story for one seed; a :class:`SeedResult` is where
that seed's copy landed; a :class:`Conclusion` is the diagnosis of one seed or recipient.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from inboxtrace.imapauth import SecretSource


class Security(StrEnum):
    """How the IMAP connection is protected."""

    TLS = "tls"  # implicit TLS (port 993)
    STARTTLS = "starttls"
    PLAIN = "plain"  # only when the seed list explicitly allows it


@dataclass(frozen=True, slots=True)
class Seed:
    """One seed mailbox. The secret is read at connect time: the password from ``password_env`` /
    ``password_file``, or with ``auth`` ``xoauth2``/``oauthbearer`` the OAuth access token from
    ``token_env`` / ``token_file`` / ``token_command``."""

    address: str
    provider: str
    host: str
    port: int
    security: Security = Security.TLS
    user: str = ""
    password_env: str | None = None
    password_file: str | None = None
    ca_file: str | None = None
    folders: tuple[tuple[str, str], ...] = ()  # folder name → placement override ("spam", "tab:x")
    timeout: float = 20.0
    authserv_ids: tuple[str, ...] = ()  # trust only Authentication-Results from these receivers
    auth: str = "password"  # password, xoauth2 or oauthbearer
    token_env: str | None = None
    token_file: str | None = None
    token_command: tuple[str, ...] = ()

    @property
    def login(self) -> str:
        return self.user or self.address

    def public(self) -> dict[str, Any]:
        """A JSON-ready description that is safe to print (no secret)."""
        return {
            "address": self.address,
            "provider": self.provider,
            "host": self.host,
            "port": self.port,
            "security": self.security.value,
            "user": self.login,
            "auth": self.auth,
            **(
                {
                    "password_source": (
                        f"env:{self.password_env}" if self.password_env else f"file:{self.password_file}"
                    )
                }
                if self.auth == "password"
                else {"token_source": self.secret_source().describe()}
            ),
        }

    def secret_source(self) -> SecretSource:
        """Where the password (or, with OAuth, the access token) is read from."""
        if self.auth == "password":
            return SecretSource(env=self.password_env, file=self.password_file)
        return SecretSource(env=self.token_env, file=self.token_file, command=self.token_command)


@dataclass(frozen=True, slots=True)
class Folder:
    """One mailbox folder as LISTed, with the placement role inboxtrace gave it."""

    name: str
    flags: tuple[str, ...]
    role: str  # inbox, spam, trash, archive, all, sent, drafts, tab:<name>, other
    source: str  # special-use, name, override, gmail, inbox

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "flags": list(self.flags), "role": self.role, "source": self.source}


class SeedErrorKind(StrEnum):
    """Why a seed could not be checked."""

    AUTH = "auth-failed"
    TLS = "tls-failed"
    UNREACHABLE = "unreachable"
    CONFIG = "config"
    PROTOCOL = "imap-error"


@dataclass(frozen=True, slots=True)
class SeedCheck:
    """What connecting to one seed found: its folders and roles, or one clear error."""

    seed: Seed
    ok: bool
    folders: tuple[Folder, ...] = ()
    gmail: bool = False
    error_kind: SeedErrorKind | None = None
    error: str | None = None
    elapsed: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed.public(),
            "ok": self.ok,
            "gmail": self.gmail,
            "folders": [f.to_dict() for f in self.folders],
            "error_kind": self.error_kind.value if self.error_kind else None,
            "error": self.error,
            "elapsed": round(self.elapsed, 3),
        }


@dataclass(frozen=True, slots=True)
class PlacementTest:
    """One placement test: the token that marks its copies and where its seeds came from."""

    test_id: str
    token: str
    created: datetime
    header: str = "X-Inboxtrace-Test"
    seed_file: str | None = None
    note: str | None = None
    sent_at: datetime | None = None

    @property
    def body_marker(self) -> str:
        return f"[inboxtrace:{self.token}]"

    def to_dict(self) -> dict[str, Any]:
        return {
            "test_id": self.test_id,
            "token": self.token,
            "created": self.created.isoformat(),
            "header": f"{self.header}: {self.token}",
            "body_marker": self.body_marker,
            "seed_file": self.seed_file,
            "note": self.note,
            "sent_at": self.sent_at.isoformat() if self.sent_at else None,
        }


@dataclass(frozen=True, slots=True)
class SendResult:
    """The sender-side SMTP outcome for one seed recipient, with the full conversation."""

    address: str
    accepted: bool
    code: int | None
    reply: str
    sent_at: datetime
    queue_id: str | None = None  # the submission server's queue id from its 250 reply
    message_id: str | None = None
    transcript: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "accepted": self.accepted,
            "code": self.code,
            "reply": self.reply,
            "sent_at": self.sent_at.isoformat(),
            "queue_id": self.queue_id,
            "message_id": self.message_id,
            "transcript": self.transcript,
        }


@dataclass(frozen=True, slots=True)
class AuthResult:
    """One method's result from an Authentication-Results header (spf, dkim, dmarc, ...)."""

    method: str
    result: str
    domain: str | None = None
    authserv_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "result": self.result,
            "domain": self.domain,
            "authserv_id": self.authserv_id,
        }


@dataclass(frozen=True, slots=True)
class SeedResult:
    """Where one seed's copy of a test landed (``missing`` when in no folder)."""

    test_id: str
    address: str
    provider: str
    placement: str  # inbox, spam, tab:<name>, trash, archive, other:<folder>, missing, error
    folder: str | None = None
    arrived: datetime | None = None
    delay: float | None = None  # seconds from sending to arrival
    checked_at: datetime | None = None
    auth: tuple[AuthResult, ...] = ()
    received: tuple[str, ...] = ()
    message_id: str | None = None
    error: str | None = None
    error_kind: str | None = None  # a SeedErrorKind value when placement is "error"

    def to_dict(self) -> dict[str, Any]:
        return {
            "test_id": self.test_id,
            "address": self.address,
            "provider": self.provider,
            "placement": self.placement,
            "folder": self.folder,
            "arrived": self.arrived.isoformat() if self.arrived else None,
            "delay": self.delay,
            "checked_at": self.checked_at.isoformat() if self.checked_at else None,
            "auth": [a.to_dict() for a in self.auth],
            "received": list(self.received),
            "message_id": self.message_id,
            "error": self.error,
            "error_kind": self.error_kind,
        }


class ConclusionKind(StrEnum):
    """The one story that explains a seed or recipient that is not in the inbox."""

    NOT_SENT = "not-sent"
    REJECTED = "rejected"
    DEFERRED = "deferred"  # still queued after temporary failures (the MTA is still trying)
    EXPIRED = "expired"  # temporary failures only until the queue lifetime ran out: the MTA gave up
    DISCARDED = (
        "discarded"  # dropped on purpose by a server that said it took it (e.g. your discard transport)
    )
    BOUNCED_AFTER_ACCEPT = "bounced-after-accept"
    ACCEPTED = (
        "accepted"  # taken by the receiver with 2xx; no mailbox was searched, so where it went is unknown
    )
    ACCEPTED_NOT_FOUND = "accepted-not-found"  # taken with 2xx, and a searched seed mailbox has no copy
    IN_TRANSIT = "in-transit"
    SPAM = "spam"
    TAB = "tab"
    FILED = "filed"  # in trash, archive or another folder (a mailbox rule or the provider put it there)
    UNKNOWN = "unknown"
    INBOX = "inbox"  # only used when a caller asks about a recipient that is fine


@dataclass(frozen=True, slots=True)
class Conclusion:
    """The diagnosis of one address: the story, a summary, the evidence and the next step."""

    address: str
    kind: ConclusionKind
    summary: str
    next_step: str
    evidence: tuple[str, ...] = ()
    provider: str | None = None
    server: str | None = None
    time: datetime | None = None
    remote_queue_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "conclusion": self.kind.value,
            "summary": self.summary,
            "next_step": self.next_step,
            "evidence": list(self.evidence),
            "provider": self.provider,
            "server": self.server,
            "time": self.time.isoformat() if self.time else None,
            "remote_queue_id": self.remote_queue_id,
            "details": self.details,
        }
