"""``suspected_filtering``: a "user unknown" bounce for an address known to receive mail.

Spam filters often answer ``550 user unknown`` instead of admitting they filtered the message.
When the address is a seed mailbox or received mail recently (the caller looks that up in the
store), such a bounce is more likely filtering than a dead address.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from inboxtrace.model.bounce import BounceRecipient, BounceReport

_UNKNOWN_REASONS = frozenset({"userunknown"})


def suspected_filtering(recipient: BounceRecipient, known_good: set[str]) -> str | None:
    """Why this bounce looks like filtering, or ``None``."""
    addr = recipient.recipient.lower()
    if recipient.verdict.reason not in _UNKNOWN_REASONS or addr not in known_good:
        return None
    return (
        f"{recipient.recipient} is known to be valid (a seed address, or it received mail recently), "
        f"yet the bounce says '{recipient.verdict.reason}': receivers' spam filters often answer "
        "'user unknown' instead of saying they filtered the message. Check content, reputation and "
        "authentication before removing the address."
    )


def mark_suspected_filtering(
    reports: Iterable[BounceReport], known_good: Iterable[str]
) -> list[BounceReport]:
    """The reports with ``suspected_filtering`` set where a known-good address bounced as unknown."""
    good = {a.strip().lower() for a in known_good}
    out: list[BounceReport] = []
    for report in reports:
        changed = False
        rcpts: list[BounceRecipient] = []
        for rcpt in report.recipients:
            why = suspected_filtering(rcpt, good) if report.is_bounce else None
            if why:
                changed = True
                rcpts.append(dataclasses.replace(rcpt, suspected_filtering=True, filtering_explanation=why))
            else:
                rcpts.append(rcpt)
        out.append(dataclasses.replace(report, recipients=tuple(rcpts)) if changed else report)
    return out
