"""``inboxtrace explain`` without the typer app: a reply explained in a fraction of the start-up time.

Only plain invocations take this path: reply texts or codes, ``--json``, ``--lang L``,
``--remote-host H``. Anything else (``--help``, ``--file``, ``-``, an unknown option) returns False
and the full app handles it, so behaviour and messages stay those of the app.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from rich.console import Console

_VALUED = {"--lang", "--remote-host"}
_FLAGS = {"--json"}


def _parse(args: Sequence[str]) -> tuple[list[str], dict[str, str], bool] | None:
    """(replies, valued options, json) or None when the full app must parse the arguments."""
    words: list[str] = []
    values: dict[str, str] = {}
    as_json = False
    it = iter(args)
    for a in it:
        if a == "--":
            words.extend(it)
            break
        if a.startswith("-") and a != "-" and not a[1:2].isdigit():
            name, eq, value = a.partition("=")
            if name in _FLAGS and not eq:
                as_json = True
            elif name in _VALUED:
                if not eq:
                    nxt = next(it, None)
                    if nxt is None:
                        return None
                    value = nxt
                values[name] = value
            else:
                return None  # --help, --file, -f, a typo: the app says what is wrong
        else:
            words.append(a)
    if not words or words == ["-"]:
        return None
    return words, values, as_json


def try_fast(argv: Sequence[str]) -> bool:
    """Run ``explain`` if ``argv`` is a plain explain invocation; False when the app must run."""
    if not argv or argv[0] != "explain":
        return False
    parsed = _parse(argv[1:])
    if parsed is None:
        return False
    words, values, as_json = parsed
    from inboxtrace.errors import InboxtraceError, InputError, NotAReplyError

    try:
        run_explain(
            words, as_json=as_json, lang=values.get("--lang", "en"), remote_host=values.get("--remote-host")
        )
    except (NotAReplyError, InputError) as exc:
        _error(str(exc))
        sys.exit(2)
    except InboxtraceError as exc:
        _error(str(exc))
        sys.exit(1)
    return True


def _error(text: str) -> None:
    from rich.console import Console

    from inboxtrace.safetext import markup_safe

    Console(stderr=True, soft_wrap=True).print(f"[red]error:[/red] {markup_safe(text)}", highlight=False)


def run_explain(
    args: Sequence[str],
    *,
    file: Path | None = None,
    as_json: bool = False,
    lang: str = "en",
    remote_host: str | None = None,
    out: IO[str] | None = None,
) -> None:
    """What ``inboxtrace explain`` does with its arguments (shared by the app and the fast path)."""
    from inboxtrace.errors import InputError
    from inboxtrace.explain import compare_codes, explain_lines, explain_reply, is_code_list
    from inboxtrace.i18n import languages
    from inboxtrace.safetext import json_text

    stdout = out or sys.stdout
    if lang not in languages():
        raise InputError(f"unknown language {lang!r}; available: {', '.join(languages())}")
    args = list(args)
    if file is not None or args == ["-"]:
        try:
            stream = file.open(encoding="utf-8", errors="replace") if file else sys.stdin
        except OSError as exc:
            raise InputError(f"cannot read {file}: {exc.strerror}") from None
        with stream:
            for obj in explain_lines(stream, lang=lang):
                stdout.write(json_text(obj) + "\n")
        return
    if not args:
        raise InputError("give a reply text to explain, two or more reply codes, or '-' to read stdin")
    if len(args) >= 2 and is_code_list(args):
        comparison = compare_codes(args, lang=lang)
        if as_json:
            stdout.write(json_text(comparison.to_dict()) + "\n")
        else:
            _console(out).print(comparison)
        return
    result = explain_reply(" ".join(args), lang=lang, remote_host=remote_host)
    if as_json:
        stdout.write(json_text(result.to_dict()) + "\n")
    else:
        _console(out).print(result)


def _console(out: IO[str] | None) -> Console:
    from rich.console import Console

    return Console(highlight=False, file=out)


__all__ = ["run_explain", "try_fast"]
