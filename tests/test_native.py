"""The compiled hot paths (inboxtrace.native): built here, selectable, and equal to plain Python.

Every corpus the log tests read goes through both implementations, each in its own process (the
choice is made at import), and every message record and every count must be equal.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from inboxtrace import native
from tests.conftest import REPO, SHARED, generated_log
from tests.logs.test_other_mtas import EXIM_MAINLOG, SENDMAIL

LOGS = SHARED / "corpus" / "logs"

# Reads each log named on the command line (one process, in order) and prints one JSON line per
# log: its messages (repr of the frozen records), its counts, and the store's rows made of it three
# ways: from the messages, from the compact records in one process, and in two worker processes
# (the pieces of messages cut by the chunk boundary pickled to the parent and merged there).
_DUMP = r"""
import json, sys
from inboxtrace.logs import LogStats
from inboxtrace.native import implementation
from inboxtrace.store.log_rows import RowMaker
from inboxtrace.timeline import reader
from inboxtrace.timeline.reader import LogReader
reader.PARALLEL_MIN_BYTES = 0
print(json.dumps({"implementation": implementation()}))
for path in sys.argv[1:]:
    stats = LogStats()
    messages = list(LogReader([path], stats=stats, jobs=1))
    maker = RowMaker()
    rows = [repr(maker(m)) for m in messages]
    from_records = [repr(r) for r in LogReader([path], jobs=1, transform=RowMaker())]
    parallel = sorted(repr(r) for r in LogReader([path], jobs=2, transform=RowMaker()))
    print(json.dumps({"path": path, "messages": [repr(m) for m in messages], "stats": stats.to_dict(),
                      "rows": rows, "from_records": from_records, "parallel": parallel}, sort_keys=True))
"""


def _run(code: str, args: list[str], *, pure: bool) -> list[dict[str, object]]:
    env = {k: v for k, v in os.environ.items() if k != native.ENV_PURE}
    if pure:
        env[native.ENV_PURE] = "1"
    done = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, cwd=REPO, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line) for line in done.stdout.splitlines()]


def _grok_log(path: Path) -> Path:
    """The grok test cases' Postfix messages as one syslog file (program from the case's name)."""
    import yaml

    lines = []
    for i, case in enumerate(sorted((LOGS / "grok-cases").glob("*.yaml"))):
        data = yaml.safe_load(case.read_text("utf-8"))
        program = case.stem.rsplit("_", 1)[0].replace("_", "/")
        lines.append(
            f"Mar 14 00:{i // 60 % 60:02d}:{i % 60:02d} mx postfix/{program}[{100 + i}]: {data['data']}"
        )
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def _junk_log(path: Path) -> Path:
    """Real lines cut short, bytes that are not UTF-8, a huge line and blank lines, mixed in."""
    rng = random.Random(14)
    real = (LOGS / "postfix-real-run" / "postfix.log").read_bytes().splitlines()
    out: list[bytes] = []
    for line in real:
        out.append(line[: rng.randrange(1, len(line) + 1)] if rng.random() < 0.3 else line)
        if rng.random() < 0.1:
            out.append(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 120))))
        if rng.random() < 0.05:
            out.append(b"")
    out.append(b"Mar 14 00:00:01 mx postfix/smtp[1]: ABC123: to=<" + b"x" * 200_000 + b">, status=sent")
    path.write_bytes(b"\n".join(out) + b"\n")
    return path


@pytest.fixture(scope="module")
def log_corpora(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    tmp = tmp_path_factory.mktemp("native-logs")
    (tmp / "exim_mainlog").write_text(EXIM_MAINLOG, "utf-8")
    (tmp / "sendmail.log").write_text(SENDMAIL, "utf-8")
    return [
        LOGS / "postfix-real-run" / "postfix.log",
        *sorted((LOGS / "small").glob("*.log")),
        *sorted((LOGS / "fail2ban").glob("*.log")),
        tmp / "exim_mainlog",
        tmp / "sendmail.log",
        _grok_log(tmp / "grok.log"),
        _junk_log(tmp / "junk.log"),
        generated_log(tmp / "generated.log", 20_000),
        generated_log(tmp / "generated-rfc3339.log", 20_000, "--rfc3339", "--long-ids"),
    ]


def test_the_hot_paths_are_compiled_in_this_environment() -> None:
    # The test environment is built by `make install-dev` with build-essential installed: a build
    # that silently fell back to plain Python must fail here, not pass slower.
    if native.pure_requested():
        assert native.compiled_modules() == []
    else:
        assert native.compiled_modules() == list(native.COMPILED), native.implementation()


def test_inboxtrace_pure_selects_the_python_source() -> None:
    code = (
        "import importlib, json; from inboxtrace import native; "
        "print(json.dumps([importlib.import_module(m).__file__ for m in native.COMPILED]))"
    )
    (files,) = _run(f"{code}", [], pure=True)
    assert isinstance(files, list)
    assert files and all(str(f).endswith(".py") for f in files)
    (compiled,) = _run(f"{code}", [], pure=False)
    assert isinstance(compiled, list)
    assert not any(str(f).endswith(".py") for f in compiled)


def test_version_says_which_implementation_runs() -> None:
    for pure, expected in ((False, "hot paths: compiled (mypyc"), (True, "hot paths: pure Python")):
        env = {k: v for k, v in os.environ.items() if k != native.ENV_PURE}
        if pure:
            env[native.ENV_PURE] = "1"
        done = subprocess.run(
            [sys.executable, "-c", "from inboxtrace.cli import main; main(['--version'])"],
            check=False,
            env=env,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("inboxtrace ")
        assert expected in done.stdout


def test_both_implementations_read_every_log_corpus_alike(log_corpora: list[Path]) -> None:
    args = [str(p) for p in log_corpora]
    compiled = _run(_DUMP, args, pure=False)
    pure = _run(_DUMP, args, pure=True)
    assert str(compiled[0]["implementation"]).startswith("compiled")
    assert str(pure[0]["implementation"]).startswith("pure Python")
    assert len(compiled) == len(pure) == len(args) + 1
    total = 0
    for c, p in zip(compiled[1:], pure[1:], strict=True):
        assert c["path"] == p["path"]
        assert c["stats"] == p["stats"], c["path"]
        c_messages, p_messages = c["messages"], p["messages"]
        assert isinstance(c_messages, list) and isinstance(p_messages, list)
        assert len(c_messages) == len(p_messages), c["path"]
        for a, b in zip(c_messages, p_messages, strict=True):
            assert a == b, c["path"]
        for made in ("rows", "from_records", "parallel"):  # the store's rows, made three ways
            assert c[made] == p[made], (c["path"], made)
        assert isinstance(c["rows"], list) and isinstance(c["parallel"], list)
        assert c["from_records"] == c["rows"], c["path"]
        assert c["parallel"] == sorted(c["rows"]), c["path"]
        total += len(c_messages)
    assert total > 5000  # the generated logs alone hold thousands of messages


# Stores each log named on the command line: whole, and cut in two at its middle line read as two
# files one after the other (a rotation: the parts of the messages cut are matched and merged), each
# into a new SQLite store; prints every stored row and the write counts, one JSON line per log.
_DUMP_STORE = r"""
import json, os, sys, tempfile
from inboxtrace.ingest import ingest
from inboxtrace.store import open_store
from inboxtrace.store.logs import log_deliveries, log_messages
import sqlalchemy as sa

