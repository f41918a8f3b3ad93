"""``inboxtrace explain``, ``inboxtrace bounces`` and ``inboxtrace ingest --json`` without the typer
app, which costs more to load than a reply takes to explain (and ~40% of a cold run over a few
hundred bounces).

Only plain invocations take this path. ``explain``: reply texts or codes, ``--json``, ``--lang L``,
``--remote-host H``. ``bounces``: files and folders, ``--json``, ``--all``, ``--workers N``.
``ingest``: files, ``--json``, ``-q``, ``--db URL`` (:func:`_ingest_call`). Anything
else (``--help``, ``--file``, ``-``, an unknown option) returns False and the full app handles it,
so behaviour and messages stay those of the app.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
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


_BOUNCE_FLAGS = {"--json": "json_out", "--all": "show_all"}


def _scan(args: Sequence[str], valued: frozenset[str]) -> tuple[list[str], list[tuple[str, str | None]]]:
    """The words of a command line and its options as (name, value) pairs, in order: ``--`` ends
    the options; an option named in ``valued`` takes ``=VALUE`` or the next word ("" when there is
    none); any other option's value is what follows its ``=`` (None without one). ``-`` is an
    option here (stdin: the short paths leave it to the app)."""
    words: list[str] = []
    options: list[tuple[str, str | None]] = []
    it = iter(args)
    for a in it:
        if a == "--":
            words.extend(it)
            break
        if not a.startswith("-"):
            words.append(a)
            continue
        name, eq, value = a.partition("=")
        if name in valued and not eq:
            value = next(it, "")
        options.append((name, value if eq or name in valued else None))
    return words, options


def _bounces_call(args: Sequence[str]) -> dict[str, object] | None:
    """The options of a plain ``bounces`` invocation, or None when the full app must parse them."""
    paths, given = _scan(args, frozenset({"--workers"}))
    options: dict[str, object] = {"json_out": False, "show_all": False, "workers": 0}
    for name, value in given:
        if name in _BOUNCE_FLAGS and value is None:
            options[_BOUNCE_FLAGS[name]] = True
        elif name == "--workers":
            if not (value or "").isdigit():
                return None  # the app says what is wrong with it
            options["workers"] = int(value or 0)
        else:
            return None  # "-" (stdin), --help, --imap, --ingest, a typo: the app handles them
    return {"paths": paths, **options} if paths else None


def _ingest_call(args: Sequence[str]) -> tuple[list[str], str | None] | None:
    """(files, store URL) of a plain ``ingest FILES... --json [-q] [--db URL]``, or None when the
    full app must run it (no --json: the summary is drawn by rich; any other option; stdin; a
    cluster from the environment)."""
    files, given = _scan(args, frozenset({"--db"}))
    db: str | None = None
    as_json = False
    for name, value in given:
        if name == "--json" and value is None:
            as_json = True
        elif name in ("-q", "--quiet") and value is None:
            continue  # (JSON: no progress bar either way)
        elif name == "--db" and value:
            db = value
        else:
            return None
    from inboxtrace.cluster_env import cluster_address

    if not as_json or not files or "-" in files or cluster_address(None) is not None:
        return None
    return files, db


def try_fast(argv: Sequence[str]) -> bool:
    """Run ``explain``, ``bounces`` or ``ingest`` if ``argv`` is a plain invocation of one; False
    when the app must run."""
    if not argv or argv[0] not in ("explain", "bounces", "ingest"):
        return False
    if argv[0] == "ingest":
        plain = _ingest_call(argv[1:])
        if plain is None:
            return False
        from inboxtrace.cli._ingest import run_json

        return _guarded(lambda: run_json(*plain))
    if argv[0] == "bounces":
        call = _bounces_call(argv[1:])
        if call is None:
            return False
        return _guarded(lambda: _run_bounces(call))
    parsed = _parse(argv[1:])
    if parsed is None:
        return False
    words, values, as_json = parsed
    return _guarded(
        lambda: run_explain(
            words, as_json=as_json, lang=values.get("--lang", "en"), remote_host=values.get("--remote-host")
        )
    )


def _run_bounces(call: dict[str, object]) -> None:
    from inboxtrace.cli._bounces import run_bounces

    paths = call.pop("paths")
    assert isinstance(paths, list)
    run_bounces(paths, **call)  # type: ignore[arg-type]


def _guarded(command: Callable[[], None]) -> bool:
    """Run ``command``; an inboxtrace error becomes the app's one-line message and exit status."""
    from inboxtrace.errors import InboxtraceError, InputError, NotAReplyError

    try:
        command()
    except (NotAReplyError, InputError) as exc:
        _error(str(exc))
        sys.exit(2)
    except InboxtraceError as exc:
        _error(str(exc))
        sys.exit(1)
    return True


def leave() -> None:
    """End the console script's process once a short-path command is done, without the
    interpreter's teardown: freeing every object a bounce run loaded, one by one, takes longer than
    explaining a reply (~10% of a cold run over a few hundred bounces). The exit handlers run and
    the output is flushed first; if the output cannot be flushed (a closed pipe), this returns and
    the interpreter ends the usual way, reporting it."""
    import atexit

    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    os._exit(0)


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


__all__ = ["leave", "run_explain", "try_fast"]
