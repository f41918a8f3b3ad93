"""The content check: is it the message itself?

========== ==========================================================================
message    parts, visible text, links and images of a message (never raises)
findings   inboxtrace's own rules: MIME, text/HTML, images, size, links, unsubscribe, From
spamd      a real SpamAssassin: the spamd protocol, and a private spamd on loopback
rspamd     rspamd's HTTP scan API, and a private rspamd on loopback
daemon     what both private scanners share: port, directory, start, wait, stop
check      one message: own findings, SpamAssassin explained, link domains on blocklists
verdict    one 0-10 verdict joining the sender check and the content check, top fixes
knowledge  the data files: findings.toml, spamassassin.toml, links.toml, verdict.toml
========== ==========================================================================

::

    from inboxtrace.content import ContentOptions, check_content
    result = check_content(open("sample.eml", "rb").read(), ContentOptions(spamd="127.0.0.1:783"))
    print(result.spam_total, [r.name for r in result.rules])
"""

from inboxtrace.content.check import ContentOptions, ContentResult, ExplainedRule, check_content
from inboxtrace.content.verdict import Verdict, overall

__all__ = ["ContentOptions", "ContentResult", "ExplainedRule", "Verdict", "check_content", "overall"]
