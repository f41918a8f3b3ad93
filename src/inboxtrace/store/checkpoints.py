"""Per-source checkpoints in ``log_sources``: files read to the end, resume positions, follow state.

A file is known by its identity (device, inode and a digest of its first bytes, see
:func:`inboxtrace.sources.identify`), so a log renamed by logrotate is still recognised and a path
that now holds another file is not; its size tells whether it grew since.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from inboxtrace.sources import FileIdentity, Position, identify
from inboxtrace.store.core import Store
from inboxtrace.store.logs import log_sources


@dataclass(frozen=True, slots=True)
class FileState:
    complete: bool = False  # read to its end, and the same size now
    position: Position | None = None  # where to continue


def _key(ident: FileIdentity) -> str:
    return f"file:{ident.dev}:{ident.ino}:{ident.head_digest}:{ident.head_len}"


class FileCheckpoints:
    """Read/write ``log_sources`` rows for files and followed streams."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _get(self, key: str) -> Any:
        with self.store.connect() as conn:
            return conn.execute(sa.select(log_sources).where(log_sources.c.key == key)).mappings().first()

    def state(self, path: str) -> FileState:
        """What is known about the file now at ``path``."""
        try:
            ident = identify(path)
            size = os.path.getsize(path)
        except OSError:
            return FileState()
        if ident.head_len == 0:
            return FileState()
        row = self._get(_key(ident))
        if row is None:
            return FileState()
        if row["complete"] and row["size"] == size and row["position"] == size:
            return FileState(complete=True)
        try:
            pos = Position.from_dict(json.loads(row["path"]))
        except (ValueError, KeyError, TypeError):
            return FileState()
        if pos.offset > size:  # truncated since: read it again
            return FileState()
        return FileState(position=Position(path, pos.identity, pos.offset))

    def save_position(self, pos: Position, conn: Connection | None = None) -> None:
        """Remember that everything before ``pos`` is stored (for resuming an interrupted read).

        With ``conn``, inside the caller's transaction: give the one that writes the rows ``pos``
        covers, so that rows and checkpoint are committed together or not at all (a crash
        between them can then neither lose lines nor read them twice)."""
        self._save(_key(pos.identity), pos, complete=False, size=None, conn=conn)

    def mark_complete(self, path: str) -> None:
        """Remember that ``path`` was read to its end (a plain file; compressed ones are re-read)."""
        try:
            ident = identify(path)
            size = os.path.getsize(path)
        except OSError:
            return
        if ident.head_len == 0:
            return
        with open(path, "rb") as f:
            from inboxtrace.sources import sniff_compression

            if sniff_compression(f.read(8)) is not None:
                return
        self._save(_key(ident), Position(path, ident, size), complete=True, size=size)

    def save_follow(self, name: str, pos: Position, conn: Connection | None = None) -> None:
        """Remember where the follow of ``name`` goes on (``conn``: as for :meth:`save_position`)."""
        self._save(f"follow:{name}", pos, complete=False, size=None, conn=conn)

    def load_follow(self, name: str) -> Position | None:
        row = self._get(f"follow:{name}")
        if row is None:
            return None
        try:
            return Position.from_dict(json.loads(row["path"]))
        except (ValueError, KeyError, TypeError):
            return None

    def _save(
        self, key: str, pos: Position, *, complete: bool, size: int | None, conn: Connection | None = None
    ) -> None:
        row = {
            "key": key,
            "path": json.dumps(pos.to_dict(), sort_keys=True),
            "position": pos.offset,
            "line_no": 0,
            "size": size,
            "complete": complete,
            "updated": time.time(),
        }
        stmt = self.store.insert(log_sources)
        stmt = stmt.on_conflict_do_update(
            index_elements=["key"], set_={c: stmt.excluded[c] for c in row if c != "key"}
        )
        if conn is not None:
            conn.execute(stmt, row)
            return
        with self.store.begin() as own:
            own.execute(stmt, row)


__all__ = ["FileCheckpoints", "FileState"]
