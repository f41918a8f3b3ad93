"""HTTP Basic and Bearer credentials, compared in constant time (Postmark, SMTP2GO, SparkPost)."""

from __future__ import annotations

import base64
import binascii
import hmac

from inboxtrace.esp.base import Forbidden, Provider, Unauthorized, WebhookRequest
from inboxtrace.esp.config import BasicCredentials, EspSettings


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8", "surrogatepass"), b.encode("utf-8", "surrogatepass"))


def check_authorization(request: WebhookRequest, creds: BasicCredentials, provider: str) -> None:
    """Accept the request only with the configured Basic user/password or Bearer token."""
    if not creds.configured:
        raise Forbidden(f"{provider} webhooks are not configured: set the credentials first")
    header = request.header("authorization")
    if not header:
        raise Unauthorized("credentials required")
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "basic" and creds.user and creds.password:
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise Unauthorized("malformed Basic credentials") from exc
        user, sep, password = decoded.partition(":")
        ok_user = _same(user, creds.user)
        ok_pass = _same(password, creds.password)
        if sep and ok_user and ok_pass:
            return
        raise Unauthorized("wrong credentials")
    if scheme.lower() == "bearer" and creds.token:
        if _same(value, creds.token):
            return
        raise Unauthorized("wrong credentials")
    raise Unauthorized("unsupported authorization scheme")


class CredentialedProvider(Provider):
    """A provider that signs nothing and sends the Basic or Bearer credentials configured for it
    (``settings.basic[name]``)."""

    def __init__(self, settings: EspSettings) -> None:
        self.creds = settings.basic.get(self.name, BasicCredentials())

    def verify(self, request: WebhookRequest) -> None:
        check_authorization(request, self.creds, self.title)


__all__ = ["CredentialedProvider", "check_authorization"]
