"""The one place providers are registered: name → provider class."""

from __future__ import annotations

from inboxtrace.errors import ConfigError
from inboxtrace.esp.base import Provider
from inboxtrace.esp.config import EspSettings
from inboxtrace.esp.mailgun import MailgunProvider
from inboxtrace.esp.postmark import PostmarkProvider
from inboxtrace.esp.sendgrid import SendGridProvider
from inboxtrace.esp.ses import SesProvider
from inboxtrace.esp.smtp2go import Smtp2goProvider
from inboxtrace.esp.sparkpost import SparkPostProvider

PROVIDERS: dict[str, type[Provider]] = {
    "ses": SesProvider,
    "sendgrid": SendGridProvider,
    "mailgun": MailgunProvider,
    "postmark": PostmarkProvider,
    "smtp2go": Smtp2goProvider,
    "sparkpost": SparkPostProvider,
}


def names() -> list[str]:
    return list(PROVIDERS)


def provider(name: str, settings: EspSettings | None = None) -> Provider:
    """The provider called ``name``, set up from ``settings`` (default: the environment)."""
    cls = PROVIDERS.get(name.lower())
    if cls is None:
        raise ConfigError(f"unknown provider {name!r}: one of {', '.join(PROVIDERS)}")
    return cls(settings if settings is not None else EspSettings.from_env())  # type: ignore[call-arg]


def all_providers(settings: EspSettings | None = None) -> dict[str, Provider]:
    s = settings if settings is not None else EspSettings.from_env()
    return {n: provider(n, s) for n in PROVIDERS}


__all__ = ["PROVIDERS", "all_providers", "names", "provider"]
