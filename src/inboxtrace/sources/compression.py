"""Open a log file whatever its compression: plain, gzip, bzip2 or xz, sniffed by magic bytes."""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import zlib
from pathlib import Path
from typing import BinaryIO

from inboxtrace.errors import InputError, UnknownFormatError

# (magic prefix, name); the name is what :func:`sniff_compression` reports.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
)


def sniff_compression(head: bytes) -> str | None:
    """The compression the first bytes of a file announce (``gzip``, ``bzip2``, ``xz``, ``zstd``)."""
    for magic, name in _MAGIC:
        if head.startswith(magic):
            if name == "bzip2" and not (len(head) > 3 and head[3:4].isdigit()):
                continue  # "BZh" followed by a block-size digit; plain text starting "BZh" is not bzip2
            return name
    return None


def open_binary(path: str | os.PathLike[str]) -> tuple[BinaryIO, str | None]:
    """Open ``path`` for reading decompressed bytes; returns the stream and the compression found.

    The compression is decided by the file's magic bytes, not its name, so a rotated
    ``mail.log.1`` that is really gzip, or a ``.gz`` that is really plain, both read right.
    Raises :class:`InputError` when the file cannot be opened and :class:`UnknownFormatError`
    for a compression the standard library cannot read (zstd).
    """
    p = Path(path)
    try:
        raw = open(p, "rb")  # noqa: SIM115 - handed to the caller
    except FileNotFoundError as exc:
        raise InputError(f"{p}: no such file") from exc
    except IsADirectoryError as exc:
        raise InputError(f"{p}: is a directory, not a log file") from exc
    except OSError as exc:
        raise InputError(f"{p}: cannot open: {exc.strerror or exc}") from exc
    try:
        head = raw.read(8)
        raw.seek(0)
    except OSError as exc:
        raw.close()
        raise InputError(f"{p}: cannot read: {exc.strerror or exc}") from exc
    kind = sniff_compression(head)
    if kind is None:
        return raw, None
    if kind == "gzip":
        return _Salvaging(gzip.GzipFile(fileobj=raw, mode="rb")), kind  # type: ignore[return-value]
    if kind == "bzip2":
        return _Salvaging(bz2.BZ2File(raw, "rb")), kind  # type: ignore[return-value]
    if kind == "xz":
        return _Salvaging(lzma.LZMAFile(raw, "rb")), kind  # type: ignore[return-value]
    raw.close()
    raise UnknownFormatError(
        f"{p}: {kind}-compressed; decompress it first (e.g. `zstd -d`) and pass the result"
    )


def salvaging(stream: gzip.GzipFile | bz2.BZ2File | lzma.LZMAFile) -> BinaryIO:
    """``stream`` wrapped so that its readable start survives damage (see :class:`_Salvaging`)."""
    return _Salvaging(stream)  # type: ignore[return-value]


class _Salvaging:
    """A decompressing stream whose ``read(n)`` hands out what it decompressed before damage (a
    truncated or corrupt file) and raises the error at the next read, so a reader keeps the
    readable start of a damaged .gz/.xz/.bz2. Everything else is the wrapped stream's."""

    def __init__(self, stream: gzip.GzipFile | bz2.BZ2File | lzma.LZMAFile) -> None:
        self._stream = stream
        self._error: BaseException | None = None

    def read(self, n: int = -1) -> bytes:
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        parts: list[bytes] = []
        got = 0
        try:
            while n < 0 or got < n:
                data = self._stream.read1(n - got if n >= 0 else 1 << 20)
                if not data:
                    break
                parts.append(data)
                got += len(data)
        except (EOFError, OSError, lzma.LZMAError, zlib.error) as exc:
            if not parts:
                raise
            self._error = exc
        return b"".join(parts)

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)

    def __enter__(self) -> _Salvaging:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stream.close()


__all__ = ["open_binary", "salvaging", "sniff_compression"]
