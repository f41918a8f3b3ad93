"""Timestamps of log lines -> timezone-aware datetimes, with year inference for classic syslog.

Classic syslog (``Nov 25 16:24:02``) has no year and no zone. The year is inferred from a
reference date (the file's modification time, or now for streams): a date after the reference
belongs to the previous year. That keeps a log spanning New Year right (``Dec 31`` lines of a
file written on ``Jan 1`` are last year's) and is stateless, so chunks of a file can be parsed in
parallel. Zone-less times are taken as ``tz`` (UTC unless told otherwise). ISO 8601 / RFC 3339
times (journald short-iso, RFC 5424, Exim) keep their own zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Final

_MONTHS = {
    m: i
    for i, m in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1
    )
}
# entries of each cache below (emptied when full): 4096 seconds or minutes of an ordered log
# are more than its lines ever look back; at 16384 the two filled to ~2.3 MB per clock
_CACHE_MAX = 4096
_SECONDS = [timedelta(seconds=s) for s in range(60)]
# (the fraction of a second added as two of these: making a timedelta of it cost ~500 ns)
_MILLIS = [timedelta(milliseconds=n) for n in range(1000)]
_MICROS = [timedelta(microseconds=n) for n in range(1000)]
# what a cache gives for a text it does not hold (one look-up, where a get and an ``in`` took two)
_UNSEEN: Final = datetime(1, 1, 1)


class Clock:
    """Converts timestamp text to datetimes; caches the last few thousand distinct strings."""

    __slots__ = ("_cache", "_minutes", "_years", "reference", "tz")

    def __init__(self, reference: date | None = None, tz: tzinfo = UTC) -> None:
        self.reference = reference or datetime.now(tz).date()
        self.tz = tz
        # (read in place by timeline/_frozen.pyx before it calls at: keep it this one dict)
        self._cache: dict[str, datetime | None] = {}
        self._years: dict[tuple[int, int], int] = {}
        # "Mmm dd hh:mm" -> that minute (None: no such time): a log has ~60 lines' timestamps per minute
        self._minutes: dict[str, datetime | None] = {}

    def __call__(self, ts: str) -> datetime | None:
        return self.at(ts)

    def at(self, ts: str) -> datetime | None:
        """The datetime of timestamp text ``ts`` (None: not a time), as calling the clock gives
        (compiled, a call of this method is a direct one: no argument parsing per call)."""
        cache = self._cache
        value = cache.get(ts, _UNSEEN)
        if value is not _UNSEEN:
            return value
        value = self.parse(ts)
        if len(self._cache) >= _CACHE_MAX:
            self._cache.clear()
        self._cache[ts] = value
        return value

    def parse(self, ts: str) -> datetime | None:
        """Parse one timestamp (no cache); None when it is not a timestamp we know."""
        if len(ts) >= 15 and ts[3] == " ":
            minute = self._minutes.get(ts[:12])
            if minute is not None:  # (a minute known: its month was one)
                return _at_second(minute, ts)
            if ts[:3] in _MONTHS:
                return self._classic(ts)
        n = len(ts)
        if (
            (n == _ZONELESS_LENGTH or (n in _RFC3339_LENGTHS and ts[-6] in "+-"))
            and ts[16] == ":"
            and ts[13] == ":"
            and ts[7] == "-"
        ):
            return self._rfc3339(ts)
        return self._iso(ts)

    def _iso(self, ts: str) -> datetime | None:
        """Any ISO 8601 time ``datetime.fromisoformat`` reads (a zone-less one in ``tz``)."""
        try:
            dt = datetime.fromisoformat(ts)
        except ValueError:
            return None
        zone = dt.tzinfo
        if zone is None:
            return dt.replace(tzinfo=self.tz)
        shared = _shared_zone(zone)
        return dt if shared is zone else dt.astimezone(shared)

    def _rfc3339(self, ts: str) -> datetime | None:
        """``YYYY-MM-DDThh:mm:ss[.ffffff]+hh:mm`` (rsyslog's and journald's precise format), or
        ``YYYY-MM-DD hh:mm:ss`` with no zone (Exim's), as :meth:`_iso` reads it: its minute (with
        the zone) parsed once, the seconds added to it. (A minute and its seconds apart: the
        fields the full text gives, a zone shared.)"""
        n = len(ts)
        minute = self._minute_of(ts[:16] if n == _ZONELESS_LENGTH else ts[:16] + ts[-6:], ts, True)
        if minute is None:
            return None
        tens, ones = ord(ts[17]) - 48, ord(ts[18]) - 48
        if not (0 <= tens <= 5 and 0 <= ones <= 9):
            return self._iso(ts)  # (a leap second, or not digits: whatever the full parse says)
        if n <= 25:  # (no fraction: the zone, or nothing, follows the seconds)
            return minute + _SECONDS[tens * 10 + ones]
        if ts[19] != ".":
            return self._iso(ts)
        ms = us = 0
        for i in range(20, 26):  # (digit by digit: no slice, no int(), no timedelta made)
            digit = ord(ts[i]) - 48
            if not 0 <= digit <= 9:
                return self._iso(ts)
            if i < 23:
                ms = ms * 10 + digit
            else:
                us = us * 10 + digit
        return minute + _SECONDS[tens * 10 + ones] + _MILLIS[ms] + _MICROS[us]

    def _classic(self, ts: str) -> datetime | None:
        minute = self._minute_of(ts[:12], ts, False)
        return None if minute is None else _at_second(minute, ts)

    def _minute_of(self, head: str, ts: str, iso: bool) -> datetime | None:
        """The minute ``head`` of ``ts`` names (None: no such time), from the cache of minutes, else
        read (``iso``: ``head`` is an ISO 8601 minute, else ``ts`` is classic) and kept."""
        minutes = self._minutes
        minute = minutes.get(head)
        if minute is None and head not in minutes:
            minute = self._iso(head) if iso else self._minute(ts)
            if len(minutes) >= _CACHE_MAX:
                minutes.clear()
            minutes[head] = minute
        return minute

    def _minute(self, ts: str) -> datetime | None:
        """The minute of classic ``ts`` (its first 12 characters), in the inferred year."""
        try:
            month = _MONTHS[ts[:3]]
            day = int(ts[4:6])
            hh, mm = int(ts[7:9]), int(ts[10:12])
        except (KeyError, ValueError):
            return None
        year = self._years.get((month, day))
        if year is None:
            ref = self.reference
            year = ref.year
            if (month, day) > (ref.month, ref.day) and ref + timedelta(days=1) < _safe(ref.year, month, day):
                year -= 1
            self._years[(month, day)] = year
        try:
            return datetime(year, month, day, hh, mm, tzinfo=self.tz)
        except ValueError:
            try:  # Feb 29 of the other year
                return datetime(year - 1, month, day, hh, mm, tzinfo=self.tz)
            except ValueError:
                return None


def _at_second(minute: datetime, ts: str) -> datetime | None:
    """Classic ``ts`` (``Mmm dd hh:mm:ss[.ffffff]``) in its ``minute``."""
    tens, ones = ord(ts[13]) - 48, ord(ts[14]) - 48
    if 0 <= tens <= 9 and 0 <= ones <= 9:  # (two digits: what int() reads, without a slice)
        ss = tens * 10 + ones
    else:
        try:
            ss = int(ts[13:15])
        except ValueError:
            return None
    if not 0 <= ss <= 59:  # (a second that does not exist in any year)
        return None
    when = minute + _SECONDS[ss]  # (wall-clock arithmetic: the fields as a constructor sets them)
    if len(ts) > 16 and ts[15] == ".":
        frac = ts[16:22]
        if frac.isdigit():
            when += timedelta(microseconds=int(frac.ljust(6, "0")))
    return when


# The lengths of ``YYYY-MM-DDThh:mm:ss+hh:mm``, and with ``.ffffff`` after the seconds.
_RFC3339_LENGTHS: Final = (25, 32)
_ZONELESS_LENGTH: Final = 19  # ``YYYY-MM-DD hh:mm:ss``
# One object per UTC offset for every datetime the clocks make: two aware datetimes compare field
# by field when their tzinfo is the same object, and through both offsets (~15 times slower) when
# not; ``fromisoformat`` makes a new zone object for each text it reads.
_ZONES: dict[tzinfo, tzinfo] = {}


def _shared_zone(zone: tzinfo) -> tzinfo:
    """The one zone object kept for ``zone``'s offset (``zone`` itself the first time)."""
    shared = _ZONES.get(zone)
    if shared is None:
        if len(_ZONES) >= 256:  # (a log has a handful; emptied when full, as the caches are)
            _ZONES.clear()
        shared = _ZONES[zone] = zone
    return shared


def _safe(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        return date(year, month, max(1, min(day, 28)))  # (day 0: no such date, no error either)


__all__ = ["Clock"]
