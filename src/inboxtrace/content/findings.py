"""inboxtrace's own content findings on one parsed message (no network)."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from inboxtrace.checks.tags import org_domain
from inboxtrace.content.knowledge import finding, link_hosts, match_host
from inboxtrace.content.message import Body, host_of, words
from inboxtrace.model.check import Finding

GMAIL_CLIP_BYTES = 102 * 1024
BIG_MESSAGE_BYTES = 1024 * 1024
MIN_WORDS = 30  # fewer visible words than this next to images: image-only
_ADDRESS_IN_NAME = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)", re.UNICODE)
_UNSUB_WORDS = ("unsubscribe", "opt out", "opt-out", "abmelden", "désinscri", "desinscri", "darse de baja")
_URI_IN_BRACKETS = re.compile(r"<([^<>]*)>")
_ONE_CLICK = re.compile(r"^\s*List-Unsubscribe\s*=\s*One-Click\s*$", re.IGNORECASE)
_URL = re.compile(r"(?:https?://|mailto:)\S+", re.IGNORECASE)
# look-alike letters come from these alphabets; Japanese or Korean names mix scripts legitimately
_CONFUSABLE = frozenset({"LATIN", "CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE", "COPTIC"})
_SHOWN_URL = re.compile(r"^(?:https?://)?((?:[\w-]+\.)+[a-z]{2,})(?:[/:?#]|$)", re.IGNORECASE)


def _short(items: list[str], limit: int = 8) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" (+{len(items) - limit} more)" if len(items) > limit else "")


def structure(body: Body) -> list[Finding]:
    """Broken MIME, missing text part, text/HTML mismatch, image-only, size."""
    out: list[Finding] = []
    if body.problems:
        out.append(finding("content.broken-mime", found="; ".join(dict.fromkeys(body.problems))[:800]))
    html_words = words(body.html_text)
    plain_words = words(_URL.sub(" ", body.plain_text))  # a text part spells out its links
    if body.html and not body.plain:
        out.append(finding("content.no-text-part", found=f"{len(body.html)} HTML part(s), no text/plain"))
    elif body.html and plain_words and len(html_words) >= 20:
        a, b = set(html_words), set(plain_words)
        overlap = len(a & b) / max(1, len(a | b))
        ratio = len(plain_words) / max(1, len(html_words))
        if overlap < 0.5 or not 0.5 <= ratio <= 2.0:
            out.append(
                finding(
                    "content.text-html-mismatch",
                    found=f"{overlap:.0%} of the words shared; text has {len(plain_words)} words, "
                    f"HTML {len(html_words)}",
                )
            )
    visible = max(len(html_words), len(plain_words))
    if body.images and visible < MIN_WORDS:
        out.append(finding("content.image-only", found=f"{body.images} image(s), {visible} word(s) of text"))
    html_bytes = max((len(h.encode("utf-8", "replace")) for h in body.html), default=0)
    if html_bytes > GMAIL_CLIP_BYTES:
        out.append(finding("content.clipped", found=f"HTML is {html_bytes / 1024:.0f} KB"))
    if body.size > BIG_MESSAGE_BYTES:
        out.append(finding("content.too-big", found=f"{body.size / 1024:.0f} KB"))
    return out


def links(body: Body) -> list[Finding]:
    """Link domains versus the From domain, shorteners, shared tracking domains, misleading link text."""
    out: list[Finding] = []
    shorteners, tracking, ordinary = link_hosts()
    from_org = org_domain(body.from_domain) if body.from_domain else None
    foreign: list[str] = []
    short: list[str] = []
    tracked: list[str] = []
    misleading: list[str] = []
    for link in body.links:
        org = org_domain(link.host)
        if match_host(link.host, shorteners):
            if link.host not in short:
                short.append(link.host)
            continue
        service = match_host(link.host, tracking)
        if service is not None and org != from_org:
            label = f"{link.host} ({tracking[service]})"
            if label not in tracked:
                tracked.append(label)
            continue
        if link.kind == "link" and link.text:
            shown = _SHOWN_URL.match(link.text.strip())
            if shown and org_domain(shown.group(1).lower()) != org:
                item = f"text {shown.group(1)[:80]} → {link.host}"
                if item not in misleading:
                    misleading.append(item)
        if from_org and org != from_org and not match_host(link.host, ordinary) and org not in foreign:
            foreign.append(org)
    if short:
        out.append(finding("content.shortener", found=_short(short)))
    if tracked:
        out.append(finding("content.tracking-unaligned", found=_short(tracked), domain=from_org or "?"))
    if misleading:
        out.append(finding("content.link-text-mismatch", found=_short(misleading, 4)))
    if foreign:
        out.append(finding("content.link-domain-mismatch", found=_short(foreign), subject=from_org or ""))
    return out


def unsubscribe(body: Body) -> list[Finding]:
    """A way to unsubscribe exists, and the List-Unsubscribe header is usable (RFC 2369, RFC 8058)."""
    lu, lup = body.list_unsubscribe, body.list_unsubscribe_post
    text = f"{body.plain_text}\n{body.html_text}".lower()
    in_body = any(w in text for w in _UNSUB_WORDS) or any(
        any(w in link.url.lower() or w in link.text.lower() for w in ("unsub", "optout", "opt-out"))
        for link in body.links
    )
    if lu is None:
        if not in_body:
            return [finding("content.unsubscribe-missing", found="no List-Unsubscribe header, no link")]
        return []
    problems: list[str] = []
    uris = _URI_IN_BRACKETS.findall(lu)
    if not uris:
        problems.append(f"no <URI> in angle brackets: {lu[:200]}")
    https = []
    for uri in (u.strip() for u in uris):
        scheme = uri.split(":", 1)[0].lower()
        if scheme == "https":
            if host_of(uri) is None or " " in uri:
                problems.append(f"not a usable URL: {uri[:200]}")
            else:
                https.append(uri)
        elif scheme == "http":
            problems.append(f"plain http (one-click needs https): {uri[:200]}")
        elif scheme == "mailto":
            address = urlsplit(uri).path
            if "@" not in address:
                problems.append(f"mailto without an address: {uri[:200]}")
        else:
            problems.append(f"unknown URI scheme {scheme[:20]!r}")
    if lup is not None:
        if not _ONE_CLICK.match(lup):
            problems.append(f"List-Unsubscribe-Post is {lup[:100]!r}, not 'List-Unsubscribe=One-Click'")
        elif not https:
            problems.append("one-click is announced but there is no https URL to POST to")
    if problems:
        return [finding("content.unsubscribe-broken", found="; ".join(problems))]
    return []


def _scripts(text: str) -> set[str]:
    """Writing systems of the letters of ``text`` (LATIN, CYRILLIC, GREEK ...)."""
    out = set()
    for ch in text:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            if name:
                out.add(name.split(" ", 1)[0])
    return out


def _hidden(text: str) -> list[str]:
    """Invisible and direction-changing characters (Unicode format characters)."""
    return sorted({f"U+{ord(ch):04X}" for ch in text if unicodedata.category(ch) == "Cf"})


def sender(body: Body) -> list[Finding]:
    """Display-name addresses of another domain; mixed scripts, hidden characters, look-alike domains."""
    out: list[Finding] = []
    name = body.from_display
    from_org = org_domain(body.from_domain) if body.from_domain else None
    for m in _ADDRESS_IN_NAME.finditer(name):
        shown = m.group(1).lower().rstrip(".")
        if from_org is None or org_domain(shown) != from_org:
            out.append(
                finding(
                    "content.from-display-address",
                    found=f"name shows {m.group(0)[:100]}, the address is {body.from_address[:100]}",
                )
            )
            break
    problems: list[str] = []
    hidden = _hidden(body.from_header)
    if hidden:
        problems.append(f"hidden characters {', '.join(hidden[:5])} in From")
    for word in name.split():
        scripts = _scripts(word) & _CONFUSABLE
        if len(scripts) > 1:
            problems.append(f"{word[:40]!r} mixes {' and '.join(sorted(scripts))} letters")
            break
    domain = body.from_domain or ""
    try:
        shown_domain = domain.encode("ascii").decode("idna") if "xn--" in domain else domain
    except UnicodeError:
        shown_domain = domain
    for label in shown_domain.split("."):
        scripts = _scripts(label) & _CONFUSABLE
        if len(scripts) > 1:
            problems.append(f"domain label {label[:40]!r} mixes {' and '.join(sorted(scripts))} letters")
    if problems:
        out.append(finding("content.from-confusable", found="; ".join(problems)))
    return out


def own_findings(body: Body) -> list[Finding]:
    """Every finding of inboxtrace's own content rules."""
    return [*structure(body), *links(body), *unsubscribe(body), *sender(body)]
