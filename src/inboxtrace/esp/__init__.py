"""ESP event webhooks (Amazon SES via SNS, SendGrid, Mailgun, Postmark, SMTP2GO, SparkPost).

Each provider module verifies a webhook request and turns its body into :class:`EspEvent`
records; :mod:`inboxtrace.store.esp` files them as the same records as MTA log events;
:mod:`inboxtrace.esp.http` serves the endpoints.
"""

from inboxtrace.esp.base import EspEvent, EventKind, Parsed, Provider, WebhookError, WebhookRequest
from inboxtrace.esp.config import EspSettings
from inboxtrace.esp.registry import PROVIDERS, all_providers, names, provider

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
