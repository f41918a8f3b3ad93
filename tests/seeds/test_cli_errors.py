"""Bad invocations get one clear line and the right exit status, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from inboxtrace.cli import main


@pytest.mark.parametrize(
    ("argv", "status", "message"),
    [
        (["diagnose"], 2, "give a placement TEST, or --to ADDRESS"),
        (["diagnose", "--to", "a@b.test", "--since", "last tuesday"], 2, "not a time: 'last tuesday'"),
        (["diagnose", "T", "--window", "soon"], 2, "not a duration: 'soon'"),
        (
            ["placement", "send", "T", "--message", "m.eml", "--smtp", "mail.example.test"],
            2,
            "--smtp wants HOST:PORT",
        ),
        (["placement", "check", "T", "--wait", "banana"], 2, "not a duration: 'banana'"),
        (["placement", "check", "no-such-test"], 1, "no placement test 'no-such-test'"),
        (["seeds", "check", "missing.toml"], 1, "seed list not found: missing.toml"),
    ],
)
def test_bad_invocations(  # noqa: PLR0917 (pytest passes parameters and fixtures positionally)
    argv: list[str], status: int, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INBOXTRACE_DB", f"sqlite:///{tmp_path / 'store.db'}")
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out = capsys.readouterr()
    assert exc.value.code == status, out
    assert message in out.err and "Traceback" not in out.err + out.out
