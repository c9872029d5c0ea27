"""Region local time on the simulation clock.

The clock is minutes since 00:00 UTC of the scenario's start date. Profiles, weekdays, opening
hours and shifts are in each region's local time; this module cuts a UTC day into pieces of
constant local date and hour, so that rates given per local hour become piecewise-constant rates
on the clock. Quarter-hour steps cover every real UTC offset (+05:30, +05:45) and daylight-saving
changes (a local hour can be missing or repeated).
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import zoneinfo
from typing import NamedTuple

from cxsim.scenario.common import MINUTES_PER_DAY, QUARTER_MINUTES

# MINUTES_PER_DAY is re-exported for modules that import it from here; its home is
# cxsim.scenario.common, with the quarter-hour step this module resolves local time in.
__all__ = [
    "MINUTES_PER_DAY",
    "LocalClock",
    "LocalPiece",
    "local_pieces",
    "local_quarters",
]


class LocalPiece(NamedTuple):
    """A span of the clock with one local date and local hour (0-23)."""

    start_minute: float
    end_minute: float
    date: dt.date
    hour: int

    @property
    def weekday(self) -> int:
        """Local weekday, Monday 0."""
        return self.date.weekday()


@functools.lru_cache(maxsize=256)
def _local_steps(
    start_date: dt.date, zone: zoneinfo.ZoneInfo, day: int
) -> tuple[dt.datetime, ...]:
    """Local time at each quarter-hour of UTC day ``day``. Kept for the last few hundred days
    and zones asked: every forecast entry, channel with opening hours and region asks for the
    same day of its zone in turn."""
    first, begins, steady = _day_start(start_date, zone, day)
    steps = range(MINUTES_PER_DAY // QUARTER_MINUTES)
    quarter = dt.timedelta(minutes=QUARTER_MINUTES)
    if steady:  # local time runs on with UTC
        return tuple(begins + step * quarter for step in steps)
    return tuple((first + step * quarter).astimezone(zone) for step in steps)


def _day_start(
    start_date: dt.date, zone: zoneinfo.ZoneInfo, day: int
) -> tuple[dt.datetime, dt.datetime, bool]:
    """UTC day ``day``'s first moment, its local time, and whether the clocks keep one UTC
    offset all day: they change at most once a day, and then the offsets at the day's first
    and last quarter hour differ."""
    origin = dt.datetime(start_date.year, start_date.month, start_date.day, tzinfo=dt.UTC)
    first = origin + dt.timedelta(days=day)
    begins = first.astimezone(zone)
    last = (first + dt.timedelta(minutes=MINUTES_PER_DAY - QUARTER_MINUTES)).astimezone(zone)
    return first, begins, begins.utcoffset() == last.utcoffset()


@functools.lru_cache(maxsize=256)
def local_pieces(
    start_date: dt.date, zone: zoneinfo.ZoneInfo, day: int
) -> tuple[LocalPiece, ...]:
    """The pieces of UTC day ``day`` (counted from ``start_date``) by local date and hour.
    Kept like ``_local_steps``: every forecast entry of a zone asks for the same day in turn."""
    first = day * MINUTES_PER_DAY
    pieces: list[LocalPiece] = []
    _, begins, steady = _day_start(start_date, zone, day)
    if (steady and not begins.second and not begins.microsecond
            and not begins.minute % QUARTER_MINUTES):
        # No clock change within the day: a piece ends at each local hour.
        into_hour = (60 - begins.minute) % 60
        cuts = [0, *range(into_hour or 60, MINUTES_PER_DAY, 60), MINUTES_PER_DAY]
        for start, end in itertools.pairwise(cuts):
            local = begins + dt.timedelta(minutes=start)
            pieces.append(LocalPiece(first + start, first + end, local.date(), local.hour))
        return tuple(pieces)
    keys = [(local.date(), local.hour) for local in _local_steps(start_date, zone, day)]
    begin = 0
    for step in range(1, len(keys) + 1):
        if step == len(keys) or keys[step] != keys[begin]:
            pieces.append(LocalPiece(first + begin * QUARTER_MINUTES,
                                     first + step * QUARTER_MINUTES, *keys[begin]))
            begin = step
    return tuple(pieces)


def local_quarters(
    start_date: dt.date, zone: zoneinfo.ZoneInfo, day: int
) -> list[tuple[int, float]]:
    """(local weekday, local hour of day as a number) of each quarter hour of UTC day ``day``."""
    return [
        (local.weekday(), local.hour + local.minute / 60.0)
        for local in _local_steps(start_date, zone, day)
    ]


class LocalClock:
    """Clock minutes to and from a region's local time: the one home of local time.

    Local minutes count from 00:00 local time of the start date. ``local``, ``clock`` and
    ``weekday`` are cheap enough to call per order: the UTC offset is looked up once per half
    hour of the clock and cached (offsets change on the hour or half hour). ``at`` and ``date``
    go through the zone database each time, for what happens once a day (shifts, hires).
    """

    __slots__ = ("_offsets", "_origin", "_zone")

    def __init__(self, start_date: dt.date, zone: zoneinfo.ZoneInfo) -> None:
        self._origin = dt.datetime(start_date.year, start_date.month, start_date.day,
                                   tzinfo=dt.UTC)
        self._zone = zone
        self._offsets: dict[int, float] = {}

    def offset(self, minute: float) -> float:
        """Minutes local time is ahead of UTC at clock minute ``minute``."""
        half_hour = int(minute // 30)
        offset = self._offsets.get(half_hour)
        if offset is None:
            moment = self._origin + dt.timedelta(minutes=half_hour * 30)
            delta = moment.astimezone(self._zone).utcoffset()
            offset = delta.total_seconds() / 60.0 if delta is not None else 0.0
            self._offsets[half_hour] = offset
        return offset

    def local(self, minute: float) -> float:
        """Local minutes since 00:00 local of the start date, at clock minute ``minute``."""
        return minute + self.offset(minute)

    def clock(self, local_minute: float) -> float:
        """The clock minute at local minute ``local_minute`` (the later one in a repeated hour)."""
        guess = local_minute - self.offset(local_minute)
        return local_minute - self.offset(guess)

    def weekday(self, local_minute: float) -> int:
        """Local weekday (Monday 0) at local minute ``local_minute``."""
        return (self._origin.date().weekday() + int(local_minute // MINUTES_PER_DAY)) % 7

    def at(self, date: dt.date, hours: float) -> float:
        """The clock minute at local wall time ``hours`` after 00:00 of local ``date``.

        A time that daylight saving skips moves on by the change; a repeated one is the first.
        """
        local = dt.datetime(date.year, date.month, date.day) + dt.timedelta(hours=hours)
        return (local.replace(tzinfo=self._zone) - self._origin).total_seconds() / 60.0

    def date(self, minute: float) -> dt.date:
        """The local date at clock minute ``minute``."""
        return (self._origin + dt.timedelta(minutes=minute)).astimezone(self._zone).date()
