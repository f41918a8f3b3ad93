"""The trace view: each found message's timeline, per recipient, every reply explained in one line.

Messages linked to a hit (the next hop's copy on another ingested host after "queued as X", the
previous hop, the DSN sent about it, the original a DSN reports on) are shown in the same story,
oldest first. All log-derived text is escaped before rich renders it (bounce and reply texts are
attacker-controlled).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.panel import Panel
from rich.text import Text

from inboxtrace.model.log import Attempt, Delivery, FinalState, Message
from inboxtrace.model.reply import ReplyClass, Verdict
from inboxtrace.report.bounce_links import LinkKey, link_dict, link_key, links_for_messages
from inboxtrace.safetext import markup_safe, visible
from inboxtrace.safetext import markup_safe as escape
from inboxtrace.store.bounces import BounceLink
from inboxtrace.store.core import Store, db_errors
from inboxtrace.store.log_queries import Linked, Story, TraceHits, trace

STATE_STYLE = {
    FinalState.DELIVERED: "bold green",
    FinalState.DEFERRED: "bold yellow",
    FinalState.BOUNCED: "bold red",
    FinalState.EXPIRED: "bold magenta",
    FinalState.REJECTED: "bold red",
    FinalState.UNKNOWN: "dim",
}
RELATION_LABEL = {
    "match": "",
    "next-hop": "next hop (the receiving server's own log)",
    "previous-hop": "previous hop",
    "dsn": "delivery status notification about it",
    "original": "the message this notification reports on",
    "esp": "the same message at the ESP (its webhook events)",
}


class _Explainer:
    """One verdict per distinct (reply, relay host), from :func:`inboxtrace.codes.classify`."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str | None], Verdict | None] = {}

    def __call__(self, a: Attempt) -> Verdict | None:
        if a.verdict is not None:
            return a.verdict
        if not a.reply:
            return None
        key = (a.reply, a.relay_host)
        if key not in self._cache:
            from inboxtrace.codes import classify

            try:
                self._cache[key] = classify(a.reply, remote_host=a.relay_host)
            except Exception:  # an unexplainable reply is shown as is
                self._cache[key] = None
        return self._cache[key]


def _first_sentence(text: str) -> str:
    i = text.find(". ")
    return text[: i + 1] if 0 < i < 200 else text


def _iso(t: datetime | None) -> str | None:
    return t.isoformat() if t else None


def _relay(a: Attempt) -> str:
    if not a.relay_host and not a.relay_ip:
        return ""
    s = a.relay_host or ""
    if a.relay_ip:
        s += f"[{a.relay_ip}]"
    if a.relay_port:
        s += f":{a.relay_port}"
    return s


