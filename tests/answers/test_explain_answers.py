"""`explain` wording on reply texts a real Postfix logged (the bundled example) and real provider texts."""

from __future__ import annotations

import re

from inboxtrace.codes import classify
from tests.answers.conftest import EXAMPLE_LOG


def _replies() -> list[str]:
    """Every remote reply quoted in the example log ("host X said: REPLY (in reply to ...)")."""
    return re.findall(r"said: (\d{3} .*?) \(in reply to", EXAMPLE_LOG.read_text())


def test_an_undefined_detail_code_refined_by_its_text_is_no_disagreement() -> None:
    replies = [r for r in _replies() if re.match(r"\d{3} \d\.\d\.0 ", r)]
    assert any(r.startswith("450 4.2.0") for r in replies)
    for reply in replies:
        v = classify(reply)
        assert "the text wins" not in v.explanation, (reply, v.explanation)


def test_a_specific_code_contradicted_by_its_text_still_says_so() -> None:
    v = classify("550 5.1.1 <bob@example.com>: Recipient address rejected: Mailbox full")
    assert v.reason == "mailboxfull" and "the text wins" in v.explanation


def test_the_dmarc_explanation_fits_the_code_it_came_with() -> None:
    text = "Unauthenticated email from example.com is not accepted due to domain's DMARC policy."
    hard = classify(f"550 5.7.26 {text}")
    soft = classify(f"421 4.7.26 {text}")
    assert "4xx" not in hard.explanation and "failed the sending domain's DMARC policy" in hard.explanation
    assert "could not be completed" in soft.explanation
