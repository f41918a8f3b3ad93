"""Amazon SNS message signatures (v1 SHA-1, v2 SHA-256) and subscription confirmation.

The signing certificate must come over HTTPS from a host matching the configured pattern (AWS SNS
hosts by default); it is fetched once per URL and cached. The signed string is, for each field in
a fixed order that depends on the message type, ``name\\n value\\n``.
"""

from __future__ import annotations

import base64
import binascii
import re
import ssl
import threading
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from inboxtrace.esp.base import BadPayload, Forbidden, WebhookError

NOTIFICATION_FIELDS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
SUBSCRIPTION_FIELDS = ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type")
TYPES = ("Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation")


def string_to_sign(msg: dict[str, Any]) -> bytes:
    """The bytes SNS signs for ``msg`` (fields absent from the message are left out)."""
    fields = NOTIFICATION_FIELDS if msg.get("Type") == "Notification" else SUBSCRIPTION_FIELDS
    out = []
    for name in fields:
        value = msg.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise BadPayload(f"SNS field {name} is not a string")
        out.append(f"{name}\n{value}\n")
    return "".join(out).encode("utf-8")


class SnsVerifier:
    """Checks SNS messages: signature version, certificate origin, signature, topic."""

    def __init__(
        self,
        topics: tuple[str, ...],
        cert_host: str,
        ca_file: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.topics = frozenset(topics)
        self.cert_host = re.compile(cert_host)
        self.ca_file = ca_file
        self.timeout = timeout
        self._certs: dict[str, rsa.RSAPublicKey] = {}
        self._lock = threading.Lock()

    def _tls(self) -> ssl.SSLContext:
        ctx = (
            ssl.create_default_context(cafile=self.ca_file) if self.ca_file else ssl.create_default_context()
        )
        return ctx

    def check_url(self, url: Any, what: str) -> str:
        """``url`` if it is https on an allowed host, else :class:`Forbidden`."""
        if not isinstance(url, str):
            raise Forbidden(f"SNS {what} missing")
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.scheme != "https" or not self.cert_host.match(host):
            raise Forbidden(f"SNS {what} is not on an allowed HTTPS host")
        return url

    def _fetch(self, url: str) -> rsa.RSAPublicKey:
        with self._lock:
            key = self._certs.get(url)
        if key is not None:
            return key
        try:
            resp = httpx.get(url, verify=self._tls(), timeout=self.timeout, follow_redirects=False)
        except httpx.HTTPError as exc:
            raise WebhookError(
                f"cannot fetch the SNS signing certificate: {type(exc).__name__}", 502
            ) from exc
        if resp.status_code != 200:
            raise WebhookError(f"SNS signing certificate: HTTP {resp.status_code}", 502)
        try:
            cert = x509.load_pem_x509_certificate(resp.content)
        except ValueError as exc:
            raise Forbidden("the SNS signing certificate is not a PEM certificate") from exc
        now = datetime.now(UTC)
        if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            raise Forbidden("the SNS signing certificate is expired or not yet valid")
        pub = cert.public_key()
        if not isinstance(pub, rsa.RSAPublicKey):
            raise Forbidden("the SNS signing certificate has no RSA key")
        with self._lock:
            if len(self._certs) > 64:
                self._certs.clear()
            self._certs[url] = pub
        return pub

    def verify(self, msg: dict[str, Any]) -> None:
        """Raise :class:`Forbidden` unless ``msg`` is signed by SNS for an accepted topic."""
        if msg.get("Type") not in TYPES:
            raise BadPayload("not an SNS message (Type)")
        if not self.topics:
            raise Forbidden("SES webhooks are not configured: set INBOXTRACE_SES_TOPIC_ARNS")
        if msg.get("TopicArn") not in self.topics:
            raise Forbidden("SNS topic not accepted")
        version = msg.get("SignatureVersion")
        algorithm: hashes.HashAlgorithm
        if version == "1":
            algorithm = hashes.SHA1()
        elif version == "2":
            algorithm = hashes.SHA256()
        else:
            raise Forbidden("unsupported SNS SignatureVersion")
        url = self.check_url(msg.get("SigningCertURL"), "SigningCertURL")
        try:
            signature = base64.b64decode(str(msg.get("Signature") or ""), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise Forbidden("SNS Signature is not base64") from exc
        key = self._fetch(url)
        try:
            key.verify(signature, string_to_sign(msg), padding.PKCS1v15(), algorithm)
        except InvalidSignature as exc:
            raise Forbidden("SNS signature does not verify") from exc

    def confirm(self, msg: dict[str, Any]) -> None:
        """Visit the SubscribeURL of a verified SubscriptionConfirmation."""
        url = self.check_url(msg.get("SubscribeURL"), "SubscribeURL")
        try:
            resp = httpx.get(url, verify=self._tls(), timeout=self.timeout, follow_redirects=False)
        except httpx.HTTPError as exc:
            raise WebhookError(f"cannot confirm the SNS subscription: {type(exc).__name__}", 502) from exc
        if resp.status_code != 200:
            raise WebhookError(f"SNS subscription confirmation: HTTP {resp.status_code}", 502)


__all__ = ["SnsVerifier", "string_to_sign"]
