"""Bulk writes into PostgreSQL through ``COPY``: what :meth:`Store.bulk` uses for big batches.

Row-by-row ``INSERT ... ON CONFLICT`` (even pipelined by the driver) makes the server plan and run
one statement per row. Here the rows are streamed with psycopg 3's ``cursor.copy()`` into a
temporary staging table of the same columns, and one ``INSERT INTO target (...) SELECT ... FROM
staging ORDER BY n ON CONFLICT ...`` moves them into the target, with the statement's own conflict
clause (``DO NOTHING`` or ``DO UPDATE SET ... [WHERE ...]``). The result is the rows the per-row
statements would have left:

* rows are inserted in the order given (``ORDER BY`` the staging row number), so with ``DO
  NOTHING`` the first of two rows with one key wins, as it would row by row;
* ``DO UPDATE`` may not touch one target row twice in one statement, so rows whose conflict key
  repeats in the batch go in rounds: the first occurrence of every key in round 1, the second
  in round 2, ... which applies them in the same order as row by row.

The staging table is ``ON COMMIT DROP``: it lives only in the caller's transaction (nothing is
left behind by a rollback or a killed process), and it is emptied after each use, so several
bulk writes may share one transaction. Statements this module cannot stage (a conflict clause
with parameters of its own, or a ``DO UPDATE`` whose target it cannot read) are refused with
``None`` and the caller runs them row by row.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Connection

# Below this many rows one pipelined executemany costs less than the staging round trips.
COPY_MIN_ROWS = 64

_HEAD = re.compile(r"^\s*INSERT INTO (\S+) \(([^)]*)\) VALUES ")
_TAIL = re.compile(r"\sON CONFLICT\s")
_TARGET = re.compile(r"^\s*ON CONFLICT\s*\(([^)]*)\)\s*DO UPDATE\b")


def _unquote(name: str) -> str:
    name = name.strip()
    return name[1:-1].replace('""', '"') if len(name) >= 2 and name[0] == name[-1] == '"' else name


class CopyPlan:
    """How one compiled ``INSERT`` statement is run through a staging table (see the module
    docstring); made once per (statement, column keys) and cached by the store."""

    def __init__(self, table_sql: str, columns: Sequence[str], tail: str, conflict: list[int] | None) -> None:
        self.columns = list(columns)
        quoted = ", ".join(f'"{c}"' for c in columns)
        digest = hashlib.sha1(f"{table_sql}|{quoted}".encode()).hexdigest()[:10]
        self.staging = f"inboxtrace_copy_{digest}"
        self.create = (
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {self.staging} ON COMMIT DROP AS "
            f"SELECT {quoted}, 0::bigint AS inboxtrace_n FROM {table_sql} WITH NO DATA"
        )
        self.copy = f"COPY {self.staging} ({quoted}, inboxtrace_n) FROM STDIN"
        self.insert = (
            f"INSERT INTO {table_sql} ({quoted}) SELECT {quoted} FROM {self.staging} "
            f"ORDER BY inboxtrace_n{tail}"
        )
        self.clear = f"TRUNCATE {self.staging}"
        # positions (in ``columns``) of the conflict target of a DO UPDATE, else None
        self.conflict = conflict

    @classmethod
    def of(cls, compiled_sql: str, keys: Sequence[str]) -> CopyPlan | None:
        """The plan for ``compiled_sql`` (an ``INSERT INTO table (columns) VALUES (...) [ON
        CONFLICT ...]`` compiled for psycopg) fed with rows of ``keys``, or None when it cannot be
        staged (its columns are not exactly ``keys``, or its conflict clause is not one of ours)."""
        head = _HEAD.match(compiled_sql)
        if head is None:
            return None
        table_sql = head.group(1)
        columns = [_unquote(c) for c in head.group(2).split(",")]
        if sorted(columns) != sorted(keys) or len(set(columns)) != len(columns):
            return None
        m = _TAIL.search(compiled_sql, head.end())
        tail = "" if m is None else " " + compiled_sql[m.start() :].strip()
        if "%(" in tail or "%s" in tail:  # the conflict clause has parameters of its own
            return None
        conflict: list[int] | None = None
        if "DO UPDATE" in tail:
            target = _TARGET.match(tail)
            if target is None:
                return None
            names = [_unquote(n) for n in target.group(1).split(",")]
            if not all(n in columns for n in names):
                return None
            conflict = [columns.index(n) for n in names]
        return cls(table_sql, columns, tail, conflict)

    def rounds(self, params: Sequence[Sequence[Any]]) -> list[list[Sequence[Any]]]:
        """``params`` split so that no round holds one conflict key twice (order kept)."""
        if self.conflict is None:
            return [list(params)]
        key_at = self.conflict
        seen: dict[tuple[Any, ...], int] = {}
        out: list[list[Sequence[Any]]] = [[]]
        for row in params:
            key = tuple(row[i] for i in key_at)
            n = seen.get(key, 0)
            seen[key] = n + 1
            if n == len(out):
                out.append([])
            out[n].append(row)
        return out

    def run(self, conn: Connection, params: Sequence[Sequence[Any]]) -> int:
        """Write ``params`` (tuples in ``columns`` order) in the caller's transaction; the number
        of rows inserted or updated."""
        driver: Any = conn.connection.driver_connection
        total = 0
        with driver.cursor() as cur:
            cur.execute(self.create)
            for part in self.rounds(params):
                with cur.copy(self.copy) as copy:
                    write = copy.write_row
                    for n, row in enumerate(part):
                        write((*row, n))
                cur.execute(self.insert)
                total += max(0, cur.rowcount)
                cur.execute(self.clear)
        return total


__all__ = ["COPY_MIN_ROWS", "CopyPlan"]
