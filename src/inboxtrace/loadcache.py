"""What loading the knowledge costs once per process, kept between processes.

A bounce run starts by parsing the TOML data files, working out the substring gates of a few
hundred patterns (``codes/needles.py``) and compiling those patterns. Each of these is a pure
function of its inputs, so its results are kept in one ``marshal`` file, keyed on the inputs
themselves, and the next process reads them back instead of working them out again:

- a TOML text -> the parsed document (keyed on the whole text, so an edited file is a new key);
- ``(pattern, flags)`` -> the program the ``re`` module compiles it to, rebuilt into a pattern
  object by ``_sre.compile`` without parsing the regex again (stored only after the rebuilt
  pattern was checked equal to ``re.compile``'s: the ``re`` module compares the programs);
- any pure derivation of the knowledge modules (:func:`derived`), such as a pattern's needles.

An entry cannot be stale: its key is its whole input, and the file's header holds what the outputs
also depend on (the interpreter's version, the regex engine's magic number and the source of the
modules whose functions are cached). A file whose header differs is ignored and replaced.

The file sits beside the package's byte code (``inboxtrace/__pycache__``), or in the user's cache
directory when the package's is not writable. It is written when the process exits, only if the
process added something; a file that is missing, unreadable or damaged is worked out again.
"""

from __future__ import annotations

import atexit
import contextlib
import marshal
import os
import sys
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import re

T = TypeVar("T")

_ROOT = os.path.dirname(os.path.abspath(__file__))
_FORMAT = 1
# Modules whose functions' results are kept (through :func:`derived`): their source is part of the key.
_DERIVERS = ("loadcache.py", os.path.join("codes", "needles.py"))
_FILE = f"loadcache.{sys.implementation.cache_tag}.marshal"
# Past this many entries of a kind (old texts of edited data files pile up), a write keeps only the
# entries this process used.
_LIMIT = 20_000

_entries: dict[str, dict[Any, Any]] | None = None
_used: dict[str, set[Any]] = {}
_added = False
_loaded_from: str | None = None


def places() -> list[str]:
    """Where the file may be: beside the package's byte code, then in the user's cache directory."""
    home = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return [os.path.join(_ROOT, "__pycache__", _FILE), os.path.join(home, "inboxtrace", _FILE)]


def _header() -> tuple[Any, ...] | None:
    """What every entry also depends on; None when a deriving module's source cannot be read."""
    import _sre  # type: ignore[import-not-found]

    sources: list[bytes] = []
    for name in _DERIVERS:
        try:
            with open(os.path.join(_ROOT, name), "rb") as f:
                sources.append(f.read())
        except OSError:
            return None
    return (_FORMAT, sys.version, _sre.MAGIC, _sre.CODESIZE, tuple(sources))


def _table(kind: str) -> dict[Any, Any]:
    global _entries, _loaded_from
    if _entries is None:
        _entries = {}
        header = _header()
        for place in places() if header is not None else []:
            try:
                with open(place, "rb") as f:
                    stored = marshal.loads(f.read())
            except (OSError, EOFError, ValueError, TypeError):
                continue
            if (
                isinstance(stored, tuple)
                and len(stored) == 2
                and stored[0] == header
                and isinstance(stored[1], dict)
                and all(isinstance(v, dict) for v in stored[1].values())
            ):
                _entries = stored[1]
                _loaded_from = place
                break
    table = _entries.get(kind)
    if table is None:
        table = _entries[kind] = {}
    return table


def _hit(kind: str, key: Hashable) -> Any:
    """The stored value of ``key`` (None when there is none)."""
    value = _table(kind).get(key)
    if value is not None:
        _used.setdefault(kind, set()).add(key)
    return value


def _add(kind: str, key: Hashable, value: Any) -> None:
    global _added
    pair: Any = (key, value)
    try:
        marshal.dumps(pair)
    except ValueError:  # not plain values (a TOML date, an enum): simply not kept
        return
    _table(kind)[key] = value
    _used.setdefault(kind, set()).add(key)
    if not _added:
        _added = True
        atexit.register(save)


