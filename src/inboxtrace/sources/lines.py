"""Turn a byte stream into blocks of decoded lines with byte offsets and line numbers.

Reading is done in large blocks (fast), never line by line. Every line comes out as ``str``:
valid UTF-8 is decoded as such; a line that is not valid UTF-8 is decoded as Latin-1 (so old
8-bit logs stay readable) and counted in :attr:`LineBlock.recoded`. A trailing ``\\r`` (CRLF
files) is dropped. A line longer than ``max_line`` characters is cut to ``max_line`` and counted
in :attr:`LineBlock.truncated`, without holding more than ``max_line`` bytes of it in memory.
Binary junk therefore never stops a read: it becomes lines the parsers count as unknown.
"""

# Event calls are positional on purpose: they run once per log line and keywords cost time.
# ruff: noqa: PLR0917

from __future__ import annotations

from collections.abc import Iterator
from itertools import accumulate
from typing import BinaryIO

DEFAULT_BLOCK = 1 << 22  # 4 MiB
DEFAULT_MAX_LINE = 1 << 16  # 64 KiB


class LineBlock:
    """Consecutive lines of one source.

    ``offset`` is the byte offset of the first line, ``first_line_no`` its 1-based number,
    ``lens[i]`` the byte length of line ``i`` including its newline, ``end`` the offset just after
    the block. :meth:`offset_of` gives the byte offset of any line (to resume from it).

    A block of ASCII lines is decoded when ``lines`` (or ``lens``, ``truncated``) is first read;
    until then :attr:`raw` holds its bytes, for a reader that reads them in place instead.
    """

    __slots__ = ("_body", "_count", "_lens", "_lines", "_max_line", "_starts", "_truncated", "end", "first_line_no",
                 "offset", "recoded")  # fmt: skip

    def __init__(
        self,
        offset: int,
        first_line_no: int,
        lines: list[str],
        lens: list[int],
        end: int,
        truncated: int = 0,
        recoded: int = 0,
    ) -> None:
        self.offset = offset
        self.first_line_no = first_line_no
        self._lines: list[str] | None = lines
        self._lens = lens
        self.end = end
        self._truncated = truncated
        self.recoded = recoded
        self._count: int | None = len(lines)
        self._body: bytes | None = None
        self._max_line = DEFAULT_MAX_LINE
        self._starts: list[int] | None = None

    @classmethod
    def undecoded(cls, offset: int, first_line_no: int, body: bytes, max_line: int) -> LineBlock:
        """The block of ``body``: ASCII, each line ending with a newline; decoded when first read."""
        block = cls(offset, first_line_no, [], [], offset + len(body))
        block._lines = None
        block._body = body
        block._max_line = max_line
        block._count = None  # (counted when first asked, or told by the reader of its bytes)
        return block

    @property
    def raw(self) -> bytes | None:
        """The block's bytes while its lines are not decoded (ASCII, each line ending with a
        newline; a line longer than :attr:`max_line` is read as its first characters and counted
        as truncated, a final ``\\r`` dropped), else None."""
        return self._body

    @property
    def max_line(self) -> int:
        return self._max_line

    def _decode(self) -> list[str]:
        if self._lines is None:
            assert self._body is not None
            self._lines, self._lens, self._truncated, self.recoded = _decode_lines(self._body, self._max_line)
            self._body = None
        return self._lines

    @property
    def lines(self) -> list[str]:
        return self._decode()

    @property
    def lens(self) -> list[int]:
        self._decode()
        return self._lens

    @property
    def truncated(self) -> int:
        self._decode()
        return self._truncated

    def offset_of(self, index: int) -> int:
        """Byte offset where line ``index`` (0-based within the block) starts."""
        if self._starts is None:
            self._starts = list(accumulate(self.lens, initial=self.offset))
        return self._starts[index]

    def __len__(self) -> int:
        if self._count is None:
            self._count = self._body.count(b"\n") if self._body is not None else len(self.lines)
        return self._count

    def counted(self, lines: int) -> None:
        """A reader of :attr:`raw` tells how many lines it read (the block need not count them)."""
        self._count = lines


