"""A sink that records parser events as dicts, for table-driven parser tests."""

# ruff: noqa: PLR0917

from __future__ import annotations

from typing import Any


class RecordingSink:
    """Implements :class:`inboxtrace.logs.EventSink` by appending ``{"event": name, ...}`` dicts."""

    def __init__(self) -> None:
        self.mta = ""
        self.events: list[dict[str, Any]] = []

    def _add(self, event: str, **fields: Any) -> None:
        self.events.append({"event": event, **fields})

    def client(
        self, host: str, qid: str, ts: str, client_host: str | None, client_ip: str | None, ln: int
    ) -> None:
        self._add("client", host=host, qid=qid, client_host=client_host, client_ip=client_ip)

    def pickup(self, host: str, qid: str, ts: str, sender: str | None, ln: int) -> None:
        self._add("pickup", host=host, qid=qid, sender=sender)

    def message_id(self, host: str, qid: str, ts: str, message_id: str, ln: int) -> None:
        self._add("message_id", host=host, qid=qid, message_id=message_id)

    def queued(
        self, host: str, qid: str, ts: str, sender: str | None, size: int | None, nrcpt: int | None, ln: int
    ) -> None:
        self._add("queued", host=host, qid=qid, sender=sender, size=size, nrcpt=nrcpt)

    def arrival(
        self,
        host: str,
        qid: str,
        ts: str,
        sender: str | None,
        size: int | None,
        message_id: str | None,
        client_host: str | None,
        client_ip: str | None,
        nrcpt: int | None,
        ln: int,
    ) -> None:
        self._add(
            "arrival", host=host, qid=qid, sender=sender, size=size, message_id=message_id,
            client_host=client_host, client_ip=client_ip, nrcpt=nrcpt,
        )  # fmt: skip

    def delivery(
        self,
        host: str,
        qid: str,
        ts: str,
        rcpt: str,
        orig: str | None,
        status: str,
        relay: str | None,
        delay: str | None,
        delays: str | None,
        dsn: str | None,
        text: str | None,
        pid: str | None,
        ln: int,
        line: str,
    ) -> None:
        self._add(
            "delivery", host=host, qid=qid, rcpt=rcpt, orig=orig, status=status, relay=relay, delay=delay,
            delays=delays, dsn=dsn, text=text,
        )  # fmt: skip

    def subject(self, host: str, qid: str, ts: str, subject: str, ln: int) -> None:
        self._add("subject", host=host, qid=qid, subject=subject)

    def note(self, host: str, qid: str, ts: str, pid: str | None, text: str, ln: int, line: str) -> None:
        self._add("note", host=host, qid=qid, text=text)

    def expired(self, host: str, qid: str, ts: str, ln: int, line: str) -> None:
        self._add("expired", host=host, qid=qid)

    def removed(self, host: str, qid: str, ts: str, ln: int) -> None:
        self._add("removed", host=host, qid=qid)

    def notification(self, host: str, qid: str, ts: str, kind: str, dsn_qid: str, ln: int) -> None:
        self._add("notification", host=host, qid=qid, kind=kind, dsn_qid=dsn_qid)

    def reject(
        self,
        host: str,
        qid: str | None,
        ts: str,
        action: str,
        stage: str | None,
        client_host: str | None,
        client_ip: str | None,
        sender: str | None,
        rcpt: str | None,
        text: str,
        ln: int,
        line: str,
    ) -> None:
        self._add(
            "reject", host=host, qid=qid, action=action, stage=stage, client_host=client_host,
            client_ip=client_ip, sender=sender, rcpt=rcpt, text=text,
        )  # fmt: skip

    def tls(self, host: str, pid: str | None, text: str) -> None:
        self._add("tls", host=host, pid=pid, text=text)
