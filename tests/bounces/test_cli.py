"""``inboxtrace bounces`` run as a user runs it (a real subprocess), and over a real Dovecot IMAP."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from inboxtrace.bounces import iter_imap, read_bounces
from inboxtrace.errors import AuthenticationError, TLSError
from tests.bounces.samples import dsn, plain_mail, vacation
from tests.rigs.dovecot import DovecotRig

EXE = shutil.which("inboxtrace", path=str(Path(sys.executable).parent))
VERDICT_KEYS = {
    "reply_code",
    "enhanced_status",
    "text",
    "class",
    "reason",
    "hard_bounce",
    "action",
    "explanation",
    "provider",
    "phase",
}
BOUNCE_KEYS = {
    "file",
    "recipient",
    "original_recipient",
    "message_id",
    "format",
    "is_bounce",
    "suspected_filtering",
}


def run(
    *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    assert EXE, "the inboxtrace console script is not installed in this environment"
    full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
    return subprocess.run(
        [EXE, *args], input=stdin, capture_output=True, timeout=120, check=False, env=full_env
    )


def test_json_lines_and_summary(tmp_path: Path) -> None:
    (tmp_path / "a.eml").write_bytes(dsn("a@example.org"))
    (tmp_path / "b.eml").write_bytes(
        dsn("b@example.org", diagnostic="smtp; 552 5.2.2 Mailbox full", status="5.2.2")
    )
    (tmp_path / "c.eml").write_bytes(plain_mail())
    (tmp_path / "d.eml").write_bytes(b"\x00\x01junk")
    result = run("bounces", "--json", str(tmp_path))
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [(r["recipient"], r["reason"], r["hard_bounce"]) for r in rows] == [
        ("a@example.org", "userunknown", True),
        ("b@example.org", "mailboxfull", False),
    ]
    assert set(rows[0]) >= VERDICT_KEYS | BOUNCE_KEYS
    assert rows[0]["message_id"] == "<m1.20260101@sender.example.com>" and rows[0]["is_bounce"] is True
    err = result.stderr.decode()
    assert "d.eml" in err and "binary" in err  # the per-file error, and the run went on
    assert "userunknown" in err and "mailboxfull" in err  # the summary by reason


def test_cluster_option_and_variable_give_the_same_lines(tmp_path: Path) -> None:
    """--cluster (here local processes; a Dask address runs the same pieces, see
    tests/integration/test_bounces_dask.py) and $INBOXTRACE_CLUSTER change where, not what."""
    for i in range(70):
        (tmp_path / f"{i:02d}.eml").write_bytes(dsn(f"r{i}@example.org"))
    (tmp_path / "junk.eml").write_bytes(b"\x00\x01junk")
    one = run("bounces", "--json", "--workers", "1", str(tmp_path))
    assert one.returncode == 0, one.stderr
    assert len(one.stdout.decode().splitlines()) == 70
    option = run("bounces", "--json", "--cluster", "local:2", str(tmp_path))
    variable = run("bounces", "--json", str(tmp_path), env={"INBOXTRACE_CLUSTER": "local:2"})
    assert option.stdout == variable.stdout == one.stdout
    assert "junk.eml" in option.stderr.decode() and "junk.eml" in variable.stderr.decode()
    wrong = run("bounces", "--cluster", "nowhere", str(tmp_path))
    assert wrong.returncode != 0 and "not a cluster" in wrong.stderr.decode()
    assert "Traceback" not in wrong.stderr.decode()


def test_stdin_lines_and_autoreply() -> None:
    result = run("bounces", "-", stdin=vacation())
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert "vacation (autoreply, not a bounce)" in out
    assert "1 autoreply" in result.stderr.decode()  # the summary: stdout keeps only the lines


def test_into_a_pipe_one_tab_separated_line_per_recipient(tmp_path: Path) -> None:
    (tmp_path / "a.eml").write_bytes(dsn("a@example.org"))
    (tmp_path / "b.eml").write_bytes(
        dsn("b@example.org", diagnostic="smtp; 552 5.2.2 Mailbox full\tand more", status="5.2.2")
    )
    result = run("bounces", str(tmp_path / "a.eml"), str(tmp_path / "b.eml"), env={"COLUMNS": "80"})
    assert result.returncode == 0, result.stderr
    head, *lines = result.stdout.decode().splitlines()
    assert head.split("\t") == ["file", "recipient", "reason", "hard", "reply", "diagnostic", "explanation"]
    rows = [line.split("\t") for line in lines]
    assert all(len(r) == 7 for r in rows)  # a long text is one field, not folded over lines
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        ("a.eml", "a@example.org", "userunknown", "hard"),
        ("b.eml", "b@example.org", "mailboxfull", "soft"),
    ]
    assert rows[1][5].startswith("552 5.2.2 Mailbox full and more")  # its tab became a space
    assert "mailboxfull" in result.stderr.decode()  # the summary by reason


def test_on_a_terminal_a_table() -> None:
    import pty

    (parent, child) = pty.openpty()
    with os.fdopen(parent, "rb", buffering=0) as reader:
        proc = subprocess.Popen(
            [EXE or "inboxtrace", "bounces", "-"],
            stdin=subprocess.PIPE,
            stdout=child,
            stderr=subprocess.PIPE,
            env={**os.environ, "COLUMNS": "200"},
        )
        os.close(child)
        _, err = proc.communicate(vacation(), timeout=120)
        chunks = []
        while True:
            try:
                chunk = reader.read(65536)
            except OSError:  # the terminal's other end is closed: all was read
                break
            if not chunk:
                break
            chunks.append(chunk)
    assert proc.returncode == 0, err
    out = b"".join(chunks).decode()
    assert "diagnostic / explanation" in out and "\t" not in out  # the table's header, no tab lines
    assert "1 autoreply" in out  # the summary is on the terminal too


def test_attacker_text_is_escaped(tmp_path: Path) -> None:
    evil = "smtp; 550 5.1.1 [bold red]pwned[/bold red] \x1b[31mred\x1b[0m \u202egnp.exe user unknown"
    (tmp_path / "evil.eml").write_bytes(
        dsn(diagnostic=evil).replace(b"\n\n--BOUNDARY-1--", b"\n--BOUNDARY-1--")
    )
    result = run("bounces", str(tmp_path / "evil.eml"))
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert "[bold red]pwned[/bold red]" in out  # shown literally, not interpreted
    assert "\x1b[31m" not in out and "\u202e" not in out


def test_ingest_twice_and_known_good(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "k.eml").write_bytes(dsn())
    seeds = tmp_path / "seeds.txt"
    seeds.write_text("# seeds\nkijitora@example.org\n")
    db = f"sqlite:///{tmp_path / 'store.db'}"
    first = run("bounces", "--json", "--ingest", "--db", db, "--known-good", str(seeds), str(tmp_path / "in"))
    assert first.returncode == 0, first.stderr
    (row,) = [json.loads(x) for x in first.stdout.decode().splitlines()]
    assert row["suspected_filtering"] is True
    assert "stored 1 new bounce message" in first.stderr.decode()
    second = run("bounces", "--ingest", "--db", db, str(tmp_path / "in"))
    assert "stored 0 new bounce message(s), 0 recipient(s); 1 already stored" in second.stderr.decode()


def test_bad_usage_is_one_line() -> None:
    result = run("bounces")
    assert result.returncode == 2
    assert b"Traceback" not in result.stderr
    result = run("bounces", "--imap", "127.0.0.1", "--user", "u", "--password-env", "NO_SUCH_VAR_X")
    assert result.returncode == 1
    assert b"NO_SUCH_VAR_X is not set" in result.stderr and b"Traceback" not in result.stderr


@pytest.fixture(scope="module")
def dovecot() -> Iterator[DovecotRig]:
    rig = DovecotRig.start(users={"bounces@inbox.test": "s3cret"})
    try:
        rig.deliver("bounces@inbox.test", dsn("imap1@example.org"))
        rig.deliver("bounces@inbox.test", vacation())
        rig.deliver("bounces@inbox.test", dsn("imap2@example.org", diagnostic="smtp; 552 5.2.2 Mailbox full"))
        yield rig
    finally:
        rig.stop()


def test_imap_read_verified_tls(dovecot: DovecotRig) -> None:
    items = iter_imap(
        dovecot.host,
        "bounces@inbox.test",
        "s3cret",
        "INBOX",
        port=dovecot.imaps_port,
        cafile=str(dovecot.ca_file),
    )
    reports = list(read_bounces(items))
    got = [(r.recipients[0].recipient, r.recipients[0].verdict.reason, r.is_bounce) for r in reports]
    assert got == [
        ("imap1@example.org", "userunknown", True),
        ("tora@example.net", "vacation", False),
        ("imap2@example.org", "mailboxfull", True),
    ]
    assert reports[0].source.startswith("imap://bounces@inbox.test@127.0.0.1/INBOX;UID=")
    # read-only: nothing was marked \\Seen, so a second read sees the same
    again = list(
        read_bounces(
            iter_imap(
                dovecot.host,
                "bounces@inbox.test",
                "s3cret",
                port=dovecot.imaps_port,
                cafile=str(dovecot.ca_file),
            )
        )
    )
    assert len(again) == 3


def test_imap_errors(dovecot: DovecotRig) -> None:
    with pytest.raises(AuthenticationError):
        list(
            iter_imap(
                dovecot.host,
                "bounces@inbox.test",
                "wrong",
                port=dovecot.imaps_port,
                cafile=str(dovecot.ca_file),
            )
        )
    with pytest.raises(TLSError):  # verification is on by default: the test CA is not trusted
        list(iter_imap(dovecot.host, "bounces@inbox.test", "s3cret", port=dovecot.imaps_port))


def test_imap_cli_with_password_file(dovecot: DovecotRig, tmp_path: Path) -> None:
    pw = tmp_path / "pw"
    pw.write_text("s3cret\n")
    result = run(
        "bounces",
        "--json",
        "--imap",
        dovecot.host,
        "--port",
        str(dovecot.imap_port),
        "--starttls",
        "--user",
        "bounces@inbox.test",
        "--password-file",
        str(pw),
        "--ca-file",
        str(dovecot.ca_file),
    )
    assert result.returncode == 0, result.stderr
    rows = [json.loads(x) for x in result.stdout.decode().splitlines()]
    assert [r["recipient"] for r in rows if r["is_bounce"]] == ["imap1@example.org", "imap2@example.org"]
    assert b"s3cret" not in result.stdout + result.stderr
