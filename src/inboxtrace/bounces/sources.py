"""Where bounces come from: message files, mbox files, Maildir folders, stdin and IMAP mailboxes.

Every iterator yields :class:`RawMessage` items; an unreadable file becomes an item with ``error``
set, so one bad input never ends the run.
"""

from __future__ import annotations

import contextlib
import copyreg
import dataclasses
import importlib
import itertools
import operator
import os
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from inboxtrace.bounces.forked import forked_read
from inboxtrace.bounces.parse import parse_bounce
from inboxtrace.errors import AuthenticationError, ConfigError, RemoteError, TLSError, UnreachableError
from inboxtrace.model.bounce import BounceKind, BounceRecipient, BounceReport, ReturnedMessage
from inboxtrace.model.reply import Verdict

if TYPE_CHECKING:
    from inboxtrace.imapauth import ImapLogin

# An mbox "From " envelope line, "From sender Thu Jul  2 12:05:05 2020", at the start, after a blank
# line, or right after a message's closing MIME boundary (some tools omit the blank line there).
_MBOX_SEP_RE = re.compile(
    rb"^From \S+ +(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) +"
    rb"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +"
    rb"\d{1,2} +\d{1,2}:\d\d(?::\d\d)?(?: +[A-Z]{3,4})? +\d{4}[^\n]*\n",
    re.MULTILINE,
)
# a closing MIME boundary ("--b--", not a line of dashes) just before a separator
_CLOSE_DELIMITER_RE = re.compile(rb"\n--[^\s-][^\n]*--\n$")
_COMPRESSED = {".gz": "gzip", ".bz2": "bz2", ".xz": "lzma"}  # suffix -> module (imported when met)
_MAX_FILE = 512 * 1024 * 1024
_AUTO_SERIAL = 48  # up to this many messages, workers=0 parses in-process
_FORK_MAX = 3000  # up to this many messages (or files), workers fork once and split them by size
_CHUNK = 24  # messages (or files) per piece of parallel work: few to send, small enough to end together


@dataclass(frozen=True, slots=True)
class RawMessage:
    source: str
    data: bytes = b""
    error: str | None = None


def split_mbox(data: bytes, source: str) -> Iterator[RawMessage]:
    """One item per message of an mbox (a single message without ``From `` lines passes through)."""
    seps = list(_MBOX_SEP_RE.finditer(data)) if b"From " in data else []
    bounds = [
        (m.start(), m.end())
        for m in seps
        if m.start() == 0
        or data[m.start() - 2 : m.start()] == b"\n\n"
        or _CLOSE_DELIMITER_RE.search(data, max(0, m.start() - 400), m.start())
    ]
    if data[: bounds[0][0] if bounds else len(data)].strip():
        bounds.insert(0, (0, 0))  # a message before the first envelope line
    if len(bounds) <= 1:
        yield RawMessage(source, data[bounds[0][1] :] if bounds else data)
        return
    for n, (_start, begin) in enumerate(bounds):
        end = bounds[n + 1][0] if n + 1 < len(bounds) else len(data)
        body = data[begin:end].replace(b"\n>From ", b"\nFrom ")
        yield RawMessage(f"{source}#{n + 1}", body)


def _read_file(path: str) -> RawMessage | bytes:
    """The bytes of a file (decompressed by its suffix), or an item saying why not: one open, one
    ``fstat`` (a mailbox of many small files spends its time here, not in the reading)."""
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size > _MAX_FILE:
                return RawMessage(path, error=f"file too large ({size} bytes)")
            data = f.read()
    except (OSError, ValueError) as exc:
        return RawMessage(path, error=f"cannot read: {exc}")
    kind = _COMPRESSED.get(os.path.splitext(path)[1].lower())
    if kind is not None:
        module = importlib.import_module(kind)
        try:
            data = module.decompress(data)
        except (OSError, EOFError, ValueError, getattr(module, "LZMAError", OSError)) as exc:
            return RawMessage(path, error=f"cannot read: {exc}")
    return data


def _is_maildir(path: Path) -> bool:
    return (path / "cur").is_dir() and (path / "new").is_dir()


def _maildir_files(path: Path) -> list[str]:
    """The message files of a Maildir, ``cur`` then ``new``, each by name (the order of sorted paths)."""
    files: list[str] = []
    for sub in ("cur", "new"):
        with os.scandir(path / sub) as entries:
            files.extend(sorted(e.path for e in entries if e.is_file()))
    return files


def _tree_files(root: str) -> list[str]:
    """The files under ``root``, at any depth, without names starting with a dot, in the order of
    their sorted paths; symbolic links to files count, links to directories are not followed."""
    found: list[tuple[tuple[str, ...], str]] = []

    def walk(directory: str, parts: tuple[str, ...]) -> None:
        try:
            with os.scandir(directory) as entries:
                listed = list(entries)
        except PermissionError:
            return
        for entry in listed:
            here = (*parts, entry.name)
            if entry.is_dir() and not entry.is_symlink():
                walk(entry.path, here)
            elif entry.is_file() and not entry.name.startswith("."):
                found.append((here, entry.path))

    walk(root, ())
    found.sort()
    return [path for _parts, path in found]


