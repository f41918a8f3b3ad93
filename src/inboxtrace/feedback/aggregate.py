"""RFC 7489 DMARC aggregate reports (and RFC 9990's namespaced dialect), read safely.

The XML goes through defusedxml with DTDs forbidden: no entity expansion (billion laughs), no
external entities, no network. Elements are matched by local name, so the 2015 un-namespaced
format and the ``urn:ietf:params:xml:ns:dmarc-2.0`` one read the same.
"""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from inboxtrace.feedback.model import AggregateReport, AggregateRow, AuthResult

MAX_XML_BYTES = 64 * 1024 * 1024
MAX_ROWS = 200_000
_POLICY_TAGS = ("domain", "adkim", "aspf", "p", "sp", "pct", "fo", "np", "testing", "discovery_method")


class ReportError(ValueError):
    """A report that is not readable: the message says why, in one line."""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(el: Element | None, name: str) -> Element | None:
    if el is None:
        return None
    for c in el:
        if _local(c.tag) == name:
            return c
    return None


def _children(el: Element | None, name: str) -> list[Element]:
    if el is None:
        return []
    return [c for c in el if _local(c.tag) == name]


def _text(el: Element | None, name: str) -> str:
    c = _child(el, name)
    return (c.text or "").strip() if c is not None else ""


def _time(text: str, what: str) -> datetime:
    try:
        return datetime.fromtimestamp(int(float(text)), UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise ReportError(f"{what} is not a Unix time: {text[:40]!r}") from exc


def parse_xml(data: bytes) -> Element:
    """Parse XML bytes without DTDs or entities; raises ReportError."""
    if len(data) > MAX_XML_BYTES:
        raise ReportError(f"XML larger than {MAX_XML_BYTES // (1024 * 1024)} MB")
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ReportError(f"refused: the XML declares a DTD or entities ({type(exc).__name__})") from exc
    except ParseError as exc:
        raise ReportError(f"not well-formed XML: {exc}") from exc
    except (ValueError, RecursionError) as exc:
        raise ReportError(f"unreadable XML: {exc}") from exc


def _row(record: Element) -> AggregateRow:
    row = _child(record, "row")
    if row is None:
        raise ReportError("a record has no <row>")
    ip_text = _text(row, "source_ip")
    try:
        ip = str(ipaddress.ip_address(ip_text))
    except ValueError as exc:
        raise ReportError(f"source_ip is not an IP address: {ip_text[:60]!r}") from exc
    try:
        count = int(_text(row, "count"))
    except ValueError as exc:
        raise ReportError(f"count is not a number: {_text(row, 'count')[:40]!r}") from exc
    if count < 0:
        raise ReportError(f"negative count {count}")
    evaluated = _child(row, "policy_evaluated")
    reasons = tuple(
        (_text(r, "type").lower(), _text(r, "comment")[:500]) for r in _children(evaluated, "reason")
    )
    ids = _child(record, "identifiers")
    results = _child(record, "auth_results")
    auth: list[AuthResult] = []
    for d in _children(results, "dkim"):
        auth.append(
            AuthResult(
                "dkim", _text(d, "domain").lower(), _text(d, "result").lower(), selector=_text(d, "selector")
            )
        )
    for s in _children(results, "spf"):
        auth.append(
            AuthResult(
                "spf", _text(s, "domain").lower(), _text(s, "result").lower(), scope=_text(s, "scope").lower()
            )
        )
    return AggregateRow(
        source_ip=ip,
        count=count,
        disposition=_text(evaluated, "disposition").lower() or "none",
        dkim=_text(evaluated, "dkim").lower(),
        spf=_text(evaluated, "spf").lower(),
        header_from=_text(ids, "header_from").lower(),
        envelope_from=_text(ids, "envelope_from").lower(),
        envelope_to=_text(ids, "envelope_to").lower(),
        reasons=reasons,
        auth=tuple(auth),
    )


def parse_aggregate(data: bytes) -> AggregateReport:
    """One aggregate report from its XML; raises ReportError naming what is wrong.

    A record that cannot be read is skipped and named in ``problems``; a report without its
    organisation, id, dates or policy domain is refused as a whole.
    """
    root = parse_xml(data)
    if _local(root.tag) != "feedback":
        raise ReportError(f"not a DMARC aggregate report (root element <{_local(root.tag)[:40]}>)")
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
