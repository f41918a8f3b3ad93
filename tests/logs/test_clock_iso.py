"""ISO 8601 / RFC 3339 timestamps read by :class:`inboxtrace.logs.clock.Clock`: the precise form
(``YYYY-MM-DDThh:mm:ss.ffffff+hh:mm``, rsyslog's and journald's) and Exim's (``YYYY-MM-DD
hh:mm:ss``, no zone) are read through a cache of their minutes, and every datetime made carries
one shared zone object per offset. What it gives must be what ``datetime.fromisoformat`` gives
(a zone-less time in the clock's zone) for every text, valid or not."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from inboxtrace.logs.clock import Clock


def _reference(ts: str) -> datetime | None:
    """What reading ``ts`` always meant: the standard library's parse, zone-less times in UTC."""
    try:
        dt = datetime.fromisoformat(ts)
    except ValueError:
        return None
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def _same(got: datetime | None, want: datetime | None) -> bool:
    if got is None or want is None:
        return got is want
    return got == want and got.utcoffset() == want.utcoffset() and got.isoformat() == want.isoformat()


_DIGITS = "0123456789"
# characters a timestamp of the precise form has, and a few it must not
_NOISE = _DIGITS + "-:.+TZ x\u0663"


@st.composite
def _precise(draw: st.DrawFn) -> str:
    """A text of the precise form's length and punctuation, most often a real time, sometimes
    with a character anywhere replaced (an impossible date, a leap second, a letter)."""
    when = draw(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)))
    minutes = draw(st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59))
    sign = "-" if minutes < 0 else "+"
    offset = f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    frac = draw(st.booleans())
    if draw(st.integers(min_value=0, max_value=3)) == 0:  # Exim's: no fraction, no zone
        frac, offset = False, ""
    sep = draw(st.sampled_from("T T T t"))
    text = (
        f"{when.year:04d}-{when.month:02d}-{when.day:02d}{sep}{when.hour:02d}:{when.minute:02d}:{when.second:02d}"
        + (f".{when.microsecond:06d}" if frac else "")
        + offset
    )
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        i = draw(st.integers(min_value=0, max_value=len(text) - 1))
        text = text[:i] + draw(st.sampled_from(_NOISE)) + text[i + 1 :]
    return text


@settings(max_examples=3000, deadline=None)
@given(_precise())
def test_the_precise_form_reads_as_fromisoformat_reads_it(ts: str) -> None:
    clock = Clock()
    assert _same(clock(ts), _reference(ts)), ts
    assert _same(clock(ts), _reference(ts)), ts  # (the second time from the caches)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=_NOISE, min_size=20, max_size=34))
def test_any_text_of_those_characters_reads_as_fromisoformat_reads_it(ts: str) -> None:
    assert _same(Clock()(ts), _reference(ts)), ts


def test_edges_of_the_precise_form() -> None:
    clock = Clock()
    cases = [
        "2025-03-14T00:00:59.999999+01:00",
        "2025-03-14T23:59:59+14:00",
        "2025-03-14T00:00:60+01:00",  # a leap second: no such time
        "2025-03-14T24:00:00+01:00",
        "2025-02-29T10:00:00.000001-05:30",  # no such day in 2025
        "2024-02-29T10:00:00.000001-05:30",
        "2025-03-14 08:15:00.5000000+00:00",  # seven digits: another length, the full parse
        "2025-03-14T08:15:0a.500000+00:00",
        "2025-03-14T08:15:00,500000+00:00",
        "2025-03-14T08:15:00.50000a+00:00",
        "2025-03-14T08:15:00.\u0663\u0663\u0663\u0663\u0663\u0663+00:00",
        "2025-W11-5T08:15:00+01:00",
        "2025-03-14 08:15:07",  # Exim's main log: no zone (the clock's, UTC here)
        "2025-03-14 08:15:60",
        "2025-02-30 08:15:07",
        "2025-03-14 08:15:0x",
        "2025-03-14T08:15:07",
    ]
    for ts in cases:
        assert _same(clock(ts), _reference(ts)), ts


def test_one_zone_object_per_offset() -> None:
    """Datetimes of the same offset share their zone, so comparing them is a field compare."""
    clock = Clock()
    texts = [
        "2025-03-14T00:00:00.233479+01:00",
        "2025-03-14T00:01:07.000001+01:00",
        "2025-03-15T10:00:00+01:00",
        "2025-03-14T00:00:00.5+01:00",  # (another length: the full parse, then the shared zone)
    ]
    made = [clock(ts) for ts in texts]
    # and a new clock (another file) shares them too
    made.append(Clock()("2025-06-01T12:00:00.000000+01:00"))
    assert all(d is not None and d.utcoffset() == timedelta(hours=1) for d in made)
    assert len({id(d.tzinfo) for d in made if d is not None}) == 1
    other = clock("2025-03-14T00:00:00.233479-05:00")
    assert other is not None and other.utcoffset() == timedelta(hours=-5)
    assert made[0] is not None and other.tzinfo is not made[0].tzinfo


def test_a_log_of_many_minutes_keeps_reading_right_past_the_cache() -> None:
    """More minutes than a clock keeps (its caches are emptied when full)."""
    clock = Clock()
    start = datetime(2025, 3, 14, tzinfo=timezone(timedelta(hours=2)))
    for k in itertools.islice(itertools.count(), 0, 9000, 7):
        when = start + timedelta(minutes=k, seconds=k % 60, microseconds=k)
        ts = when.isoformat(timespec="microseconds")
        assert clock(ts) == when, ts


def test_a_zoneless_time_is_in_the_clocks_zone() -> None:
    zone = timezone(timedelta(hours=-3))
    clock = Clock(tz=zone)
    got = clock("2025-03-14 08:15:07")
    assert got == datetime(2025, 3, 14, 8, 15, 7, tzinfo=zone) and got is not None and got.tzinfo is zone
    again = clock("2025-03-14 08:15:59")
    assert again is not None and again.tzinfo is zone