def _units(path: Path | str) -> Iterator[RawMessage | str]:
    """What ``path`` holds, in order: the names of the message files to read, or items already read
    (stdin) or saying why nothing can be (a missing path)."""
    if str(path) == "-":
        yield from split_mbox(sys.stdin.buffer.read(), "<stdin>")
        return
    path = Path(path)
    if path.is_dir():
        yield from _maildir_files(path) if _is_maildir(path) else _tree_files(str(path))
        return
    if not path.exists():
        yield RawMessage(str(path), error="no such file or directory")
        return
    yield str(path)


def _file_messages(path: str) -> Iterator[RawMessage]:
    data = _read_file(path)
    if isinstance(data, RawMessage):
        yield data
        return
    yield from split_mbox(data, path)


def _messages(units: Iterable[RawMessage | str]) -> Iterator[RawMessage]:
    for unit in units:
        if isinstance(unit, str):
            yield from _file_messages(unit)
        else:
            yield unit


def iter_path(path: Path | str) -> Iterator[RawMessage]:
    """Messages in a file (single message or mbox), a Maildir, or a directory tree; ``-`` is stdin."""
    return _messages(_units(path))


class MessageFiles(Iterator[RawMessage]):
    """The messages of some paths, read in order as they are iterated (what :func:`iter_paths` gives).

    :func:`read_bounces` with workers does not iterate it: it hands each worker the names of the
    files to read (:meth:`units`), so that the reading too is spread over the workers.
    """

    def __init__(self, paths: Iterable[Path | str]) -> None:
        self._paths = paths
        self._read: Iterator[RawMessage] | None = None

    def units(self) -> Iterator[RawMessage | str]:
        """File names to read, and the items already read (stdin) or in error, in order."""
        if self._read is not None:
            raise RuntimeError("the messages are being read already")
        self._read = iter(())
        for path in self._paths:
            yield from _units(path)

    def __next__(self) -> RawMessage:
        if self._read is None:
            self._read = _messages(u for path in self._paths for u in _units(path))
        return next(self._read)


def iter_paths(paths: Iterable[Path | str]) -> MessageFiles:
    """The messages of each path in turn (see :func:`iter_path`)."""
    return MessageFiles(paths)


def iter_imap(
    host: str,
    user: str,
    password: str | ImapLogin,
    folder: str = "INBOX",
    *,
    port: int | None = None,
    tls: bool = True,
    starttls: bool = False,
    cafile: str | None = None,
    verify: bool = True,
    search: str = "ALL",
    timeout: float = 30.0,
) -> Iterator[RawMessage]:
    """Messages of an IMAP folder, read-only (nothing is marked seen). TLS is verified by default.

    ``password`` is the password, or an :class:`~inboxtrace.imapauth.ImapLogin` (XOAUTH2/OAUTHBEARER
    with an access token); the secret never appears in an error."""
    import ssl

    from imapclient import IMAPClient
    from imapclient.exceptions import IMAPClientError

    from inboxtrace.imapauth import ImapLogin, Mechanism

    creds = password if isinstance(password, ImapLogin) else ImapLogin(user, Mechanism.PASSWORD, password)
    context = ssl.create_default_context(cafile=cafile)
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    use_ssl = tls and not starttls
    try:
        client = IMAPClient(
            host, port=port or (993 if use_ssl else 143), ssl=use_ssl, ssl_context=context, timeout=timeout
        )
    except ssl.SSLError as exc:
        raise TLSError(f"IMAP {host}: TLS failed: {exc}") from exc
    except (TimeoutError, OSError) as exc:
        raise UnreachableError(f"IMAP {host}: cannot connect: {exc}") from exc
    try:
        if starttls:
            try:
                client.starttls(context)
            except ssl.SSLError as exc:
                raise TLSError(f"IMAP {host}: STARTTLS failed: {exc}") from exc
        try:
            creds.login(client)
        except AuthenticationError as exc:
            raise AuthenticationError(f"IMAP {host}: {exc}") from None
        try:
            client.select_folder(folder, readonly=True)
        except IMAPClientError as exc:
            raise ConfigError(f"IMAP {host}: cannot open folder {folder!r}: {exc}") from exc
        uids = client.search(search)
        for start in range(0, len(uids), 200):
            chunk = uids[start : start + 200]
            for uid, data in sorted(client.fetch(chunk, ["BODY.PEEK[]"]).items()):
                body = data.get(b"BODY[]")
                source = f"imap://{user}@{host}/{folder};UID={uid}"
                if isinstance(body, bytes):
                    yield RawMessage(source, body)
                else:
                    yield RawMessage(source, error="server returned no message body")
    except (IMAPClientError, OSError) as exc:
        text = creds.redact(str(exc))
        if isinstance(exc, ssl.SSLError):
            raise TLSError(f"IMAP {host}: {text}") from None
        raise RemoteError(f"IMAP {host}: {text}") from None
    finally:
        with contextlib.suppress(IMAPClientError, OSError):
            client.logout()