@dataclass(frozen=True, slots=True)
class TraceView:
    hits: TraceHits
    bounces: dict[LinkKey, list[BounceLink]] = field(default_factory=dict)
    _explain: _Explainer = field(default_factory=_Explainer, init=False, repr=False, compare=False)

    @property
    def found(self) -> bool:
        return bool(self.hits.stories)

    def _verdict(self, a: Attempt) -> Verdict | None:
        return self._explain(a)

    # -- JSON ----------------------------------------------------------------------------------

    def _attempt_dict(self, a: Attempt) -> dict[str, Any]:
        v = self._verdict(a)
        return {
            "time": _iso(a.time),
            "status": a.status,
            "relay_host": a.relay_host,
            "relay_ip": a.relay_ip,
            "relay_port": a.relay_port,
            "reply": a.reply,
            "dsn": a.dsn,
            "delay": a.delay,
            "delays": a.delays,
            "phase": a.phase.value if a.phase else (v.phase.value if v and v.phase else None),
            "remote_queue_id": a.remote_queue_id,
            "tls": a.tls,
            "verdict": v.to_dict() if v else None,
            "evidence": (
                {"source": a.evidence.source, "line_no": a.evidence.line_no, "line": a.evidence.line}
                if a.evidence
                else None
            ),
        }

    def _delivery_dict(self, d: Delivery, m: Message) -> dict[str, Any]:
        return {
            "recipient": d.recipient,
            "original_recipient": d.original_recipient,
            "final_state": d.final_state.value,
            "dsn_queue_id": d.dsn_queue_id,
            "attempts": [self._attempt_dict(a) for a in d.attempts],
            "bounces": [link_dict(link) for link in self.bounces.get(link_key(m, d.recipient), [])],
        }

    def _message_dict(self, lk: Linked) -> dict[str, Any]:
        m = lk.message
        return {
            "relation": lk.relation,
            "matched_recipients": list(lk.matched_recipients),
            "mta": m.mta,
            "host": m.host,
            "queue_id": m.queue_id,
            "received": _iso(m.received),
            "completed": _iso(m.completed),
            "sender": m.sender,
            "message_id": m.message_id,
            "subject": m.subject,
            "size": m.size,
            "nrcpt": m.nrcpt,
            "client_host": m.client_host,
            "client_ip": m.client_ip,
            "dsn_of": m.dsn_of,
            "next_hops": list(m.next_hops),
            "source": m.source,
            "deliveries": [self._delivery_dict(d, m) for d in m.deliveries],
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.hits.query,
            "kind": self.hits.kind,
            "found": self.found,
            "truncated": self.hits.truncated,
            "matched": self.hits.matched,
            "stories": [
                {"messages": [self._message_dict(lk) for lk in s.messages]} for s in self.hits.stories
            ],
        }

    # -- rich ----------------------------------------------------------------------------------

    def _attempt_lines(self, a: Attempt, previous: Attempt | None = None) -> list[Text]:
        v = self._verdict(a)
        head = Text("    ")
        head.append(f"{a.time:%Y-%m-%d %H:%M:%S}", style="cyan")
        head.append(f"  {a.status:<9}", style="bold")
        relay = _relay(a)
        if relay:
            head.append(f" via {visible(relay)}")
        if a.dsn:
            head.append(f"  dsn={visible(a.dsn)}")
        if a.delay is not None:
            head.append(f"  delay={a.delay:g}s")
        out = [head]
        if a.status == "expired":
            head.append("  (queue lifetime reached: the MTA gave up and told the sender)", style="dim")
        if previous is not None and a.reply and a.reply == previous.reply:
            head.append("  same reply as before", style="dim")
            return out
        if a.reply:
            out.append(Text("      ") + Text(visible(a.reply), style="italic"))
        if v is not None and a.status != "sent":
            line = Text("      → ", style="dim")
            line.append(f"{v.reason}", style="bold")
            line.append(
                f" ({'hard' if v.hard_bounce else 'soft'}, {v.action}): {_first_sentence(v.explanation)}"
            )
            out.append(line)
        elif a.status == "sent" and a.remote_queue_id:
            out.append(
                Text(
                    f"      → accepted by the next hop, its queue id {visible(a.remote_queue_id)}",
                    style="dim",
                )
            )
        return out

    def _message_panel(self, lk: Linked) -> Panel:
        m = lk.message
        lines: list[Text] = []
        facts = [
            ("from", f"<{m.sender}>" if m.sender is not None else None),
            ("message-id", m.message_id),
            ("received", f"{m.received:%Y-%m-%d %H:%M:%S %Z}" if m.received else None),
            ("size", str(m.size) if m.size is not None else None),
            ("client", f"{m.client_host or ''}[{m.client_ip}]" if m.client_ip else m.client_host),
            ("left the queue", f"{m.completed:%Y-%m-%d %H:%M:%S}" if m.completed else None),
            ("reports on", m.dsn_of),
            ("handed to", " ".join(dict.fromkeys(m.next_hops)) or None),
            ("source", m.source),
        ]
        t = Text()
        for k, v in facts:
            if v:
                t.append(f"{k}: ", style="dim")
                t.append(f"{visible(v)}   ")
        lines.append(t)
        for d in m.deliveries:
            row = Text("  to ")
            row.append(f"<{visible(d.recipient)}>", style="bold")
            if d.original_recipient and d.original_recipient != d.recipient:
                row.append(f" (originally <{visible(d.original_recipient)}>)")
            row.append(": ")
            row.append(d.final_state.value, style=f"bold {STATE_STYLE.get(d.final_state, '')}".strip())
            n = len(d.attempts)
            row.append(f"  after {n} attempt{'s' if n != 1 else ''}")
            if d.dsn_queue_id:
                row.append(f"  notification {visible(d.dsn_queue_id)}")
            lines.append(row)
            prev: Attempt | None = None
            for a in d.attempts:
                lines.extend(self._attempt_lines(a, prev))
                prev = a
            for link in self.bounces.get(link_key(m, d.recipient), []):
                lines.extend(_bounce_lines(link))
        if not m.deliveries:
            lines.append(Text("  (no recipient lines in the ingested logs)", style="dim"))
        title = f"[bold]{markup_safe(m.queue_id)}[/bold] on {markup_safe(m.host)} ({markup_safe(m.mta)})"
        label = RELATION_LABEL.get(lk.relation, lk.relation)
        if label:
            title += f" — {escape(label)}"
        return Panel(Group(*lines), title=title, title_align="left")

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if not self.found:
            yield Text(f"No stored message matches {visible(self.hits.query)!r}.", style="yellow")
            return
        n, m = len(self.hits.stories), self.hits.matched
        note = ""
        if self.hits.truncated:
            note = f" (the {m:,} most recent matching messages; more exist: use --limit to see more)"
        elif m > n:
            note = f" ({m:,} matching messages; the hops and notices of one message are one story)"
        yield Text(
            f"{n:,} {'story' if n == 1 else 'stories'} for {self.hits.kind} {visible(self.hits.query)}{note}",
            style="bold",
        )
        for s in self.hits.stories:
            yield from self._story(s)

    def _story(self, s: Story) -> RenderResult:
        for lk in s.messages:
            yield self._message_panel(lk)


def _bounce_lines(link: BounceLink) -> list[Text]:
    verdict = link.bounce.recipient.verdict
    accepted = any(
        a.verdict is not None and a.verdict.reply_class is ReplyClass.SUCCESS for a in link.delivery.attempts
    )
    head = Text("    bounced after acceptance: " if accepted else "    bounce message: ", style="bold red")
    head.append(visible(link.describe()))
    lines = [head]
    why = Text("      → ")
    why.append(f"{verdict.reason} ({'hard' if verdict.hard_bounce else 'soft'}, {verdict.action}): ")
    why.append(visible(_first_sentence(verdict.explanation)))
    lines.append(why)
    if link.bounce.recipient.suspected_filtering:
        lines.append(Text("      suspected filtering: the address is known to be valid", style="yellow"))
    return lines


@db_errors
def build_trace(store: Store, query: str, *, limit: int = 20) -> TraceView:
    """Find ``query`` (recipient, sender, Message-ID or queue id) and build its view, with the
    bounce messages (when ingested) that report on its deliveries after acceptance."""
    hits = trace(store, query, limit=limit)
    messages = [lk.message for s in hits.stories for lk in s.messages]
    return TraceView(hits, bounces=links_for_messages(store, messages) if messages else {})


__all__ = ["TraceView", "build_trace"]
