"""Reporting intervals in a team's local time: staffing per interval written as a roster, and
the week of a roster in which each interval falls.

The simulation reports per interval of the clock (minutes since 00:00 UTC of the start date);
people work shifts in their region's local time. Each interval starts at a local date and hour
(daylight saving included): a staffing of one value per interval becomes a roster of one-interval
shifts on those dates (runs of equal agents joined into one shift, equal days into one period),
which the simulation puts back on the clock exactly. In the hour a clock change repeats, two
intervals start at the same local hour: the roster's shift covers both, with the larger staffing.
"""

from __future__ import annotations

import datetime as dt
import itertools
import zoneinfo
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cxsim.scenario import Scenario
from cxsim.scenario.common import MINUTES_PER_DAY
from cxsim.scenario.teams import RosterPeriod

__all__ = ["LocalIntervals", "local_intervals", "roster_periods", "with_rosters"]


@dataclass(frozen=True)
class LocalIntervals:
    """Where each reporting interval of the clock starts in one region's local time.

    Attributes:
        interval_minutes: length of an interval, minutes.
        starts: local start of each interval (naive local date and time).
        dates: local date of each start.
        minutes: local minute of the day of each start (0 to 1439).
        week_starts: the Monday of the local week of each start.
    """

    interval_minutes: int
    starts: list[dt.datetime]
    dates: list[dt.date]
    minutes: NDArray[np.int64]
    week_starts: list[dt.date]

    @property
    def count(self) -> int:
        return len(self.starts)

    def week_slots(self) -> NDArray[np.int64]:
        """Index of each interval within its local week (Monday 00:00 first), in intervals."""
        weekdays = np.array([date.weekday() for date in self.dates], dtype=np.int64)
        per_day = MINUTES_PER_DAY // self.interval_minutes
        return weekdays * per_day + self.minutes // self.interval_minutes


def local_intervals(scenario: Scenario, zone: zoneinfo.ZoneInfo) -> LocalIntervals:
    """The reporting intervals of ``scenario``'s clock in the local time of ``zone``."""
    length = scenario.interval_minutes
    count = -(-round(scenario.horizon_minutes) // length)
    origin = dt.datetime(scenario.start_date.year, scenario.start_date.month,
                         scenario.start_date.day, tzinfo=dt.UTC)
    starts = [(origin + dt.timedelta(minutes=k * length)).astimezone(zone).replace(tzinfo=None)
              for k in range(count)]
    dates = [start.date() for start in starts]
    return LocalIntervals(
        interval_minutes=length,
        starts=starts,
        dates=dates,
        minutes=np.array([s.hour * 60 + s.minute for s in starts], dtype=np.int64),
        week_starts=[date - dt.timedelta(days=date.weekday()) for date in dates],
    )


def _hour(minute: float) -> float:
    return round(minute / 60.0, 6)


def roster_periods(agents: NDArray[np.int64], local: LocalIntervals) -> list[RosterPeriod]:
    """A roster with ``agents[k]`` on duty in interval ``k``: one-interval shifts in local time,
    runs of equal agents joined, consecutive days with the same shifts in one period."""
    length = local.interval_minutes
    # Pieces of local days: date -> start minute -> (end minute, agents).
    by_date: dict[dt.date, dict[int, tuple[int, int]]] = {}

    def put(date: dt.date, start: int, end: int, count: int) -> None:
        day = by_date.setdefault(date, {})
        day[start] = (end, max(day.get(start, (end, 0))[1], count))

    for date, minute, count in zip(local.dates, local.minutes.tolist(), agents.tolist(),
                                   strict=True):
        if minute and length >= MINUTES_PER_DAY:
            # A whole day from a local hour to the same hour the next day, which a shift cannot
            # say: the part after midnight is a shift of the next day.
            put(date, minute, MINUTES_PER_DAY, int(count))
            put(date + dt.timedelta(days=1), 0, minute + length - MINUTES_PER_DAY, int(count))
        else:
            put(date, minute, minute + length, int(count))
    days: list[tuple[dt.date, tuple[tuple[float, float, int], ...]]] = []
    for date in sorted(by_date):
        shifts: list[list[float]] = []  # [start minute, end minute, agents]
        for minute, (end, count) in sorted(by_date[date].items()):
            if count <= 0:
                continue
            # Joined, unless that would make a whole day that runs past midnight (as above):
            # then the rest starts a shift of its own.
            if (shifts and shifts[-1][1] == minute and shifts[-1][2] == count
                    and (end <= MINUTES_PER_DAY or end - shifts[-1][0] < MINUTES_PER_DAY)):
                shifts[-1][1] = end
            else:
                shifts.append([minute, end, count])
        days.append((date, tuple((_hour(s), _hour(e) % 24 if e > MINUTES_PER_DAY else _hour(e),
                                  int(n)) for s, e, n in shifts)))
    periods: list[dict[str, Any]] = []
    for (_, shifts_tuple), group in itertools.groupby(
        _consecutive(days), key=lambda item: (item[0], item[1][1])
    ):
        dates = [date for _, (date, _) in group]
        periods.append({
            "start": dates[0], "end": dates[-1],
            "shifts": [{"start_hour": s, "end_hour": e, "agents": n} for s, e, n in shifts_tuple],
        })
    return [RosterPeriod.model_validate(period) for period in periods]


def _consecutive(
    days: list[tuple[dt.date, tuple[tuple[float, float, int], ...]]],
) -> list[tuple[int, tuple[dt.date, tuple[tuple[float, float, int], ...]]]]:
    """Each day tagged with the number of its run of consecutive dates (gaps start a new one)."""
    tagged = []
    run = 0
    for index, (date, shifts) in enumerate(days):
        if index and (date - days[index - 1][0]).days != 1:
            run += 1
        tagged.append((run, (date, shifts)))
    return tagged


def with_rosters(scenario: Scenario, rosters: dict[str, list[RosterPeriod]]) -> Scenario:
    """``scenario`` with each named team on the given roster instead of its shifts."""
    teams = dict(scenario.teams)
    for name, periods in rosters.items():
        teams[name] = teams[name].model_copy(update={"roster": periods, "shifts": None})
    return scenario.model_copy(update={"teams": teams})
