"""Who of one team is on duty, step by step on the simulation clock.

The clock is minutes since 00:00 UTC of the scenario's start date; the team's shifts, hire dates
and days are in its region's local time (an IANA zone, daylight saving included).

- **Headcount** starts at ``team.agents`` fully trained employees (ids ``0 .. agents-1``). Hires
  join at 00:00 local on their date (ids continue in date order). At every local midnight after
  the start of the clock each employee leaves with the daily probability that compounds to
  ``attrition_pct_per_month`` over a mean month of 30.4375 days; the day's hires join after.
- **Shifts** roster ``share`` x headcount employees (rounded half up) while they are on duty. Each
  shift has a fixed block of the employees, ordered by id, starting at an offset (a share of the
  headcount): shifts ever on duty together get disjoint blocks, and the others are spread over
  the headcount where there is room, so that an early, a late and a night shift are worked by
  different people. Without shifts everyone is rostered around the clock.
- **Shrinkage** takes each rostered employee away with probability ``shrinkage_pct``/100, drawn
  anew at every clock hour and whenever the rostered set changes. The number available is
  binomial; who they are changes as little as the draw allows: the previously available stay
  available first, the rest are picked at random.
- **Ramp**: a hire works at ``ramp.start_pct`` % of full speed on its first day, rising linearly
  to 100 % ``ramp.weeks`` weeks later; efficiencies are updated at each local midnight.
- **A roster** (``team.roster``, instead of shifts) names the agents on duty: on each quarter hour
  the agents of the roster's shifts on duty then, summed, employees ``0 .. n-1`` at full speed,
  whatever the headcount (which is still kept, for the tables); shrinkage applies as above.
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from collections.abc import Sequence
from typing import ClassVar, NamedTuple

import numpy as np
import numpy.typing as npt

from cxsim.model.calendar import LocalClock
from cxsim.scenario.common import MINUTES_PER_DAY, QUARTER_MINUTES, WEEKDAYS
from cxsim.scenario.teams import RosterPeriod, Shift, Team

__all__ = [
    "DAYS_PER_MONTH",
    "Roster",
    "RosterState",
    "daily_attrition",
    "roster_on_duty",
    "shift_offsets",
]

# Mean length of a month, days (365.25 / 12).
DAYS_PER_MONTH = 30.4375
_SLOTS_PER_DAY = MINUTES_PER_DAY // QUARTER_MINUTES
_SLOTS_PER_WEEK = 7 * _SLOTS_PER_DAY
_EPS = 1e-9
_ONE_DAY = dt.timedelta(days=1)


class RosterState(NamedTuple):
    """The team at one step of the clock.

    Attributes:
        scheduled: Employees rostered now (on shift), before shrinkage.
        available: ``(employee id, efficiency)`` of the rostered employees not in shrinkage,
            sorted by id; efficiency is a fraction of full speed (1.0 when trained).
        headcount: Employees employed now, on shift or not.
    """

    scheduled: int
    available: tuple[tuple[int, float], ...]
    headcount: int


def daily_attrition(pct_per_month: float) -> float:
    """Daily probability of leaving that compounds to ``pct_per_month`` % over a mean month."""
    return 1.0 - float((1.0 - pct_per_month / 100.0) ** (1.0 / DAYS_PER_MONTH))


def _half_up(value: float) -> int:
    return math.floor(value + 0.5 + _EPS)


def _week_slots(shift: Shift) -> npt.NDArray[np.bool_]:
    """The quarter hours of a week (Monday 00:00 first, local, no DST) the shift is on duty."""
    covered = np.zeros(_SLOTS_PER_WEEK, dtype=bool)
    first = round(shift.start_hour * 4)
    length = np.arange(round(shift.length_hours * 4))
    for day in shift.days:
        covered[(WEEKDAYS.index(day) * _SLOTS_PER_DAY + first + length) % _SLOTS_PER_WEEK] = True
    return covered


def _shared(low: float, high: float, blocks: list[tuple[float, float]]) -> float:
    """Total length of ``[low, high)`` covered by ``blocks`` (shares of the headcount)."""
    return sum(max(0.0, min(high, b) - max(low, a)) for a, b in blocks)


def shift_offsets(shifts: Sequence[Shift]) -> list[float]:
    """Where each shift's block of employees starts, as a share of the headcount (0 to 1).

    Shifts are placed in order. A shift gets a block disjoint from the blocks of the shifts
    placed before it that are ever on duty at the same time (when the shares allow it), and
    among such places the one that shares the fewest employees with the other shifts.

    Args:
        shifts: The team's shift patterns.

    Returns:
        One offset per shift, in the order given.
    """
    slots = [_week_slots(shift) for shift in shifts]
    offsets: list[float] = []
    for i, shift in enumerate(shifts):
        share = shift.share
        blocks = [(offsets[j], offsets[j] + shifts[j].share) for j in range(i)]
        clash = [blocks[j] for j in range(i) if np.any(slots[i] & slots[j])]
        others = [blocks[j] for j in range(i) if not np.any(slots[i] & slots[j])]
        candidates = {0.0, 1.0 - share} | {end for _, end in blocks}
        candidates |= {start - share for start, _ in blocks}
        feasible = [
            o for o in sorted(candidates)
            if o >= -_EPS and o + share <= 1.0 + _EPS
            and all(o + share <= a + _EPS or o >= b - _EPS for a, b in clash)
        ]
        if not feasible:  # over-rostered pattern: the step's sweep gives the last shift less
            offsets.append(max(0.0, 1.0 - share))
            continue
        crowding = [round(_shared(o, o + share, others), 9) for o in feasible]
        offsets.append(max(0.0, feasible[crowding.index(min(crowding))]))
    return offsets


def roster_on_duty(
    periods: Sequence[RosterPeriod],
    start_date: dt.date,
    zone: zoneinfo.ZoneInfo,
    horizon_minutes: float,
) -> npt.NDArray[np.int64]:
    """Agents a roster has on duty in each quarter hour of the clock, from minute 0 to the
    horizon (``ceil(horizon / 15) + 1`` values), before shrinkage.

    Args:
        periods: the roster's periods (they share no date).
        start_date: the scenario's start date; minute 0 is 00:00 UTC of it.
        zone: the team's region time zone (the roster is in its local time).
        horizon_minutes: length of the simulated span, minutes.
    """
    clock = LocalClock(start_date, zone)
    first_date = clock.date(0.0)
    quarters = math.ceil(horizon_minutes / QUARTER_MINUTES) + 1
    change = np.zeros(quarters + 1, dtype=np.int64)
    last_date = first_date + dt.timedelta(days=math.ceil(horizon_minutes / MINUTES_PER_DAY) + 1)
    for period in periods:
        # The day before the clock starts may hold a shift that runs past midnight into it.
        date = max(period.start, first_date - _ONE_DAY)
        while date <= min(period.end, last_date):
            weekday = date.weekday()
            for shift in period.shifts:
                if shift.agents and shift.works_on(weekday):
                    start = clock.at(date, shift.start_hour)
                    end = clock.at(date, shift.start_hour + shift.length_hours)
                    first = min(max(math.ceil(start / QUARTER_MINUTES - _EPS), 0), quarters)
                    last = min(max(math.ceil(end / QUARTER_MINUTES - _EPS), 0), quarters)
                    change[first] += shift.agents
                    change[last] -= shift.agents
            date += _ONE_DAY
    return np.cumsum(change[:quarters])


class Roster:
    """The employees of one team on duty over the simulation clock.

    Args:
        team: The team's scenario model.
        start_date: The scenario's start date; minute 0 is 00:00 UTC of it.
        zone: The team's region time zone.
        horizon_minutes: Length of the simulated span, minutes.
        attrition_rng: Stream of the daily leaving draws.
        shrinkage_rng: Stream of the shrinkage draws.
    """

    STEP_MINUTES: ClassVar[int] = QUARTER_MINUTES

    def __init__(
        self,
        team: Team,
        start_date: dt.date,
        zone: zoneinfo.ZoneInfo,
        horizon_minutes: float,
        attrition_rng: np.random.Generator,
        shrinkage_rng: np.random.Generator,
    ) -> None:
        self._team = team
        self._clock = LocalClock(start_date, zone)
        self._horizon = float(horizon_minutes)
        self._attrition_rng = attrition_rng
        self._shrinkage_rng = shrinkage_rng
        self._leave = daily_attrition(team.attrition_pct_per_month)
        self._shrinkage = team.shrinkage
        # Agents on duty per quarter hour of the clock when the team has a roster, else None.
        self._planned = (
            roster_on_duty(team.roster, start_date, zone, horizon_minutes)
            if team.roster is not None else None
        )
        # Quarter hours at which the planned number on duty changes.
        self._planned_changes = (
            np.flatnonzero(np.diff(self._planned)) + 1 if self._planned is not None else None
        )
        self._shifts = list(team.shifts or [])
        self._offsets = shift_offsets(self._shifts)
        self._weekdays = [{WEEKDAYS.index(d) for d in s.days} for s in self._shifts]
        self._employees = list(range(team.agents))
        # (date, first id, agents) of hires still to join, latest first (popped from the end).
        hires: list[tuple[dt.date, int, int]] = []
        next_id = team.agents
        for hire in sorted(team.hires, key=lambda h: h.date):
            hires.append((hire.date, next_id, hire.agents))
            next_id += hire.agents
        self._hires = hires[::-1]
        self._hired_on: dict[int, dt.date] = {}  # employees still ramping up
        self._efficiency: dict[int, float] = {}  # employees below full speed
        # (start minute, end minute, shift index) of shift instances not yet over.
        self._instances: list[tuple[float, float, int]] = []
        self._shift_change = -math.inf  # clock minute of the next shift start or end
        self._today = self._clock.date(0.0)
        self._add_instances(self._today - _ONE_DAY)
        self._add_instances(self._today)
        self._join_hires()
        self._update_ramp()
        self._next_midnight = self._clock.at(self._today + _ONE_DAY, 0.0)
        self._static = self._compute_static()
        self._staff_changed = True
        self._active: tuple[int, ...] = ()
        self._scheduled: list[int] = []
        self._available: list[int] = []
        self._hour = -1
        self._state: RosterState | None = None

    @property
    def static(self) -> bool:
        """True when the roster never changes over the horizon: ``step(0)`` holds throughout."""
        return self._static

    def hiring_plan(self) -> list[tuple[dt.date, int, dt.date]]:
        """(start date, agents, latest decision date) of every planned hire, as in the scenario."""
        return self._team.decision_dates()

    def step(self, minute: float) -> RosterState:
        """The team at clock ``minute``; call with increasing minutes (every ``STEP_MINUTES``).

        Args:
            minute: Minutes since 00:00 UTC of the start date, not less than the previous call's.

        Returns:
            Who is rostered and available now, with efficiencies, and the headcount.
        """
        while minute >= self._next_midnight:
            self._new_day()
        if self._planned is not None:
            quarter = min(int(minute // QUARTER_MINUTES), len(self._planned) - 1)
            active: tuple[int, ...] = (int(self._planned[quarter]),)
        elif minute >= self._shift_change:
            active = self._active_shifts(minute)
        else:
            active = self._active
        changed = False
        if self._staff_changed or active != self._active:
            if self._staff_changed:
                self._state = None
            scheduled = self._roster(active)
            changed = scheduled != self._scheduled
            self._active, self._scheduled, self._staff_changed = active, scheduled, False
        hour = int(minute // 60)
        if changed or (self._shrinkage > 0 and hour != self._hour):
            self._available = self._draw_available()
            self._hour = hour
            self._state = None
        if self._state is None:
            # Rostered agents work at full speed: the hiring plan makes them available.
            efficiency = self._efficiency if self._planned is None else {}
            self._state = RosterState(
                len(self._scheduled),
                tuple((e, efficiency.get(e, 1.0)) for e in self._available),
                len(self._employees),
            )
        return self._state

    def next_step(self, minute: float) -> float:
        """The first step after ``minute`` (a multiple of ``STEP_MINUTES``; ``step`` was just
        called at ``minute``) at which ``step`` may hand back another state: the team's next
        local midnight (leavers, hires, ramp-up), shift start or end, change of the planned
        number on duty, or clock hour (when shrinkage is drawn anew every hour). ``step`` at
        any minute before it hands back the same state, so calling it there is needless."""
        changes = [self._next_midnight]
        if self._planned_changes is not None:
            quarter = int(minute // QUARTER_MINUTES)
            index = int(np.searchsorted(self._planned_changes, quarter, side="right"))
            if index < self._planned_changes.size:
                changes.append(float(self._planned_changes[index]) * QUARTER_MINUTES)
        elif self._shifts:
            changes.append(self._shift_change)
        if self._shrinkage > 0:
            changes.append((minute // 60 + 1) * 60.0)
        step = self.STEP_MINUTES
        return max(minute + step, math.ceil(min(changes) / step - _EPS) * step)

    # -- days -------------------------------------------------------------------------------

    def _new_day(self) -> None:
        self._today += _ONE_DAY
        if self._leave > 0 and self._employees:
            stays = self._attrition_rng.random(len(self._employees)) >= self._leave
            if not stays.all():
                kept = zip(self._employees, stays.tolist(), strict=True)
                self._employees = [e for e, stay in kept if stay]
                for gone in set(self._hired_on) - set(self._employees if self._hired_on else ()):
                    del self._hired_on[gone]
                    self._efficiency.pop(gone, None)
                self._staff_changed = True
        self._join_hires()
        self._update_ramp()
        self._add_instances(self._today)
        self._next_midnight = self._clock.at(self._today + _ONE_DAY, 0.0)

    def _join_hires(self) -> None:
        while self._hires and self._hires[-1][0] <= self._today:
            date, first, agents = self._hires.pop()
            ids = range(first, first + agents)
            self._employees.extend(ids)
            if self._team.ramp is not None:
                self._hired_on.update(dict.fromkeys(ids, date))
            self._staff_changed = True

    def _update_ramp(self) -> None:
        ramp = self._team.ramp
        if ramp is None or not self._hired_on:
            return
        start, days = ramp.start_pct / 100.0, ramp.weeks * 7.0
        for employee, hired in list(self._hired_on.items()):
            efficiency = start + (1.0 - start) * (self._today - hired).days / days
            if efficiency >= 1.0 - _EPS:
                del self._hired_on[employee]
                self._efficiency.pop(employee, None)
            else:
                self._efficiency[employee] = efficiency
        self._state = None

    def _compute_static(self) -> bool:
        if self._planned is not None:
            return self._shrinkage <= 0 and bool(np.all(self._planned == self._planned[0]))
        if self._shifts or self._shrinkage > 0 or self._leave > 0 or self._hired_on:
            return False
        return all(self._clock.at(date, 0.0) > self._horizon for date, _, _ in self._hires)

    # -- shifts and shrinkage ---------------------------------------------------------------

    def _add_instances(self, date: dt.date) -> None:
        weekday = date.weekday()
        for i, shift in enumerate(self._shifts):
            if weekday in self._weekdays[i]:
                start = self._clock.at(date, shift.start_hour)
                end = self._clock.at(date, shift.start_hour + shift.length_hours)
                self._instances.append((start, end, i))
                self._shift_change = min(self._shift_change, start)

    def _active_shifts(self, minute: float) -> tuple[int, ...]:
        self._instances = [inst for inst in self._instances if inst[1] > minute]
        on = {i for start, _, i in self._instances if start <= minute}
        self._shift_change = min(
            (t for start, end, _ in self._instances for t in (start, end) if t > minute),
            default=math.inf,
        )
        return tuple(sorted(on, key=lambda i: (self._offsets[i], i)))

    def _roster(self, active: tuple[int, ...]) -> list[int]:
        """Employees on the active shifts: each shift's block, pushed on past the one before."""
        if self._planned is not None:
            return list(range(active[0]))
        employees = self._employees
        if not self._shifts:
            return list(employees)
        headcount = len(employees)
        rostered: list[int] = []
        cursor = 0
        for i in active:
            first = max(_half_up(self._offsets[i] * headcount), cursor)
            count = max(0, min(_half_up(self._shifts[i].share * headcount), headcount - first))
            rostered.extend(employees[first : first + count])
            cursor = first + count
        return rostered

    def _draw_available(self) -> list[int]:
        """Who of the rostered is not in shrinkage: a binomial count, keeping who was available."""
        scheduled = self._scheduled
        if self._shrinkage <= 0 or not scheduled:
            return list(scheduled)
        draws = self._shrinkage_rng.random(len(scheduled))
        count = int(np.count_nonzero(draws >= self._shrinkage))
        before = set(self._available)
        was_away = np.fromiter((e not in before for e in scheduled), bool, len(scheduled))
        order = np.lexsort((-draws, was_away))  # the available before first, then by draw
        return sorted(scheduled[i] for i in order[:count].tolist())
