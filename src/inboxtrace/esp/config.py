"""Webhook credentials and verification settings, from the environment or files (never logged).

Every secret ``INBOXTRACE_X`` can also be given as ``INBOXTRACE_X_FILE`` naming a file that holds
it (Docker/systemd secrets). A provider with no credentials configured refuses every request.

==================================  ==========================================================
variable                            meaning
==================================  ==========================================================
``INBOXTRACE_SES_TOPIC_ARNS``       comma-separated SNS topic ARNs accepted (required for SES)
``INBOXTRACE_SNS_CERT_HOST``        regex the signing certificate's host must match (default:
                                    AWS SNS hosts only; change it only for tests)
``INBOXTRACE_SNS_CA_FILE``          CA bundle for fetching the certificate (default: system)
``INBOXTRACE_SENDGRID_PUBLIC_KEY``  the Event Webhook verification key (base64 DER or PEM)
``INBOXTRACE_SENDGRID_MAX_AGE``     oldest signed timestamp accepted, seconds (default 86400)
``INBOXTRACE_MAILGUN_SIGNING_KEY``  the HTTP webhook signing key (not the API key)
``INBOXTRACE_MAILGUN_MAX_AGE``      oldest signature timestamp accepted, seconds (default 86400)
``INBOXTRACE_<P>_USER/_PASSWORD``   Basic auth for P = POSTMARK, SMTP2GO, SPARKPOST
``INBOXTRACE_<P>_TOKEN``            Bearer token for P = SMTP2GO, SPARKPOST
==================================  ==========================================================
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from inboxtrace.errors import ConfigError

PREFIX = "INBOXTRACE_"
# The hosts AWS serves SNS signing certificates from.
SNS_CERT_HOST = r"^sns\.[a-zA-Z0-9-]{3,}\.amazonaws\.com(\.cn)?$"


def secret(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """``$INBOXTRACE_<name>``, else the content of the file ``$INBOXTRACE_<name>_FILE`` (stripped)."""
    env = os.environ if environ is None else environ
    value = env.get(PREFIX + name)
    if value:
        return value
    path = env.get(PREFIX + name + "_FILE")
    if not path:
        return None
    try:
        return Path(path).read_text("utf-8").strip() or None
    except OSError as exc:
        raise ConfigError(f"cannot read {PREFIX}{name}_FILE ({path}): {exc.strerror}") from exc


@dataclass(frozen=True, slots=True)
class BasicCredentials:
    user: str | None = None
    password: str | None = None
    token: str | None = None

    @property
    def configured(self) -> bool:
        return bool((self.user and self.password) or self.token)

    def __repr__(self) -> str:  # never show secrets
        return f"BasicCredentials(user={self.user!r}, password={'***' if self.password else None}, token={'***' if self.token else None})"


@dataclass(frozen=True, slots=True)
class EspSettings:
    """Everything the webhook verifiers need."""

    ses_topic_arns: tuple[str, ...] = ()
    sns_cert_host: str = SNS_CERT_HOST
    sns_ca_file: str | None = None
    sendgrid_public_key: str | None = field(default=None, repr=False)
    sendgrid_max_age: float = 86400.0
    mailgun_signing_key: str | None = field(default=None, repr=False)
    mailgun_max_age: float = 86400.0
    basic: Mapping[str, BasicCredentials] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> EspSettings:
        env = os.environ if environ is None else environ

        def number(name: str, default: float) -> float:
            raw = env.get(PREFIX + name)
            if not raw:
                return default
            try:
                return float(raw)
            except ValueError as exc:
                raise ConfigError(f"{PREFIX}{name} must be a number of seconds, not {raw!r}") from exc

        topics = tuple(t.strip() for t in (env.get(PREFIX + "SES_TOPIC_ARNS") or "").split(",") if t.strip())
        basic = {
            p.lower(): BasicCredentials(
                secret(f"{p}_USER", env), secret(f"{p}_PASSWORD", env), secret(f"{p}_TOKEN", env)
            )
            for p in ("POSTMARK", "SMTP2GO", "SPARKPOST")
        }
        return cls(
            ses_topic_arns=topics,
            sns_cert_host=env.get(PREFIX + "SNS_CERT_HOST") or SNS_CERT_HOST,
            sns_ca_file=env.get(PREFIX + "SNS_CA_FILE") or None,
            sendgrid_public_key=secret("SENDGRID_PUBLIC_KEY", env),
            sendgrid_max_age=number("SENDGRID_MAX_AGE", 86400.0),
            mailgun_signing_key=secret("MAILGUN_SIGNING_KEY", env),
            mailgun_max_age=number("MAILGUN_MAX_AGE", 86400.0),
            basic=basic,
        )


__all__ = ["SNS_CERT_HOST", "BasicCredentials", "EspSettings", "secret"]
