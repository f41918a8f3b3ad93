"""A real SpamAssassin on loopback scores messages written for the tests."""

from __future__ import annotations

import socket
import threading

import pytest

from inboxtrace.content import ContentOptions, check_content
from inboxtrace.content.knowledge import rule_meanings
from inboxtrace.content.spamd import SpamdServer, parse_reply, ping, score
from inboxtrace.errors import RemoteError, UnreachableError
from tests.content.samples import BROKEN_MIME, SPAMMY, html_only, newsletter


def test_spammy_message_is_spam_and_rules_are_explained(spamd_server: SpamdServer) -> None:
    report = spamd_server.score(SPAMMY)
    assert report.spam and report.total >= report.required == 5.0
    names = {r.name for r in report.rules}
    assert {"GUARANTEED_100_PERCENT", "SUBJ_ALL_CAPS", "MIME_HTML_ONLY"} <= names
    # the points add up to the total SpamAssassin reported (rounded per rule)
    assert sum(r.points for r in report.rules) == pytest.approx(report.total, abs=0.3)
    result = check_content(
        SPAMMY, ContentOptions(spamd=f"{spamd_server.host}:{spamd_server.port}", blocklists=False)
    )
    assert result.spam_total == report.total
    points = [r.points for r in result.rules]
    assert points == sorted(points, reverse=True)  # ordered by harm
    guaranteed = next(r for r in result.rules if r.name == "GUARANTEED_100_PERCENT")
    assert guaranteed.meaning == rule_meanings()["GUARANTEED_100_PERCENT"]["meaning"]
    assert "content.spam" in {f.code for f in result.findings}


def test_clean_newsletter_scores_low(spamd_server: SpamdServer) -> None:
    report = spamd_server.score(newsletter())
    assert not report.spam and report.total < 2.5, report


def test_html_only_and_broken_mime_fire_their_rules(spamd_server: SpamdServer) -> None:
    assert "MIME_HTML_ONLY" in {r.name for r in spamd_server.score(html_only()).rules}
    assert "MIME_HTML_ONLY" not in {r.name for r in spamd_server.score(newsletter()).rules}
    broken = {r.name for r in spamd_server.score(BROKEN_MIME).rules}
    assert "MPART_ALT_DIFF" in broken  # the text part and the HTML part do not say the same


def test_a_private_spamd_is_started_and_stopped() -> None:
    result = check_content(SPAMMY, ContentOptions(blocklists=False))
    assert result.spam_error is None and result.spam_total is not None and result.spam_total >= 5


def test_stopped_server_is_gone() -> None:
    server = SpamdServer.start()
    host, port = server.host, server.port
    assert ping(host, port)
    server.stop()
    assert not ping(host, port)
    assert not server.workdir.exists()


def test_nobody_listening_is_a_clear_unavailable_finding() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(UnreachableError):
        score(b"Subject: x\r\n\r\nhi\r\n", "127.0.0.1", port, timeout=2)
    result = check_content(SPAMMY, ContentOptions(spamd=f"127.0.0.1:{port}", blocklists=False))
    assert result.spam_total is None and result.spam_error
    unavailable = [f for f in result.findings if f.code == "content.spamassassin-unavailable"]
    assert unavailable and not unavailable[0].checked


def test_a_server_that_is_not_spamd_is_refused_cleanly() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]

    def answer() -> None:
        conn, _ = listener.accept()
        conn.recv(65536)
        conn.sendall(b"220 smtp.example ESMTP\r\n")
        conn.close()

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    try:
        with pytest.raises(RemoteError, match="not a SPAMD answer"):
            score(SPAMMY, "127.0.0.1", port, timeout=5)
    finally:
        thread.join(5)
        listener.close()


def test_parse_reply_refusal_and_continued_descriptions() -> None:
    with pytest.raises(RemoteError, match="refused"):
        parse_reply(b"SPAMD/1.1 76 Bad header line: x\r\n\r\n")
    reply = (
        b"SPAMD/1.1 0 EX_OK\r\nContent-length: 10\r\nSpam: False ; 1.2 / 5.0\r\n\r\n"
        b" 1.2 SOME_RULE              A long description that SpamAssassin\n"
        b"                            wraps onto a second line\n"
    )
    report = parse_reply(reply)
    assert report.rules[0].description.endswith("wraps onto a second line")
    assert not report.spam and report.total == 1.2


def test_every_explained_rule_exists_in_the_installed_rules() -> None:
    import re
    from pathlib import Path

    text = "".join(p.read_text("utf-8", "replace") for p in Path("/usr/share/spamassassin").glob("*.cf"))
    defined = set(re.findall(r"^\s*(?:header|body|rawbody|uri|full|meta|describe)\s+(\w+)", text, re.M))
    missing = sorted(set(rule_meanings()) - defined)
    assert not missing, missing


@pytest.mark.dns
def test_network_tests_when_asked_use_the_given_resolver() -> None:
    """SpamAssassin's URI blocklist rule fires from a Spamhaus DBL zone served by a local Knot."""
    from tests.rigs.knot import start_knot

    listed = "inboxtrace-listed-for-tests.com"
    # the DBL is asked about the whole host name (its rules do not trim to the registered domain)
    knot = start_knot({"dbl.spamhaus.org": f"{listed} A 127.0.1.2\nwww.{listed} A 127.0.1.2\n"})
    try:
        raw = newsletter(
            html="<html><body><p>" + "Our catalogue news for this month, with the new parts. " * 6 + "</p>"
            f'<p><a href="https://www.{listed}/offer">offer</a></p>'
            '<p><a href="https://shop.example/u/1">Unsubscribe</a></p></body></html>'
        )
        online = ContentOptions(spamassassin_network=True, nameservers=(knot.nameserver,), blocklists=False)
        names = {r.name for r in check_content(raw, online).rules}
        assert "URIBL_DBL_SPAM" in names
        offline = {r.name for r in check_content(raw, ContentOptions(blocklists=False)).rules}
        assert "URIBL_DBL_SPAM" not in offline  # network tests stay off unless asked
    finally:
        knot.stop()
