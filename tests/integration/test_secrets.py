"""A configured password never reaches an output, even when a server echoes it: a plain IMAP
server on loopback that quotes the whole LOGIN line in its refusal (as some do) is checked by
``seeds check``; the table, ``--json`` and the library's error all show ``[redacted]``."""

from __future__ import annotations

import json
import socket
import socketserver
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from inboxtrace.errors import AuthenticationError, InboxtraceError
from inboxtrace.secrets import MASK, redact, register
from inboxtrace.seeds import load_seeds
from inboxtrace.seeds.imap import connect

PASSWORD = 'S3cr"et\\pw-' + "x7Q"  # a quote and a backslash: the server sees them escaped


class _EchoingImap(socketserver.StreamRequestHandler):
    """Greets, answers CAPABILITY, and refuses LOGIN quoting the command it got."""

    def handle(self) -> None:
        self.wfile.write(b"* OK echo IMAP ready\r\n")
        for raw in self.rfile:
            line = raw.rstrip(b"\r\n")
            tag, _, rest = line.partition(b" ")
            command = rest.split(b" ", 1)[0].upper()
            if command == b"CAPABILITY":
                self.wfile.write(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n" + tag + b" OK done\r\n")
            elif command == b"LOGIN":
                self.wfile.write(tag + b" NO [AUTHENTICATIONFAILED] Invalid credentials: " + line + b"\r\n")
            elif command == b"LOGOUT":
                self.wfile.write(b"* BYE\r\n" + tag + b" OK bye\r\n")
                return
            else:
                self.wfile.write(tag + b" BAD unknown\r\n")


@pytest.fixture
def echo_server() -> Iterator[int]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _EchoingImap)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def _seed_file(tmp_path: Path, port: int) -> Path:
    path = tmp_path / "seeds.toml"
    path.write_text(
        f"""
[[seed]]
address = "seed@example.test"
provider = "example.test"
host = "127.0.0.1"
port = {port}
security = "plain"
allow_plain = true
user = "seed"
password_env = "ECHO_SEED_PASSWORD"
"""
    )
    return path


def test_the_server_really_echoes_the_password(echo_server: int) -> None:
    with socket.create_connection(("127.0.0.1", echo_server)) as s:
        s.recv(100)
        s.sendall(b'a1 LOGIN seed "hunter22"\r\n')
        assert b"hunter22" in s.recv(200)


@pytest.mark.parametrize("as_json", [False, True])
def test_seeds_check_never_prints_the_password(echo_server: int, tmp_path: Path, as_json: bool) -> None:
    seeds = _seed_file(tmp_path, echo_server)
    code = "import sys; from inboxtrace.cli import main; sys.argv[0] = 'inboxtrace'; main()"
    args = [sys.executable, "-c", code, "seeds", "check", str(seeds), *(["--json"] if as_json else [])]
    env = {"ECHO_SEED_PASSWORD": PASSWORD, "PATH": "/usr/bin:/bin", "COLUMNS": "300"}
    done = subprocess.run(args, capture_output=True, text=True, timeout=60, env=env, check=False)
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert "Invalid credentials" in out  # the server's refusal is shown ...
    assert MASK in out  # ... with the password taken out
    for leak in ("S3cr", "x7Q", "pw-"):
        assert leak not in out
    if as_json:
        json.loads(done.stdout)


def test_the_library_error_holds_no_password(echo_server: int, tmp_path: Path) -> None:
    seed = load_seeds(_seed_file(tmp_path, echo_server))[0]
    with pytest.raises(AuthenticationError) as caught:
        connect(seed, environ={"ECHO_SEED_PASSWORD": PASSWORD})
    assert "S3cr" not in str(caught.value) and MASK in str(caught.value)


def test_every_spelling_of_a_registered_secret_is_redacted() -> None:
    secret = register('p@ss "wörd"\\')
    for text in (secret, json.dumps(secret), repr(secret), repr(secret.encode()), '"p@ss \\"wörd\\"\\\\"'):
        assert "wörd" not in redact(f"said: {text}") and "w\\xc3\\xb6rd" not in redact(f"said: {text}")
    assert "wörd" not in str(InboxtraceError(f"refused {secret}"))
