"""``inboxtrace tokens`` and ``inboxtrace users``: a token is printed once and only its hash is kept."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from inboxtrace.store import open_store
from inboxtrace.store.auth import verify_token, verify_user

EXE = str(Path(sys.executable).parent / "inboxtrace")


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, **(env or {})})  # fmt: skip


def test_tokens_create_list_revoke(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 't.db'}"
    made = _run("tokens", "create", "--scope", "write", "--name", "ci <b>", "--db", db)
    assert made.returncode == 0, made.stderr
    secret = made.stdout.strip()
    assert secret.startswith("itx_")
    with open_store(db) as s:
        who = verify_token(s, secret)
    assert who is not None
    assert who.scope == "write"
    listed = _run("tokens", "list", "--db", db)
    assert secret not in listed.stdout
    token_id = who.subject.removeprefix("token:")
    assert token_id in listed.stdout
    assert "active" in listed.stdout
    assert _run("tokens", "revoke", token_id, "--db", db).returncode == 0
    with open_store(db) as s:
        assert verify_token(s, secret) is None
    bad = _run("tokens", "create", "--scope", "root", "--db", db)
    assert bad.returncode == 2
    assert "unknown scope" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_users_set_from_env(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'u.db'}"
    r = _run(
        "users",
        "set",
        "ana",
        "--scope",
        "admin",
        "--password-env",
        "PW",
        "--db",
        db,
        env={"PW": "long enough pw"},
    )
    assert r.returncode == 0, r.stderr
    assert "long enough pw" not in r.stdout + r.stderr
    with open_store(db) as s:
        who = verify_user(s, "ana", "long enough pw")
    assert who is not None
    assert who.scope == "admin"