def _decode_lines(body: bytes, max_line: int) -> tuple[list[str], list[int], int, int]:
    """Decode a block that ends with a newline: lines, byte lengths (with newline), truncated, recoded."""
    recoded = 0
    if body.isascii():
        lines = body.decode("ascii").split("\n")
        lines.pop()  # after the final newline
        lens = [n + 1 for n in map(len, lines)]
    else:
        raw = body.split(b"\n")
        raw.pop()
        lens = [n + 1 for n in map(len, raw)]
        lines = []
        append = lines.append
        for b in raw:
            try:
                append(b.decode("utf-8"))
            except UnicodeDecodeError:
                append(b.decode("latin-1"))
                recoded += 1
    truncated = 0
    if lines and max(lens) > max_line:
        for i, line in enumerate(lines):
            if len(line) > max_line:
                lines[i] = line[:max_line]
                truncated += 1
    if b"\r" in body:
        lines = [s[:-1] if s.endswith("\r") else s for s in lines]
    return lines, lens, truncated, recoded


def iter_blocks(
    stream: BinaryIO,
    *,
    start: int = 0,
    end: int | None = None,
    first_line_no: int = 1,
    block_size: int = DEFAULT_BLOCK,
    max_line: int = DEFAULT_MAX_LINE,
    keep_partial: bool = True,
) -> Iterator[LineBlock]:
    """Read ``stream`` (positioned at byte ``start``) up to ``end`` (or EOF) as :class:`LineBlock` s.

    ``end`` must fall just after a newline (or be None); the last line of the stream may lack its
    newline: it is yielded when ``keep_partial`` is true and left unread otherwise (for a file that
    is still being written, see :mod:`inboxtrace.sources.follow`). Offsets are counted from ``start``, so they are correct for a stream that was seeked
    there (plain files) and for a decompressed stream read from its beginning.
    """
    pos = start  # offset of the first byte of `pending`
    line_no = first_line_no
    pending = b""
    dropped = 0  # bytes of an over-long pending line already thrown away
    remaining = None if end is None else end - start
    while True:
        want = block_size if remaining is None else min(block_size, remaining)
        data = stream.read(want) if want > 0 else b""
        if not data:
            break
        if remaining is not None:
            remaining -= len(data)
        cut = data.rfind(b"\n")
        if cut < 0:
            buf = pending + data if pending else data
            if len(buf) > max_line:  # a huge line: keep its head only
                dropped += len(buf) - max_line
                buf = buf[:max_line]
            pending = buf
            continue
        # the lines up to the last newline, copied once (the bytes read are a block's, nearly whole)
        whole = not pending and cut + 1 == len(data)
        body = data if whole else b"".join((pending, memoryview(data)[: cut + 1]))
        pending = data[cut + 1 :]
        if not dropped and body.isascii():  # decoded if and when its lines are read
            block = LineBlock.undecoded(pos, line_no, body, max_line)
            pos = block.end
            yield block
            line_no += len(block)  # (after it is read: a reader of its bytes has counted them)
            continue
        lines, lens, truncated, recoded = _decode_lines(body, max_line)
        if dropped:
            lens[0] += dropped
            truncated = max(truncated, 1)
            dropped = 0
        block = LineBlock(pos, line_no, lines, lens, pos + sum(lens), truncated, recoded)
        pos = block.end
        line_no += len(lines)
        yield block
    if pending and keep_partial:
        lines, lens, truncated, recoded = _decode_lines(pending + b"\n", max_line)
        lens[-1] -= 1  # no newline in the data
        if dropped:
            lens[0] += dropped
            truncated = max(truncated, 1)
        yield LineBlock(pos, line_no, lines, lens, pos + sum(lens), truncated, recoded)


__all__ = ["DEFAULT_BLOCK", "DEFAULT_MAX_LINE", "LineBlock", "iter_blocks"]
