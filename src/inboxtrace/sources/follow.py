"""Tail a growing log like ``tail -F``: survives rotation and truncation, resumes from a Position."""

# Event calls are positional on purpose: they run once per log line and keywords cost time.
# ruff: noqa: PLR0917

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from inboxtrace.sources.compression import sniff_compression
from inboxtrace.sources.files import FileIdentity, Position, identify, same_file
from inboxtrace.sources.lines import DEFAULT_BLOCK, DEFAULT_MAX_LINE, LineBlock, iter_blocks


@dataclass(frozen=True, slots=True)
class FollowedBlock:
    """Lines read while following: which file they came from, and the position after them."""

    path: str
    identity: FileIdentity
    block: LineBlock

    @property
    def position(self) -> Position:
        return Position(self.path, self.identity, self.block.end)


def _count_lines(path: str, upto: int) -> int:
    n = 0
    with open(path, "rb") as f:
        left = upto
        while left > 0:
            data = f.read(min(left, 1 << 22))
            if not data:
                break
            n += data.count(b"\n")
            left -= len(data)
    return n


def _rotated_sibling(path: Path, identity: FileIdentity) -> str | None:
    """The renamed copy of a followed file (``mail.log.1``, ``mail.log-20251125``), if still plain."""
    try:
        names = os.listdir(path.parent)
    except OSError:
        return None
    for name in sorted(names):
        if name == path.name or not name.startswith(path.name):
            continue
        cand = path.parent / name
        if same_file(identity, cand):
            with open(cand, "rb") as f:
                if sniff_compression(f.read(8)) is None:
                    return str(cand)
    return None


def _read_new(
    path: str, identity: FileIdentity, offset: int, line_no: int, block_size: int, max_line: int
) -> Iterator[FollowedBlock]:
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size <= offset:
            return
        f.seek(offset)
        for block in iter_blocks(
            f,
            start=offset,
            end=size,
            first_line_no=line_no,
            block_size=block_size,
            max_line=max_line,
            keep_partial=False,
        ):
            yield FollowedBlock(path, identity, block)


def follow(
    path: str | os.PathLike[str],
    *,
    position: Position | None = None,
    from_end: bool = False,
    poll_interval: float = 0.5,
    should_stop: Callable[[], bool] | None = None,
    block_size: int = DEFAULT_BLOCK,
    max_line: int = DEFAULT_MAX_LINE,
) -> Iterator[FollowedBlock | None]:
    """Yield the lines of ``path`` as they are written, forever (until ``should_stop()`` is true).

    - With a saved ``position`` it continues exactly there: in the same file if ``path`` still
      holds it, else in its rotated copy (``path.1`` ...) to the end and then in the new ``path``
      from the start; a position whose file is gone restarts at the beginning of ``path``.
    - Without one it starts at the beginning, or at the end with ``from_end=True``.
    - Rotation (``path`` now another inode) is noticed: the old file is read to its end first.
      Truncation (file shorter than the offset) restarts at offset 0.
    - A last line without its newline is left until it is complete.
    - ``None`` is yielded on each idle poll, so the caller can flush idle messages, save its
      position (``FollowedBlock.position`` of the last block) or stop.
    """
    p = Path(path)
    stop = should_stop or (lambda: False)
    while not p.exists():
        if stop():
            return
        yield None
        time.sleep(poll_interval)
    current = str(p)
    ident = identify(current)
    offset = 0
    if position is not None:
        if same_file(position.identity, current):
            offset = position.offset
        else:
            old = _rotated_sibling(p, position.identity)
            if old is not None:
                line_no = _count_lines(old, position.offset) + 1
                yield from _read_new(old, position.identity, position.offset, line_no, block_size, max_line)
    elif from_end:
        offset = os.stat(current).st_size
    line_no = _count_lines(current, offset) + 1 if offset else 1
    while not stop():
        got = False
        for fb in _read_new(current, ident, offset, line_no, block_size, max_line):
            got = True
            offset = fb.block.end
            line_no += len(fb.block)
            yield fb
        if got:
            continue
        # Nothing new: rotated or truncated?
        try:
            st = os.stat(current)
        except OSError:
            st = None
        if st is not None and (st.st_dev, st.st_ino) != (ident.dev, ident.ino):
            # Rotated: finish the old file through its renamed copy, then switch.
            old = _rotated_sibling(p, ident)
            if old is not None:
                for fb in _read_new(old, ident, offset, line_no, block_size, max_line):
                    yield fb
            ident = identify(current)
            offset, line_no = 0, 1
            continue
        if st is not None and st.st_size < offset:
            ident = identify(current)
            offset, line_no = 0, 1
            continue
        if st is not None and ident.head_len < 256 and st.st_size > ident.head_len:
            ident = identify(current)  # the head grew: refresh the digest while the file is young
        yield None
        time.sleep(poll_interval)


__all__ = ["FollowedBlock", "follow"]
