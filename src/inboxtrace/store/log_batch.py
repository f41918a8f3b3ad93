"""A log writer's work on one batch, over any database driver: what the store holds for it, then
its rows keyed, matched and counted.

Both writers of log rows use it: :class:`~inboxtrace.store.logs.LogWriter` (SQLAlchemy, any store)
and a parallel ingest's scratch pieces (:mod:`inboxtrace.store.piece_file`, the stdlib ``sqlite3``
in a worker that never loads SQLAlchemy). A writer gives its driver as two functions: ``query(sql,
params)`` (the rows of a ``SELECT``) and ``in_params(values)`` (``IN`` clauses in its paramstyle,
:func:`sqlite_in_params` for SQLite). Imports no database library.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from inboxtrace.store.log_match import BatchMatcher, MsgRow
from inboxtrace.store.log_rows import DELIV_COLUMNS, M_HOST, M_QID, MSG_COLUMNS, PreparedMessage

Query = Callable[[str, Sequence[Any]], Iterable[Sequence[Any]]]
InParams = Callable[[Sequence[Any]], Iterable[tuple[str, Any]]]

_MESSAGES_BY_QID = f"SELECT {', '.join(MSG_COLUMNS)} FROM log_messages WHERE queue_id "
_KEYS = "SELECT mkey FROM log_messages WHERE mkey "
_DELIVERIES = f"SELECT {', '.join(DELIV_COLUMNS)} FROM log_deliveries WHERE mkey "


@dataclass(slots=True)
class WriteCounts:
    """What a log writer has written so far."""

    messages: int = 0  # messages handed in
    new_messages: int = 0  # of which not already stored
    deliveries: int = 0
    new_deliveries: int = 0
    attempts: int = 0

    def add(self, other: WriteCounts) -> None:
        """Add ``other``'s counts to these (a piece written elsewhere)."""
        self.messages += other.messages
        self.new_messages += other.new_messages
        self.deliveries += other.deliveries
        self.new_deliveries += other.new_deliveries
        self.attempts += other.attempts


def sqlite_in_params(values: Sequence[Any], chunk: int = 900) -> Iterable[tuple[str, Any]]:
    """``(sql, params)`` pieces for ``column IN (...)`` over ``values`` in SQLite's ``?`` style,
    at most ``chunk`` values each (its limit of host parameters)."""
    for i in range(0, len(values), chunk):
        part = tuple(values[i : i + chunk])
        yield "IN (" + ",".join("?" * len(part)) + ")", part


def prepare_batch(
    match: BatchMatcher,
    counts: WriteCounts,
    batch: Sequence[PreparedMessage],
    query: Query,
    in_params: InParams,
) -> tuple[list[list[Any]], list[list[Any]]]:
    """The rows to write for ``batch`` (keyed, matched and merged with the stored ones, by
    ``match``), its counts added to ``counts``."""

    def lookup(head: str, values: Sequence[Any]) -> Iterable[Sequence[Any]]:
        for chunk, params in in_params(values):
            yield from query(head + chunk, params)

    found: dict[tuple[str, str], list[MsgRow]] = {}
    for r in lookup(_MESSAGES_BY_QID, sorted({p[0][M_QID] for p in batch if p[1] is None})):
        row = list(r)
        found.setdefault((row[M_HOST], row[M_QID]), []).append(MsgRow(row, True, list(row)))

    def stored_keys(keys: list[str]) -> set[str]:
        return {k for (k,) in lookup(_KEYS, keys)}

    def stored_deliveries(keys: list[str]) -> dict[tuple[str, str], list[Any]]:
        return {(r[0], r[1]): list(r) for r in lookup(_DELIVERIES, keys)}

    msg_rows, deliv_rows, counted = match.match(batch, found, stored_keys, stored_deliveries)
    counts.messages += counted[0]
    counts.new_messages += counted[1]
    counts.deliveries += counted[2]
    counts.new_deliveries += counted[3]
    counts.attempts += counted[4]
    return msg_rows, deliv_rows


__all__ = ["InParams", "Query", "WriteCounts", "prepare_batch", "sqlite_in_params"]
