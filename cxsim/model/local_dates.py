"""Local days of a zone for arrays of clock minutes: what orders and stock are counted by.

Orders are counted by the local date of their region, stock by the local date of its node. Local
day ``k`` is the local date ``start_date + k`` (day -1 exists in a zone behind UTC: the clock
starts at 00:00 UTC, the evening before there). ``LocalDates`` converts arrays of clock minutes
with the UTC offsets of ``LocalClock`` (the one home of zone arithmetic), looked up once per half
hour of the clock and kept in a table that grows as later minutes are asked for.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from cxsim.model.calendar import LocalClock
from cxsim.scenario.common import MINUTES_PER_DAY

__all__ = ["LocalDates", "whole_steps"]

_HALF_HOUR = 30.0
_CHUNK = 64 * 48  # half hours added to the table at a time: 64 days


def whole_steps(minutes: np.ndarray, step: float) -> np.ndarray:
    """How many whole ``step``s each of ``minutes`` is from 0, rounded down (int64): the
    interval, half hour or day a clock minute falls in.

    ``np.floor(minutes / step)`` is the same as ``np.floor_divide(minutes, step)`` for any
    minute that is not a subnormal number, and about ten times faster: a quotient can only
    round up to a whole number if the minute is within half a unit in the last place of that
    multiple of ``step``, and the minute's own spacing there is wider than that whenever
    ``step`` is not a power of two (when it is, the division is exact).
    """
    steps: np.ndarray = np.floor(minutes / step).astype(np.int64)
    return steps


class LocalDates:
    """The local days of one zone over a run of ``horizon`` clock minutes.

    Attributes:
        first: the local day at clock minute 0 (-1 or 0).
        count: the number of local days the run touches; index ``i`` of a per-day series is
            local day ``first + i``.
        first_date: the local date of index 0.
        midnights: clock minute at which each of those days begins, and the end of the last
            (``count + 1`` values).
    """

    def __init__(self, clock: LocalClock, start_date: dt.date, horizon: float) -> None:
        self._clock = clock
        self._weekday0 = start_date.weekday()
        self._low = 0  # the half hour of _offsets[0]
        self._offsets = np.empty(0)
        self.first = math.floor(clock.local(0.0) / MINUTES_PER_DAY)
        last = math.ceil(clock.local(horizon) / MINUTES_PER_DAY) - 1
        self.count = max(last - self.first + 1, 1)
        self.first_date = start_date + dt.timedelta(days=self.first)
        days = np.arange(self.first, self.first + self.count + 1, dtype=np.float64)
        self.midnights = self.clock(days * MINUTES_PER_DAY)

    def _offset(self, minutes: np.ndarray) -> np.ndarray:
        half_hours = whole_steps(minutes, _HALF_HOUR)
        if half_hours.size:
            low, high = int(half_hours.min()), int(half_hours.max())
            if self._offsets.size == 0 or low < self._low or high >= self._low + self._offsets.size:
                self._extend(low, high)
        offsets: np.ndarray = self._offsets[half_hours - self._low]
        return offsets

    def _extend(self, low: int, high: int) -> None:
        if self._offsets.size:
            low = min(low, self._low)
            high = max(high, self._low + self._offsets.size - 1)
        low -= low % 48  # whole clock days
        days = (high - low) // 48 + 1
        days += -days % (_CHUNK // 48)
        offset = self._clock.offset
        first = np.array([offset((low + 48 * d) * _HALF_HOUR) for d in range(days)])
        last = np.array([offset((low + 48 * d + 47) * _HALF_HOUR) for d in range(days)])
        table = np.repeat(first, 48)
        # Offsets change at most once a day, on the hour or half hour: only a day whose first
        # and last half hours differ is looked up half hour by half hour.
        for d in np.flatnonzero(first != last).tolist():
            start = low + 48 * d
            table[48 * d:48 * d + 48] = [offset((start + h) * _HALF_HOUR) for h in range(48)]
        self._offsets, self._low = table, low

    def local(self, minutes: np.ndarray) -> np.ndarray:
        """Local minutes since 00:00 local time of the start date, at clock ``minutes``."""
        local: np.ndarray = minutes + self._offset(minutes)
        return local

    def clock(self, local: np.ndarray) -> np.ndarray:
        """The clock minutes at ``local`` minutes (the later one in a repeated hour)."""
        guess = local - self._offset(local)
        minutes: np.ndarray = local - self._offset(guess)
        return minutes

    def day(self, minutes: np.ndarray) -> np.ndarray:
        """The local day of each clock minute (an instant at midnight starts its day)."""
        return whole_steps(self.local(minutes), MINUTES_PER_DAY)

    def day_ending(self, minutes: np.ndarray) -> np.ndarray:
        """The local day of each clock minute, an instant at midnight counted in the day it ends
        (stock that comes in at midnight is on hand at the end of that day)."""
        return (np.ceil(self.local(minutes) / MINUTES_PER_DAY) - 1).astype(np.int64)

    def index(self, days: np.ndarray) -> np.ndarray:
        """Local days as indices of a per-day series, held within the run's days."""
        # (np.minimum and np.maximum: the same as np.clip, at half its cost on small arrays.)
        index: np.ndarray = np.minimum(np.maximum(days - self.first, 0), self.count - 1)
        return index

    def weekday(self, days: np.ndarray) -> np.ndarray:
        """Local weekday of each local day, Monday 0."""
        weekdays: np.ndarray = (days + self._weekday0) % 7
        return weekdays

    def day_minutes(self, horizon: float) -> np.ndarray:
        """Clock minutes of each local day within the run (0 to ``horizon``)."""
        return np.diff(np.clip(self.midnights, 0.0, horizon))
