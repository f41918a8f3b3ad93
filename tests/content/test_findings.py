"""inboxtrace's own content rules on messages written for the tests (no SpamAssassin, no DNS)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inboxtrace.content import ContentOptions, check_content
from inboxtrace.content.message import read_body
from tests.content.samples import BROKEN_MIME, SPAMMY, html_only, newsletter

OFFLINE = ContentOptions(spamassassin=False, blocklists=False)


def codes(raw: bytes) -> set[str]:
    return {f.code for f in check_content(raw, OFFLINE).findings}


def test_clean_newsletter_has_no_problem() -> None:
    assert codes(newsletter()) == {"content.ok"}


def test_html_without_text_part() -> None:
    assert "content.no-text-part" in codes(html_only())


def test_text_that_says_something_else() -> None:
    found = codes(newsletter(text="Please view this message in a browser that shows HTML.\n"))
    assert "content.text-html-mismatch" in found


def test_image_only_message() -> None:
    html = (
        '<html><body><a href="https://shop.example/sale"><img src="https://img.shop.example/sale.png"></a>'
        '<p>Sale!</p><p><a href="https://shop.example/u/1">unsubscribe</a></p></body></html>'
    )
    result = check_content(
        newsletter(html=html, text="Sale! https://shop.example/sale\nunsubscribe\n"), OFFLINE
    )
    image_only = [f for f in result.findings if f.code == "content.image-only"]
    assert image_only and "1 image(s)" in image_only[0].found


def test_gmail_clipping_over_102_kb() -> None:
    filler = "<p>" + "catalogue line " * 20 + "</p>"
    big = "<html><body>" + filler * 400 + '<a href="https://shop.example/u/1">Unsubscribe</a></body></html>'
    assert len(big) > 102 * 1024
    found = codes(newsletter(html=big))
    assert "content.clipped" in found
    assert "content.clipped" not in codes(newsletter())


def test_broken_mime_is_named() -> None:
    result = check_content(BROKEN_MIME, OFFLINE)
    broken = next(f for f in result.findings if f.code == "content.broken-mime")
    assert "closing MIME boundary" in broken.found and "base64" in broken.found


def test_links_to_other_domains_shorteners_and_shared_tracking() -> None:
    html = (
        "<html><body><p>" + "Our news this week in detail. " * 10 + "</p>"
        '<a href="https://bit.ly/abc">short</a> <a href="https://u123.ct.sendgrid.net/ls/click?x=1">tracked</a>'
        ' <a href="https://partner.example/offer">partner</a> <a href="https://www.facebook.com/shop">fb</a>'
        ' <a href="https://shop.example/u/1">Unsubscribe</a></body></html>'
    )
    result = check_content(newsletter(html=html), OFFLINE)
    by_code = {f.code: f for f in result.findings}
    assert by_code["content.shortener"].found == "bit.ly"
    assert "SendGrid" in by_code["content.tracking-unaligned"].found
    assert by_code["content.link-domain-mismatch"].found == "partner.example"  # facebook is ordinary


def test_misleading_link_text() -> None:
    html = (
        "<html><body><p>" + "Your account statement is ready to read. " * 8 + "</p>"
        '<a href="https://collector.example/login">https://www.shop.example/account</a>'
        ' <a href="https://shop.example/u/1">Unsubscribe</a></body></html>'
    )
    found = next(
        f
        for f in check_content(newsletter(html=html), OFFLINE).findings
        if f.code == "content.link-text-mismatch"
    )
    assert "www.shop.example" in found.found and "collector.example" in found.found


@pytest.mark.parametrize(
    ("header", "post", "expected"),
    [
        ("<http://shop.example/u/1>", "List-Unsubscribe=One-Click", "plain http"),
        ("https://shop.example/u/1", None, "angle brackets"),
        ("<mailto:>", None, "mailto without an address"),
        ("<mailto:u@shop.example>", "List-Unsubscribe=One-Click", "no https URL"),
        ("<https://shop.example/u/1>", "yes please", "not 'List-Unsubscribe=One-Click'"),
    ],
)
def test_broken_unsubscribe_headers(header: str, post: str | None, expected: str) -> None:
    extra = {"List-Unsubscribe": header}
    if post is not None:
        extra["List-Unsubscribe-Post"] = post
    result = check_content(newsletter(unsubscribe=False, extra=extra), OFFLINE)
    broken = next(f for f in result.findings if f.code == "content.unsubscribe-broken")
    assert expected in broken.found


def test_no_way_to_unsubscribe() -> None:
    html = "<html><body><p>" + "Words of the newsletter. " * 10 + "</p></body></html>"
    raw = newsletter(html=html, text="Words of the newsletter. " * 10, unsubscribe=False)
    assert "content.unsubscribe-missing" in codes(raw)
    assert "content.unsubscribe-missing" in codes(SPAMMY)


@pytest.mark.parametrize(
    ("from_", "code", "expected"),
    [
        ('"support@bank.example" <x@shop.example>', "content.from-display-address", "bank.example"),
        ("Ex\u0430mple Shop <news@shop.example>", "content.from-confusable", "CYRILLIC and LATIN"),
        ("Example\u202eShop <news@shop.example>", "content.from-confusable", "U+202E"),
        ("Example Shop <news@xn--shp-wjd.example>", "content.from-confusable", "mixes"),
    ],
)
def test_from_tricks(from_: str, code: str, expected: str) -> None:
    result = check_content(newsletter(from_=from_), OFFLINE)
    hit = [f for f in result.findings if f.code == code]
    assert hit and expected in hit[0].found, result.findings


def test_same_domain_in_display_name_is_fine() -> None:
    assert codes(newsletter(from_='"news@shop.example" <news@shop.example>')) == {"content.ok"}


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=3000))
def test_any_bytes_never_raise(data: bytes) -> None:
    result = check_content(data, OFFLINE)
    assert result.findings
    read_body(b"Content-Type: multipart/mixed; boundary=x\n\n--x\n" + data)


def test_huge_line_and_binary_do_not_raise() -> None:
    raw = (
        b"From: a@shop.example\nSubject: x\nContent-Type: text/html\n\n<a href='https://"
        + b"a" * 2_000_000
        + b"'>"
    )
    check_content(raw, OFFLINE)
    check_content(b"\x00\xff\xfe" * 100_000, OFFLINE)


def test_scripts_that_belong_together_are_not_a_trick() -> None:
    for name in (
        "やまだ商店 <news@shop.example>",
        "山田ストア <news@shop.example>",
        "Müller Straße <news@shop.example>",
    ):
        assert "content.from-confusable" not in codes(newsletter(from_=name)), name


def test_text_part_spelling_out_links_is_not_a_mismatch() -> None:
    links = "".join(
        f"Item {n}: https://shop.example/catalogue/item/{n}?utm_source=news&utm_medium=email\n"
        for n in range(15)
    )
    html_links = "".join(
        f'<p><a href="https://shop.example/catalogue/item/{n}">Item {n}:</a></p>' for n in range(15)
    )
    raw = newsletter(
        text="This month in the catalogue.\n" + links + "Unsubscribe: https://shop.example/u/1\n",
        html=f"<html><body><p>This month in the catalogue.</p>{html_links}<a href='https://shop.example/u/1'>Unsubscribe</a></body></html>",
    )
    assert "content.text-html-mismatch" not in codes(raw)


def test_a_huge_message_is_not_sent_to_spamassassin() -> None:
    big = newsletter(html="<html><body>" + "<p>catalogue line</p>" * 200_000 + "</body></html>")
    result = check_content(big, ContentOptions(blocklists=False, spamd="127.0.0.1:9"))
    assert result.spam_error and "larger than 2 MB" in result.spam_error
