"""Bounce messages (DSN/NDR), feedback reports and auto-replies: read them, say why per recipient.

How a message is read:

* ``sources`` yields raw messages from files, mbox files, Maildir folders, stdin and IMAP;
* ``mail`` normalises line endings and parses: ``mime`` reads well-formed MIME about four times
  faster than the stdlib, building the same compat32 tree; anything damaged goes to the stdlib
  ``email`` package (compat32), which records the defects;
* ``formats`` is an ordered registry of format families behind one interface (cheap ``sniff``,
  then ``parse``): RFC 3464/6533 DSNs, ARF (RFC 5965), Amazon SES JSON, delivery-status fields
  written as text, the human-text families of ``data/families.toml`` (Exim, qmail, Sendmail,
  Gmail, Yahoo, Exchange, Notes, ...), RFC 3834 auto-replies, and a last-resort reader;
* ``classify`` gives each recipient the reply vocabulary's verdict (``inboxtrace.codes``), then
  re-reads the reason in the light of the SMTP phase (stated by the bounce, or only hinted by the
  reply's wording), DSN action and status, the words an MTA adds when it gives up, and whether the
  recipient has a diagnostic of its own (``data/context.toml``);
* ``original`` reads the returned message (Message-ID, subject, sender, VERP, tracking headers);
* ``filtering`` flags "user unknown" for addresses known to be valid.

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
