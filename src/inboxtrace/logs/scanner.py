"""Split each line into its envelope (time, host, program, pid, message) and hand it to a parser.

Envelopes recognised, cheapest test first:

- classic syslog ``Nov 25 16:24:02 host prog[pid]: msg`` (also with ``.ffffff`` and a ``<PRI>``),
- RFC 3339 / ISO 8601 ``2025-03-14T00:00:00.233479+01:00 host prog[pid]: msg`` (journald
  ``short-iso``/``short-iso-precise`` too, zone ``+0100`` or ``Z``),
- RFC 5424 ``<22>1 2025-03-14T00:00:00Z host prog pid - - msg``,
- Exim's own main log ``2025-03-14 00:00:00 [+0100] [pid] msg`` (no host: ``default_host``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from inboxtrace import native
from inboxtrace.logs.events import EventSink
from inboxtrace.logs.registry import LogParser
from inboxtrace.logs.stats import LogStats
from inboxtrace.sources.lines import LineBlock

_RFC5424 = re.compile(
    r"^<\d{1,3}>\d{1,2} (?P<ts>\S+) (?P<host>\S+) (?P<prog>\S+) (?P<pid>\S+) \S+ (?:-|(?:\[.*?\])+) ?(?P<msg>.*)$"
)
_EXIM_OWN = re.compile(
    r"^(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?)(?: (?P<tz>[+-]\d{4}))? (?P<msg>.*)$"
)
_PRI = re.compile(r"^<\d{1,3}>")
_TAG_MAX = 100_000  # distinct "prog[pid]:" tags remembered
FAST = "inboxtrace.logs._fastscan"  # Cython: envelopes and the frequent Postfix lines


def smtpd_session(line: str) -> int:
    """1 for a Postfix smtpd ``connect from`` line, 2 for ``disconnect from``, else 0.

    A quarter of a busy Postfix log: counted (ignored kinds) without being parsed."""
    if "/smtpd[" in line:
        if "]: connect from " in line:
            return 1
        if "]: disconnect from " in line:
            return 2
    return 0


class Scanner:
    """Parses lines of one or more sources into sink events, counting each line in ``stats``.

    ``forced`` is the parser chosen with ``format=``: it gets every line whatever the program
    name. ``default_host`` names the host for envelopes without one (Exim's own main log).
    """

    def __init__(
        self,
        parsers: list[LogParser],
        sink: EventSink,
        stats: LogStats,
        *,
        forced: LogParser | None = None,
        default_host: str = "localhost",
    ) -> None:
        self.parsers = parsers
        self.sink = sink
        self.stats = stats
        self.forced = forced
        self.default_host = default_host
        self.last_ts = ""  # timestamp text of the last line with an envelope
        self._tags: dict[str, tuple[LogParser | None, str, str | None]] = {}
        self._exim = next((p for p in parsers if p.name == "exim"), None)
        # smtpd connect/disconnect lines are a quarter of a busy Postfix log: shortcut them
        self._quick = (forced is None and any(p.name == "postfix" for p in parsers)) or (
            forced is not None and forced.name == "postfix"
        )
        if forced is not None and forced.name == "exim":
            self._exim = forced
        # the state of the block being scanned, shared with the compiled fast path
        self._valid: Callable[[str], object] | None = None
        self._ts = ""
        self._last: LogParser | None = None
        self._handled = 0
        self._events = 0
        # the compiled fast path for Postfix lines (None: plain Python, see inboxtrace.native)
        self._fast: Any = native.extension(FAST) if self._quick else None

    def _tag(self, tag: str) -> tuple[LogParser | None, str, str | None]:
        """``prog[pid]:`` -> (parser, daemon, pid); parser None for programs no parser claims."""
        body = tag[:-1] if tag.endswith(":") else tag
        b = body.find("[")
        if b >= 0:
            prog, pid = body[:b], body[b + 1 : -1] if body.endswith("]") else body[b + 1 :]
        else:
            prog, pid = body, None
        if self.forced is not None:
            daemon = self.forced.daemon_of(prog) or prog
            return self.forced, daemon, pid
        for p in self.parsers:
            claimed = p.daemon_of(prog)
            if claimed is not None:
                return p, claimed, pid
        return None, prog, pid

    def scan(self, block: LineBlock, source: str = "") -> None:
        """Parse every line of ``block``."""
        stats = self.stats
        formats = stats.formats
        ignored = stats.ignored
        self._begin()
        fast = self._fast
        raw = block.raw if fast is not None else None
        truncated = 0
        if raw is not None:  # its lines read in place, not decoded first
            n_connect, n_disconnect, truncated, lines = fast.scan_bytes(
                self, raw, block.first_line_no, self._quick, block.max_line
            )
            block.counted(lines)
        elif fast is not None:
            n_connect, n_disconnect = fast.scan_block(self, block.lines, block.first_line_no, self._quick)
            truncated = block.truncated
        else:
            truncated = block.truncated
            n_connect = n_disconnect = 0
            ln = block.first_line_no - 1
            quick = self._quick
            for line in block.lines:
                ln += 1
                # the most frequent lines that carry no event: counted without parsing
                session = smtpd_session(line) if quick else 0
                if session == 0:
                    self.line(line, ln)
                elif session == 1:
                    n_connect += 1
                else:
                    n_disconnect += 1
        last_parser = self._last
        if last_parser is not None and self._handled:
            formats[last_parser.name] = formats.get(last_parser.name, 0) + self._handled
        if n_connect or n_disconnect:
            if n_connect:
                ignored["smtpd-connect"] = ignored.get("smtpd-connect", 0) + n_connect
            if n_disconnect:
                ignored["smtpd-disconnect"] = ignored.get("smtpd-disconnect", 0) + n_disconnect
            formats["postfix"] = formats.get("postfix", 0) + n_connect + n_disconnect
        stats.lines += len(block)
        stats.events += self._events
        if self._ts:
            self.last_ts = self._ts
        stats.truncated += truncated
        stats.recoded += block.recoded

    def _begin(self) -> None:
        """Set the block state up (in a method of its own: the compiled fast path changes it
        behind the back of :meth:`scan`, which must not assume what it holds)."""
        # the sink's Clock (cached per text): None = not a time
        self._valid = getattr(self.sink, "clock", None)
        self._ts = ""
        self._last = None
        self._handled = 0
        self._events = 0

    def switch(self, parser: LogParser) -> None:
        """The lines that follow are ``parser``'s: count the previous parser's, tell the sink."""
        last = self._last
        if last is not None and self._handled:
            formats = self.stats.formats
            formats[last.name] = formats.get(last.name, 0) + self._handled
        self._handled = 0
        self.sink.mta = parser.name
        self._last = parser

    def tag_info(self, tag: str) -> tuple[LogParser | None, str, str | None]:
        """(parser, daemon, pid) of the program of ``prog[pid]:`` (cached per program)."""
        tags = self._tags
        b = tag.find("[")
        info = tags.get(tag[:b])
        if info is None:
            info = self._tag(tag)
            if len(tags) >= _TAG_MAX:
                tags.clear()
            tags[tag[:b]] = info
        return info

    def line(self, line: str, ln: int) -> None:
        """Parse one line (of the block :meth:`scan` is reading): envelope, dispatch, counts.

        The compiled fast path (``inboxtrace.logs._fastscan``) calls this for every line it does
        not handle itself, so the two give the same results by construction."""
        stats = self.stats
        ignored = stats.ignored
        # --- envelope -------------------------------------------------------------------
        if len(line) > 20 and line[15] == " " and line[3] == " " and line[12] == ":":
            ts = line[:15]
            parts = line[16:].split(" ", 2)
        elif line[10:11] == "T" and line[4:5] == "-":
            sp = line.find(" ")
            ts = line[:sp]
            parts = line[sp + 1 :].split(" ", 2)
        else:
            env = self._slow_envelope(line)
            if env is None:
                if not line.strip():
                    ignored["blank"] = ignored.get("blank", 0) + 1
                else:
                    stats.add_unknown(line)
                return
            ts, host, tag, msg = env
            parts = [host, tag, msg]
        self._ts = ts
        valid = self._valid
        if len(parts) != 3 or (valid is not None and valid(ts) is None):
            # (an impossible time, "Feb 30 25:61:99", month "Foo", offset -25:00, is no
            # event: never stored as year 1)
            stats.add_unknown(line)
            return
        host, tag, msg = parts
        if host[:1] == "<" and host[-1:] == ">" and not tag.endswith(":"):  # "<mail.notice> host prog: msg"
            parts = msg.split(" ", 1)
            if len(parts) != 2:
                stats.add_unknown(line)
                return
            host, (tag, msg) = tag, parts
        b = tag.find("[")
        if b > 0 and tag[-2:] == "]:":
            pid: str | None = tag[b + 1 : -2]
            info = self.tag_info(tag)
        else:
            if not tag.endswith(":"):
                stats.add_unknown(line)
                return
            tags = self._tags
            known = tags.get(tag)
            if known is None:
                known = tags[tag] = self._tag(tag)
            info = known
            pid = info[2]
        parser, daemon = info[0], info[1]
        if parser is None:
            kind = "other:" + daemon
            ignored[kind] = ignored.get(kind, 0) + 1
            return
        if parser is not self._last:
            self.switch(parser)
        try:
            r = parser.handle(daemon, ts, host, pid, msg, ln, line, self.sink)
        except (ValueError, IndexError) as exc:  # a malformed line must never stop the run
            self.failed(line, exc)
            return
        if r is True:
            self._events += 1
            self._handled += 1
        elif r is False:
            stats.add_unknown(line)
        else:
            ignored[r] = ignored.get(r, 0) + 1
            self._handled += 1

    def failed(self, line: str, exc: Exception) -> None:
        """Count a line whose parsing raised: unknown, with the exception's name."""
        self.stats.add_unknown(f"{line[:200]}  [{type(exc).__name__}]")

    def _slow_envelope(self, line: str) -> tuple[str, str, str, str] | None:
        """Envelopes that are not the two common ones; None when the line has no envelope we know."""
        if line.startswith("<"):
            m = _RFC5424.match(line)
            if m:
                pid = m["pid"]
                tag = m["prog"] + (f"[{pid}]:" if pid != "-" else ":")
                return m["ts"], m["host"], tag, m["msg"]
            stripped = _PRI.sub("", line, count=1)
            if stripped != line:
                if len(stripped) > 20 and stripped[15] == " " and stripped[3] == " ":
                    parts = stripped[16:].split(" ", 2)
                    if len(parts) == 3:
                        return stripped[:15], parts[0], parts[1], parts[2]
                elif stripped[10:11] == "T":
                    sp = stripped.find(" ")
                    parts = stripped[sp + 1 :].split(" ", 2)
                    if len(parts) == 3:
                        return stripped[:sp], parts[0], parts[1], parts[2]
            return None
        if line[4:5] == "-" and line[10:11] == " ":
            m = _EXIM_OWN.match(line)
            if m:
                ts = m["ts"] if not m["tz"] else f"{m['ts']}{m['tz'][:3]}:{m['tz'][3:]}"
                msg = m["msg"]
                # "2025-03-14 00:00:00 host exim[123]: ..." is syslog with a space-separated time
                parts = msg.split(" ", 2)
                if len(parts) == 3 and parts[1].endswith(":") and ("[" in parts[1] or "/" in parts[1]):
                    return ts, parts[0], parts[1], parts[2]
                if self._exim is None:
                    return None
                return ts, self.default_host, "exim:", msg
        if len(line) > 16 and line[3] == " " and line[15] == ".":  # classic with fractions
            sp = line.find(" ", 15)
            parts = line[sp + 1 :].split(" ", 2)
            if len(parts) == 3:
                return line[:sp], parts[0], parts[1], parts[2]
        return None


__all__ = ["Scanner", "smtpd_session"]
