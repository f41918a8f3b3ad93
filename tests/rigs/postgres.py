"""A real PostgreSQL 15 server (initdb + pg_ctl) in a temp dir on a loopback port.

Usage::

    with PostgresRig.start() as pg:
        pg.url            # "postgresql://postgres@127.0.0.1:PORT/inboxtrace" (trust auth, loopback only)
        pg.create_database("other")  -> URL of a fresh database

Runs the server as the ``postgres`` user when started as root (PostgreSQL refuses root), else as
the current user. The data dir and socket dir live under a 0755 temp dir; ``stop()`` shuts the
server down (``pg_ctl stop -m fast``) and removes them.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.rigs import free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _as_server_user(cmd: list[str], user: str | None, **kw: object) -> subprocess.CompletedProcess[str]:
    full = ["runuser", "-u", user, "--", *cmd] if user else cmd
    return subprocess.run(full, capture_output=True, text=True, check=False, **kw)  # type: ignore[call-overload]


class PostgresRig:
    """One running PostgreSQL server; see the module docstring."""

    def __init__(self, directory: Path, port: int, user: str | None) -> None:
        self.dir = directory
        self.port = port
        self._user = user
        self.data_dir = directory / "data"
        self.socket_dir = directory / "run"
        self._opts = ""

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/inboxtrace"

    @classmethod
    def start(cls, port: int | None = None) -> PostgresRig:
        for tool in ("initdb", "pg_ctl", "psql"):
            if not (PG_BIN / tool).exists() and not shutil.which(tool):
                raise RuntimeError(f"PostgreSQL 15 ({tool}) is missing: run .ci/install-system.sh")
        user = "postgres" if os.geteuid() == 0 else None
        d = Path(tempfile.mkdtemp(prefix="inboxtrace-pg-", dir="/tmp"))
        os.chmod(d, 0o755)
        rig = cls(d, port or free_port(), user)
        rig.socket_dir.mkdir()
        if user:
            uid = pwd.getpwnam(user).pw_uid
            os.chown(d, uid, -1)
            os.chown(rig.socket_dir, uid, -1)
        res = _as_server_user(
            [
                str(PG_BIN / "initdb"),
                "-D",
                str(rig.data_dir),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
            user,
        )
        if res.returncode != 0:
            shutil.rmtree(d, ignore_errors=True)
            raise RuntimeError(f"initdb failed: {res.stdout}{res.stderr}")
        opts = (
            f"-p {rig.port} -k {rig.socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        rig._opts = opts
        res = _as_server_user(
            [
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(rig.data_dir),
                "-l",
                str(d / "server.log"),
                "-o",
                opts,
                "-w",
                "-t",
                "60",
                "start",
            ],
            user,
        )
        if res.returncode != 0:
            log = (d / "server.log").read_text(errors="replace") if (d / "server.log").exists() else ""
            rig.stop()
            raise RuntimeError(f"pg_ctl start failed: {res.stdout}{res.stderr}\n{log}")
        rig.create_database("inboxtrace")
        return rig

    def psql(self, sql: str, database: str = "postgres") -> str:
        return self._psql(["-c", sql], database)

    def psql_file(self, path: Path, database: str) -> str:
        """Run an SQL script (a ``pg_dump`` output, say) in ``database``, stopping at the first error."""
        return self._psql(["-f", str(path)], database)

    def _psql(self, what: list[str], database: str) -> str:
        res = subprocess.run(
            [
                str(PG_BIN / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                database,
                "-v",
                "ON_ERROR_STOP=1",
                "-At",
                *what,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if res.returncode != 0:
            raise RuntimeError(f"psql failed: {res.stderr}")
        return res.stdout

    def create_database(self, name: str) -> str:
        """Create database ``name`` (fresh) and return its URL."""
        self.psql(f'DROP DATABASE IF EXISTS "{name}"')
        self.psql(f'CREATE DATABASE "{name}"')
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def restart(self, down_for: float = 0.0) -> None:
        """Restart the server on the same port: ``pg_ctl stop -m fast`` (open connections are cut),
        ``down_for`` seconds with no server, then start it again with the same options."""
        pg_ctl = str(PG_BIN / "pg_ctl")
        res = _as_server_user([pg_ctl, "-D", str(self.data_dir), "-m", "fast", "-w", "stop"], self._user)
        if res.returncode != 0:
            raise RuntimeError(f"pg_ctl stop failed: {res.stdout}{res.stderr}")
        time.sleep(down_for)
        res = _as_server_user(
            [
                pg_ctl,
                "-D",
                str(self.data_dir),
                "-l",
                str(self.dir / "server.log"),
                "-o",
                self._opts,
                "-w",
                "-t",
                "60",
                "start",
            ],
            self._user,
        )
        if res.returncode != 0:
            raise RuntimeError(f"pg_ctl start failed: {res.stdout}{res.stderr}")

    def stop(self) -> None:
        if self.data_dir.exists():
            _as_server_user(
                [str(PG_BIN / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"], self._user
            )
        deadline = time.monotonic() + 10
        while (self.data_dir / "postmaster.pid").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> PostgresRig:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
