"""What every check gets: the domain, the options, the shared resolver, and a place for records."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from inboxtrace.checks.dnsq import DnsAnswer, Resolver
from inboxtrace.checks.findings import finding
from inboxtrace.model.check import Finding

if TYPE_CHECKING:
    from inboxtrace.checks.sample import Sample


@dataclass(frozen=True)
class CheckOptions:
    """Options of one check run (the CLI flags, for library callers).

    ``mta_sts_url`` is the policy URL template (``{domain}`` is replaced); point it at a test
    server, or set ``fetch_policies=False`` to stay off HTTPS entirely. ``dnsbl_file`` replaces the
    bundled list of blocklists (data/dnsbl.toml) with the user's own.
    """

    ips: tuple[str, ...] = ()
    selectors: tuple[str, ...] = ()
    message: bytes | None = None
    nameservers: tuple[str, ...] = ()
    timeout: float = 3.0
    tries: int = 2
    probe_selectors: bool = True
    blocklists: bool = True
    dnsbl_file: str | None = None
    fetch_policies: bool = True
    mta_sts_url: str = "https://mta-sts.{domain}/.well-known/mta-sts.txt"
    https_timeout: float = 5.0
    concurrency: int = 64
    bimi_selector: str = "default"


@dataclass
class Context:
    """Per-domain state shared by the checks of one run."""

    domain: str
    options: CheckOptions
    resolver: Resolver
    sample: Sample | None = None
    records: dict[str, Any] = field(default_factory=dict)
    # shared between checks of the same domain (filled by earlier checks)
    dmarc_policy: str | None = None
    dmarc_pct: int = 100
    dmarc_found: bool | None = None
    mx_hosts: list[str] = field(default_factory=list)

    @property
    def q(self) -> Callable[..., Coroutine[Any, Any, DnsAnswer]]:
        """``await ctx.q(name, rdtype, dnssec=False)``: the shared resolver's query."""
        return self.resolver.query


def unchecked(what: str, answer: DnsAnswer, *, check: str = "dns") -> Finding:
    """The finding for a question DNS could not answer ("could not check", never "missing"),
    attributed to the ``check`` it blocked."""
    return finding(
        "dns.unchecked",
        check=check,
        found=answer.describe(),
        subject=answer.name.rstrip("."),
        checked=False,
        what=what,
        status=answer.status.value,
        name=answer.name.rstrip("."),
        rdtype=answer.rdtype,
    )
