"""MTA log parsing: line envelopes, one parser per MTA (Postfix, Exim, Sendmail), line accounting.

The parsers turn lines into events on an :class:`EventSink`; :mod:`inboxtrace.timeline` assembles
them into messages (``inboxtrace.timeline.read_logs`` is the one-call entry point).
"""

from inboxtrace.logs.clock import Clock
from inboxtrace.logs.events import EventSink
from inboxtrace.logs.registry import FORMATS, LogParser, all_parsers, parser_named
from inboxtrace.logs.scanner import Scanner
from inboxtrace.logs.stats import LogStats

__all__ = ["FORMATS", "Clock", "EventSink", "LogParser", "LogStats", "Scanner", "all_parsers", "parser_named"]
