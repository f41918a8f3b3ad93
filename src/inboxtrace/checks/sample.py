"""What the checks need from a sample message: addresses, DKIM signatures, unsubscribe headers, links.

Headers are attacker-controlled; nothing here raises on bad input: problems are collected in
``problems`` and become findings.
"""

from __future__ import annotations

import email
import email.message
import email.policy
import email.utils
import ipaddress
import re
from dataclasses import dataclass, field

from inboxtrace.checks.tags import TagError, parse_tags

_URL_RE = re.compile(rb"https?://([A-Za-z0-9.-]+\.[A-Za-z]{2,})", re.IGNORECASE)
_IP_IN_RECEIVED = re.compile(r"\[(?:IPv6:)?([0-9a-fA-F:.]+)\]")
_MSGID_RE = re.compile(r"^\s*<[^<>@\s]+@[^<>@\s]+>\s*$")
_AR_RESULT = re.compile(r"(?:^|;)\s*(spf|dkim|dmarc|arc|bimi)\s*=\s*([A-Za-z]+)", re.IGNORECASE)
_WITH = re.compile(r"\bwith\s+([A-Za-z0-9]+)", re.IGNORECASE)
_INSIDE = [
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "100.64.0.0/10",
        "::1/128",
        "fc00::/7",
        "fe80::/10",
    )
]
MAX_LINKS = 20


def _outside(text: str) -> bool:
    """An address a receiver on the internet could have seen (not private, loopback, link-local)."""
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return False
    return not any(addr in net for net in _INSIDE if net.version == addr.version)


@dataclass(frozen=True)
class Signature:
    domain: str
    selector: str
    algorithm: str
    headers: tuple[str, ...]
    index: int


@dataclass
class Sample:
    raw: bytes
    from_addresses: list[str] = field(default_factory=list)
    from_header_count: int = 0
    mail_from: str | None = None
    signatures: list[Signature] = field(default_factory=list)
    message_ids: list[str] = field(default_factory=list)
    list_unsubscribe: str | None = None
    list_unsubscribe_post: str | None = None
    header_counts: dict[str, int] = field(default_factory=dict)
    link_domains: list[str] = field(default_factory=list)
    received_ip: str | None = None
    received_protocol: str | None = None  # "with ..." of that hop's Received (ESMTPS = TLS)
    receiver_verdict: tuple[str, dict[str, str]] | None = None  # (authserv-id, method → result)
    problems: list[str] = field(default_factory=list)

    @property
    def from_domain(self) -> str | None:
        if len(self.from_addresses) != 1 or "@" not in self.from_addresses[0]:
            return None
        return self.from_addresses[0].rsplit("@", 1)[1].rstrip(".>").lower() or None

    @property
    def mail_from_domain(self) -> str | None:
        if self.mail_from and "@" in self.mail_from:
            return self.mail_from.rsplit("@", 1)[1].rstrip(".>").lower() or None
        return None

    @property
    def message_id_valid(self) -> bool:
        return len(self.message_ids) == 1 and bool(_MSGID_RE.match(self.message_ids[0]))


def parse_sample(raw: bytes) -> Sample:
    """Parse a raw RFC 5322 message (CRLF or LF); never raises on malformed content."""
    sample = Sample(raw=raw)
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    for defect in getattr(msg, "defects", []):
        sample.problems.append(type(defect).__name__)
    for name in list(msg.keys()):
        key = name.lower()
        sample.header_counts[key] = sample.header_counts.get(key, 0) + 1
    froms = [str(v) for v in msg.get_all("From", [])]
    sample.from_header_count = len(froms)
    sample.from_addresses = [addr for _n, addr in email.utils.getaddresses(froms) if addr]
    rp = msg.get_all("Return-Path", [])
    if rp:
        sample.mail_from = email.utils.parseaddr(str(rp[0]))[1] or None
    sample.message_ids = [str(v) for v in msg.get_all("Message-ID", [])]
    lu = msg.get("List-Unsubscribe")
    sample.list_unsubscribe = _unfold(str(lu)) if lu is not None else None
    lup = msg.get("List-Unsubscribe-Post")
    sample.list_unsubscribe_post = _unfold(str(lup)) if lup is not None else None
    for i, value in enumerate(msg.get_all("DKIM-Signature", [])):
        try:
            tags = parse_tags(re.sub(r"\s+", "", str(value)))
        except TagError as exc:
            sample.problems.append(f"unparsable DKIM-Signature: {exc}")
            continue
        sample.signatures.append(
            Signature(
                domain=tags.get("d", "").lower(),
                selector=tags.get("s", ""),
                algorithm=tags.get("a", "").lower(),
                headers=tuple(h.strip().lower() for h in tags.get("h", "").split(":") if h.strip()),
                index=i,
            )
        )
    ar = msg.get_all("Authentication-Results", [])
    if ar:  # the topmost one: added by the last receiving server
        text = _unfold(str(ar[0]))
        authserv = text.split(";", 1)[0].strip()[:200]
        results = {m.group(1).lower(): m.group(2).lower() for m in _AR_RESULT.finditer(text)}
        if results:
            sample.receiver_verdict = (authserv, results)
    received = [_unfold(str(v)) for v in msg.get_all("Received", [])]
    for value in received:  # topmost first: the first outside address is the one the receiver saw
        m = _IP_IN_RECEIVED.search(value)
        if m and _outside(m.group(1)):
            sample.received_ip = m.group(1)
            proto = _WITH.search(value)  # and how that hop came in
            sample.received_protocol = proto.group(1).upper() if proto else None
            break
    seen: list[str] = []
    for part in msg.walk():
        if part.get_content_maintype() != "text":
            continue
        try:
            payload = part.get_payload(decode=True)
        except Exception:  # broken transfer encoding: count, go on
            sample.problems.append("undecodable body part")
            continue
        if not isinstance(payload, bytes):
            continue
        for url in _URL_RE.finditer(payload):
            host = url.group(1).decode("ascii").lower().rstrip(".")
            if host not in seen:
                seen.append(host)
            if len(seen) >= MAX_LINKS:
                break
    sample.link_domains = seen
    return sample


def _unfold(value: str) -> str:
    return re.sub(r"\r?\n[ \t]+", " ", value).strip()
