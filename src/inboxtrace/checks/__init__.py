"""The sender check: what a receiving server checks about a sending domain, IP and message.

One module per protocol, each ``async def check(ctx) -> list[Finding]``; exceptions never cross a
check's boundary (they become a ``dns.check-crashed`` finding) and DNS failures never read as
"missing" (``dns.unchecked``: SERVFAIL, timeout, refused).

========== ==========================================================================
dnsq, wire DNS client telling NXDOMAIN / no data / SERVFAIL / timeout apart; lean UDP path
zone       the domain exists, NS and SOA
spf        one record, syntax (pyspf), lookups <= 10, void lookups <= 2, +all/?all/ptr,
           evaluation for each IP (pyspf, through our resolver)
dkim       keys of given / sample / probed selectors (size, type, t=y), dkimpy verification
dmarc      record, policy, sp, pct, rua/ruf and external-destination authorization
align      DMARC alignment of a sample (relaxed and strict)
mx         MX set, null MX, aliases, PTR of MX addresses, DANE TLSA
ptr        PTR / forward-confirmed reverse DNS of sending IPs, generic-name detection
dnssec     unsigned, valid and chained (DS), bogus
mta_sts    _mta-sts TXT and the policy (HTTPS fetch optional, URL template for tests)
tlsrpt     _smtp._tls TXT
bimi       default._bimi TXT and its DMARC-enforcement precondition
reports    what stored DMARC aggregate reports say about the domain (check --db)
dnsbl      DNSBL/URIBL lookups, each list's return codes decoded (refusals are not listings)
bulk       Gmail/Yahoo 2024 and Microsoft 2025 bulk-sender rules on a sample message
findings   the catalog (data/findings.toml) and the 0-100 score (data/score.toml)
run        one domain (checks concurrently) or many (bounded concurrency, shared cache)
========== ==========================================================================

Knowledge lives in ``data/``: findings.toml (severity, title, why, fix, penalty of every finding),
score.toml (weights), dnsbl.toml (lists and return codes; replace with ``dnsbl_file``), dkim.toml
(probed selectors, key-size limits), dmarc.toml (tag values), ptr.toml (generic-name words).

::

    from inboxtrace.checks import CheckOptions, check_domain
    opts = CheckOptions(ips=("192.0.2.1",), nameservers=("127.0.0.1:5353",))
    result = check_domain("example.com", opts)
    print(result.score, [f.title for f in result.errors])
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
