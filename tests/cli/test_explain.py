"""``inboxtrace explain`` run as a user runs it: a real subprocess of the installed console script."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXE = shutil.which("inboxtrace", path=str(Path(sys.executable).parent))


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    assert EXE, "the inboxtrace console script is not installed in this environment"
    return subprocess.run([EXE, *args], input=stdin, capture_output=True, text=True, timeout=60, check=False)


def test_explain_json() -> None:
    result = run(
        "explain",
        "--json",
        "host mx.example[192.0.2.1] said: 552 5.2.2 Mailbox full (in reply to RCPT TO command)",
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["reason"] == "mailboxfull"
    assert data["class"] == "permanent"
    assert data["phase"] == "rcpt-to"
    assert data["hard_bounce"] is False


def test_explain_readable_escapes_markup_from_the_remote_server() -> None:
    result = run("explain", "550 5.7.1 [bold red]spam[/bold red] detected")
    assert result.returncode == 0, result.stderr
    assert "[bold red]spam[/bold red]" in result.stdout
    assert "spamdetected" in result.stdout


def test_explain_unquoted_words_are_one_reply() -> None:
    result = run("explain", "--json", "550", "5.1.1", "user", "unknown")
    assert json.loads(result.stdout)["reason"] == "userunknown"


def test_compare_codes_side_by_side() -> None:
    result = run("explain", "--json", "250", "550")
    data = json.loads(result.stdout)
    assert [c["code"] for c in data["codes"]] == [250, 550]
    assert data["codes"][0]["class"] == "success"
    assert data["codes"][1]["class"] == "permanent"
    readable = run("explain", "250", "550")
    assert "when you see it" in readable.stdout
    assert "what to do" in readable.stdout


def test_vietnamese_as_well_as_english() -> None:
    data = json.loads(run("explain", "--json", "--lang", "vi", "552 5.2.2 Mailbox full").stdout)
    assert "mailbox is full" in data["explanation"]
    assert "Hộp thư" in data["translations"]["vi"]
    assert "đầy" in run("explain", "--lang", "vi", "552 5.2.2 Mailbox full").stdout


@pytest.mark.parametrize("text", ["hello world", "", "\x01\x02binary \u200b"])
def test_not_a_reply_is_a_one_line_error_and_status_2(text: str) -> None:
    result = run("explain", text)
    assert result.returncode == 2
    assert result.stderr.startswith("error:")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_unknown_language_is_an_input_error() -> None:
    result = run("explain", "--lang", "xx", "550 5.1.1 unknown")
    assert result.returncode == 2
    assert "unknown language" in result.stderr


def test_many_replies_from_stdin_give_one_json_object_per_line() -> None:
    lines = "250 2.0.0 Ok: queued as ABC123\nnot a reply\n\n421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred\n"
    result = run("explain", "-", stdin=lines)
    assert result.returncode == 0, result.stderr
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(objects) == 3
    assert objects[0]["reason"] == "delivered"
    assert objects[1]["line"] == 2 and "error" in objects[1]
    assert objects[2]["provider"] == "yahoo"


def test_replies_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "replies.txt"
    path.write_bytes(b"550 5.1.1 no such user\n\xff\xfe garbage \n")
    result = run("explain", "--file", str(path))
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert objects[0]["reason"] == "userunknown"
    assert "error" in objects[1]


def test_terminal_control_sequences_from_the_remote_server_are_shown_not_run() -> None:
    result = run("explain", "550 5.1.1 user unknown \x1b[31mRED\x1b]8;;http://evil.test\x07x")
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout
    assert "\\x1b[31mRED" in result.stdout


def test_a_non_reply_is_quoted_as_given_not_as_its_template() -> None:
    """Numbers, addresses and ids are templated before classifying; the error quotes the input."""
    for text in ("123456", "hello 1234567 foo@example.com"):
        result = run("explain", text)
        assert result.returncode == 2
        assert repr(text) in result.stderr and "\\x02" not in result.stderr
