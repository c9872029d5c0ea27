"""Region local time on the simulation clock.

The clock is minutes since 00:00 UTC of the scenario's start date. Profiles, weekdays, opening
hours and shifts are in each region's local time; this module cuts a UTC day into pieces of
constant local (weekday, hour), so that rates given per local hour become piecewise-constant
rates on the clock. Quarter-hour steps cover every real UTC offset (+05:30, +05:45) and
daylight-saving changes (a local hour can be missing or repeated).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import NamedTuple

__all__ = ["LocalPiece", "local_pieces"]

STEP_MINUTES = 15
MINUTES_PER_DAY = 1440


class LocalPiece(NamedTuple):
    """A span of the clock with one local weekday (Monday 0) and local hour (0-23)."""

    start_minute: float
    end_minute: float
    weekday: int
    hour: int


def local_pieces(
    start_date: dt.date, zone: zoneinfo.ZoneInfo, day: int
) -> list[LocalPiece]:
    """The pieces of UTC day ``day`` (counted from ``start_date``) by local weekday and hour."""
    origin = dt.datetime(start_date.year, start_date.month, start_date.day, tzinfo=dt.UTC)
    pieces: list[LocalPiece] = []
    first = day * MINUTES_PER_DAY
    for step in range(MINUTES_PER_DAY // STEP_MINUTES):
        minute = first + step * STEP_MINUTES
        local = (origin + dt.timedelta(minutes=minute)).astimezone(zone)
        key = (local.weekday(), local.hour)
        if pieces and (pieces[-1].weekday, pieces[-1].hour) == key:
            pieces[-1] = pieces[-1]._replace(end_minute=minute + STEP_MINUTES)
        else:
            pieces.append(LocalPiece(minute, minute + STEP_MINUTES, *key))
    return pieces
