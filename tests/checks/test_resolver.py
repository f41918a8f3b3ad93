"""`check` tells a broken resolver from a broken domain: it probes a name that always exists (the root)
and, when nothing could be checked, says so once and exits with status 4."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import dns.message
import dns.rcode
import pytest
from typer.testing import CliRunner

from inboxtrace.checks import CheckOptions, check_domain
from inboxtrace.cli import get_app
from inboxtrace.cli.exits import NOTHING_CHECKED
from tests.checks.checkhelp import codes, make_message
from tests.checks.fakedns import scripted_udp_server
from tests.rigs.knot import KnotServer

pytestmark = pytest.mark.dns


@pytest.fixture
def nxdomain_everything() -> Iterator[str]:
    """A resolver that answers NXDOMAIN to every question (a broken or hijacking filter)."""

    def answer(query: dns.message.Message) -> list[bytes]:
        reply = dns.message.make_response(query)
        reply.set_rcode(dns.rcode.NXDOMAIN)
        return [reply.to_wire()]

    with scripted_udp_server(answer) as address:
        yield address


def _cli(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(get_app(), ["check", *args])
    return r.exit_code, " ".join(r.stdout.split())


@pytest.mark.parametrize("server", ["nxdomain_everything", "blackhole"])
def test_a_broken_resolver_is_not_a_broken_domain(
    server: str, request: pytest.FixtureRequest, opts: Callable[..., CheckOptions]
) -> None:
    address = request.getfixturevalue(server)
    result = check_domain("good.test", opts(nameservers=(address,), timeout=0.3, tries=1))
    assert codes(result) == {"dns.resolver-failed"}
    assert result.score is None and not result.complete
    (f,) = result.findings
    assert address.split(":")[0] in f.why and ". SOA" in f.why
    code, out = _cli("good.test", "--nameserver", address, "--timeout", "0.3", "--tries", "1")
    assert code == NOTHING_CHECKED
    assert out.count("Nothing could be checked") == 1
    assert "does not exist" not in out and "name server" not in out and "Could not check" not in out


def test_nothing_checked_for_any_domain_of_a_file_exits_4(blackhole: str, tmp_path: Path) -> None:
    f = tmp_path / "domains.txt"
    f.write_text("good.test\nother.test\n")
    code, _ = _cli("--from-file", str(f), "--nameserver", blackhole, "--timeout", "0.3", "--tries", "1")
    assert code == NOTHING_CHECKED


def test_a_missing_domain_through_a_working_resolver_is_still_the_domain(
    opts: Callable[..., CheckOptions], knot: KnotServer
) -> None:
    result = check_domain("no-such-domain.test", opts())
    assert codes(result) == {"zone.nxdomain"} and result.score == 0
    code, out = _cli("no-such-domain.test", "--nameserver", knot.nameserver, "--no-blocklists", "--json")
    assert code == 0 and json.loads(out)["score"] == 0


def test_no_dmarc_verdict_when_spf_was_not_evaluated(opts: Callable[..., CheckOptions]) -> None:
    raw = make_message()  # unsigned, no Received header: no sending IP anywhere
    result = check_domain("good.test", opts(message=raw, blocklists=False))
    found = codes(result)
    assert "message.no-ip" in found and "align.undetermined" in found
    assert "align.fail" not in found and "bulk.alignment" not in found
    assert not any("DMARC fails" in f.title for f in result.findings)
