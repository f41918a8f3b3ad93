"""What an ingest holds in memory: the modules it loads, and what stays bounded as the log grows.
(Peak memory itself is measured in benchmarks/bench_memory.py, not in tests.)"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import generated_log

# Loaded by the ESP webhook providers (request signatures, HTTP): a log ingest needs none of them,
# and each process of a parallel ingest would carry them (~15 MB).
NOT_FOR_LOGS = ("cryptography", "httpx", "inboxtrace.esp.registry", "inboxtrace.esp.mailgun")


def _modules_after_ingest(log: Path, db: Path) -> set[str]:
    code = (
        "import sys\nfrom inboxtrace.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "print('\\n'.join(sys.modules), file=sys.stderr)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "ingest", "--db", f"sqlite:///{db}", "-q", str(log)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return set(done.stderr.split())


def test_an_ingest_into_a_new_store_loads_no_esp_provider(tmp_path: Path) -> None:
    log = generated_log(tmp_path / "mail.log", 2000)
    loaded = _modules_after_ingest(log, tmp_path / "new.db")
    assert "inboxtrace.store.log_chunks" in loaded or "inboxtrace.store.logs" in loaded
    assert "inboxtrace.esp.base" in loaded  # the store's ESP tables are declared...
    assert not [m for m in loaded if m.startswith(NOT_FOR_LOGS)]  # ...without the providers


def test_the_esp_names_still_load_on_first_use() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, inboxtrace.esp as e\nassert 'httpx' not in sys.modules\n"
            "print(e.provider('mailgun').name, e.EspSettings.__name__, len(e.PROVIDERS) > 3)",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.split() == ["mailgun", "EspSettings", "True"]


def _quiet_log(path: Path) -> Path:
    """Four days of a Postfix log: a bounce's DSN (AAAA1) whose delivery the log never shows, a
    message (CCCC1) whose recipient comes two days after its message-id, a deferral (BBBB1)
    retried after two days, and one delivered message every three hours."""
    lines = [
        "Mar 14 00:00:00 mx1 postfix/cleanup[100]: AAAA1: message-id=<dsn1@mx1.example>",
        "Mar 14 00:00:00 mx1 postfix/cleanup[100]: CCCC1: message-id=<held@app.example>",
        "Mar 14 00:00:01 mx1 postfix/smtpd[101]: BBBB1: client=app[10.0.0.1]",
        "Mar 14 00:00:01 mx1 postfix/cleanup[100]: BBBB1: message-id=<m1@app.example>",
        "Mar 14 00:00:01 mx1 postfix/qmgr[999]: BBBB1: from=<a@app.example>, size=900, nrcpt=1 (queue active)",
        "Mar 14 00:00:02 mx1 postfix/smtp[102]: BBBB1: to=<b@example.org>, relay=mx.example.org[192.0.2.25]:25,"
        " delay=1, delays=0/0/0/1, dsn=4.2.0, status=deferred (host mx.example.org[192.0.2.25] said: 450 4.2.0"
        " Greylisted (in reply to RCPT TO command))",
    ]
    for n in range(32):  # every 3 hours for 4 days
        ts = f"Mar {14 + n // 8} {n % 8 * 3:02d}:30:00"
        q = f"D{n:04d}"
        lines += [
            f"{ts} mx1 postfix/qmgr[999]: {q}: from=<a@app.example>, size=900, nrcpt=1 (queue active)",
            f"{ts} mx1 postfix/smtp[102]: {q}: to=<c{n}@example.org>, relay=mx.example.org[192.0.2.25]:25,"
            " delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 Ok)",
            f"{ts} mx1 postfix/qmgr[999]: {q}: removed",
        ]
        if n == 16:  # day 3: the deferral is delivered, the held message gets its recipient
            lines += [
                f"{ts} mx1 postfix/smtp[102]: BBBB1: to=<b@example.org>, relay=mx.example.org[192.0.2.25]:25,"
                " delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 Ok)",
                f"{ts} mx1 postfix/qmgr[999]: BBBB1: removed",
                f"{ts} mx1 postfix/qmgr[999]: CCCC1: from=<a@app.example>, size=900, nrcpt=1 (queue active)",
                f"{ts} mx1 postfix/smtp[102]: CCCC1: to=<h@example.org>, relay=mx.example.org[192.0.2.25]:25,"
                " delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 Ok)",
                f"{ts} mx1 postfix/qmgr[999]: CCCC1: removed",
            ]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_message_without_recipients_is_handed_out_after_a_day_idle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from inboxtrace.timeline import read_logs, reader

    monkeypatch.setattr(reader, "BLOCK_SIZE", 2048)  # idle messages are looked for once a block

    out = [
        (m.queue_id, [d.recipient for d in m.deliveries])
        for m in read_logs([_quiet_log(tmp_path / "m.log")], jobs=1)
    ]
    qids = [q for q, _ in out]
    # the DSN with no recipient comes out a day after its last line (not at the end of the input)
    assert qids.index("AAAA1") < qids.index("D0010") < qids.index("D0031")
    assert out[qids.index("AAAA1")][1] == []
    # a deferral (it has a recipient) is still held for its retry two days later: one message
    assert [r for q, r in out if q == "BBBB1"] == [["b@example.org"]]
    # the message whose recipient came two days later is handed on in two parts...
    assert [r for q, r in out if q == "CCCC1"] == [[], ["h@example.org"]]
    assert len(out) == 32 + 3 + 1


def test_the_store_merges_the_parts_of_a_message_handed_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from inboxtrace.ingest import ingest
    from inboxtrace.timeline import reader

    monkeypatch.setattr(reader, "BLOCK_SIZE", 2048)
    from inboxtrace.store import open_store
    from inboxtrace.store.logs import log_deliveries, log_messages

    with open_store(f"sqlite:///{tmp_path / 'q.db'}") as store:
        ingest([str(_quiet_log(tmp_path / "m.log"))], store, jobs=1)
        with store.connect() as conn:
            rows = (
                conn.execute(log_messages.select().where(log_messages.c.queue_id == "CCCC1")).mappings().all()
            )
            delivered = (
                conn.execute(log_deliveries.select().where(log_deliveries.c.mkey == rows[0]["mkey"]))
                .mappings()
                .all()
            )
    # ...which the store joins again: one message, its message-id and its delivery
    assert len(rows) == 1
    assert rows[0]["message_id"] == "held@app.example"
    assert [(d["recipient"], d["final_state"]) for d in delivered] == [("h@example.org", "delivered")]


def test_a_bulk_ingest_copies_its_pieces_with_temporary_data_in_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The statement journal of a piece's ``INSERT ... SELECT`` grows with the piece: in a file."""
    import sqlalchemy as sa

    from inboxtrace.ingest import ingest
    from inboxtrace.store import open_store
    from inboxtrace.timeline import reader

    monkeypatch.setattr(reader, "PARALLEL_MIN_BYTES", 0)  # a small log cut into pieces all the same
    log = generated_log(tmp_path / "mail.log", 6000)
    seen: list[int] = []
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store:

        @sa.event.listens_for(store.engine, "before_cursor_execute")
        def copying(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if "FROM piece.log_messages" in statement and statement.lstrip().startswith("INSERT"):
                seen.append(cursor.connection.execute("PRAGMA temp_store").fetchone()[0])

        ingest([str(log)], store, jobs=2)
        with store.connect() as conn:  # and only then
            seen.append(conn.exec_driver_sql("PRAGMA temp_store").scalar_one())
    assert seen == [1, 2]  # FILE while copying, MEMORY again after


def _children(besides: frozenset[int] = frozenset()) -> list[int]:
    """This process's child processes (of any of its threads), but those in ``besides`` (the
    servers other tests of the session started)."""
    found: list[int] = []
    for task in Path("/proc/self/task").iterdir():
        with contextlib.suppress(OSError):
            found += [int(pid) for pid in (task / "children").read_text().split()]
    return [pid for pid in found if pid not in besides]


def test_the_last_piece_is_copied_after_the_workers_are_gone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker done with its piece holds its heap until it ends: the parent takes in the last
    piece to end (its unfinished messages, the copy: the parent's peak) once the workers have ended."""
    import sqlalchemy as sa

    from inboxtrace.ingest import ingest
    from inboxtrace.store import open_store
    from inboxtrace.timeline import reader

    monkeypatch.setattr(reader, "PARALLEL_MIN_BYTES", 0)  # a small log cut into pieces all the same
    log = generated_log(tmp_path / "mail.log", 9000)
    workers: list[list[int]] = []
    during: list[list[int]] = []
    before = frozenset(_children())
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store:

        @sa.event.listens_for(store.engine, "before_cursor_execute")
        def copying(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if "FROM piece.log_messages" in statement and statement.lstrip().startswith("INSERT"):
                during.append(_children(before))

        def watch(_: Any) -> None:
            workers.append(_children(before))

        summary = ingest([str(log)], store, jobs=3, progress=watch, progress_interval=0)
    assert summary.messages > 0
    assert any(workers), "the read had no worker process"
    assert len(during) == 2  # three pieces: the first read here, two copied
    assert during[-1] == []  # the last once the workers have ended (a pool's workers live till then)


def test_the_timestamp_caches_of_a_day_of_log_stay_small() -> None:
    """Each process of an ingest keeps a clock's caches and the row maker's epochs: a day of
    distinct seconds (a long log) leaves them well under a megabyte each, not growing with it."""
    import tracemalloc

    from inboxtrace.logs.clock import Clock
    from inboxtrace.store.log_rows import _epoch_of

    stamps = [
        f"Mar {14 + s // 86400} {s // 3600 % 24:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86400)
    ]
    tracemalloc.start()
    try:
        clock = Clock()
        epochs: dict[str, float] = {}
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        for ts in stamps:
            assert _epoch_of(clock, ts, epochs) > 0
        held = tracemalloc.get_traced_memory()[1] - before  # at the fullest
    finally:
        tracemalloc.stop()
    assert held < 1_500_000, held  # (2.2 MB with caches of 16,384 texts)


_KNOWN: frozenset[int] = frozenset()  # the children this process had before a test's runner


def _here_until_alone(n: int) -> Iterator[tuple[int, bool]]:
    """Piece 0 (run by the caller): items until the caller has no worker left (at most 10 s);
    every other piece (a worker's): one item."""
    if n:
        yield n, True
        return
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        alone = not _children(_KNOWN)
        yield n, alone
        if alone:
            return
        time.sleep(0.01)


def test_a_worker_with_no_piece_left_ends_while_the_caller_still_reads() -> None:
    """Once every piece is handed out, a worker done with its last ends (and frees its heap) at
    once, not when the caller is done with its own piece and the merge."""
    global _KNOWN
    from inboxtrace.execution import runner

    _KNOWN = frozenset(_children())
    with runner("local:1", inherit=True) as run:
        items = list(run.stream(_here_until_alone, range(2), here=1))
    assert (0, (0, True)) in items  # the caller, still in its own piece, saw the worker gone
    assert (1, (1, True)) in items


def _endless(n: int) -> Iterator[int]:
    yield n
    time.sleep(30)
    yield n


def _stop_at_first(stream: Iterator[tuple[int, int]]) -> None:
    for _ in stream:
        raise KeyError


def test_a_consumer_stopping_early_after_the_last_piece_is_handed_out_ends_the_workers() -> None:
    """The workers of a pool told that no piece is left are still ended at once when the
    consumer stops (an error) in the middle of their last pieces."""
    from inboxtrace.execution import runner

    before = frozenset(_children())
    started = time.monotonic()
    with pytest.raises(KeyError), runner("local:2", inherit=True) as run:
        _stop_at_first(run.stream(_endless, range(2)))  # both pieces handed out at once
    assert time.monotonic() - started < 15
    assert _children(before) == []


def test_a_piece_tail_stays_packed_until_every_piece_before_it_is_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker's unfinished messages (thousands on a long log) are unpacked only when they can
    be merged: a piece that ends before the pieces ahead of it waits as the bytes it came as,
    not as objects beside everything the reader still holds. The merge is unchanged."""
    import pickle
    from types import SimpleNamespace

    from inboxtrace.execution import runner
    from inboxtrace.timeline import read_logs, reader

    monkeypatch.setattr(reader, "PARALLEL_MIN_BYTES", 0)  # a small log cut into pieces all the same
    log = generated_log(tmp_path / "mail.log", 6000)
    rd = read_logs([str(log)], jobs=2)
    units = rd._units(3)
    assert len(units) == 3
    with runner("inline", context=rd._opts):
        payloads = {
            u.index: [p for p in reader.parse_piece(u) if isinstance(p, bytes)] for u in rd._numbered(units)
        }
    events: list[tuple[str, int]] = []

    class Run:  # the pieces' payloads as forked workers would send them: the last piece ends first
        kind = "inline"  # (as the runner that made them)

        def stream(self, work: Any, pieces: Any, here: int = 0) -> Iterator[tuple[int, Any]]:
            for index in (2, 0, 1):
                for data in payloads[index]:
                    if data[:1] == b"P":
                        events.append(("tail in", index))
                    yield index, data

        def close(self) -> None:
            events.append(("closed", -1))

    tails = {len(data) - 1: index for index, items in payloads.items() for data in items if data[:1] == b"P"}

    def loads(data: Any) -> Any:
        if len(data) in tails:
            events.append(("unpacked", tails[len(data)]))
        return pickle.loads(data)

    monkeypatch.setattr(reader, "pickle", SimpleNamespace(loads=loads, dumps=pickle.dumps))
    flat = getattr(reader, "_flat", iter)  # (where the reader passes messages out in batches)
    merged = list(flat(rd._read_pieces(Run(), units, rd._opts, here=0)))  # type: ignore[arg-type]
    assert events.index(("unpacked", 2)) > events.index(("tail in", 1))  # (the last in: after close)
    assert events.index(("unpacked", 0)) > events.index(("tail in", 0))

    def key(m: Any) -> tuple[Any, ...]:
        return (
            m.host,
            m.queue_id,
            sorted((d.recipient, d.final_state.value, len(d.attempts)) for d in m.deliveries),
        )

    one_pass = sorted(map(key, read_logs([str(log)], jobs=1)))
    assert sorted(map(key, merged)) == one_pass


def test_the_store_s_page_cache_is_a_worker_s_while_the_parent_reads_its_own_piece(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a bulk ingest the parent writes the first piece into the store while a worker forked
    from it reads the next: its connections keep a page cache as small as the worker's then
    (two processes at their peak together), the usual one for the copies after."""
    import sqlalchemy as sa

    from inboxtrace.ingest import ingest
    from inboxtrace.store import open_store
    from inboxtrace.store.core import CACHE_KIB
    from inboxtrace.timeline import reader

    monkeypatch.setattr(reader, "PARALLEL_MIN_BYTES", 0)  # a small log cut into pieces all the same
    log = generated_log(tmp_path / "mail.log", 6000)
    direct: list[int] = []
    copying: list[int] = []
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store:

        @sa.event.listens_for(store.engine, "before_cursor_execute")
        def watch(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            text = statement.lstrip()
            if text.startswith("INSERT INTO log_messages") and "FROM piece." not in text:
                seen = direct if not copying else []
            elif text.startswith("INSERT") and "FROM piece.log_messages" in text:
                seen = copying
            else:
                return
            seen.append(cursor.connection.execute("PRAGMA cache_size").fetchone()[0])

        summary = ingest([str(log)], store, jobs=2, batch_size=100)
        with store.connect() as conn:
            after = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
    assert summary.messages > 0
    assert len(direct) > 3 and set(direct) == {-2048}  # (store.log_chunks)
    assert copying == [-CACHE_KIB] and after == -CACHE_KIB


def _message_key(m: Any) -> tuple[Any, ...]:
    return (
        m.host,
        m.queue_id,
        m.received,
        sorted((d.recipient, d.final_state.value, len(d.attempts)) for d in m.deliveries),
    )


def test_a_piece_packs_the_messages_begun_before_it_block_by_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The messages that end in a piece but began in an earlier one wait for the merge as pickles
    made block by block (not as objects the worker holds for its whole piece), and the merge of
    those many small packs gives what one pass gives."""
    import pickle

    from inboxtrace.execution import runner
    from inboxtrace.timeline import read_logs, reader

    monkeypatch.setattr(reader, "PARALLEL_MIN_BYTES", 0)  # a small log cut into pieces all the same
    monkeypatch.setattr(reader, "BLOCK_SIZE", 8192)
    log = generated_log(tmp_path / "mail.log", 40000)  # (a few dozen messages straddle its cut)
    rd = read_logs([str(log)], jobs=2)
    units = list(rd._numbered(rd._units(2)))
    with runner("inline", context=rd._opts):
        tail = [p for p in reader.parse_piece(units[1]) if isinstance(p, bytes) and p[:1] == b"P"]
    packs = pickle.loads(tail[0][1:])[3]
    assert len(packs) > 3 and all(isinstance(p, bytes) for p in packs)
    begun_before = [st for p in packs for st in pickle.loads(p)]
    assert begun_before and not any(st.born for st in begun_before)

    parallel = sorted(map(_message_key, read_logs([str(log)], jobs=2)))
    assert parallel == sorted(map(_message_key, read_logs([str(log)], jobs=1)))


def test_the_messages_still_open_at_the_end_of_a_parallel_read_are_made_as_they_are_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The messages open at the end of the log (most of the queue: thousands on a long log) are
    made one at a time as the caller takes them, not all before the first is handed out."""
    from inboxtrace.timeline import read_logs, reader

    monkeypatch.setattr(reader, "PARALLEL_MIN_BYTES", 0)  # a small log cut into pieces all the same
    log = generated_log(tmp_path / "mail.log", 6000)
    events: list[str] = []
    made = reader.LogReader._emit

    def emit(self: Any, *args: Any) -> Any:
        events.append("made")
        return made(self, *args)

    monkeypatch.setattr(reader.LogReader, "_emit", emit)
    taken = [m for m in read_logs([str(log)], jobs=2) if not events.append("taken")]  # type: ignore[func-returns-value]
    assert len(taken) > 20
    # at the end (the open messages, all made by _emit): each made when it is taken
    assert events[-20:] == ["made", "taken"] * 10


def test_the_worker_of_a_bulk_ingest_never_loads_sqlalchemy(tmp_path: Path) -> None:
    """The worker of a first ingest into SQLite writes its piece with the stdlib sqlite3 and is
    started fresh, not forked from the parent that holds the store: SQLAlchemy (~20 MB of its RSS
    when forked, counted once more beside the parent's) is never loaded there. Each process of the
    ingest writes the modules it had at its exit (a ``sitecustomize`` on the path)."""
    hook, out = tmp_path / "hook", tmp_path / "out"
    hook.mkdir()
    out.mkdir()
    (hook / "sitecustomize.py").write_text(
        "import atexit, os, sys\n\n"
        "def _loaded():\n"
        "    with open(os.path.join(os.environ['MODULES_OUT'], f'{os.getpid()}.{os.getppid()}'), 'w') as f:\n"
        "        f.write('\\n'.join(sys.modules))\n\n"
        "atexit.register(_loaded)\n"
    )
    log = generated_log(tmp_path / "mail.log", 6000)
    code = (
        "import sys\nfrom inboxtrace.ingest import ingest\nfrom inboxtrace.store import open_store\n"
        "from inboxtrace.timeline import reader\n"
        "reader.PARALLEL_MIN_BYTES = 0  # a small log cut into pieces all the same\n"
        "with open_store(sys.argv[2]) as store:\n    print(ingest([sys.argv[1]], store, jobs=2).messages)"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(hook), os.environ.get("PYTHONPATH", "")]),
           "MODULES_OUT": str(out)}  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(log), f"sqlite:///{tmp_path / 's.db'}"],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    stdout, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0 and int(stdout) > 100
    loaded = {f.name: set(f.read_text().split()) for f in out.iterdir()}
    parent = loaded.pop(next(n for n in loaded if n.startswith(f"{proc.pid}.")))
    workers = [mods for n, mods in loaded.items() if n.endswith(f".{proc.pid}")]
    assert "sqlalchemy" in parent and "inboxtrace.store.log_chunks" in parent
    assert len(workers) == 1  # (jobs=2: the parent reads the first piece, one worker the second)
    assert "inboxtrace.store.piece_file" in workers[0] and "inboxtrace.timeline.reader" in workers[0]
    assert not [m for m in workers[0] if m.split(".")[0] == "sqlalchemy"]
