"""Which implementation of the hot paths is running: compiled by mypyc, or plain Python.

The modules in :data:`COMPILED` are ordinary typed Python. When a C compiler is there, the package
build (``setup.py``, which reads this tuple) also compiles them with mypyc into extension modules
that sit beside the ``.py`` files; Python then loads the extension. Without a compiler the build
skips that step and the same ``.py`` files run, slower. Both must give identical results: the test
suite runs its corpora through both and compares every record.

``INBOXTRACE_PURE=1`` in the environment loads the ``.py`` files even when the extensions are
built (for tests and comparisons). It must be set before ``inboxtrace`` is imported. The ``.py``
files are loaded too when any extension was built from another version of its source (an edited
or merged checkout not rebuilt yet: ``make install-dev`` rebuilds), so an edit always runs.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import os
import sys
from collections.abc import Sequence
from types import ModuleType

# Hot paths chosen from the profile of a 1M-line Postfix log (see benchmarks/bench_stages.py).
# Each must stay importable as plain Python; mypyc compiles it as it is.
COMPILED: tuple[str, ...] = (
    "inboxtrace.logs.scanner",
    "inboxtrace.logs.clock",
    "inboxtrace.logs.postfix",
    "inboxtrace.logs.exim",
    "inboxtrace.logs.sendmail",
    "inboxtrace.timeline.records",
    "inboxtrace.timeline.verdicts",
    "inboxtrace.timeline.assembler",
    "inboxtrace.store.log_rows",
    # The bounce parser per message (bench_bounce_mailbox.py; a flat profile: mime, formats, the
    # verdict memo, the needle gates). Not view.py: its cached views write the instance __dict__.
    "inboxtrace.codes.memo",
    "inboxtrace.codes.needles",
    "inboxtrace.bounces.mime",
    "inboxtrace.bounces.mail",
    "inboxtrace.bounces.parse",
    "inboxtrace.bounces.classify",
    "inboxtrace.bounces.context",
    "inboxtrace.bounces.original",
    "inboxtrace.bounces.formats.base",
    "inboxtrace.bounces.formats.rfc3464",
    "inboxtrace.bounces.formats.text",
    "inboxtrace.bounces.formats.arf",
    "inboxtrace.bounces.formats.vendors",
    "inboxtrace.bounces.formats.autoreply",
)
# Cython extensions (``.pyx`` beside the module they speed up, built by setup.py when Cython and a C
# compiler are there): byte-level work per line that typed Python cannot reach, and (store._bind,
# which also needs SQLite's header) rows bound with SQLite's C API. Each is optional: the module it
# speeds up runs its plain code when :func:`extension` gives None.
CYTHON: tuple[str, ...] = (
    "inboxtrace.logs._fastscan",
    "inboxtrace.timeline._assemble",
    "inboxtrace.timeline._frozen",
    "inboxtrace.store._bind",
    "inboxtrace.store._rows",
)
# Measured and left out: inboxtrace.store.log_match (the writer's keying and matching: dict work,
# as fast compiled as plain; bench_stages.py "insert"). A module taken out of this tuple must also
# lose its built extension (src/inboxtrace/.../NAME.cpython-*.so), which would still be imported.
# The Cython declarations (``.pxd`` beside the ``.pyx``) other extensions are compiled against
# (``_fastscan`` calls ``_assemble``'s C methods through their table): a Cython extension's
# recorded source is its ``.pyx`` followed by all of these, so an edited declaration makes every
# extension stale, not only its own (a stale method table would call the wrong function).
CYTHON_PXD: tuple[str, ...] = ("inboxtrace.timeline._assemble",)
ENV_PURE = "INBOXTRACE_PURE"


def pure_requested() -> bool:
    """True when the environment asks for the plain Python implementation."""
    return os.environ.get(ENV_PURE, "").strip() not in ("", "0")


BUILD_RECORD = "_native_build.txt"  # written by setup.py: "sha256 module" of each compiled source


def stale(root: str = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))) -> list[str]:
    """The modules of :data:`COMPILED` under ``root`` whose extension was built from other source.

    ``setup.py`` records the SHA-256 of each source it compiles; a module whose ``.py`` no longer
    has that digest (edited or merged since), or an extension without a record, is stale.
    """
    record = os.path.join(root, "inboxtrace", BUILD_RECORD)
    try:
        recorded_at = os.stat(record).st_mtime
        with open(record, encoding="ascii") as f:
            pairs = [line.split() for line in f]
    except (OSError, ValueError):
        recorded_at, pairs = 0.0, []
    built = {pair[1]: pair[0] for pair in pairs if len(pair) == 2}
    found = []
    for name in (*COMPILED, *CYTHON):
        base = os.path.join(root, *name.split("."))
        if not any(os.path.exists(base + suffix) for suffix in importlib.machinery.EXTENSION_SUFFIXES):
            continue
        paths = [base + ".py"]
        if name in CYTHON:
            paths = [base + ".pyx", *(os.path.join(root, *pxd.split(".")) + ".pxd" for pxd in CYTHON_PXD)]
        try:
            if name in built and all(_mtime(path) <= recorded_at for path in paths):
                continue  # not touched since the build: no need to read it
            with open(paths[0], "rb") as f:
                source = f.read()
        except OSError:
            continue
        for path in paths[1:]:  # (a declaration file that is not there adds nothing)
            if os.path.exists(path):
                with open(path, "rb") as f:
                    source += f.read()
        import hashlib

        if built.get(name) != hashlib.sha256(source).hexdigest():
            found.append(name)
    return found


def _mtime(path: str) -> float:
    return os.stat(path).st_mtime if os.path.exists(path) else 0.0


_STALE: list[str] | None = None


def extension(name: str) -> ModuleType | None:
    """The Cython extension ``name`` (one of :data:`CYTHON`), or None when the plain Python path
    must run: ``INBOXTRACE_PURE=1``, not built here, or built from another version of its source."""
    global _STALE
    if pure_requested():
        return None
    if _STALE is None:
        _STALE = stale()
    if name in _STALE:
        return None
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


class _SourceFirst:
    """Finds the modules of :data:`COMPILED` as their ``.py`` source, ignoring a built extension.

    A meta path finder (it needs no base class: importing ``importlib.abc`` costs more than the rest
    of ``import inboxtrace``)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in COMPILED or not path:
            return None
        leaf = fullname.rpartition(".")[2] + ".py"
        for entry in path:
            candidate = os.path.join(entry, leaf)
            if os.path.isfile(candidate):
                return importlib.util.spec_from_file_location(fullname, candidate)
        return None


