"""Keying and matching a batch of log rows against the store, without SQL.

:class:`~inboxtrace.store.logs.LogWriter` reads what the store already holds for a batch (messages
with the same host and queue id, deliveries of the messages matched) and hands it here with the
batch: :class:`BatchMatcher` gives each message its key, merges the parts of one message met in
several reads (another file of a rotation, another ingest), unites their deliveries' attempts and
recomputes those deliveries' final states. Rows are lists of plain values in the tables' column
order (:data:`~inboxtrace.store.log_rows.MSG_COLUMNS`, ``DELIV_COLUMNS``) in and out, no SQL: the
writer's own work apart from the database's (compiled with mypyc it measured no faster, so it is
not in :data:`inboxtrace.native.COMPILED`).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from inboxtrace.model.log import FinalState
from inboxtrace.store.log_rows import (
    ATTEMPT_FIELDS,
    D_ATTEMPTS,
    D_DAY,
    D_DOMAIN,
    D_DSN,
    D_DSN_QID,
    D_FIRST,
    D_HARD,
    D_KEY,
    D_LAST,
    D_N,
    D_ORIG,
    D_PROVIDER,
    D_RCPT,
    D_REASON,
    D_RELAY,
    D_REPLY,
    D_RQID,
    D_STATE,
    D_STATUS,
    DELIV_COLUMNS,
    M_COMPLETED,
    M_FACTS,
    M_FIRST,
    M_HOPS,
    M_HOST,
    M_KEY,
    M_LAST,
    M_QID,
    M_RECEIVED,
    M_SENDER,
    M_SOURCE,
    PreparedMessage,
    compact_json,
    utc_day,
)
from inboxtrace.timeline.assembler import DSN_REPORTS_ON, FINAL_BY_STATUS, NOQUEUE_WINDOW

# How far apart two parts of one message (same host and queue id) may be and still be merged:
# a little more than Postfix's default maximal_queue_lifetime (5 days).
MERGE_WINDOW = 7 * 86400.0
# Two parts that both know the arrival time are the same message only if these agree this closely.
RECEIVED_TOLERANCE = 120.0

_TERMINAL = frozenset({FinalState.DELIVERED, FinalState.BOUNCED, FinalState.EXPIRED, FinalState.REJECTED})


class MsgRow:
    """A message row of a batch: newly read, or as the store holds it (merged with what came)."""

    def __init__(self, row: list[Any], existed: bool, stored: list[Any] | None = None) -> None:
        self.row = row
        self.existed = existed
        self.stored = stored  # the row as read from the store, to skip no-op rewrites


def _same_message(row: list[Any], received: float | None, first: float | None, last: float | None) -> bool:
    """Whether a stored row and a newly read part (same host and queue id) are one message."""
    r_old = row[M_RECEIVED]
    if r_old is not None and received is not None:
        return bool(abs(r_old - received) <= RECEIVED_TOLERANCE)
    if first is None or row[M_FIRST] is None:
        return True
    if row[M_COMPLETED] is not None and first > row[M_COMPLETED] + 1.0:
        return False  # the stored one was removed from the queue before this part began
    if received is not None and row[M_FIRST] < received - 1.0:
        return False  # the stored part happened before this message arrived
    return bool(first <= row[M_LAST] + MERGE_WINDOW and row[M_FIRST] <= (last or first) + MERGE_WINDOW)


def _merge_message(old: list[Any], new: list[Any]) -> list[Any]:
    out = list(old)
    for i in range(M_KEY + 1, len(new)):
        v, was = new[i], out[i]
        if i == M_FIRST:
            out[i] = v if was is None else (was if v is None else min(was, v))
        elif i in (M_LAST, M_COMPLETED):
            out[i] = v if was is None else (was if v is None else max(was, v))
        elif i == M_HOPS:
            hops = dict.fromkeys((was or "").split() + (v or "").split())
            out[i] = " ".join(hops) or None
        elif i == M_FACTS:
            out[i] = _merge_facts(was, v)
        elif was is None:
            out[i] = v
    return out


def _merge_facts(a: str | None, b: str | None) -> str | None:
    """The union of two ``facts`` columns, in time order (the same fact read twice counts once)."""
    if not a or not b or a == b:
        return a or b
    merged: dict[tuple[Any, ...], list[Any]] = {}
    for f in json.loads(a) + json.loads(b):
        merged.setdefault((f[0], f[1], f[2], f[3]), f)
    return compact_json(sorted(merged.values(), key=lambda f: (f[1], f[2])))


def derive_delivery(
    drow: list[Any],
    facts: str | None,
    closed: bool,
    source: str | None,
    provider_of: Callable[[str | None, str | None], str | None],
) -> list[Any]:
    """A delivery row recomputed from its attempts and its message's facts, as one pass over
    all the lines would have made it: an expiry logged in another part of the message (another
    ingest, another file) ends the recipients that were deferred before it; a DSN logged there
    names its queue id on the recipients it reports on; a message removed from the queue while a
    recipient was deferred, without an expiry, leaves that recipient ``unknown``."""
    attempts = sorted(json.loads(drow[D_ATTEMPTS]), key=lambda a: a[0])
    if not attempts:
        return drow
    dsn_qid = drow[D_DSN_QID]
    fact_list = json.loads(facts) if facts else []
    expired = False
    for kind, t, ln, f_source, x, y in fact_list:
        prior = [a for a in attempts if a[0] <= t]
        last = prior[-1] if prior else None
        if kind == "expired":
            expired = True
            if last is None or last[1] not in ("deferred", "tried"):
                continue
            reason, hard = (last[11], last[12]) if last[5] is not None else ("expired", False)
            rec = [t, "expired", last[2], last[3], last[4], last[5], last[6], None, None, last[9], None,
                   reason, hard, None if f_source == source else f_source, ln, x, None]  # fmt: skip
            attempts.insert(len(prior), rec)
        elif last is not None and last[1] in DSN_REPORTS_ON.get(x, DSN_REPORTS_ON["non-delivery"]):
            dsn_qid = y
    deciding = attempts[-1]
    status = deciding[1]
    state = FINAL_BY_STATUS.get(status, FinalState.UNKNOWN)
    if state is FinalState.DEFERRED and closed and not expired:
        state = FinalState.UNKNOWN
    if status == "tried":
        state = FinalState.UNKNOWN if closed else FinalState.DEFERRED
    out = list(drow)
    out[D_STATE] = state.value
    out[D_FIRST] = attempts[0][0]
    out[D_LAST] = deciding[0]
    out[D_DAY] = utc_day(deciding[0])
    out[D_STATUS] = status
    out[D_REPLY] = deciding[5]
    out[D_DSN] = deciding[6]
    out[D_RELAY] = deciding[2]
    out[D_REASON] = deciding[11]
    out[D_HARD] = deciding[12]
    out[D_PROVIDER] = provider_of(deciding[2], drow[D_DOMAIN])
    out[D_DSN_QID] = dsn_qid
    out[D_RQID] = deciding[10]
    out[D_N] = len(attempts)
    out[D_ATTEMPTS] = compact_json(attempts)
    return out


def _delivery_wins(old: list[Any], new: list[Any]) -> bool:
    """Whether the newly read delivery summary decides the final state over the stored one."""
    if new[D_STATE] == FinalState.UNKNOWN:
        return old[D_STATE] == FinalState.UNKNOWN and new[D_LAST] is not None
    if old[D_STATE] == FinalState.UNKNOWN:
        return True
    t_old, t_new = old[D_LAST] or 0.0, new[D_LAST] or 0.0
    if t_new != t_old:
        return t_new > t_old
    return new[D_STATE] in _TERMINAL and old[D_STATE] not in _TERMINAL


_SOURCE, _LINE_NO = ATTEMPT_FIELDS.index("source"), ATTEMPT_FIELDS.index("line_no")


def _resource(attempts: str, own: str | None, target: str | None) -> str:
    """Re-express the evidence files of ``attempts`` (stored relative to ``own``) relative to ``target``."""
    out = json.loads(attempts)
    for a in out:
        if a[_SOURCE] is None and a[_LINE_NO] is not None:
            a[_SOURCE] = own
        if a[_SOURCE] == target:
            a[_SOURCE] = None
    return compact_json(out)


def _merge_delivery(old: list[Any], new: list[Any]) -> list[Any]:
    """One delivery from two reads: attempts united, final state from the deciding attempt."""
    win, lose = (new, old) if _delivery_wins(old, new) else (old, new)
    out = list(win)
    firsts = [t for t in (old[D_FIRST], new[D_FIRST]) if t is not None]
    out[D_FIRST] = min(firsts) if firsts else None
    for i in (D_ORIG, D_DSN_QID, D_PROVIDER, D_REASON, D_HARD):
        if out[i] is None:
            out[i] = lose[i]
    if old[D_ATTEMPTS] != new[D_ATTEMPTS]:
        merged: dict[tuple[Any, ...], list[Any]] = {}
        for a in json.loads(old[D_ATTEMPTS]) + json.loads(new[D_ATTEMPTS]):
            key = (a[0], a[1], a[5], a[2])
            kept = merged.get(key)
            # the same attempt logged twice in one file (a file that repeats itself): the earlier
            # line's evidence, whichever of the two reads came first (a parallel read hands its
            # pieces' messages over as they are made); in two files, the one stored first
            if kept is None or (kept[_SOURCE] == a[_SOURCE] and (a[_LINE_NO] or 0) < (kept[_LINE_NO] or 0)):
                merged[key] = a
        attempts = sorted(merged.values(), key=lambda a: a[0])
        out[D_ATTEMPTS] = compact_json(attempts)
        out[D_N] = len(attempts)
    return out


@dataclass(slots=True)
class BatchChanges:
    """What one written batch changed: the stored delivery rows of the messages it met (by
    (mkey, recipient), all of each message's), the delivery rows it wrote that differ from them,
    and per message (its sender as stored, None when new; its sender now; its queue id)."""

    old: dict[tuple[str, str], dict[str, Any]]
    changed: list[dict[str, Any]]
    senders: dict[str, tuple[str | None, str | None, str]]
    # or, for a batch of new messages only (the three above empty): its (message rows, delivery
    # rows) as written, lists in MSG_COLUMNS and DELIV_COLUMNS order
    new: tuple[list[list[Any]], list[list[Any]]] | None = None


class BatchMatcher:
    """Keys, matches and merges the prepared messages of one batch (module docstring); keeps the
    repeat counts of never-queued rejections from one batch to the next."""

    def __init__(self, provider_of: Callable[[str | None, str | None], str | None]) -> None:
        self._provider_of = provider_of
        self._nq_seen: dict[tuple[str, str], int] = {}
        # set ``track`` to have each match leave what it changed in ``changes`` (the rollup's input)
        self.track = False
        self.changes = BatchChanges({}, [], {})

    def noqueue_key(self, host: str, nq: tuple[str, str], first: float | None) -> str:
        """The natural key of a never-queued rejection: its time, its line, and which repeat it is.

        Identical reject lines in the same second of the same file are distinct events (numbered
        by occurrence in that file); the same line met again in another file (an overlapping
        rotation), in a re-read of the same file or by another ingest running at the same time
        gets the same key, so it is stored once. (A parallel read never cuts a file inside one
        second, so the occurrences of a line are all counted by one reader.)
        """
        source, digest = nq
        seen = self._nq_seen
        n = seen.get((source, digest), 0) + 1
        seen[(source, digest)] = n
        if len(seen) > NOQUEUE_WINDOW:  # forget the oldest half: a repeat comes within its second
            for old in list(itertools.islice(seen, NOQUEUE_WINDOW // 2)):
                del seen[old]
        return f"{first or 0:014.3f}|{host}|NOQUEUE|{digest}|{n}"

    def match(
        self,
        batch: Sequence[PreparedMessage],
        known: dict[tuple[str, str], list[MsgRow]],
        stored_keys: Callable[[list[str]], set[str]],
        stored_deliveries: Callable[[list[str]], dict[tuple[str, str], list[Any]]],
    ) -> tuple[list[list[Any]], list[list[Any]], tuple[int, int, int, int, int]]:
        """The message rows and delivery rows to write for ``batch``, and what it counts
        (messages, new messages, deliveries, new deliveries, attempts).

        ``known``: the stored messages with the batch's (host, queue id)s; ``stored_keys(keys)``:
        which of these never-queued keys the store has; ``stored_deliveries(keys)``: the stored
        deliveries of these messages, by (message key, recipient). The batch's rows are keyed in
        place (their ``mkey``) and written as they are unless merged with another part.
        """
        # never-queued rejections are keyed first, in batch order (their repeat counts are state)
        nq_keys = [self.noqueue_key(new[M_HOST], nq, new[M_FIRST]) for new, nq, _ in batch if nq is not None]
        fresh = self._match_new(batch, nq_keys, known, stored_keys)
        if fresh is not None:
            return fresh
        nq_at = iter(nq_keys)
        rows: dict[str, MsgRow] = {}
        # (mkey, prepared) pairs in batch order, each message resolved to the row it belongs to
        resolved: list[tuple[str, PreparedMessage]] = []
        merged: set[str] = set()  # messages met in more than one part: their deliveries are recomputed
        for prep in batch:
            new, nq, _ = prep
            first = new[M_FIRST]
            if nq is not None:
                mkey = new[M_KEY] = next(nq_at)
                if mkey not in rows:
                    rows[mkey] = MsgRow(new, False)
                resolved.append((mkey, prep))
                continue
            host, qid = new[M_HOST], new[M_QID]
            candidates = known.get((host, qid))
            match = None
            if candidates:
                received, last = new[M_RECEIVED], new[M_LAST]
                match = next(
                    (c for c in reversed(candidates) if _same_message(c.row, received, first, last)), None
                )
            if match is None:
                # time first: keys grow with the log, so inserts append to the b-trees
                mkey = new[M_KEY] = f"{first if first is not None else 0:014.3f}|{host}|{qid}"
                match = MsgRow(new, False)
                if candidates is None:
                    known[(host, qid)] = [match]
                else:
                    candidates.append(match)
            else:
                match.row = _merge_message(match.row, new)
                mkey = match.row[M_KEY]
                merged.add(mkey)
            rows[mkey] = match
            resolved.append((mkey, prep))

        # NOQUEUE rows already stored are recognised by their key
        nq_keys = [k for k, r in rows.items() if not r.existed and "|NOQUEUE|" in k]  # time|host|NOQUEUE|...
        if nq_keys:
            for k in stored_keys(nq_keys):
                rows[k].existed = True
        new_messages = sum(1 for r in rows.values() if not r.existed)

        # deliveries already stored for the messages we matched
        matched = [k for k, r in rows.items() if r.existed]
        old_deliv = stored_deliveries(matched) if matched else {}
        n_deliveries = n_new = n_attempts = 0

        deliv_rows: dict[tuple[str, str], list[Any]] = {}
        for mkey, (mrow, _, drows) in resolved:
            own, target = mrow[M_SOURCE], rows[mkey].row[M_SOURCE]
            for made in drows:
                drow = made
                drow[D_KEY] = mkey
                if own != target:  # merged into a row of another file: evidence names its own file
                    drow[D_ATTEMPTS] = _resource(drow[D_ATTEMPTS], own, target)
                key = (mkey, drow[D_RCPT])
                prev = deliv_rows.get(key) or (old_deliv.get(key) if old_deliv else None)
                n_deliveries += 1
                if prev is None:
                    n_new += 1
                    n_attempts += drow[D_N]
                else:
                    before = prev[D_N]
                    drow = _merge_delivery(prev, drow)
                    n_attempts += drow[D_N] - before
                deliv_rows[key] = drow

        self._rederive(merged, rows, old_deliv, deliv_rows)
        # a re-read of known lines changes nothing: leave those rows alone (no rewrite)
        msg_rows = [
            r.row for r in rows.values() if not r.existed or (r.stored is not None and r.row != r.stored)
        ]
        if old_deliv:
            changed = [row for key, row in deliv_rows.items() if old_deliv.get(key) != row]
        else:  # nothing stored before: every row is new
            changed = list(deliv_rows.values())
        if self.track:
            senders = {k: ((r.stored or r.row)[M_SENDER] if r.existed else None, r.row[M_SENDER], r.row[M_QID])
                       for k, r in rows.items()}  # fmt: skip
            self.changes = BatchChanges(
                {k: dict(zip(DELIV_COLUMNS, v, strict=True)) for k, v in old_deliv.items()},
                [dict(zip(DELIV_COLUMNS, v, strict=True)) for v in changed],
                senders,
            )
        return msg_rows, changed, (len(batch), new_messages, n_deliveries, n_new, n_attempts)

    def _match_new(
        self,
        batch: Sequence[PreparedMessage],
        nq_keys: list[str],
        known: dict[tuple[str, str], list[MsgRow]],
        stored_keys: Callable[[list[str]], set[str]],
    ) -> tuple[list[list[Any]], list[list[Any]], tuple[int, int, int, int, int]] | None:
        """:meth:`match` of a batch none of whose messages the store has (no stored message with
        the (host, queue id) of one, none of its never-queued keys stored), none met twice in it
        (queue id, never-queued key, a recipient of one message): every row is new and written
        as it was made, keyed. What the general matching gives for such a batch, with none of
        its work per message (a first load's batches are nearly all of this kind). None when
        the batch is not such a batch (nothing changed then but the keys of never-queued rows)."""
        messages: set[tuple[str, str]] = set()
        n_plain = 0
        for new, nq, drows in batch:
            if nq is None:
                messages.add((new[M_HOST], new[M_QID]))
                n_plain += 1
            if len(drows) > 1 and len({d[D_RCPT] for d in drows}) < len(drows):
                return None
        if len(messages) < n_plain or len(set(nq_keys)) < len(nq_keys):
            return None
        if known and not messages.isdisjoint(known):
            return None
        if nq_keys and stored_keys(nq_keys):
            return None
        nq_at = iter(nq_keys)
        msg_rows: list[list[Any]] = []
        deliv_rows: list[list[Any]] = []
        n_attempts = 0
        for new, nq, drows in batch:
            if nq is None:
                first = new[M_FIRST]
                # time first: keys grow with the log, so inserts append to the b-trees
                mkey = new[M_KEY] = f"{first if first is not None else 0:014.3f}|{new[M_HOST]}|{new[M_QID]}"
            else:
                mkey = new[M_KEY] = next(nq_at)
            msg_rows.append(new)
            for drow in drows:
                drow[D_KEY] = mkey
                n_attempts += drow[D_N]
            deliv_rows += drows
        if self.track:
            self.changes = BatchChanges({}, [], {}, (msg_rows, deliv_rows))
        n = len(deliv_rows)
        return msg_rows, deliv_rows, (len(batch), len(batch), n, n, n_attempts)

    def _rederive(
        self,
        merged: set[str],
        rows: dict[str, MsgRow],
        old_deliv: dict[tuple[str, str], list[Any]],
        deliv_rows: dict[tuple[str, str], list[Any]],
    ) -> None:
        """Recompute every delivery of a message met in several parts from the union of its
        attempts and facts (:func:`derive_delivery`), into ``deliv_rows``."""
        if not merged:
            return
        provider_of = self._provider_of
        for key in [k for k in old_deliv if k[0] in merged and k not in deliv_rows]:
            deliv_rows[key] = old_deliv[key]
        for key, drow in deliv_rows.items():
            if key[0] in merged:
                m = rows[key[0]].row
                deliv_rows[key] = derive_delivery(
                    drow, m[M_FACTS], m[M_COMPLETED] is not None, m[M_SOURCE], provider_of
                )


__all__ = ["MERGE_WINDOW", "RECEIVED_TOLERANCE", "BatchMatcher", "MsgRow", "derive_delivery"]
