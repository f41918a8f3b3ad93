"""DMARC record, policy, report destinations and their authorization, organizational fallback."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from inboxtrace.checks import CheckOptions, check_domain
from inboxtrace.checks.dmarc import validate
from tests.checks.checkhelp import assert_findings

pytestmark = pytest.mark.dns


@pytest.mark.parametrize(
    ("domain", "present", "absent"),
    [
        ("good.test", {"dmarc.ok"}, {"dmarc.missing", "dmarc.policy-none", "dmarc.no-rua"}),
        ("spf-none.test", {"dmarc.missing"}, {"dmarc.ok"}),
        ("dmarc-none.test", {"dmarc.policy-none", "dmarc.no-rua"}, {"dmarc.missing"}),
        ("dmarc-bad.test", {"dmarc.syntax"}, {"dmarc.ok"}),
        ("dmarc-baduri.test", {"dmarc.rua-invalid", "dmarc.ok"}, {"dmarc.syntax"}),
        ("dmarc-pct.test", {"dmarc.pct-partial", "dmarc.sp-weaker", "dmarc.ok"}, {"dmarc.no-rua"}),
        ("dmarc-ext.test", {"dmarc.external-unauthorized", "dmarc.ok"}, {"dmarc.missing"}),
        ("mail.good.test", {"dmarc.org-fallback", "dmarc.ok"}, {"dmarc.missing"}),
    ],
)
def test_dmarc_findings(
    opts: Callable[..., CheckOptions], domain: str, present: set[str], absent: set[str]
) -> None:
    assert_findings(opts(blocklists=False, probe_selectors=False), domain, present, absent)


def test_only_the_unauthorized_destination_is_reported(opts: Callable[..., CheckOptions]) -> None:
    result = check_domain("dmarc-ext.test", opts(blocklists=False, probe_selectors=False))
    assert [f.subject for f in result.by_code("dmarc.external-unauthorized")] == ["noauth.test"]
    (f,) = result.by_code("dmarc.external-unauthorized")
    assert "dmarc-ext.test._report._dmarc.noauth.test" in f.why


@pytest.mark.parametrize(
    ("record", "problem"),
    [
        ("v=DMARC1; p=none", None),
        ("v=DMARC1; p=reject; pct=101", "pct"),
        ("p=none; v=DMARC1", "first"),
        ("v=DMARC1; rua=mailto:a@b.c", "p= tag is missing"),
        ("v=DMARC1; p=none; rua=dmarc@example.com", "rua URI"),
        ("v=DMARC1; p=none; adkim=x", "adkim"),
        ("v=DMARC1; p=none; p=reject", "twice"),
    ],
)
def test_validate(record: str, problem: str | None) -> None:
    _tags, problems = validate(record)
    if problem is None:
        assert problems == []
    else:
        assert any(problem in p for p in problems), problems
