"""Timeline assembly: parallel chunks equal one pass, envelopes, years, resume, idle flush, totals."""

from __future__ import annotations

import gzip
import os
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from inboxtrace.logs import LogStats
from inboxtrace.model import FinalState, Message
from inboxtrace.timeline import read_logs, reader
from tests.conftest import SHARED, generated_log

_generate = generated_log


def _summary(messages: list[Message]) -> list[tuple[str, str, tuple[tuple[str, str, int], ...]]]:
    return sorted(
        (
            m.queue_id,
            str(m.received),
            tuple(sorted((d.recipient, d.final_state.value, len(d.attempts)) for d in m.deliveries)),
        )
        for m in messages
    )


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _generate(tmp_path_factory.mktemp("gen") / "mail.log", 40_000)


def test_parallel_chunks_equal_single_pass(generated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s1 = LogStats()
    one = list(read_logs([generated], stats=s1, jobs=1))
    monkeypatch.setattr(reader, "PARALLEL_MIN_BYTES", 1 << 20)
    s2 = LogStats()
    two = list(read_logs([generated], stats=s2, jobs=2))
    assert s2.lines == s1.lines == 40_000 or s1.lines > 40_000
    assert (s2.events, s2.ignored, s2.unknown) == (s1.events, s1.ignored, s1.unknown)
    assert _summary(two) == _summary(one)
    assert len({(m.host, m.queue_id) for m in two}) == len(two)


def test_a_local_worker_counts_the_lines_before_its_piece_itself(
    generated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reader hands a local worker its piece at once (line -1: the lines before it are counted
    where it is read), and every attempt's evidence still names its own line of the file."""
    monkeypatch.setattr(reader, "PARALLEL_MIN_BYTES", 1 << 20)
    here = read_logs([generated], jobs=2)
    messages = list(here)
    first, second = here._unit_list
    assert second.start > 0 and second.line == -1 and first.line == 0
    lines = generated.read_text().splitlines()
    evidence = [a.evidence for m in messages for d in m.deliveries for a in d.attempts if a.evidence]
    late = [e for e in evidence if e.line_no > len(lines) // 2]
    assert len(late) > 1000
    assert all(lines[e.line_no - 1] == e.line for e in evidence)


def test_the_readers_own_piece_is_smaller_and_handed_over_as_the_workers_pieces_are(
    generated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a sink the reading process reads the first piece of one big file itself (smaller:
    it also makes every piece's messages) and takes its records and its tail as they are (no
    marshal, no pickle): exactly the messages
    the same cuts give when every piece goes through the workers' marshal payloads."""
    monkeypatch.setattr(reader, "PARALLEL_MIN_BYTES", 1 << 20)
    real_work = reader._work
    kinds: list[str] = []

    def seen(unit: reader._Unit, opts: reader._Options) -> Iterator[bytes | reader._Records | reader._Tail]:
        for payload in real_work(unit, opts):
            kinds.append(type(payload).__name__)
            yield payload

    monkeypatch.setattr(reader, "_work", seen)
    here = read_logs([generated], jobs=2)
    local = [repr(m) for m in here]
    first, second = here._unit_list
    assert first.local and not second.local
    share = first.size / second.size
    assert abs(share - reader.PARENT_SHARE) < 0.05, share
    # (the workers' payloads are not seen here: only what this process read)
    assert set(kinds) == {"_Records", "_Tail"} and kinds[-1] == "_Tail", set(kinds)
    kinds.clear()

    def through_marshal(
        unit: reader._Unit, opts: reader._Options
    ) -> Iterator[bytes | reader._Records | reader._Tail]:
        unit.local = False
        yield from seen(unit, opts)

    monkeypatch.setattr(reader, "_work", through_marshal)
    marshalled = [repr(m) for m in read_logs([generated], jobs=2)]
    assert kinds and set(kinds) == {"bytes"}  # (the parent's piece was read here)
    assert sorted(local) == sorted(marshalled)
    assert len(local) > 5000


@pytest.mark.parametrize(("jobs", "cluster", "pieces"), [(4, None, 4), (2, "local:2", 4), (2, "inline", 2)])
def test_pieces_on_every_runner_equal_a_single_pass(
    generated: Path, monkeypatch: pytest.MonkeyPatch, jobs: int, cluster: str | None, pieces: int
) -> None:
    """Four forked pieces (messages merged across three cuts as the pieces end), pieces of
    started processes (payloads handed back per piece) and pieces read here, one after another:
    the same messages and counts as one pass."""
    s1 = LogStats()
    one = list(read_logs([generated], stats=s1, jobs=1))
    monkeypatch.setattr(reader, "PARALLEL_MIN_BYTES", 1 << 20)
    s2 = LogStats()
    many = read_logs([generated], stats=s2, jobs=jobs, cluster=cluster)
    got = list(many)
    assert len(many._unit_list) == pieces  # the cuts were made
    assert (s2.lines, s2.events, s2.ignored, s2.unknown) == (s1.lines, s1.events, s1.ignored, s1.unknown)
    assert _summary(got) == _summary(one)
    assert s2.messages == s1.messages == len(got)


def test_generated_totals_match_the_log(generated: Path) -> None:
    """Each final state agrees with the log's own final lines, recipient by recipient."""
    text = generated.read_text()
    stats = LogStats()
    messages = list(read_logs([generated], stats=stats))
    assert stats.unknown == 0
    assert stats.lines == text.count("\n")
    states = Counter(d.final_state for m in messages for d in m.deliveries)
    assert states[FinalState.REJECTED] == text.count("NOQUEUE: reject:")
    assert states[FinalState.EXPIRED] == text.count("status=expired")
    bounced = text.count("status=bounced")
    assert states[FinalState.BOUNCED] == bounced
    # every delivered recipient has exactly one status=sent as its last attempt
    delivered = [d for m in messages for d in m.deliveries if d.final_state is FinalState.DELIVERED]
    assert all(d.attempts[-1].status == "sent" for d in delivered)
    assert states[FinalState.DELIVERED] + states[FinalState.DEFERRED] <= text.count(
        "status=sent"
    ) + text.count("status=deferred")


def test_rfc3339_long_ids(tmp_path: Path) -> None:
    log = _generate(tmp_path / "iso.log", 3000, "--rfc3339", "--long-ids")
    stats = LogStats()
    messages = list(read_logs([log], stats=stats))
    assert stats.unknown == 0
    m = next(m for m in messages if m.deliveries and m.received and not m.queue_id.startswith("NOQUEUE"))
    assert "z" in m.queue_id and len(m.queue_id) == 15
    assert m.received is not None and m.received.utcoffset() is not None
    assert m.received.utcoffset().total_seconds() == 3600  # type: ignore[union-attr]


def test_envelopes(tmp_path: Path) -> None:
    body = "postfix/qmgr[7]: 0F5383D: from=<a@example.org>, size=5360, nrcpt=1 (queue active)"
    lines = [
        f"Nov 25 16:24:02 mx {body}",
        f"<22>Nov 25 16:24:03 mx {body}",
        f"2025-11-25T16:24:04.123456+01:00 mx {body}",
        f"2025-11-25T16:24:05+0100 mx {body}",  # journald short-iso
        "<22>1 2025-11-25T16:24:06.000Z mx postfix/qmgr 7 - - 0F5383D: from=<a@example.org>, size=5360, nrcpt=1",
        f"Nov 25 16:24:07 <mail.info> mx {body}",
    ]
    path = tmp_path / "env.log"
    path.write_text("\n".join(lines) + "\n")
    stats = LogStats()
    (msg,) = list(read_logs([path], stats=stats))
    assert stats.events == len(lines) and stats.unknown == 0
    assert msg.host == "mx" and msg.sender == "a@example.org" and msg.size == 5360


def test_year_inferred_across_new_year(tmp_path: Path) -> None:
    path = tmp_path / "ny.log"
    path.write_text(
        "Dec 31 23:59:58 mx postfix/smtpd[1]: AAAAAA1: client=a[192.0.2.1]\n"
        "Dec 31 23:59:59 mx postfix/qmgr[2]: AAAAAA1: from=<s@example.org>, size=1, nrcpt=1 (queue active)\n"
        "Jan  1 00:00:01 mx postfix/smtp[3]: AAAAAA1: to=<r@example.net>, relay=mx[192.0.2.2]:25, delay=3, "
        "delays=1/0/1/1, dsn=2.0.0, status=sent (250 ok)\n"
        "Jan  1 00:00:02 mx postfix/qmgr[2]: AAAAAA1: removed\n"
    )
    jan2 = datetime(2026, 1, 2, tzinfo=UTC).timestamp()
    os.utime(path, (jan2, jan2))
    (msg,) = list(read_logs([path]))
    assert msg.received == datetime(2025, 12, 31, 23, 59, 58, tzinfo=UTC)
    assert msg.deliveries[0].attempts[0].time == datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC)
    assert msg.completed == datetime(2026, 1, 1, 0, 0, 2, tzinfo=UTC)


def test_rotated_set_in_order_and_messages_continue(tmp_path: Path) -> None:
    src = (
        (SHARED / "corpus" / "logs" / "postfix-real-run" / "postfix.log")
        .read_text()
        .splitlines(keepends=True)
    )
    third = len(src) // 3
    (tmp_path / "mail.log.2.gz").write_bytes(gzip.compress("".join(src[:third]).encode()))
    (tmp_path / "mail.log.1").write_text("".join(src[third : 2 * third]))
    (tmp_path / "mail.log").write_text("".join(src[2 * third :]))
    whole = list(read_logs([SHARED / "corpus" / "logs" / "postfix-real-run" / "postfix.log"]))
    names = [tmp_path / "mail.log", tmp_path / "mail.log.2.gz", tmp_path / "mail.log.1"]
    stats = LogStats()
    parts = list(read_logs(names, stats=stats))
    assert stats.sources == [str(tmp_path / n) for n in ("mail.log.2.gz", "mail.log.1", "mail.log")]
    assert [(q, r) for q, r, _ in _summary(parts)] == [(q, r) for q, r, _ in _summary(whole)]
    assert [d for *_, d in _summary(parts)] == [d for *_, d in _summary(whole)]


def test_resume_from_position_loses_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "mail.log"
    log.write_text((SHARED / "corpus" / "logs" / "postfix-real-run" / "postfix.log").read_text())
    full = {(m.queue_id, d.recipient, d.final_state) for m in read_logs([log]) for d in m.deliveries}
    monkeypatch.setattr(reader, "BLOCK_SIZE", 4096)
    r = read_logs([log])
    it = iter(r)
    first = [next(it) for _ in range(12)]
    pos = r.resume_position()
    assert pos is not None and 0 < pos.offset < log.stat().st_size
    assert log.read_bytes()[pos.offset - 1 : pos.offset] == b"\n"  # a line boundary
    rest = list(read_logs([log], positions=[pos]))
    got = {(m.queue_id, d.recipient, d.final_state) for m in first + rest for d in m.deliveries}
    assert full <= got


def test_idle_messages_are_flushed(tmp_path: Path) -> None:
    path = tmp_path / "idle.log"
    path.write_text(
        "Mar  1 10:00:00 mx postfix/smtpd[1]: BBBBBB1: client=a[192.0.2.1]\n"
        "Mar  1 10:00:01 mx postfix/smtp[3]: BBBBBB1: to=<r@example.net>, relay=none, delay=1, "
        "delays=1/0/0/0, dsn=4.4.1, status=deferred (connect to mx[192.0.2.9]:25: Connection timed out)\n"
        "Mar  3 10:00:00 mx postfix/smtpd[1]: CCCCCC1: client=a[192.0.2.1]\n"
    )
    r = read_logs([path], idle_seconds=86400)
    it = iter(r)
    first = next(it)
    assert first.queue_id == "BBBBBB1"
    assert first.deliveries[0].final_state is FinalState.DEFERRED
    a = first.deliveries[0].attempts[0]
    assert a.phase is not None and a.phase.value == "connect"
    assert (a.relay_host, a.relay_ip, a.relay_port) == ("mx", "192.0.2.9", 25)  # relay=none: from the text
    assert [m.queue_id for m in it] == ["CCCCCC1"]


def test_missing_input_and_bad_format(tmp_path: Path) -> None:
    from inboxtrace.errors import InputError, UnknownFormatError

    with pytest.raises(InputError):
        read_logs([tmp_path / "nope.log"])
    with pytest.raises(UnknownFormatError):
        read_logs([], format="qmail")


def test_binary_junk_is_counted_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "junk.log"
    path.write_bytes(os.urandom(20_000) + b"\nMar 14 00:00:00 mx postfix/qmgr[1]: ABCDEF1: removed\n")
    stats = LogStats()
    messages = list(read_logs([path], stats=stats))
    assert stats.lines == stats.events + sum(stats.ignored.values()) + stats.unknown
    assert stats.unknown > 0 and len(stats.unknown_samples) <= 5
    assert [m.queue_id for m in messages] == ["ABCDEF1"]


def test_failed_mx_before_success_and_tls(tmp_path: Path) -> None:
    path = tmp_path / "mx.log"
    path.write_text(
        "Mar  1 10:00:00 mx postfix/smtpd[1]: DDDDDD1: client=a[192.0.2.1]\n"
        "Mar  1 10:00:00 mx postfix/qmgr[2]: DDDDDD1: from=<s@example.org>, size=10, nrcpt=1 (queue active)\n"
        "Mar  1 10:00:01 mx postfix/smtp[5]: DDDDDD1: host mx1.example.net[192.0.2.10] said: 421 4.7.0 Try "
        "again later (in reply to MAIL FROM command)\n"
        "Mar  1 10:00:02 mx postfix/smtp[5]: Untrusted TLS connection established to mx2.example.net[192.0.2.11]:25: "
        "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)\n"
        "Mar  1 10:00:03 mx postfix/smtp[5]: DDDDDD1: to=<r@example.net>, relay=mx2.example.net[192.0.2.11]:25, "
        "delay=3, delays=0/0/2/1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4ABC123)\n"
        "Mar  1 10:00:03 mx postfix/qmgr[2]: DDDDDD1: removed\n"
    )
    stats = LogStats()
    (msg,) = list(read_logs([path], stats=stats))
    assert stats.unknown == 0 and stats.events == 6
    (d,) = msg.deliveries
    assert d.final_state is FinalState.DELIVERED
    tried, sent = d.attempts
    assert (tried.status, tried.relay_host, tried.relay_ip) == ("tried", "mx1.example.net", "192.0.2.10")
    assert tried.verdict is not None and tried.verdict.reply_code == 421
    assert tried.phase is not None and tried.phase.value == "mail-from"
    assert sent.tls is not None and sent.tls.startswith("TLSv1.3")
    assert sent.remote_queue_id == "4ABC123" and msg.next_hops == ("4ABC123",)


@pytest.mark.parametrize(
    ("text", "relay", "phase", "provider"),
    [
        (
            "connect to gmail-smtp-in.l.google.com[142.250.102.27]:25: Connection timed out",
            "none",
            "connect",
            "gmail",
        ),
        (
            "conversation with mx00.gmx.com[74.208.5.4] timed out while receiving the initial server greeting",
            "mx00.gmx.com[74.208.5.4]:25",
            "connect",
            None,
        ),
        (
            "lost connection with mta7.am0.yahoodns.net[98.136.216.22] while sending RCPT TO",
            "mta7.am0.yahoodns.net[98.136.216.22]:25",
            "rcpt-to",
            "yahoo",
        ),
        (
            "host mx.example.net[192.0.2.7] said: 451 4.3.0 Temporary failure (in reply to end of DATA command)",
            "mx.example.net[192.0.2.7]:25",
            "end-of-data",
            None,
        ),
    ],
)
def test_connection_failures_keep_their_phase(
    tmp_path: Path, text: str, relay: str, phase: str, provider: str | None
) -> None:
    path = tmp_path / "t.log"
    path.write_text(
        f"Mar  1 10:00:01 mx postfix/smtp[3]: EEEEEE1: to=<r@example.net>, relay={relay}, delay=30, "
        f"delays=0/0/30/0, dsn=4.4.2, status=deferred ({text})\n"
    )
    (msg,) = list(read_logs([path]))
    (a,) = msg.deliveries[0].attempts
    assert a.phase is not None and a.phase.value == phase
    assert a.relay_host is not None and a.relay_host in text
    assert a.verdict is not None and a.verdict.reply_class.value == "transient"
    if provider is not None:
        assert a.verdict.provider == provider
    assert msg.deliveries[0].final_state is FinalState.DEFERRED


def test_reused_queue_id_after_a_lost_removed_line(tmp_path: Path) -> None:
    path = tmp_path / "reuse.log"
    path.write_text(
        "Mar  1 10:00:00 mx postfix/smtpd[1]: ABCDEF1: client=a[192.0.2.1]\n"
        "Mar  1 10:00:01 mx postfix/smtp[3]: ABCDEF1: to=<one@example.net>, relay=mx[192.0.2.2]:25, delay=1, "
        "delays=1/0/0/0, dsn=2.0.0, status=sent (250 ok)\n"
        # the "removed" line was lost; Postfix reuses the id for the next message
        "Mar  1 11:00:00 mx postfix/smtpd[1]: ABCDEF1: client=b[192.0.2.3]\n"
        "Mar  1 11:00:01 mx postfix/smtp[3]: ABCDEF1: to=<two@example.net>, relay=mx[192.0.2.2]:25, delay=1, "
        "delays=1/0/0/0, dsn=2.0.0, status=sent (250 ok)\n"
        "Mar  1 11:00:02 mx postfix/qmgr[2]: ABCDEF1: removed\n"
    )
    first, second = read_logs([path])
    assert [d.recipient for d in first.deliveries] == ["one@example.net"] and first.client_ip == "192.0.2.1"
    assert [d.recipient for d in second.deliveries] == ["two@example.net"] and second.client_ip == "192.0.2.3"
    assert first.completed is None and second.completed is not None


def test_parallel_progress_per_source(generated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "PARALLEL_MIN_BYTES", 1 << 20)
    r = read_logs([generated], jobs=2)
    list(r)
    size = generated.stat().st_size
    assert r.progress == (size, size)
    assert r.progress_by_source() == {str(generated): (size, size)}
    pos = r.resume_position()
    assert pos is not None and pos.offset == size


def test_success_dsn_is_linked(tmp_path: Path) -> None:
    path = tmp_path / "dsn.log"
    path.write_text(
        "Mar  1 10:00:00 mx postfix/smtpd[1]: FFFFFF1: client=a[192.0.2.1]\n"
        "Mar  1 10:00:01 mx postfix/smtp[3]: FFFFFF1: to=<r@example.net>, relay=mx[192.0.2.2]:25, delay=1, "
        "delays=1/0/0/0, dsn=2.0.0, status=sent (250 ok)\n"
        "Mar  1 10:00:01 mx postfix/cleanup[4]: AAAAAA2: message-id=<dsn@mx>\n"
        "Mar  1 10:00:01 mx postfix/bounce[5]: FFFFFF1: sender delivery status notification: AAAAAA2\n"
        "Mar  1 10:00:02 mx postfix/qmgr[2]: FFFFFF1: removed\n"
    )
    messages = {m.queue_id: m for m in read_logs([path])}
    assert messages["FFFFFF1"].deliveries[0].dsn_queue_id == "AAAAAA2"
    assert messages["AAAAAA2"].dsn_of == "FFFFFF1"


def test_idle_flush_skips_only_when_no_open_message_can_be_idle() -> None:
    # flush_idle looks at the open messages only when the oldest last line (a bound kept as
    # events come, in any time order) may be idle: it must emit exactly what a look at every
    # open message on every call emits
    import random
    from datetime import date

    from inboxtrace.logs.clock import Clock
    from inboxtrace.timeline.assembler import Assembler

    def run(look_every_time: bool) -> list[tuple[object, ...]]:
        rng = random.Random(7)
        asm = Assembler(idle_seconds=30)
        asm.clock = Clock(date(2025, 3, 20))
        for ln in range(1, 3000):
            minute, second = divmod(ln // 4 + rng.randrange(-40, 5), 60)  # times mostly rising
            ts = f"Mar 14 {minute // 60 % 24:02d}:{minute % 60:02d}:{second:02d}"
            qid = f"{rng.randrange(400):05X}"
            if rng.random() < 0.1:
                asm.removed("mx", qid, ts, ln)
            else:
                asm.queued("mx", qid, ts, "a@b", 1, 1, ln)
            if ln % 7 == 0:
                if look_every_time:
                    asm._floor = None
                asm.flush_idle(ts)
        asm.flush()
        return asm.out

    assert run(look_every_time=False) == run(look_every_time=True)
    assert len(run(look_every_time=True)) > 300


def test_classic_timestamps_read_per_minute_as_a_whole_time() -> None:
    from datetime import date

    from inboxtrace.logs.clock import Clock

    clock = Clock(date(2025, 3, 14))
    assert clock("Mar 14 10:20:30") == datetime(2025, 3, 14, 10, 20, 30, tzinfo=UTC)
    assert clock("Mar 14 10:20:31.25") == datetime(2025, 3, 14, 10, 20, 31, 250000, tzinfo=UTC)
    assert clock("Dec 31 23:59:59") == datetime(2024, 12, 31, 23, 59, 59, tzinfo=UTC)  # last year
    assert clock("Feb 29 12:00:00") == datetime(2024, 2, 29, 12, 0, tzinfo=UTC)  # the leap year before
    # times that do not exist are no times, never an error (a day 0 after the reference's month
    # raised ValueError while the year was inferred)
    for bad in (
        "Mar 14 10:20:60",
        "Mar 14 10:20:-1",
        "Mar 14 10:61:00",
        "Dec 00 10:00:00",
        "Mar 14 25:00:00",
    ):
        assert clock(bad) is None, bad
    assert clock("Mar 14 10:20:30") == datetime(2025, 3, 14, 10, 20, 30, tzinfo=UTC)  # cached minute


def test_classic_seconds_read_as_int_reads_them_whether_the_minute_is_known_or_not() -> None:
    from datetime import date

    from inboxtrace.logs.clock import Clock

    minute = datetime(2025, 3, 14, 10, 20, tzinfo=UTC)
    # the seconds' two characters as int() reads them: digits of any script, a sign, a space
    seconds = {"05": 5, "59": 59, " 7": 7, "7 ": 7, "+3": 3, "\u0663\u0664": 34, "\uff11\uff12": 12}
    for text, ss in seconds.items():
        for known in (False, True):  # the minute read first from another second, or not
            clock = Clock(date(2025, 3, 14))
            if known:
                assert clock("Mar 14 10:20:00") == minute
            assert clock(f"Mar 14 10:20:{text}") == minute.replace(second=ss), (text, known)
            assert clock(f"Mar 14 10:20:{text}.5") == minute.replace(second=ss, microsecond=500000)
            assert clock.parse(f"Mar 14 10:20:{text}") == minute.replace(second=ss)  # (no cache)
    for text in ("60", "-1", "ab", "5x", "  ", "1_"):
        clock = Clock(date(2025, 3, 14))
        assert clock("Mar 14 10:20:00") == minute
        assert clock(f"Mar 14 10:20:{text}") is None, text
        assert clock(f"Mar 14 10:20:{text}") is None, text  # (the cache holds the None)
    clock = Clock(date(2025, 3, 14))
    assert clock("Foo 14 10:20:00") is None and clock("Mar 14 10:20:00") == minute
