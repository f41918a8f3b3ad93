"""Real keys and certificates for the webhook tests, and a loopback HTTPS server (SNS stand-in)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.server
import json
import ssl
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from inboxtrace.esp.sns import string_to_sign


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_cert(
    subject: str,
    key: rsa.RSAPrivateKey,
    issuer_key: rsa.RSAPrivateKey | None = None,
    issuer: str | None = None,
    *,
    ca: bool = False,
    days: int = 30,
    start_days: int = -1,
    san: str | None = None,
) -> x509.Certificate:
    now = datetime.now(UTC)
    b = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer or subject))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + timedelta(days=start_days))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if san:
        b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(san)]), critical=False)
    return b.sign(issuer_key or key, hashes.SHA256())


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


@dataclass
class SnsSigner:
    """Signs SNS messages like AWS does, with a test key whose certificate a loopback server serves."""

    key: rsa.RSAPrivateKey
    cert_url: str
    topic: str = "arn:aws:sns:us-east-1:111122223333:ses-events"

    def sign(self, msg: dict[str, Any], version: str = "2") -> dict[str, Any]:
        msg = dict(msg, SignatureVersion=version, SigningCertURL=self.cert_url)
        algo: hashes.HashAlgorithm = hashes.SHA256() if version == "2" else hashes.SHA1()
        sig = self.key.sign(string_to_sign(msg), padding.PKCS1v15(), algo)
        msg["Signature"] = base64.b64encode(sig).decode()
        return msg

    def notification(self, record: dict[str, Any], message_id: str, version: str = "2") -> bytes:
        msg = {
            "Type": "Notification",
            "MessageId": message_id,
            "TopicArn": self.topic,
            "Timestamp": "2026-01-05T10:00:03.000Z",
            "Message": json.dumps(record),
        }
        return json.dumps(self.sign(msg, version)).encode()


@dataclass
class HttpsServer:
    """A loopback HTTPS server (certificate from a test CA) serving fixed paths and counting GETs."""

    tmp: Path
    files: dict[str, bytes] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)

    def __enter__(self) -> HttpsServer:
        self.ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        ca = make_cert("inboxtrace test CA", self.ca_key, ca=True)
        self.ca_file = self.tmp / "ca.pem"
        self.ca_file.write_bytes(pem(ca))
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cert = make_cert("localhost", key, self.ca_key, "inboxtrace test CA", san="localhost")
        (self.tmp / "srv.pem").write_bytes(pem(cert))
        (self.tmp / "srv.key").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.hits.append(self.path)
                body = outer.files.get(self.path.split("?")[0])
                self.send_response(200 if body is not None else 404)
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.tmp / "srv.pem", self.tmp / "srv.key")
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def url(self, path: str) -> str:
        return f"https://localhost:{self.port}{path}"

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@dataclass
class SendGridSigner:
    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))

    @property
    def public_b64(self) -> str:
        der = self.key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return base64.b64encode(der).decode()

    def headers(self, body: bytes, ts: int | None = None) -> dict[str, str]:
        stamp = str(int(time.time()) if ts is None else ts)
        sig = self.key.sign(stamp.encode() + body, ec.ECDSA(hashes.SHA256()))
        return {
            "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(sig).decode(),
            "X-Twilio-Email-Event-Webhook-Timestamp": stamp,
        }


def mailgun_body(key: str, event: dict[str, Any], token: str, ts: int | None = None) -> bytes:
    stamp = str(int(time.time()) if ts is None else ts)
    sig = hmac.new(key.encode(), (stamp + token).encode(), hashlib.sha256).hexdigest()
    return json.dumps(
        {"signature": {"timestamp": stamp, "token": token, "signature": sig}, "event-data": event}
    ).encode()


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}
