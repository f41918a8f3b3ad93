"""Reading inputs: compression by magic bytes, rotation order, bad bytes, offsets, follow."""

from __future__ import annotations

import bz2
import gzip
import itertools
import lzma
import os
import random
from pathlib import Path

import pytest

from inboxtrace.errors import InputError, UnknownFormatError
from inboxtrace.sources import (
    Position,
    follow,
    identify,
    iter_blocks,
    open_binary,
    order_rotated,
    rotation_key,
    sniff_compression,
)

LINES = [f"Mar 14 00:00:{i % 60:02d} mx postfix/qmgr[1]: ABCDEF{i:04X}: removed" for i in range(500)]
TEXT = ("\n".join(LINES) + "\n").encode()


def _lines(path: Path) -> list[str]:
    stream, _ = open_binary(path)
    with stream:
        return [line for block in iter_blocks(stream, block_size=4096) for line in block.lines]


@pytest.mark.parametrize(
    ("name", "compress", "kind"),
    [
        ("plain.log", lambda b: b, None),
        ("mail.log.2.gz", gzip.compress, "gzip"),
        ("mail.log.3.bz2", bz2.compress, "bzip2"),
        ("mail.log.4.xz", lzma.compress, "xz"),
        ("misnamed.log", gzip.compress, "gzip"),  # gzip content, plain name
        ("misnamed.gz", lambda b: b, None),  # plain content, .gz name
    ],
)
def test_compression_sniffed_by_content(
    tmp_path: Path, name: str, compress: object, kind: str | None
) -> None:
    path = tmp_path / name
    path.write_bytes(compress(TEXT))  # type: ignore[operator]
    stream, found = open_binary(path)
    stream.close()
    assert found == kind
    assert _lines(path) == LINES


def test_zstd_and_missing_are_clear_errors(tmp_path: Path) -> None:
    z = tmp_path / "x.zst"
    z.write_bytes(b"\x28\xb5\x2f\xfd" + b"\0" * 20)
    with pytest.raises(UnknownFormatError, match="zstd"):
        open_binary(z)
    with pytest.raises(InputError, match="no such file"):
        open_binary(tmp_path / "nope.log")
    with pytest.raises(InputError, match="directory"):
        open_binary(tmp_path)
    assert sniff_compression(b"BZh is not bzip2") is None


def test_rotation_order() -> None:
    names = ["/v/mail.log", "/v/mail.log.1", "/v/mail.log.3.gz", "/v/mail.log.2.gz", "/v/mail.log.10.gz"]
    assert order_rotated(names) == [
        "/v/mail.log.10.gz", "/v/mail.log.3.gz", "/v/mail.log.2.gz", "/v/mail.log.1", "/v/mail.log",
    ]  # fmt: skip
    dated = ["/v/maillog", "/v/maillog-20251124.gz", "/v/maillog-20251123"]
    assert order_rotated(dated) == ["/v/maillog-20251123", "/v/maillog-20251124.gz", "/v/maillog"]
    assert rotation_key("/v/mail.log.2.gz") < rotation_key("/v/mail.log.1") < rotation_key("/v/mail.log")


def test_bad_bytes_never_stop_reading(tmp_path: Path) -> None:
    junk = bytes(range(256)) * 3
    latin1 = "Mar 14 00:00:00 mx postfix/smtpd[1]: warning: Müller".encode("latin-1")
    huge = b"Mar 14 00:00:00 mx postfix/smtpd[1]: " + b"x" * 300_000
    data = (
        b"first\r\n" + junk + b"\n" + latin1 + b"\n" + huge + b"\n" + b"utf8 \xc3\xa9\r\n" + b"truncated-last"
    )
    path = tmp_path / "bad.log"
    path.write_bytes(data)
    with path.open("rb") as f:
        blocks = list(iter_blocks(f, block_size=1024, max_line=1000))
    lines = [ln for b in blocks for ln in b.lines]
    assert lines[0] == "first"  # CR dropped
    assert "Müller" in lines[-4]  # latin-1 decoded as such
    assert len(lines[-3]) == 1000  # huge line cut, not kept whole
    assert lines[-2] == "utf8 é"
    assert lines[-1] == "truncated-last"
    assert sum(b.truncated for b in blocks) == 1
    assert sum(b.recoded for b in blocks) >= 2
    # byte accounting is exact whatever happened to the text
    assert sum(sum(b.lens) for b in blocks) == len(data)
    assert blocks[-1].end == len(data)


