"""The unfinished messages of a parallel read's pieces (a piece's "tail"), kept compact until they
are merged.

A piece of a big log read in parallel ends with the messages still open at its end and, for every
piece but the first, the messages that ended in it but began before it ("partials"). The reader
merges them in input order (:meth:`~inboxtrace.timeline.reader.LogReader`): a message cut by a
piece boundary becomes one message, exactly as one pass over the log gives it. Until then they
wait as pickled bytes: a piece packs its partials block by block as they appear
(:func:`pack_partials`), and the reader unpacks them one block at a time as it merges them
(:func:`unpacked`), so neither the worker nor the reader holds thousands of them as objects.

The messages still open at a piece's end (most of the log's queue: thousands, mostly bounces'
DSNs that wait a day for a recipient) are packed one by one (:func:`pack_open`), and the reader
keeps those carried from piece to piece packed (:class:`Carry`): each is unpacked only when a later
piece continues it, or when it is finally made. As objects they took ~1.1 KB each; packed, a
third of that (see ``tests/timeline/test_flat_memory.py``).
"""

from __future__ import annotations

import marshal
import operator
import pickle
from collections.abc import Iterable, Iterator
from typing import Any

from inboxtrace.timeline.assembler import (
    _MSG_STATE,
    _RCPT_STATE,
    Assembler,
    _Msg,
    _msg_of,
    _rcpt_of,
    sendmail_complete,
)
from inboxtrace.timeline.records import A_PHASE_VID

Key = tuple[str, str]
# an open message as it waits: ((host, queue id), whether its arrival was seen, its state packed)
Packed = tuple[Key, bool, bytes]

_MSG_FIELDS = operator.attrgetter(*_MSG_STATE)  # (a C state and a plain one alike)
_RCPT_FIELDS = operator.attrgetter(*_RCPT_STATE)
_RCPTS = _MSG_STATE.index("rcpts")
_MARSHAL, _PICKLE = b"m", b"p"
_FIRST_WINS = ("received_ts", "subject")
_LAST_WINS = ("message_id", "size", "nrcpt", "client_host", "client_ip", "dsn_of")


def merge(a: _Msg, b: _Msg) -> _Msg:
    """Join the earlier piece ``a`` of a message with its later piece ``b``."""
    # as one pass sets them (the Assembler's events): the first arrival time and subject stay; a
    # later line's size, recipient count, message-id, client and DSN origin replace the earlier,
    # and so does its sender (Postfix's queue manager line, an Exim arrival), but for that of a
    # Postfix pickup, which only fills an unknown sender: a later piece that begins the message
    # with a pickup (``continues``) and has no queue manager line (no size, no count) after it
    for name in _FIRST_WINS:
        if getattr(a, name) is None:
            setattr(a, name, getattr(b, name))
    for name in _LAST_WINS:
        value = getattr(b, name)
        if value is not None:
            setattr(a, name, value)
    picked_up = b.born and b.mta == "postfix" and b.size is None and b.nrcpt is None
    if a.sender is None or (b.sender is not None and not picked_up):
        a.sender = b.sender
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
    if a.completed_ts is None and sendmail_complete(a):
        # its recipient count was in the earlier piece, its last delivery in the later one (which
        # could not tell it was the last): one pass ends the message there, at that piece's last line
        a.completed_ts = b.last_ts
    a.expired_ln = b.expired_ln or a.expired_ln
    a.last_ts = b.last_ts or a.last_ts
    a.born = a.born or b.born
    return a


def continues(prev: _Msg, born: bool) -> bool:
    """Whether a message a piece began (``born``: with an arrival line) continues ``prev``, the
    open message of the same (host, queue id) carried from the pieces before it. One pass decides
    this when it reads the arrival (``Assembler._birth``): an open message that has recipients and
    an arrival of its own is an older one whose end the log lost; anything else is continued."""
    return not (born and prev.born and prev.rcpts)


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


def pack_state(st: Any) -> bytes:
    """One message state (plain or the C core's) as bytes: its fields in :data:`_MSG_STATE` order,
    marshalled (plain values only: no class names, no field names), else pickled."""
    fields = list(_MSG_FIELDS(st))
    fields[_RCPTS] = [(key, _RCPT_FIELDS(r)) for key, r in st.rcpts.items()]
    try:
        return _MARSHAL + marshal.dumps(fields)
    except ValueError:  # a value marshal cannot carry (e.g. a str subclass)
        return _PICKLE + pickle.dumps(st, pickle.HIGHEST_PROTOCOL)


def unpack_state(blob: bytes) -> _Msg:
    """The plain state :func:`pack_state` packed."""
    data = memoryview(blob)[1:]
    if blob[:1] == _PICKLE:
        st: _Msg = pickle.loads(data)
        return st
    fields = marshal.loads(data)
    fields[_RCPTS] = {key: _rcpt_of(values) for key, values in fields[_RCPTS]}
    return _msg_of(tuple(fields))


def pack_open(states: Iterable[Any]) -> list[Packed]:
    """The messages still open at a piece's end, each packed on its own."""
    return [((st.host, st.qid), bool(st.born), pack_state(st)) for st in states]


class Carry:
    """The open messages carried from the pieces merged so far to the next, by (host, queue id),
    in the order they were put, each packed until it is taken. A message from a later piece waits
    with the offset its verdict numbers need (see :func:`renumber`), applied when it is taken."""

    __slots__ = ("_packed",)

    def __init__(self) -> None:
        self._packed: dict[Key, bytes | tuple[bytes, int]] = {}

    def __len__(self) -> int:
        return len(self._packed)

    def put(self, key: Key, blob: bytes, offset: int = 0) -> None:
        """Carry the packed state ``blob`` (last, whatever was there for ``key``)."""
        self._packed.pop(key, None)
        self._packed[key] = (blob, offset) if offset else blob

    def take(self, key: Key) -> _Msg | None:
        """The state carried for ``key`` (no longer carried), or None."""
        held = self._packed.pop(key, None)
        if held is None:
            return None
        if isinstance(held, bytes):
            return unpack_state(held)
        blob, offset = held
        st = unpack_state(blob)
        renumber(st, offset)
        return st

    def drain(self) -> Iterator[_Msg]:
        """Every state carried, in order, each unpacked as it is taken (and dropped)."""
        for key in list(self._packed):
            st = self.take(key)
            assert st is not None
            yield st


__all__ = [
    "Carry",
    "Packed",
    "continues",
    "merge",
    "pack_open",
    "pack_partials",
    "pack_state",
    "renumber",
    "unpack_state",
    "unpacked",
]
