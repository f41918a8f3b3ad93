"""Which file is which: rotation order of ``mail.log.2.gz, mail.log.1, mail.log`` and file identity.

A :class:`FileIdentity` names a file's content independently of its path (device, inode and a
digest of its first bytes), so a saved :class:`Position` still finds the right file after
logrotate renamed it, and notices when a path now holds a different file.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

HEAD_BYTES = 256  # how many leading bytes the identity digests

_COMPRESSED_SUFFIX = re.compile(r"\.(?:gz|bz2|xz|zst)$")
_NUMBERED = re.compile(r"^(?P<base>.+?)\.(?P<n>\d{1,4})$")  # mail.log.3
_DATED = re.compile(r"^(?P<base>.+?)[-.](?P<date>\d{8}(?:\d{2,6})?)$")  # mail.log-20251124


def rotation_key(path: str | os.PathLike[str]) -> tuple[str, int, str]:
    """A sort key putting rotated logs oldest first: ``(base name, order, date)``.

    ``mail.log.3.gz`` < ``mail.log.2`` < ``mail.log.1`` < ``mail.log`` (higher number = older) and
    ``mail.log-20251123`` < ``mail.log-20251124`` < ``mail.log`` (dateext style). Compression
    suffixes are ignored. Files with different base names sort by base name only; callers that
    mix unrelated logs order them by first timestamp instead.
    """
    name = _COMPRESSED_SUFFIX.sub("", Path(path).name)
    m = _NUMBERED.match(name)
    if m:
        return (str(Path(path).parent / m["base"]), -int(m["n"]), "")
    m = _DATED.match(name)
    if m:
        return (str(Path(path).parent / m["base"]), -1, m["date"])
    return (str(Path(path).parent / name), 0, "")


def order_rotated(paths: list[str]) -> list[str]:
    """``paths`` in rotation order (oldest first) when they share a base name; else unchanged."""
    keys = [rotation_key(p) for p in paths]
    if len({k[0] for k in keys}) != 1:
        return list(paths)
    return [p for _, p in sorted(zip(keys, paths, strict=True), key=lambda kp: kp[0])]


@dataclass(frozen=True, slots=True)
class FileIdentity:
    """What makes a log file the same file after a rename: device, inode and a digest of its head."""

    dev: int
    ino: int
    head_len: int
    head_digest: str

    def matches_head(self, path: str | os.PathLike[str]) -> bool:
        """True when ``path`` starts with the same ``head_len`` bytes this identity digested."""
        try:
            with open(path, "rb") as f:
                head = f.read(self.head_len)
        except OSError:
            return False
        return len(head) == self.head_len and _digest(head) == self.head_digest


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=12).hexdigest()


def identify(path: str | os.PathLike[str]) -> FileIdentity:
    """The identity of the file now at ``path``."""
    with open(path, "rb") as f:
        st = os.fstat(f.fileno())
        head = f.read(HEAD_BYTES)
    return FileIdentity(st.st_dev, st.st_ino, len(head), _digest(head))


@dataclass(frozen=True, slots=True)
class Position:
    """A resumable place in a log: the file (by path and identity) and a byte offset into it.

    Every line before ``offset`` has been consumed. Store it; hand it back to :func:`follow` (or
    the reader's ``positions``) to continue without loss or double reading.
    """

    path: str
    identity: FileIdentity
    offset: int

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "dev": self.identity.dev,
            "ino": self.identity.ino,
            "head_len": self.identity.head_len,
            "head_digest": self.identity.head_digest,
            "offset": self.offset,
        }

    @classmethod
    def from_dict(cls, d: dict[str, object]) -> Position:
        ident = FileIdentity(
            int(str(d["dev"])), int(str(d["ino"])), int(str(d["head_len"])), str(d["head_digest"])
        )
        return cls(str(d["path"]), ident, int(str(d["offset"])))


def same_file(identity: FileIdentity, path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` holds the file ``identity`` was taken from (inode and head both agree)."""
    try:
        st = os.stat(path)
    except OSError:
        return False
    if (st.st_dev, st.st_ino) != (identity.dev, identity.ino):
        return False
    return identity.matches_head(path)


__all__ = ["FileIdentity", "Position", "identify", "order_rotated", "rotation_key", "same_file"]
