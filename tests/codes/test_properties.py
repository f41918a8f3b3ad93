"""No input makes the reply parser or the classifier raise anything but NotAReplyError."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from inboxtrace.codes import classify, find_reply
from inboxtrace.errors import NotAReplyError
from inboxtrace.model import Reply

_PIECES = st.sampled_from(
    [
        "550",
        "5.1.1",
        "-",
        " ",
        "host ",
        "[1.2.3.4]",
        " said: ",
        "(in reply to RCPT TO command)",
        "\n",
        "250-",
        "Diagnostic-Code: ",
        "smtp;",
        "X-Unix;",
        "stat=",
        "#",
        "4.4.7",
        "\r\n",
        "user unknown",
        "<a@b>",
        "\x00",
        "é",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=400))
def test_find_reply_never_raises(text: str) -> None:
    find_reply(text)


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES | st.text(max_size=20), max_size=30).map("".join))
def test_classify_text_raises_only_not_a_reply(text: str) -> None:
    try:
        verdict = classify(text)
    except NotAReplyError:
        return
    assert verdict.reason
    assert verdict.to_dict()["class"] in {"success", "transient", "permanent"}


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(st.none(), st.integers(min_value=0, max_value=999)),
    st.one_of(st.none(), st.from_regex(r"\A[245]\.[0-9]{1,3}\.[0-9]{1,3}\Z")),
    st.text(max_size=200),
)
def test_classify_parsed_reply_never_raises(code: int | None, status: str | None, text: str) -> None:
    verdict = classify(Reply(code=code, enhanced_status=status, text=text, raw=text))
    assert verdict.reason
