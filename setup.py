"""Build step of the package: compile the hot paths of ``inboxtrace.native`` (mypyc and Cython).

``COMPILED`` modules are compiled with mypyc, ``CYTHON`` extensions from their ``.pyx`` files.

Everything else about the package is in pyproject.toml. Without a C compiler (or Python headers)
the package installs as plain Python, which gives the same results, slower; ``inboxtrace
--version`` says which one runs. ``INBOXTRACE_PURE=1`` at build time skips the compilation too.
"""

from __future__ import annotations

import ast
import hashlib
import os
import shutil
import sys
import sysconfig
from pathlib import Path
from typing import Any

from setuptools import setup

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"


def compiled_modules(name: str = "COMPILED") -> list[str]:
    """The tuple ``name`` of src/inboxtrace/native.py, read without importing the package."""
    tree = ast.parse((SRC / "inboxtrace" / "native.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == name:
            assert node.value is not None
            return list(ast.literal_eval(node.value))
    raise SystemExit(f"setup.py: no {name} tuple in src/inboxtrace/native.py")


# Cython extensions that call SQLite's C API: linked with the system's libsqlite3, which the
# standard library's sqlite3 uses too (the extension checks at run time that they are one library)
LINKS_SQLITE = frozenset({"inboxtrace.store._bind"})


def sqlite_headers() -> bool:
    """Whether SQLite's header is where the C compiler looks."""
    dirs = [sysconfig.get_paths()["include"], "/usr/include", "/usr/local/include"]
    dirs += [d for d in os.environ.get("CPATH", "").split(os.pathsep) if d]
    return any((Path(d) / "sqlite3.h").is_file() for d in dirs)


def cython_extensions() -> tuple[list[Any], list[tuple[str, str]]]:
    """The extensions of ``CYTHON`` (none when Cython is not installed), and (module, .pyx path)."""
    try:
        from Cython.Build import cythonize
    except ImportError:
        print("inboxtrace: Cython is not installed: its extensions are not built", file=sys.stderr)
        return [], []
    from setuptools import Extension

    sources = [(m, str(Path("src", *m.split(".")).with_suffix(".pyx"))) for m in compiled_modules("CYTHON")]
    if not sqlite_headers():  # (store._bind calls SQLite's C API)
        print(
            "inboxtrace: no sqlite3.h (Debian: apt-get install libsqlite3-dev): store._bind is not built",
            file=sys.stderr,
        )
        sources = [(m, path) for m, path in sources if m not in LINKS_SQLITE]
    cwd = os.getcwd()
    os.chdir(HERE)
    try:
        extensions = cythonize(
            [
                Extension(
                    m, [path], extra_compile_args=["-O2"], libraries=["sqlite3"] if m in LINKS_SQLITE else []
                )
                for m, path in sources
            ],
            language_level=3,
            quiet=True,
            include_path=["src"],  # logs/_fastscan.pyx cimports timeline/_assemble.pxd
        )
    finally:
        os.chdir(cwd)
    return list(extensions), sources


def why_not_compiled() -> str | None:
    """Why the extension cannot be built here (None: it can)."""
    if os.environ.get("INBOXTRACE_PURE", "").strip() not in ("", "0"):
        return "INBOXTRACE_PURE is set"
    compiler = (os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        return f"no C compiler ({compiler}; Debian: apt-get install build-essential)"
    include = sysconfig.get_paths()["include"]
    if not (Path(include) / "Python.h").is_file():
        return f"no Python headers in {include} (Debian: apt-get install python3-dev)"
    return None


# setuptools runs this file for each step of a build; the steps that only write the package's
# metadata (pip asks for it before building) need no extension: mypyc runs once, not three times.
METADATA_ONLY = frozenset({"egg_info", "dist_info", "sdist"})


def metadata_only(argv: list[str]) -> bool:
    """Whether the setup commands in ``argv`` (options and paths aside) only write metadata."""
    commands = [a for a in argv if a.isidentifier()]
    return bool(commands) and all(c in METADATA_ONLY for c in commands)


def ext_modules() -> list[Any]:
    if metadata_only(sys.argv[1:]):
        return []
    reason = why_not_compiled()
    if reason is not None:
        print(f"inboxtrace: installing the plain Python implementation: {reason}", file=sys.stderr)
        return []
    from mypyc.build import mypycify

    modules = compiled_modules()
    paths = [str(Path("src", *name.split(".")).with_suffix(".py")) for name in modules]
    cwd = os.getcwd()
    os.chdir(HERE)  # mypy reads its configuration ([tool.mypy] of pyproject.toml) from here
    try:
        # The build environment has mypy but not the runtime dependencies: their types are Any here
        # (the project's own mypy run checks them), and only the compiled modules' own errors count.
        options = ["--ignore-missing-imports", "--follow-imports=silent", "--no-warn-unused-ignores"]
        extensions = list(mypycify([*options, *paths], opt_level="3", group_name="inboxtrace._native"))
    finally:
        os.chdir(cwd)
    cython, sources = cython_extensions()
    # What was compiled, by content: inboxtrace.native loads the .py of a module edited since.
    record = SRC / "inboxtrace" / "_native_build.txt"
    # (a Cython extension's source: its .pyx, then every .pxd of CYTHON_PXD, as native.stale reads it)
    pxds = [
        HERE / "src" / Path(*name.split(".")).with_suffix(".pxd") for name in compiled_modules("CYTHON_PXD")
    ]
    declared = b"".join(p.read_bytes() for p in pxds if p.is_file())
    digests = [
        f"{hashlib.sha256((HERE / p).read_bytes()).hexdigest()} {m}\n"
        for m, p in zip(modules, paths, strict=True)
    ]
    digests += [f"{hashlib.sha256((HERE / p).read_bytes() + declared).hexdigest()} {m}\n" for m, p in sources]
    record.write_text("".join(digests), encoding="ascii")
    return extensions + cython


setup(ext_modules=ext_modules())
