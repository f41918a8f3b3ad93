"""Build a big bounce mailbox, deterministically, from the labeled corpus (tests/data/corpus/bounces).

Usage: .venv/bin/python benchmarks/make_bounce_mailbox.py OUT_DIR [--messages 20000] [--seed 14]

Writes OUT_DIR/cur/NNNNNN.eml (a Maildir folder both inboxtrace and Sisimai read) by going round the
corpus's bounces and not-bounces. Every copy after the first of a file is varied so that no cache
of texts seen before can answer it: each e-mail address's local part, each Postfix-style queue id
(10-12 upper-case hex digits) and each day of the month in a date get another value, the same one
everywhere in that message (a message stays consistent: the bounced recipient in the report
matches the one in the returned headers). The same arguments give the same bytes. (Copies of one
template do share a verdict in inboxtrace's memo, ``codes/memo.py``, which keys on the texts with
such tokens shaped and puts each copy's own tokens back; ``tests/bounces/test_memo.py`` runs
copies made by :func:`vary` through it and without it and compares every record.)
"""

from __future__ import annotations

import argparse
import random
import re
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "corpus" / "bounces"
_ADDRESS = re.compile(rb"(?<![\w.+-])([A-Za-z0-9][\w.+-]{0,63})@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
_QUEUE_ID = re.compile(rb"\b[0-9A-F]{10,12}\b")
_DAY = re.compile(
    rb"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun), ([0-3]?\d) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
)
_LOCAL = "abcdefghijklmnopqrstuvwxyz0123456789"
_HEX = "0123456789ABCDEF"


def sources(corpus: Path = CORPUS) -> list[Path]:
    """The corpus files the mailbox goes round, in a fixed order."""
    return sorted((corpus / "emails").iterdir()) + sorted((corpus / "not-bounces").iterdir())


def vary(data: bytes, rng: random.Random) -> bytes:
    """One copy of a message with its addresses, queue ids and days changed consistently."""
    locals_: dict[bytes, bytes] = {}
    ids: dict[bytes, bytes] = {}

    def address(m: re.Match[bytes]) -> bytes:
        local = m.group(1)
        if local.lower() in (b"mailer-daemon", b"postmaster"):
            return m.group(0)  # role names the parsers recognise stay as they are
        new = locals_.get(local)
        if new is None:
            new = "".join(rng.choice(_LOCAL) for _ in range(max(4, min(len(local), 20)))).encode()
            locals_[local] = new
        return new + b"@" + m.group(2)

    def queue_id(m: re.Match[bytes]) -> bytes:
        old = m.group(0)
        new = ids.get(old)
        if new is None:
            new = "".join(rng.choice(_HEX) for _ in old).encode()
            ids[old] = new
        return new

    day = rng.randrange(1, 29)
    out = _ADDRESS.sub(address, data)
    out = _QUEUE_ID.sub(queue_id, out)
    return _DAY.sub(lambda m: m.group(1) + b", " + str(day).encode() + b" " + m.group(3) + b" ", out)


def build(out: Path, messages: int, seed: int = 14, corpus: Path = CORPUS) -> list[Path]:
    """Write the mailbox into ``out/cur`` (replacing what was there) and return its files in order."""
    files = sources(corpus)
    blobs = [f.read_bytes() for f in files]
    rng = random.Random(seed)
    cur = out / "cur"
    cur.mkdir(parents=True, exist_ok=True)
    for old in cur.glob("*.eml"):
        old.unlink()
    written = []
    for i in range(messages):
        data = blobs[i % len(blobs)]
        if i >= len(blobs):
            data = vary(data, rng)
        path = cur / f"{i:06d}.eml"
        path.write_bytes(data)
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    written = build(args.out, args.messages, args.seed)
    print(f"{len(written)} messages in {args.out / 'cur'}")


if __name__ == "__main__":
    main()