def derived(kind: str, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, kept under ``(kind, key)``: ``key`` (plain values: str, int, tuples) must be
    all of the input, and ``compute`` a function of it defined in a module of ``_DERIVERS``; its
    result must be plain (str, int, float, bool, None, tuples, lists, dicts of those)."""
    value = _hit(kind, key)
    if value is None:
        value = compute()
        _add(kind, key, value)
    return value  # type: ignore[no-any-return]


def parse_toml(text: str) -> dict[str, Any]:
    """The TOML document ``text`` parsed, as ``tomllib.loads`` gives it (and raising its
    ``TOMLDecodeError``, a ``ValueError``, when it is not TOML). Each call returns a new object."""
    blob = _hit("toml", text)
    if isinstance(blob, bytes):
        try:
            kept = marshal.loads(blob)
        except (EOFError, ValueError, TypeError):
            kept = None
        if isinstance(kept, dict):
            return kept
    import tomllib

    document = tomllib.loads(text)
    try:
        kept_blob = marshal.dumps(document)
    except ValueError:  # dates and times are not kept
        return document
    _add("toml", text, kept_blob)
    return document


def compile_regex(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile(pattern, flags)``, from the program stored by an earlier process when there is one
    (a regex compiled by ``re`` costs about 0.1 ms; rebuilt from its program, a few microseconds).

    A pattern not stored yet is compiled once, into the program that is kept: by ``re.compile``
    itself (and its program worked out and checked equal) until one such check passed in this
    process, then by the same steps ``re.compile`` takes, without compiling it a second time."""
    flags = int(flags)  # (a re.RegexFlag is not a plain value)
    program = _hit("sre", (pattern, flags))
    if program is not None:
        try:
            return _rebuild(pattern, program)
        except (TypeError, ValueError, RuntimeError):
            pass
    import re

    if program is None and not flags & re.DEBUG:
        if _route_checked:
            built = _program(pattern, flags)
            if built is not None:
                with contextlib.suppress(TypeError, ValueError, RuntimeError):
                    compiled = _rebuild(pattern, built)
                    _add("sre", (pattern, flags), built)
                    return compiled
        compiled = re.compile(pattern, flags)
        if _route_checked is not False:
            _check_route(pattern, flags, compiled)
        return compiled
    return re.compile(pattern, flags)


_route_checked: bool | None = None  # whether :func:`_program` gave re.compile's program here


def _check_route(pattern: str, flags: int, compiled: re.Pattern[str]) -> None:
    """Keep ``compiled``'s program if :func:`_program` gives one equal to it, and say for this
    process whether it did (the check is then not repeated for every pattern)."""
    global _route_checked
    program = _program(pattern, flags)
    try:
        same = program is not None and _rebuild(pattern, program) == compiled
    except (TypeError, ValueError, RuntimeError):
        same = False
    _route_checked = same
    if same:
        _add("sre", (pattern, flags), program)


def _program(pattern: str, flags: int) -> tuple[object, ...] | None:
    """What ``_sre.compile`` needs to build ``pattern``: the steps of ``re.compile`` (None if the
    ``re`` internals are not the ones this was written for, or the pattern is not valid: then
    ``re.compile`` says why)."""
    try:
        from array import array
        from re import _compiler, _parser  # type: ignore[attr-defined]

        parsed = _parser.parse(pattern, flags)
        code = array("I", _compiler._code(parsed, flags)).tobytes()
        state = parsed.state
        indexgroup: list[str | None] = [None] * state.groups
        for name, index in state.groupdict.items():
            indexgroup[index] = name
        return (flags | state.flags, code, state.groups - 1, dict(state.groupdict), tuple(indexgroup))
    except Exception:  # any mismatch of the internals only means "not kept"
        return None


def _rebuild(pattern: str, program: tuple[Any, ...]) -> re.Pattern[str]:
    import _sre

    flags, code, groups, groupindex, indexgroup = program
    compiled: re.Pattern[str] = _sre.compile(
        pattern, flags, memoryview(code).cast("I").tolist(), groups, groupindex, indexgroup
    )
    return compiled


def save() -> None:
    """Write what this process added (at exit; a process that added nothing writes nothing)."""
    global _added
    if not _added or _entries is None:
        return
    header = _header()
    if header is None:
        return
    entries = {
        kind: (table if len(table) <= _LIMIT else {k: table[k] for k in _used.get(kind, ()) if k in table})
        for kind, table in _entries.items()
    }
    blob = marshal.dumps((header, entries))
    targets = places()
    if _loaded_from in targets:
        targets.remove(_loaded_from)
        targets.insert(0, _loaded_from)
    for place in targets:
        temporary = f"{place}.{os.getpid()}.tmp"
        try:
            os.makedirs(os.path.dirname(place), exist_ok=True)
            with open(temporary, "wb") as f:
                f.write(blob)
            os.replace(temporary, place)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            continue
        _added = False
        return
