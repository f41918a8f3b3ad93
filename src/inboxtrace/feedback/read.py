"""Finding reports in what users have: XML, JSON, .gz and .zip files, report emails, mbox files,
Maildir folders and IMAP mailboxes. Every input ends as a report or a named rejection.

Decompression is bounded (zip bombs are refused by declared and by actual size); nesting is
bounded too (a zip in a gzip in a message is read, deeper is not).
"""

from __future__ import annotations

import email
import email.policy
import io
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from email.message import Message
from pathlib import Path

from inboxtrace.bounces.sources import RawMessage, split_mbox
from inboxtrace.feedback.aggregate import ReportError, parse_aggregate
from inboxtrace.feedback.failure import is_failure_report, parse_failure
from inboxtrace.feedback.model import Rejected, Report
from inboxtrace.feedback.tlsrpt import parse_tlsrpt

MAX_UNPACKED = 64 * 1024 * 1024  # one decompressed report
MAX_FILE = 512 * 1024 * 1024
MAX_MEMBERS = 50
MAX_DEPTH = 3
_REPORT_TYPES = {
    "application/zip",
    "application/x-zip",
    "application/x-zip-compressed",
    "application/gzip",
    "application/x-gzip",
    "application/xml",
    "text/xml",
    "application/tlsrpt+gzip",
    "application/tlsrpt+json",
    "application/json",
    "application/octet-stream",
}
_REPORT_SUFFIXES = (".xml", ".xml.gz", ".zip", ".gz", ".json", ".json.gz")


def _kind_of(name: str) -> str:
    low = name.lower()
    if "tlsrpt" in low or low.endswith((".json", ".json.gz")):
        return "tlsrpt"
    if low.endswith((".xml", ".xml.gz", ".zip")):
        return "aggregate"
    return "unknown"


def gunzip(data: bytes, limit: int = MAX_UNPACKED) -> bytes:
    """Decompress gzip data, refusing more than ``limit`` bytes of output (a gzip bomb)."""
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = d.decompress(data, limit)
    except zlib.error as exc:
        raise ReportError(f"broken gzip data: {exc}") from exc
    if d.unconsumed_tail:
        raise ReportError(f"refused: gzip data expands to more than {limit // (1024 * 1024)} MB")
    if not d.eof:
        raise ReportError("truncated gzip data")
    return out


def _unzip(data: bytes, source: str) -> Iterator[tuple[str, bytes] | Rejected]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        yield Rejected(source, "aggregate", f"broken zip archive: {exc}")
        return
    if not members:
        yield Rejected(source, "aggregate", "empty zip archive")
    for n, info in enumerate(members):
        where = f"{source}!{info.filename[:200]}"
        if n >= MAX_MEMBERS:
            yield Rejected(source, "aggregate", f"more than {MAX_MEMBERS} files in the zip archive")
            return
        if info.file_size > MAX_UNPACKED:
            yield Rejected(where, _kind_of(info.filename), f"refused: expands to {info.file_size} bytes")
            continue
        try:
            with archive.open(info) as fh:
                content = fh.read(MAX_UNPACKED + 1)
        except (
            zipfile.BadZipFile,
            NotImplementedError,
            RuntimeError,
            ValueError,
            EOFError,
            zlib.error,
        ) as exc:
            yield Rejected(where, _kind_of(info.filename), f"cannot unpack: {exc}")
            continue
        if len(content) > MAX_UNPACKED:
            yield Rejected(where, _kind_of(info.filename), "refused: expands beyond its declared size")
            continue
        yield where, content


def _looks_like_mail(data: bytes) -> bool:
    from inboxtrace.bounces.mail import looks_like_mail

    return looks_like_mail(data) is None