def select() -> None:
    """Load the plain Python modules when ``INBOXTRACE_PURE`` asks for it or an extension is stale.

    All of them or none: the compiled modules call each other inside their shared library, so one
    stale module must not run beside the others' compiled code. Runs once, at ``import inboxtrace``.
    """
    if any(isinstance(f, _SourceFirst) for f in sys.meta_path):
        return
    if pure_requested():
        reason = f"{ENV_PURE}=1"
    else:
        old = [name for name in stale() if name in COMPILED]
        if not old:
            return
        reason = f"the compiled {', '.join(old)} was built from other source: rebuild with 'make install-dev'"
    sys.meta_path.insert(0, _SourceFirst(reason))


def compiled_modules() -> list[str]:
    """The modules of :data:`COMPILED` that are loaded from a compiled extension (imports them)."""
    found = []
    for name in COMPILED:
        module = importlib.import_module(name)
        if not (getattr(module, "__file__", None) or "").endswith(".py"):
            found.append(name)
    return found


def cython_modules() -> list[str]:
    """The extensions of :data:`CYTHON` that are built, current and selected."""
    return [name for name in CYTHON if extension(name) is not None]


def implementation() -> str:
    """One line for ``--version``: which implementation of the hot paths runs, and why."""
    compiled = compiled_modules()
    cython = cython_modules()
    if len(cython) == len(CYTHON):
        extra = f"; Cython: {', '.join(name.rpartition('.')[2] for name in cython)}"
    else:
        missing = ", ".join(sorted(set(CYTHON) - set(cython)))
        extra = f"; Cython part not used, plain Python instead: {missing}"
    if len(compiled) == len(COMPILED):
        return f"compiled (mypyc, {len(compiled)} modules{extra})"
    if compiled:
        missing = ", ".join(sorted(set(COMPILED) - set(compiled)))
        return f"partly compiled (mypyc, {len(compiled)} of {len(COMPILED)} modules; plain Python: {missing}{extra})"
    for finder in sys.meta_path:
        if isinstance(finder, _SourceFirst):
            return f"pure Python ({finder.reason})"
    return "pure Python (no compiled extension was built: slower)"


__all__ = [
    "BUILD_RECORD",
    "COMPILED",
    "CYTHON",
    "CYTHON_PXD",
    "ENV_PURE",
    "compiled_modules",
    "cython_modules",
    "extension",
    "implementation",
    "pure_requested",
    "select",
    "stale",
]
