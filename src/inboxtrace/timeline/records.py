"""Compact records of finished messages, and the :class:`Builder` that makes model objects of them.

Assembly (in worker processes, for speed) produces plain tuples of strings and numbers: cheap to
make and to send between processes with :mod:`marshal`. The parent turns them into the frozen
:class:`~inboxtrace.model.Message` / :class:`~inboxtrace.model.Delivery` /
:class:`~inboxtrace.model.Attempt` records. Timestamps travel as the text the log had and are
converted by a per-source :class:`~inboxtrace.logs.Clock`; verdicts travel as numbers into a table.

Layout (positions are a private contract between assembler and builder)::

    attempt  = (ts, status, relay_host, relay_ip, relay_port, reply, dsn, delay, delays, verdict_no,
                remote_queue_id, line_no, line, tls, source)
    delivery = (recipient, final_state, original_recipient, dsn_queue_id, [attempt, ...])
    message  = (mta, host, queue_id, received_ts, completed_ts, sender, message_id, size, nrcpt,
                client_host, client_ip, dsn_of, [next_hop, ...], source, [delivery, ...], [fact, ...],
                subject)
    fact     = ("expired", ts, line_no, line, source, ts) | ("dsn", kind, line_no, dsn_queue_id, source, ts)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, date, datetime, tzinfo
from typing import Any, Final, TypeVar

from inboxtrace import native
from inboxtrace.logs.clock import Clock
from inboxtrace.model.log import Attempt, Delivery, Evidence, FinalState, Message, MessageFact
from inboxtrace.model.reply import Phase, ReplyClass, Verdict

AttemptRec = tuple[Any, ...]  # see the layout above
MessageRec = tuple[Any, ...]

# Final: compiled, each use is the number itself (not a look-up of the module's global per use)
A_TS: Final = 0
A_STATUS: Final = 1
A_RELAY_HOST: Final = 2
A_RELAY_IP: Final = 3
A_RELAY_PORT: Final = 4
A_REPLY: Final = 5
A_DSN: Final = 6
A_DELAY: Final = 7
A_DELAYS: Final = 8
A_PHASE_VID: Final = 9
A_RQID: Final = 10
A_LN: Final = 11
A_LINE: Final = 12
A_TLS: Final = 13
A_SOURCE: Final = 14

_T = TypeVar("_T")


def _maker(cls: type[_T]) -> Callable[..., _T]:
    """What makes ``cls`` objects from all their field values: the Cython ``Maker`` (no
    ``__init__`` run, see ``timeline/_frozen.pyx``) when it is built and fits, else the class."""
    frozen = native.extension(FROZEN)
    if frozen is None or frozen.makes_fast(cls) is not None:
        return cls
    made: Callable[..., _T] = frozen.Maker(cls)
    return made


FROZEN = "inboxtrace.timeline._frozen"
_ATTEMPT: Final = _maker(Attempt)
_EVIDENCE: Final = _maker(Evidence)
_DELIVERY: Final = _maker(Delivery)
_MESSAGE: Final = _maker(Message)
_FACT: Final = _maker(MessageFact)
_VERDICT: Final = _maker(Verdict)
_STATES: Final = {s.value: s for s in FinalState}
_VERDICT_FIELDS = tuple(f.name for f in dataclasses.fields(Verdict))
_MIN: Final = datetime.min.replace(tzinfo=UTC)


def _c_build(builder: Builder) -> Any:
    """:meth:`Builder.build` of ``builder`` made in C (``_frozen.Build``) when the six makers are
    Cython ones, else None (the method's own code runs)."""
    frozen = native.extension(FROZEN)
    makers = (_ATTEMPT, _EVIDENCE, _DELIVERY, _MESSAGE, _FACT, _VERDICT)
    if frozen is None or not all(isinstance(m, frozen.Maker) for m in makers):
        return None
    try:
        return frozen.Build(builder, *makers[:5], _STATES, _MIN, _VERDICT)
    except TypeError:  # (the records have other fields than Build knows)
        return None


def verdict_to_tuple(v: Verdict) -> tuple[Any, ...]:
    """A verdict as plain values (enums by value), for :mod:`marshal`."""
    out = []
    for name in _VERDICT_FIELDS:
        value = getattr(v, name)
        out.append(value.value if isinstance(value, (ReplyClass, Phase)) else value)
    return tuple(out)


def verdict_from_tuple(t: tuple[Any, ...]) -> Verdict:
    d = dict(zip(_VERDICT_FIELDS, t, strict=True))
    d["reply_class"] = ReplyClass(d["reply_class"])
    if d.get("phase") is not None:
        d["phase"] = Phase(d["phase"])
    return Verdict(**d)


class Builder:
    """Turns message records into model objects. One per reader; verdict tables per producer."""

    def __init__(self, tz: tzinfo = UTC) -> None:
        self.tz = tz
        self._clocks: dict[str, Clock] = {}  # (read in place by _frozen.Build: keep it this one dict)
        self._reference: dict[str, date] = {}
        self._c: Any = _c_build(self)

    def set_reference(self, source: str, reference: date) -> None:
        """The date classic-syslog years of ``source`` are inferred from (its mtime)."""
        self._reference[source] = reference
        self._clocks.pop(source, None)

    def use_clock(self, source: str, clock: Clock) -> None:
        """Read the timestamps of ``source`` with ``clock`` (the assembler's of the same source and
        reference, in the same process): each distinct timestamp is then parsed once, not once by
        each (its cache is pure: a text always gives the same time)."""
        self._reference[source] = clock.reference
        self._clocks[source] = clock

    def clock(self, source: str) -> Clock:
        """The clock that reads the timestamps of ``source``."""
        return self._clock(source)

    def _clock(self, source: str) -> Clock:
        clock = self._clocks.get(source)
        if clock is None:
            clock = self._clocks[source] = Clock(self._reference.get(source), self.tz)
        return clock

    def build(self, rec: MessageRec, verdicts: list[Verdict]) -> Message:
        """The :class:`Message` of one record; ``verdicts`` is the producer's verdict table."""
        if self._c is not None:  # the same, made in C
            made: Message = self._c.build(rec, verdicts)
            return made
        (mta, host, qid, received_ts, completed_ts, sender, message_id, size, nrcpt, client_host, client_ip,
         dsn_of, hops, source, deliveries, facts, subject) = rec  # fmt: skip
        clock = self._clock(source)
        out = []
        a: AttemptRec  # (typed: compiled, its fields are read straight from the tuple)
        for addr, state, orig, dsn_qid, attempts in deliveries:
            built = []
            for a in attempts:
                c = clock if a[A_SOURCE] == source else self._clock(a[A_SOURCE])
                vid = a[A_PHASE_VID]
                verdict = verdicts[vid] if vid >= 0 else None
                reply = a[A_REPLY]
                if (
                    verdict is not None
                    and reply is not None
                    and verdict.reply_code is not None
                    and verdict.reply_code >= 300
                    and verdict.text not in reply
                ):
                    verdict = Verdict(
                        verdict.reply_code, verdict.enhanced_status, reply, verdict.reply_class, verdict.reason,
                        verdict.hard_bounce, verdict.action, verdict.explanation, verdict.provider, verdict.phase,
                    )  # fmt: skip
                built.append(
                    _ATTEMPT(
                        c.at(a[A_TS]) or _MIN,
                        a[A_STATUS],
                        a[A_RELAY_HOST],
                        a[A_RELAY_IP],
                        a[A_RELAY_PORT],
                        reply,
                        a[A_DSN],
                        a[A_DELAY],
                        a[A_DELAYS],
                        verdict.phase if verdict is not None else None,
                        a[A_RQID],
                        verdict,
                        _EVIDENCE(a[A_SOURCE], a[A_LN], a[A_LINE]),
                        a[A_TLS],
                    )
                )
            out.append(_DELIVERY(addr, _STATES[state], tuple(built), orig, dsn_qid))
        return _MESSAGE(
            mta, host, qid, clock.at(received_ts) if received_ts else None, clock.at(completed_ts) if completed_ts else None,
            sender, message_id, size, nrcpt, client_host, client_ip, tuple(out), dsn_of, tuple(hops), source,
            tuple(self._fact(f) for f in facts), subject,
        )  # fmt: skip

    def maker(self) -> Callable[[MessageRec, list[Verdict]], Message]:
        """:meth:`build`, or straight the C function it calls (one call less per message)."""
        made: Callable[[MessageRec, list[Verdict]], Message] = (
            self._c.build if self._c is not None else self.build
        )
        return made

    def _fact(self, fact: tuple[Any, ...]) -> MessageFact:
        kind, a, ln, b, source, ts = fact
        when = self._clock(source).at(ts) or _MIN
        if kind == "expired":
            return MessageFact(kind, when, Evidence(source, ln, b))
        return MessageFact(kind, when, Evidence(source, ln, ""), a, b)


__all__ = ["AttemptRec", "Builder", "MessageRec", "verdict_from_tuple", "verdict_to_tuple"]