def read_blob(data: bytes, source: str, *, depth: int = 0, hint: str = "") -> Iterator[Report | Rejected]:
    """Every report in ``data`` (a report file, an archive of them, a report email or an mbox)."""
    if depth > MAX_DEPTH:
        yield Rejected(source, _kind_of(hint or source), "refused: archives nested too deep")
        return
    head = data[:4]
    kind = _kind_of(hint or source)
    try:
        if head.startswith(b"PK\x03\x04"):
            for item in _unzip(data, source):
                if isinstance(item, Rejected):
                    yield item
                else:
                    yield from read_blob(item[1], item[0], depth=depth + 1, hint=item[0])
            return
        if head.startswith(b"\x1f\x8b"):
            yield from read_blob(gunzip(data), source, depth=depth + 1, hint=hint or source)
            return
        start = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
        if start.startswith(b"<") or data.startswith(
            (b"\xff\xfe<", b"\xfe\xff\x00<", b"\xff\xfe", b"\xfe\xff")
        ):
            kind = "aggregate"
            yield parse_aggregate(data)
            return
        if start.startswith((b"{", b"[")):
            kind = "tlsrpt"
            yield parse_tlsrpt(data)
            return
    except ReportError as exc:
        yield Rejected(source, kind, str(exc))
        return
    if depth == 0 and _looks_like_mail(data):
        for message in split_mbox(data, source):
            yield from read_message(message.data, message.source, depth=depth)
        return
    if not data.strip():
        yield Rejected(source, kind, "empty")
    else:
        yield Rejected(source, kind, "not a DMARC or TLS report (no XML, JSON, gzip, zip or mail)")


def _is_report_part(part: Message) -> bool:
    ctype = part.get_content_type()
    name = (part.get_filename() or "").lower()
    if ctype in ("application/tlsrpt+gzip", "application/tlsrpt+json"):
        return True
    return ctype in _REPORT_TYPES and (ctype != "application/octet-stream" or name.endswith(_REPORT_SUFFIXES))


def read_message(raw: bytes, source: str, *, depth: int = 0) -> Iterator[Report | Rejected]:
    """The reports of one email: an ARF auth-failure report, or aggregate/TLS report attachments."""
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    except Exception as exc:  # the stdlib parser can fail in many ways on hostile input
        yield Rejected(source, "unknown", f"unreadable message: {type(exc).__name__}")
        return
    if is_failure_report(msg):
        try:
            yield parse_failure(msg, raw)
        except ReportError as exc:
            yield Rejected(source, "failure", str(exc))
        return
    found = False
    for n, part in enumerate(msg.walk()):
        if part.is_multipart() or not _is_report_part(part):
            continue
        name = part.get_filename() or f"part{n}"
        where = f"{source}#{name[:200]}"
        try:
            payload = part.get_payload(decode=True)
        except Exception as exc:  # broken transfer encoding
            yield Rejected(where, _kind_of(name), f"undecodable attachment: {type(exc).__name__}")
            found = True
            continue
        if not isinstance(payload, bytes) or not payload:
            continue
        found = True
        hint = name if "tlsrpt" not in part.get_content_type() else f"{name}.tlsrpt"
        yield from read_blob(payload, where, depth=depth + 1, hint=hint)
    if not found:
        yield Rejected(source, "unknown", "no DMARC or TLS report in this message")


def _files(path: Path) -> Iterator[Path]:
    if path.is_dir():
        if (path / "cur").is_dir() and (path / "new").is_dir():
            for sub in ("new", "cur"):
                yield from sorted(p for p in (path / sub).iterdir() if p.is_file())
        else:
            yield from sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
    else:
        yield path


def read_paths(paths: Iterable[str | Path]) -> Iterator[Report | Rejected]:
    """Reports in files and folders (Maildir or any tree); ``-`` is standard input."""
    import sys

    for given in paths:
        if str(given) == "-":
            yield from read_blob(sys.stdin.buffer.read(MAX_FILE), "<stdin>")
            continue
        path = Path(given)
        if not path.exists():
            yield Rejected(str(path), "unknown", "no such file or directory")
            continue
        for file in _files(path):
            try:
                if file.stat().st_size > MAX_FILE:
                    yield Rejected(str(file), _kind_of(file.name), "file too large")
                    continue
                data = file.read_bytes()
            except OSError as exc:
                yield Rejected(str(file), _kind_of(file.name), f"cannot read: {exc.strerror or exc}")
                continue
            yield from read_blob(data, str(file))


def read_messages(items: Iterable[RawMessage]) -> Iterator[Report | Rejected]:
    """Reports in messages from a mailbox reader (``bounces.sources.iter_imap``)."""
    for item in items:
        if item.error:
            yield Rejected(item.source, "unknown", item.error)
        else:
            yield from read_message(item.data, item.source)