def stored(paths, tmp, name):
    with open_store("sqlite:///" + os.path.join(tmp, name + ".db")) as store:
        counts = [ingest([p], store, jobs=1).to_dict() for p in paths]
        with store.connect() as conn:
            rows = [repr(tuple(r)) for t in (log_messages, log_deliveries)
                    for r in conn.execute(sa.select(t).order_by(*t.primary_key.columns))]
    for c in counts:
        for volatile in ("duration", "lines_per_second", "store"):
            c.pop(volatile, None)
    return {"rows": rows, "counts": counts}

parts = sys.argv[1]  # where the halves are written (the same paths in both implementations' runs)
with tempfile.TemporaryDirectory() as tmp:
    for n, path in enumerate(sys.argv[2:]):
        lines = open(path, "rb").read().splitlines(keepends=True)
        halves = []
        for i, part in enumerate((lines[: len(lines) // 2], lines[len(lines) // 2 :])):
            halves.append(os.path.join(parts, f"{n}-{os.path.basename(path)}.part{i}"))
            with open(halves[-1], "wb") as f:
                f.writelines(part)
        print(json.dumps({"path": path, "whole": stored([path], tmp, "whole"),
                          "halves": stored(halves, tmp, "halves")}, sort_keys=True, default=str))
"""


def test_both_implementations_store_every_log_corpus_alike(log_corpora: list[Path], tmp_path: Path) -> None:
    args = [str(p) for p in log_corpora]
    compiled = _run(_DUMP_STORE, [str(tmp_path), *args], pure=False)
    pure = _run(_DUMP_STORE, [str(tmp_path), *args], pure=True)
    assert len(compiled) == len(pure) == len(args)
    for c, p in zip(compiled, pure, strict=True):
        assert c["path"] == p["path"]
        for how in ("whole", "halves"):
            assert c[how] == p[how], (c["path"], how)
        if "generated" in str(p["path"]):  # the messages cut in two were matched, none stored twice
            whole, halves = p["whole"], p["halves"]
            assert isinstance(whole, dict) and isinstance(halves, dict)
            assert len(whole["rows"]) == len(halves["rows"]) > 5000


_PICKLE = r"""
import json, pickle
from inboxtrace.timeline.assembler import _Msg, _Rcpt, _MSG_STATE, _RCPT_STATE
st = _Msg("postfix", "mx", "4ABC", "mail.log", 7, False)
st.sender, st.size, st.hops, st.expired_ln = "a@example.org", 1234, ["Q1"], 9
r = st.rcpts[("b@example.net", None)] = _Rcpt("b@example.net", None)
r.attempts.append(("Mar 14 00:00:01", "deferred", "mx.example.net", None, None, "451 try later"))
r.status = "deferred"
copy = pickle.loads(pickle.dumps(st))
def state(obj, names):
    return {n: repr(getattr(obj, n)) for n in names if n != "rcpts"}
print(json.dumps({"msg": state(copy, _MSG_STATE), "rcpt": state(copy.rcpts[("b@example.net", None)], _RCPT_STATE),
                  "same": state(copy, _MSG_STATE) == state(st, _MSG_STATE), "type": type(copy) is _Msg,
                  # the plain classes' slots are the state pickled (a compiled class has none to read)
                  "slots": sorted(getattr(_Msg, "__slots__", _MSG_STATE)) == sorted(_MSG_STATE)
                  and sorted(getattr(_Rcpt, "__slots__", _RCPT_STATE)) == sorted(_RCPT_STATE)}))
"""


def test_assembler_state_is_pickled_whole_by_both_implementations() -> None:
    # a message cut by a chunk boundary travels from a worker to the parent pickled: the compiled
    # class (no __dict__) must carry every attribute, as the plain one does
    (compiled,) = _run(_PICKLE, [], pure=False)
    (pure,) = _run(_PICKLE, [], pure=True)
    assert compiled == pure
    assert pure["same"] and pure["type"] and pure["slots"]
    assert isinstance(pure["msg"], dict) and pure["msg"]["sender"] == "'a@example.org'"
    assert isinstance(pure["rcpt"], dict) and "451 try later" in pure["rcpt"]["attempts"]


def test_an_extension_built_from_other_source_is_stale(tmp_path: Path) -> None:
    import hashlib
    import importlib.machinery

    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    fresh, edited, unrecorded, plain = native.COMPILED[:4]
    record = []
    for name in (fresh, edited, unrecorded, plain):
        base = tmp_path.joinpath(*name.split("."))
        base.parent.mkdir(parents=True, exist_ok=True)
        source = f"# {name}\n".encode()
        base.with_name(base.name + ".py").write_bytes(source)
        if name != plain:  # a module without an extension runs its source: never stale
            base.with_name(base.name + suffix).write_bytes(b"")
        if name in (fresh, edited):
            record.append(f"{hashlib.sha256(source).hexdigest()} {name}\n")
    (tmp_path / "inboxtrace" / native.BUILD_RECORD).write_text("".join(record))
    base = tmp_path.joinpath(*edited.split("."))
    edited_py = base.with_name(base.name + ".py")
    edited_py.write_bytes(b"# edited after the build\n")
    later = (tmp_path / "inboxtrace" / native.BUILD_RECORD).stat().st_mtime + 10
    os.utime(edited_py, (later, later))
    assert native.stale(str(tmp_path)) == [edited, unrecorded]
    assert native.stale(str(REPO / "src")) == []  # this checkout's extensions are up to date


_DUMP_BOUNCES = r"""
import json, sys
from pathlib import Path
from inboxtrace.bounces import iter_path, read_bounces
from inboxtrace.native import implementation
print(json.dumps({"implementation": implementation()}))
for folder in sys.argv[1:]:
    for path in sorted(Path(folder).iterdir()):
        reports = [repr(r) for r in read_bounces(iter_path(path), workers=1)]
        print(json.dumps({"path": str(path), "reports": reports}))
"""


def test_both_implementations_read_the_bounce_corpus_alike() -> None:
    corpus = SHARED / "corpus" / "bounces"
    args = [str(corpus / "emails"), str(corpus / "not-bounces")]
    compiled = _run(_DUMP_BOUNCES, args, pure=False)
    pure = _run(_DUMP_BOUNCES, args, pure=True)
    assert str(compiled[0]["implementation"]).startswith("compiled")
    assert str(pure[0]["implementation"]).startswith("pure Python")
    assert len(compiled) == len(pure) > 400
    for c, p in zip(compiled[1:], pure[1:], strict=True):
        assert c["path"] == p["path"]
        assert c["reports"] == p["reports"], c["path"]
        assert c["reports"], c["path"]  # every file gives a report (a bounce, or why it is none)
