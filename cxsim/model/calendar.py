"""Region local time on the simulation clock.

The clock is minutes since 00:00 UTC of the scenario's start date. Profiles, weekdays, opening
hours and shifts are in each region's local time; this module cuts a UTC day into pieces of
constant local date and hour, so that rates given per local hour become piecewise-constant rates
on the clock. Quarter-hour steps cover every real UTC offset (+05:30, +05:45) and daylight-saving
changes (a local hour can be missing or repeated).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import NamedTuple

__all__ = ["MINUTES_PER_DAY", "STEP_MINUTES", "LocalPiece", "local_pieces", "local_quarters"]

STEP_MINUTES = 15
MINUTES_PER_DAY = 1440


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


def _local_steps(start_date: dt.date, zone: zoneinfo.ZoneInfo, day: int) -> list[dt.datetime]:
    origin = dt.datetime(start_date.year, start_date.month, start_date.day, tzinfo=dt.UTC)
    first = origin + dt.timedelta(days=day)
    return [
        (first + dt.timedelta(minutes=step * STEP_MINUTES)).astimezone(zone)
        for step in range(MINUTES_PER_DAY // STEP_MINUTES)
    ]


def local_pieces(start_date: dt.date, zone: zoneinfo.ZoneInfo, day: int) -> list[LocalPiece]:
    """The pieces of UTC day ``day`` (counted from ``start_date``) by local date and hour."""
    pieces: list[LocalPiece] = []
    first = day * MINUTES_PER_DAY
    for step, local in enumerate(_local_steps(start_date, zone, day)):
        minute = first + step * STEP_MINUTES
        key = (local.date(), local.hour)
        if pieces and (pieces[-1].date, pieces[-1].hour) == key:
            pieces[-1] = pieces[-1]._replace(end_minute=minute + STEP_MINUTES)
        else:
            pieces.append(LocalPiece(minute, minute + STEP_MINUTES, *key))
    return pieces


def local_quarters(
    start_date: dt.date, zone: zoneinfo.ZoneInfo, day: int
) -> list[tuple[int, float]]:
    """(local weekday, local hour of day as a number) of each quarter hour of UTC day ``day``."""
    return [
        (local.weekday(), local.hour + local.minute / 60.0)
        for local in _local_steps(start_date, zone, day)
    ]
