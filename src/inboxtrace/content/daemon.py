"""A private scanner daemon (spamd, rspamd) on a loopback port, in a temporary directory of its own.

:class:`LoopbackDaemon` does what both private scanners need around their own configuration: a
kernel-chosen port, a working directory readable by the unprivileged user the daemon drops to,
starting the process with its output in that directory, waiting until it answers, naming the
last thing it logged when it dies while starting, and stopping it and removing the directory.
A subclass says how to ask whether it answers, which log files to read, and how long to wait.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import ClassVar, Self

from inboxtrace.errors import RemoteError

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that the kernel says is free now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


def make_workdir(name: str) -> Path:
    """A new temporary directory for ``name``, readable by the user a daemon started as root drops to."""
    workdir = Path(tempfile.mkdtemp(prefix=f"inboxtrace-{name}-"))
    workdir.chmod(0o755)
    return workdir


class LoopbackDaemon:
    """A daemon this process started on 127.0.0.1; stopped, and its directory removed, on exit."""

    name: ClassVar[str] = "daemon"
    log_files: ClassVar[tuple[str, ...]] = ("stderr.log",)  # relative to the working directory
    error_lines_first: ClassVar[bool] = False  # name the last line mentioning "error" if there is one
    poll_seconds: ClassVar[float] = 0.2
    stop_seconds: ClassVar[float] = 10.0

    def __init__(self, process: subprocess.Popen[bytes], port: int, workdir: Path) -> None:
        self.process = process
        self.host = LOOPBACK
        self.port = port
        self.workdir = workdir

    def answers(self, timeout: float) -> bool:
        """True when the daemon answers its protocol's ping."""
        raise NotImplementedError

    @classmethod
    def launch(cls, args: list[str], port: int, workdir: Path, *, timeout: float) -> Self:
        """Run ``args`` (output to ``stderr.log`` in ``workdir``) and wait until it answers.

        Raises RemoteError, with the directory removed, when it cannot start, stops while
        starting or does not answer within ``timeout`` seconds."""
        log = (workdir / "stderr.log").open("wb")
        try:
            process = subprocess.Popen(args, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        except OSError as exc:
            log.close()
            shutil.rmtree(workdir, ignore_errors=True)
            raise RemoteError(f"cannot start {cls.name}: {exc}") from exc
        log.close()
        server = cls(process, port, workdir)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                why = server.last_log_line()
                server.stop()
                raise RemoteError(f"{cls.name} stopped while starting: {why}")
            if server.answers(timeout=1.0):
                return server
            time.sleep(cls.poll_seconds)
        server.stop()
        raise RemoteError(f"{cls.name} did not answer within {timeout:.0f} s")

    def last_log_line(self) -> str:
        """The end of the last line the daemon logged (the last error line where asked), for a message."""
        for name in self.log_files:
            with contextlib.suppress(OSError):
                lines = (self.workdir / name).read_text("utf-8", "replace").strip().splitlines()
                if self.error_lines_first:
                    lines = [ln for ln in lines if "error" in ln.lower()] or lines
                if lines:
                    return lines[-1][-300:]
        return "no log"

    def stop(self) -> None:
        """Stop the daemon (and the children it stops itself) and remove the temporary directory."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=self.stop_seconds)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
