"""ESP event webhooks (Amazon SES via SNS, SendGrid, Mailgun, Postmark, SMTP2GO, SparkPost).

Each provider module verifies a webhook request and turns its body into :class:`EspEvent`
records; :mod:`inboxtrace.store.esp` files them as the same records as MTA log events;
:mod:`inboxtrace.esp.http` serves the endpoints.

The names below are loaded on first use: the store imports :mod:`inboxtrace.esp.base` for its
tables, and a process that only ingests logs should not load every provider (and the crypto
and HTTP libraries they verify requests with: ~15 MB in each process).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from inboxtrace.esp.base import EspEvent, EventKind, Parsed, Provider, WebhookError, WebhookRequest
    from inboxtrace.esp.config import EspSettings
    from inboxtrace.esp.registry import PROVIDERS, all_providers, names, provider

_WHERE = {
    "EspEvent": "base",
    "EventKind": "base",
    "Parsed": "base",
    "Provider": "base",
    "WebhookError": "base",
    "WebhookRequest": "base",
    "EspSettings": "config",
    "PROVIDERS": "registry",
    "all_providers": "registry",
    "names": "registry",
    "provider": "registry",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'inboxtrace.esp' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"inboxtrace.esp.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "PROVIDERS",
    "EspEvent",
    "EspSettings",
    "EventKind",
    "Parsed",
    "Provider",
    "WebhookError",
    "WebhookRequest",
    "all_providers",
    "names",
    "provider",
]
