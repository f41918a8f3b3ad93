"""The knowledge files: every finding the code can raise is explained, the score follows score.toml."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import inboxtrace.checks
from inboxtrace.checks.dnsbl import default_lists
from inboxtrace.checks.findings import catalog, finding, load_data, score

SRC = Path(inboxtrace.checks.__file__).parent
CALL = re.compile(r"""finding\(\s*["']([a-z0-9-]+\.[a-z0-9-]+)["']""")
CODE_VAR = re.compile(r"""["']([a-z0-9-]+\.[a-z0-9-]+)["']""")


def codes_in_source() -> set[str]:
    found: set[str] = set()
    for path in SRC.glob("*.py"):
        text = path.read_text()
        found |= set(CALL.findall(text))
        # codes chosen through a mapping, e.g. {"pass": "spf.ip-pass", ...}
        found |= {
            c for c in CODE_VAR.findall(text) if c.split(".")[0] in {k.split(".")[0] for k in catalog()}
        }
    return found


def test_every_code_in_the_source_is_in_the_catalog() -> None:
    used = codes_in_source()
    assert len(used) > 60
    missing = sorted(c for c in used if c not in catalog() and not c.endswith((".toml", ".py")))
    assert missing == []


def test_every_catalog_entry_is_used() -> None:
    unused = sorted(set(catalog()) - codes_in_source())
    assert unused == []


def test_entries_are_complete() -> None:
    for code, entry in catalog().items():
        assert entry["title"] and entry["why"], code
        if entry["severity"] != "info":
            assert entry.get("fix"), f"{code}: a problem needs a fix"


def test_every_check_has_a_cap() -> None:
    caps = load_data("score.toml")["cap"]
    assert {code.split(".")[0] for code in catalog()} <= set(caps)


def test_score_caps_per_check() -> None:
    many_spf = [finding("spf.plus-all", domain="x"), finding("spf.too-many-lookups", domain="x", count=12)]
    assert sum(f.penalty for f in many_spf) > 25
    assert score(many_spf) == 100 - 25  # capped at spf's weight
    mixed = [*many_spf, finding("dmarc.missing", domain="x")]
    assert score(mixed) == 100 - 25 - 20


def test_unchecked_findings_cost_nothing() -> None:
    f = finding("spf.missing", domain="x", checked=False)
    assert f.penalty == 0 and score([f]) == 100


def test_placeholders_are_filled() -> None:
    f = finding("spf.too-many-lookups", subject="example.com", domain="example.com", count=14)
    assert "14" in f.fix and "{" not in f.title + f.why + f.fix
    g = finding("spf.too-many-lookups")  # missing values never raise
    assert "?" in g.fix


@pytest.mark.parametrize("bl", default_lists(), ids=lambda b: b.zone)
def test_bundled_blocklists_never_call_an_error_code_a_listing(bl: object) -> None:
    for answer in bl.errors:  # type: ignore[attr-defined]
        assert bl.decode(answer)[0] == "refused"  # type: ignore[attr-defined]
    for answer in bl.codes:  # type: ignore[attr-defined]
        assert bl.decode(answer)[0] == "listed"  # type: ignore[attr-defined]
