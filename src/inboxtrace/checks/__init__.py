"""The sender check: SPF, DKIM, DMARC, MX, PTR/FCrDNS, DNSSEC, MTA-STS, TLS-RPT, BIMI, blocklists
and the Gmail/Yahoo/Microsoft bulk-sender rules, each result a :class:`~inboxtrace.model.Finding`,
scored 0–100 (weights in ``data/score.toml``).

::

    from inboxtrace.checks import CheckOptions, check_domain
    result = check_domain("example.com", CheckOptions(ips=("192.0.2.1",), nameservers=("127.0.0.1:5353",)))
    for f in result.findings: print(f.severity, f.title)
"""

from inboxtrace.checks.context import CheckOptions
from inboxtrace.checks.dnsq import DnsAnswer, DnsStatus, Resolver
from inboxtrace.checks.run import (
    check_domain,
    check_domain_async,
    check_many,
    check_many_async,
    domain_of_message,
)

__all__ = [
    "CheckOptions",
    "DnsAnswer",
    "DnsStatus",
    "Resolver",
    "check_domain",
    "check_domain_async",
    "check_many",
    "check_many_async",
    "domain_of_message",
]