def _load_knowledge() -> None:
    """Load the data files and compile their patterns (what the first bounce would otherwise pay)."""
    sample = (
        b"From: MAILER-DAEMON@example.net\nSubject: Undelivered Mail\n\n"
        b"<a@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1 user unknown\n"
    )
    parse_bounce(sample, "<warm-up>")
    from inboxtrace.codes.rules import all_patterns

    for pattern in all_patterns():  # compiled once here rather than in each worker as it meets them
        pattern.validate()


_FIELDS: dict[type, tuple[str, ...]] = {
    cls: tuple(f.name for f in dataclasses.fields(cls))
    for cls in (BounceReport, BounceRecipient, ReturnedMessage, Verdict)
}


# (one C call reads all the fields of a record)
_GETTERS = {cls: operator.attrgetter(*names) for cls, names in _FIELDS.items()}


def _by_fields(record: object) -> tuple[type, tuple[object, ...]]:
    """Reports travel from the workers as their class and field values: rebuilt by the class
    itself, about twice as fast to read back as the slots dataclasses' default (a setattr per
    field in Python)."""
    cls = type(record)
    return cls, _GETTERS[cls](record)


for _cls in _FIELDS:
    copyreg.pickle(_cls, _by_fields)


def _read_one(item: RawMessage) -> BounceReport:
    if item.error is not None:
        return BounceReport(source=item.source, format="unknown", kind=BounceKind.ERROR, error=item.error)
    return parse_bounce(item.data, item.source)


def _read_chunk(chunk: list[RawMessage | str]) -> list[BounceReport]:
    """One piece of parallel work: a few messages, or files to read (a piece per message would cost
    more to send)."""
    return [_read_one(item) for item in _messages(chunk)]


def _size(unit: RawMessage | str) -> int:
    """What a unit weighs in the split: its bytes (a file's on disk)."""
    if isinstance(unit, RawMessage):
        return len(unit.data)
    try:
        return os.stat(unit).st_size
    except OSError:
        return 0


def _chunks(items: Iterable[RawMessage | str]) -> Iterator[list[RawMessage | str]]:
    it = iter(items)
    while chunk := list(itertools.islice(it, _CHUNK)):
        yield chunk


def read_bounces(
    items: Iterable[RawMessage], *, workers: int = 1, cluster: str | None = None
) -> Iterator[BounceReport]:
    """Parse every message, in input order; unreadable ones give reports of kind ERROR.

    ``workers`` > 1 parses in that many local processes (messages are independent): this one and
    ``workers - 1`` forked from it, which also read the files of :func:`iter_paths`. Up to a few
    thousand messages (or files) they are split once by size (:mod:`inboxtrace.bounces.forked`),
    more go to a pool that streams them in pieces. 0 chooses: a few dozen messages are parsed here
    (starting processes would cost more), more in one process per CPU (the first messages are read
    ahead to tell which).
    ``cluster`` (a Dask scheduler address, see :mod:`inboxtrace.execution`) parses on that
    cluster's workers instead, sent the messages (they may not see this machine's files).
    """
    # local workers read the files themselves; a cluster's may not see this machine's: send them data
    here = cluster is None or "://" not in cluster
    units: Iterable[RawMessage | str] = items.units() if here and isinstance(items, MessageFiles) else items
    if cluster is None:
        head: list[RawMessage | str] = []
        if workers != 1:  # read ahead: to choose (a few here, a few hundred in one fork, more in a pool)
            it = iter(units)
            head = list(itertools.islice(it, max(_AUTO_SERIAL, _FORK_MAX) + 1))
            units = itertools.chain(head, it)
        if workers == 0:
            workers = 1 if len(head) <= _AUTO_SERIAL else (os.cpu_count() or 1)
        if workers <= 1:
            for item in _messages(units):
                yield _read_one(item)
            return
        if len(head) <= _FORK_MAX and hasattr(os, "fork"):
            yield from forked_read(_read_chunk, head, [_size(u) for u in head], workers)
            return
        _load_knowledge()  # once here, so that every forked worker inherits it instead of loading it
    from inboxtrace.execution import runner  # (not imported by a run in this process alone)

    # Locally this process is one of the ``workers``: it parses pieces while the others work.
    with runner(cluster or f"local:{workers - 1}", inherit=True) as run:
        for reports in run.imap(_read_chunk, _chunks(units), share=cluster is None):
            yield from reports
