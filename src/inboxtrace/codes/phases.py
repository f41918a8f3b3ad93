"""Which SMTP phase a reply answered, from the words MTAs put around it."""

from __future__ import annotations

from functools import cache

from inboxtrace.codes.knowledge import LazyPattern
from inboxtrace.codes.needles import Gates, needles_of
from inboxtrace.model.reply import Phase

_Table = tuple[tuple[tuple[LazyPattern, Phase], ...], Gates]


def _compile(table: tuple[tuple[str, str], ...]) -> _Table:
    # Each pattern is gated by the literals one of which every match contains (see needles.py):
    # the regex is only compiled and searched when one of them is in the lower-cased text.
    entries = tuple((LazyPattern(p, "codes/phases.py"), Phase(phase)) for p, phase in table)
    return entries, Gates([needles_of(p) for p, _ in table])


def _first(table: _Table, text: str, low: str) -> Phase | None:
    entries, gates = table
    for i in gates.candidates(low):
        pattern, phase = entries[i]
        if pattern.search(text):
            return phase
    return None


# Explicit statements of the phase (Postfix "in reply to ... command" / "while ...", Exim "after ...",
# Sendmail/bounce wording). Ordered: the first match wins.
_EXPLICIT_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"(?:in reply to|after|while sending|while receiving the reply to) end of data", "end-of-data"),
    (r"in reply to (?:the )?DATA command|\bafter DATA\b|while sending (?:the )?DATA\b", "data"),
    (r"in reply to RCPT TO command|\bafter (?:pipelined )?RCPT TO\b|while sending RCPT TO", "rcpt-to"),
    (r"in reply to MAIL FROM command|\bafter MAIL FROM\b|while sending MAIL FROM", "mail-from"),
    (r"in reply to STARTTLS|\bafter STARTTLS\b|TLS handshake|while performing the TLS", "starttls"),
    (r"in reply to AUTH|\bafter AUTH\b|SASL authentication failed", "auth"),
    (r"in reply to (?:EHLO|HELO|LHLO)|\bafter (?:EHLO|HELO|LHLO)\b|(?:EHLO|HELO|LHLO) handshake", "ehlo"),
    (
        r"initial (?:server )?greeting|initial connection|refused to talk to me|\bconnect to\b|"
        r"\bafter connect\b|while connecting",
        "connect",
    ),
    (r"in reply to QUIT|\bafter QUIT\b", "quit"),
)

# Weaker hints found in the reply text itself.
_HINT_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"\bRecipient address rejected\b|\bRCPT\b", "rcpt-to"),
    (r"\bSender address rejected\b", "mail-from"),
    (r"\bconnection (?:timed out|refused)\b|no route to host|network is unreachable", "connect"),
)


# Built at first use, not at import; a pattern is compiled only when a text's literals let it through
# (``explain 550`` compiles none of them).
@cache
def _explicit() -> _Table:
    return _compile(_EXPLICIT_PATTERNS)


@cache
def _hints() -> _Table:
    return _compile(_HINT_PATTERNS)


def stated_phase(text: str) -> Phase | None:
    """The phase only when the text states it (wrapper words), not when its wording hints at it."""
    return _first(_explicit(), text, text.lower())


def phase_of(text: str) -> Phase | None:
    """The phase stated by the wrapper words in ``text`` (or hinted by its wording), or None."""
    low = text.lower()
    return _first(_explicit(), text, low) or _first(_hints(), text, low)