def test_offsets_and_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "m.log"
    path.write_bytes(TEXT)
    with path.open("rb") as f:
        blocks = list(iter_blocks(f, block_size=1000))
    assert len(blocks) > 5
    for block in blocks:
        for i, line in enumerate(block.lines):
            off = block.offset_of(i)
            assert TEXT[off : off + len(line)].decode() == line
            assert LINES[block.first_line_no - 1 + i] == line
    with path.open("rb") as f:  # a byte range: starts and ends at line boundaries
        start = blocks[2].offset
        f.seek(start)
        part = list(iter_blocks(f, start=start, end=blocks[4].offset, first_line_no=blocks[2].first_line_no))
    assert [ln for b in part for ln in b.lines] == blocks[2].lines + blocks[3].lines


def test_follow_survives_rotation_and_truncation(tmp_path: Path) -> None:
    log = tmp_path / "mail.log"
    log.write_text("a1\na2\npartial")
    stop = {"now": False}
    gen = follow(log, poll_interval=0.0, should_stop=lambda: stop["now"])

    def drain() -> list[str]:
        out: list[str] = []
        for item in gen:
            if item is None:
                return out
            out.extend(item.block.lines)
        return out

    assert drain() == ["a1", "a2"]  # the unfinished line waits
    with log.open("a") as f:
        f.write(" done\na3\n")
    assert drain() == ["partial done", "a3"]
    with log.open("a") as f:  # written just before rotation
        f.write("a4\n")
    os.rename(log, tmp_path / "mail.log.1")
    log.write_text("b1\n")
    got = drain()
    if got == ["a4"]:  # the new file was noticed on the next poll
        got += drain()
    assert got == ["a4", "b1"]
    log.write_text("c1\n")  # truncated and rewritten (copytruncate)
    assert drain() in (["c1"], [])
    stop["now"] = True
    assert list(gen) == []


def test_follow_resumes_from_position(tmp_path: Path) -> None:
    log = tmp_path / "mail.log"
    log.write_text("x1\nx2\nx3\n")
    ident = identify(log)
    pos = Position(str(log), ident, len("x1\n"))
    gen = follow(log, position=pos, poll_interval=0.0, should_stop=lambda: False)
    first = next(gen)
    assert first is not None and first.block.lines == ["x2", "x3"] and first.block.first_line_no == 2
    assert Position.from_dict(first.position.to_dict()) == first.position
    # the file was rotated while we were away: the rest of the old one comes first
    with log.open("a") as f:
        f.write("x4\n")
    os.rename(log, tmp_path / "mail.log.1")
    log.write_text("y1\n")
    gen2 = follow(log, position=first.position, poll_interval=0.0, should_stop=lambda: False)
    seen: list[str] = []
    for item in gen2:
        if item is None:
            break
        seen.extend(item.block.lines)
    assert seen == ["x4", "y1"]


def test_blocks_of_every_size_give_the_lines_and_offsets_of_the_bytes(tmp_path: Path) -> None:
    """Lines cut at every kind of place (a block that ends on a newline, a line longer than a
    block, a file without a final newline), each block's bytes copied once: every line and every
    offset is the file's, whatever the block size."""
    rng = random.Random(7)
    lengths = [rng.choice((0, 1, 5, 40, 120, 700, 2500)) for _ in range(600)]
    data = b"".join(b"x%d-" % i + b"y" * n + b"\n" for i, n in enumerate(lengths)) + b"no newline"
    path = tmp_path / "sizes.log"
    path.write_bytes(data)
    want = data.decode().split("\n")
    for size in (1, 7, 64, 1000, 2501, 4096, 1 << 16):
        with path.open("rb") as f:
            blocks = list(iter_blocks(f, block_size=size))
        assert [ln for b in blocks for ln in b.lines] == want, size
        assert blocks[0].offset == 0 and blocks[-1].end == len(data)
        for block, after in itertools.pairwise(blocks):
            assert block.end == after.offset and after.first_line_no == block.first_line_no + len(block)
            assert data[block.offset : block.end].decode().split("\n")[:-1] == block.lines
