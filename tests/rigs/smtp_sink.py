"""A scripted SMTP receiver (aiosmtpd) on 127.0.0.1: the recipient's local part picks the answer.

Default script (:data:`DEFAULT_RULES`, first matching prefix wins; anything else gets 250):

==============  =======  ============================================================
local part      stage    answer
==============  =======  ============================================================
``shutdown*``   RCPT     421 4.3.2 service shutting down
``tempfail*``   RCPT     450 4.2.0 mailbox temporarily unavailable
``greylist*``   RCPT     451 4.7.1 greylisted
``quota*``      RCPT     452 4.2.2 mailbox over quota (insufficient storage)
``reject*``     RCPT     550 5.1.1 user unknown
``full*``       RCPT     552 5.2.2 mailbox full
``policy*``     RCPT     554 5.7.1 rejected by policy
``datafail*``   DATA     250 at RCPT, then 550 5.7.1 after the message content (end of DATA)
``datatemp*``   DATA     250 at RCPT, then 451 4.3.0 after the message content
``slow*``       RCPT     sleeps ``slow_seconds`` before 250 (longer than the client's timeout)
==============  =======  ============================================================

Usage::

    with SmtpSink() as sink:          # or SmtpSink(rules=[Rule("vip", "RCPT", "250 2.1.5 VIP")])
        sink.port                     # relay here
        sink.messages                 # list of Received(mail_from, rcpt_tos, data, queue_id)

Accepted messages get ``250 2.0.0 Ok: queued as SINK<n>`` so hop-following can be tested.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller

from tests.rigs import free_port


@dataclass(frozen=True)
class Rule:
    """Answer ``reply`` at ``stage`` (``RCPT`` or ``DATA``) to recipients whose local part starts with ``prefix``."""

    prefix: str
    stage: str
    reply: str
    delay: float = 0.0


DEFAULT_RULES: tuple[Rule, ...] = (
    Rule("shutdown", "RCPT", "421 4.3.2 Service shutting down, closing transmission channel"),
    Rule("tempfail", "RCPT", "450 4.2.0 <{rcpt}>: Mailbox temporarily unavailable"),
    Rule("greylist", "RCPT", "451 4.7.1 <{rcpt}>: Greylisted, please try again later"),
    Rule("quota", "RCPT", "452 4.2.2 <{rcpt}>: Mailbox over quota, insufficient storage"),
    Rule("reject", "RCPT", "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown"),
    Rule("full", "RCPT", "552 5.2.2 <{rcpt}>: Mailbox full"),
    Rule("policy", "RCPT", "554 5.7.1 <{rcpt}>: Message rejected due to local policy"),
    Rule("datafail", "DATA", "550 5.7.1 Message content rejected, spam score too high"),
    Rule("datatemp", "DATA", "451 4.3.0 Temporary content scanning failure, try again later"),
    Rule("slow", "RCPT", "250 2.1.5 Ok, eventually", delay=-1.0),  # -1: use the sink's slow_seconds
)


@dataclass
class Received:
    """One message the sink accepted."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    queue_id: str


@dataclass
class _Handler:
    rules: tuple[Rule, ...]
    slow_seconds: float
    messages: list[Received] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def _rule(self, address: str, stage: str) -> Rule | None:
        local = address.split("@", 1)[0].lower()
        for rule in self.rules:
            if rule.stage == stage and local.startswith(rule.prefix):
                return rule
        return None

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        rule = self._rule(address, "RCPT")
        if rule is not None:
            delay = self.slow_seconds if rule.delay < 0 else rule.delay
            if delay:
                await asyncio.sleep(delay)
            if not rule.reply.startswith("2"):
                return rule.reply.format(rcpt=address)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        for rcpt in envelope.rcpt_tos:
            rule = self._rule(rcpt, "DATA")
            if rule is not None:
                return rule.reply.format(rcpt=rcpt)
        qid = f"SINK{next(self._ids):06d}"
        data = envelope.original_content or envelope.content or b""
        if isinstance(data, str):
            data = data.encode()
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), data, qid))
        return f"250 2.0.0 Ok: queued as {qid}"


class SmtpSink:
    """The scripted receiver; a context manager (``start()``/``stop()`` also work)."""

    def __init__(
        self,
        rules: tuple[Rule, ...] | list[Rule] = DEFAULT_RULES,
        *,
        port: int | None = None,
        slow_seconds: float = 8.0,
        hostname: str = "sink.test",
    ) -> None:
        self.port = port or free_port()
        self.handler = _Handler(tuple(rules), slow_seconds)
        self._controller = Controller(
            self.handler,
            hostname="127.0.0.1",
            port=self.port,
            server_hostname=hostname,
            ready_timeout=10,
        )

    @property
    def messages(self) -> list[Received]:
        return self.handler.messages

    def start(self) -> SmtpSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
