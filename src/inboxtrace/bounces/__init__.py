"""Bounce messages (DSN/NDR), feedback reports and auto-replies: read them, say why per recipient.

How a message is read:

* ``sources`` yields raw messages from files, mbox files, Maildir folders, stdin and IMAP;
* ``mail`` normalises line endings and parses with the stdlib ``email`` package (compat32);
* ``formats`` is an ordered registry of format families behind one interface (cheap ``sniff``,
  then ``parse``): RFC 3464/6533 DSNs, ARF (RFC 5965), Amazon SES JSON, delivery-status fields
  written as text, the human-text families of ``data/families.toml`` (Exim, qmail, Sendmail,
  Gmail, Yahoo, Exchange, Notes, ...), RFC 3834 auto-replies, and a last-resort reader;
* ``classify`` gives each recipient the reply vocabulary's verdict (``inboxtrace.codes``), then
  re-reads the reason in the light of the SMTP phase, DSN action and status (``data/context.toml``);
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
