"""RFC 7489 DMARC aggregate reports (and RFC 9990's namespaced dialect), read safely.

Reports carry no DTD, so any document declaring one is refused before it is parsed: a first
pass of expat (C, no callbacks but the DTD and entity declarations, which raise) refuses it —
no entity expansion (billion laughs), no external entities, nothing fetched — and only then the
C ElementTree builds the tree. That is what defusedxml does (``forbid_dtd``), at the speed of the
C parser. Namespaces are dropped after parsing, so the 2015 un-namespaced format and the
``urn:ietf:params:xml:ns:dmarc-2.0`` one read the same.
"""

from __future__ import annotations

import ipaddress
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from functools import lru_cache
from typing import NoReturn
from xml.etree.ElementTree import Element
from xml.parsers import expat

from inboxtrace.feedback.model import AggregateReport, AggregateRow, AuthResult

MAX_XML_BYTES = 64 * 1024 * 1024
MAX_ROWS = 200_000
_POLICY_TAGS = ("domain", "adkim", "aspf", "p", "sp", "pct", "fo", "np", "testing", "discovery_method")


class ReportError(ValueError):
    """A report that is not readable: the message says why, in one line."""


def _child(el: Element | None, name: str) -> Element | None:
    return None if el is None else el.find(name)


def _children(el: Element | None, name: str) -> list[Element]:
    return [] if el is None else el.findall(name)


def _text(el: Element | None, name: str) -> str:
    if el is None:
        return ""
    return (el.findtext(name) or "").strip()


def _time(text: str, what: str) -> datetime:
    try:
        return datetime.fromtimestamp(int(float(text)), UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise ReportError(f"{what} is not a Unix time: {text[:40]!r}") from exc


class _Declared(Exception):
    pass


def _refuse(*_args: object) -> NoReturn:
    raise _Declared


def _gate(data: bytes) -> None:
    """Refuse a document with a DTD (or entity declarations) before anything is built from it."""
    gate = expat.ParserCreate()
    gate.StartDoctypeDeclHandler = _refuse
    gate.EntityDeclHandler = _refuse
    gate.ExternalEntityRefHandler = _refuse
    try:
        gate.Parse(data, True)
    except _Declared as exc:
        raise ReportError("refused: the XML declares a DTD or entities") from exc
    except expat.ExpatError as exc:
        raise ReportError(f"not well-formed XML: {exc}") from exc


def parse_xml(data: bytes) -> Element:
    """Parse XML bytes without DTDs or entities, namespaces dropped; raises ReportError."""
    if len(data) > MAX_XML_BYTES:
        raise ReportError(f"XML larger than {MAX_XML_BYTES // (1024 * 1024)} MB")
    _gate(data)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ReportError(f"not well-formed XML: {exc}") from exc
    except (ValueError, RecursionError) as exc:
        raise ReportError(f"unreadable XML: {exc}") from exc
    if root.tag[:1] == "{":  # RFC 9990: the namespace is declared on <feedback>
        for el in root.iter():
            if el.tag[:1] == "{":
                el.tag = el.tag.rsplit("}", 1)[1]
    return root


def _texts(el: Element | None) -> dict[str, str]:
    """Child tag → stripped text (the first of each tag) of ``el``: one pass instead of a find each."""
    out: dict[str, str] = {}
    if el is not None:
        for c in el:
            if c.tag not in out:
                out[c.tag] = (c.text or "").strip()
    return out


@lru_cache(maxsize=65536)
def _ip(text: str) -> str:
    """The normalised address (reports repeat the same few sources); raises ReportError."""
    try:
        return str(ipaddress.ip_address(text))
    except ValueError as exc:
        raise ReportError(f"source_ip is not an IP address: {text[:60]!r}") from exc


def _row(record: Element) -> AggregateRow:
    row = record.find("row")
    if row is None:
        raise ReportError("a record has no <row>")
    fields = _texts(row)
    ip = _ip(fields.get("source_ip", ""))
    try:
        count = int(fields.get("count", ""))
    except ValueError as exc:
        raise ReportError(f"count is not a number: {fields.get('count', '')[:40]!r}") from exc
    if count < 0:
        raise ReportError(f"negative count {count}")
    evaluated = row.find("policy_evaluated")
    policy = _texts(evaluated)
    reasons = tuple(
        (_text(r, "type").lower(), _text(r, "comment")[:500]) for r in _children(evaluated, "reason")
    )
    ids = _texts(record.find("identifiers"))
    auth: list[AuthResult] = []
    results = record.find("auth_results")
    if results is not None:
        for r in results:
            if r.tag not in ("dkim", "spf"):
                continue
            d = _texts(r)
            auth.append(
                AuthResult(
                    r.tag,
                    d.get("domain", "").lower(),
                    d.get("result", "").lower(),
                    selector=d.get("selector", "") if r.tag == "dkim" else "",  # DKIM's only
                    scope=d.get("scope", "").lower() if r.tag == "spf" else "",  # SPF's only
                )
            )
    return AggregateRow(
        source_ip=ip,
        count=count,
        disposition=policy.get("disposition", "").lower() or "none",
        dkim=policy.get("dkim", "").lower(),
        spf=policy.get("spf", "").lower(),
        header_from=ids.get("header_from", "").lower(),
        envelope_from=ids.get("envelope_from", "").lower(),
        envelope_to=ids.get("envelope_to", "").lower(),
        reasons=reasons,
        auth=tuple(auth),
    )


def parse_aggregate(data: bytes) -> AggregateReport:
    """One aggregate report from its XML; raises ReportError naming what is wrong.

    A record that cannot be read is skipped and named in ``problems``; a report without its
    organisation, id, dates or policy domain is refused as a whole.
    """
    root = parse_xml(data)
    if root.tag != "feedback":
        raise ReportError(f"not a DMARC aggregate report (root element <{root.tag[:40]}>)")
    meta = _child(root, "report_metadata")
    if meta is None:
        raise ReportError("no <report_metadata>")
    org, report_id = _text(meta, "org_name"), _text(meta, "report_id")
    if not org or not report_id:
        raise ReportError("no org_name or report_id in <report_metadata>")
    dates = _child(meta, "date_range")
    begin = _time(_text(dates, "begin"), "date_range begin")
    end = _time(_text(dates, "end"), "date_range end")
    published = _child(root, "policy_published")
    policy = {tag: _text(published, tag) for tag in _POLICY_TAGS if _text(published, tag)}
    domain = policy.get("domain", "").lower().rstrip(".")
    if not domain:
        raise ReportError("no domain in <policy_published>")
    rows: list[AggregateRow] = []
    problems: list[str] = []
    for n, record in enumerate(_children(root, "record"), 1):
        if n > MAX_ROWS:
            problems.append(f"more than {MAX_ROWS} records: the rest were not read")
            break
        try:
            rows.append(_row(record))
        except ReportError as exc:
            problems.append(f"record {n}: {exc}")
    return AggregateReport(
        org_name=org[:255],
        report_id=report_id[:255],
        begin=begin,
        end=end,
        domain=domain[:255],
        email=_text(meta, "email")[:255],
        policy=policy,
        rows=tuple(rows),
        version=_text(root, "version"),
        problems=tuple(problems),
    )
