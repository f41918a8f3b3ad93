"""The unfinished messages of a parallel read's pieces (a piece's "tail"), kept compact until they
are merged.

A piece of a big log read in parallel ends with the messages still open at its end and, for every
piece but the first, the messages that ended in it but began before it ("partials"). The reader
merges them in input order (:meth:`~inboxtrace.timeline.reader.LogReader`): a message cut by a
piece boundary becomes one message, exactly as one pass over the log gives it. Until then they
wait as pickled bytes: a piece packs its partials block by block as they appear
(:func:`pack_partials`), and the reader unpacks them one block at a time as it merges them
(:func:`unpacked`), so neither the worker nor the reader holds thousands of them as objects.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from typing import Any

from inboxtrace.timeline.assembler import Assembler, _Msg
from inboxtrace.timeline.records import A_PHASE_VID


def merge(a: _Msg, b: _Msg) -> _Msg:
    """Join the earlier piece ``a`` of a message with its later piece ``b``."""
    for name in (
        "received_ts",
        "sender",
        "message_id",
        "size",
        "nrcpt",
        "client_host",
        "client_ip",
        "dsn_of",
        "subject",
    ):
        if getattr(a, name) is None:
            setattr(a, name, getattr(b, name))
    for key, rb in b.rcpts.items():
        ra = a.rcpts.get(key)
        if ra is None:
            a.rcpts[key] = rb
        else:
            ra.attempts.extend(rb.attempts)
            ra.status = rb.status or ra.status
            ra.dsn_qid = rb.dsn_qid or ra.dsn_qid
    for fact in b.facts:  # an expiry or DSN logged after the cut applies to recipients seen before it
        Assembler.apply_fact(a, fact)
    a.facts.extend(b.facts)
    a.hops.extend(b.hops)
    a.completed_ts = b.completed_ts or a.completed_ts
    a.expired_ln = b.expired_ln or a.expired_ln
    a.last_ts = b.last_ts or a.last_ts
    a.born = a.born or b.born
    return a


def renumber(st: _Msg, offset: int) -> None:
    """Shift the verdict numbers of a state's attempts by ``offset`` (tables concatenated)."""

    def shift(attempts: list[Any]) -> list[Any]:
        out = []
        for a in attempts:
            vid = a[A_PHASE_VID]
            out.append((*a[:A_PHASE_VID], vid + offset, *a[A_PHASE_VID + 1 :]) if vid >= 0 else a)
        return out

    for r in st.rcpts.values():
        r.attempts = shift(r.attempts)
    st.notes = shift(st.notes)


def pack_partials(partials: list[_Msg], packed: list[bytes]) -> None:
    """Move the states in ``partials`` (an assembler's, emptied) to ``packed`` as one pickle."""
    if partials:
        packed.append(pickle.dumps(partials, pickle.HIGHEST_PROTOCOL))
        partials.clear()


def unpacked(packed: list[bytes]) -> Iterator[_Msg]:
    """The states :func:`pack_partials` packed, in order, one pickle unpacked at a time (each
    dropped from ``packed`` as it is)."""
    packed.reverse()
    while packed:
        yield from pickle.loads(packed.pop())


__all__ = ["merge", "pack_partials", "renumber", "unpacked"]
