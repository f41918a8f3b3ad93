"""Bounce messages (DSN/NDR), feedback reports and auto-replies: read them, say why per recipient.

>>> from inboxtrace.bounces import parse_bounce
>>> report = parse_bounce(open("bounce.eml", "rb").read(), "bounce.eml")   # doctest: +SKIP
>>> [(r.recipient, r.verdict.reason) for r in report.recipients]            # doctest: +SKIP
"""

from __future__ import annotations

from inboxtrace.bounces.filtering import mark_suspected_filtering
from inboxtrace.bounces.parse import parse_bounce
from inboxtrace.bounces.sources import iter_imap, iter_path, iter_paths, read_bounces

__all__ = [
    "iter_imap",
    "iter_path",
    "iter_paths",
    "mark_suspected_filtering",
    "parse_bounce",
    "read_bounces",
]
