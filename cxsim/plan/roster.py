"""From agents required per interval of a week to a roster: how many agents work each shift.

A shift pattern is a working week: the weekdays worked, a start time and a length (local time;
a shift may run past midnight, and Sunday night runs into Monday morning of the same repeating
week). The roster puts a whole number of agents on each allowed pattern so that the agents on
duty, after shrinkage, cover the requirement in every interval at the lowest cost: an integer
program (set covering with multiplicities) solved by HiGHS through ``scipy.optimize.milp``, with
a time limit; the optimality gap at the end is reported.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from cxsim.scenario.common import MINUTES_PER_DAY, WEEKDAYS

__all__ = ["RosterSolution", "ShiftPattern", "generate_patterns", "solve_roster"]

WEEK_MINUTES = 7 * MINUTES_PER_DAY


@dataclass(frozen=True)
class ShiftPattern:
    """A working week: ``days`` (0 Monday ... 6 Sunday) from ``start_minute`` of the local day
    for ``length_minutes``; ``cost`` per agent per week (currency units)."""

    days: tuple[int, ...]
    start_minute: float
    length_minutes: float
    cost: float

    def __post_init__(self) -> None:
        if not self.days or any(d not in range(7) for d in self.days):
            raise ValueError(f"days(={self.days!r}) must be weekdays 0 (Monday) to 6")
        if not 0 <= self.start_minute < MINUTES_PER_DAY:
            raise ValueError(f"start_minute(={self.start_minute}) must be in [0, 1440)")
        if not 0 < self.length_minutes <= MINUTES_PER_DAY:
            raise ValueError(f"length_minutes(={self.length_minutes}) must be in (0, 1440]")
        if not (self.cost >= 0 and math.isfinite(self.cost)):
            raise ValueError(f"cost(={self.cost}) must be finite and >= 0")

    @property
    def hours_per_week(self) -> float:
        return len(self.days) * self.length_minutes / 60.0

    def label(self) -> str:
        """As a planner writes it: ``mon-fri 08:00-16:00``."""
        names = [WEEKDAYS[d] for d in sorted(self.days)]
        days = (f"{names[0]}-{names[-1]}" if len(names) > 2
                and sorted(self.days) == list(range(min(self.days), max(self.days) + 1))
                else ",".join(names))
        end = (self.start_minute + self.length_minutes) % MINUTES_PER_DAY
        return f"{days} {_clock(self.start_minute)}-{_clock(end)}"

    def coverage(self, interval_minutes: int) -> NDArray[np.float64]:
        """Share of each interval of the week (Monday 00:00 first) this pattern is on duty."""
        count = WEEK_MINUTES // interval_minutes
        covered = np.zeros(count)
        for day in self.days:
            start = day * MINUTES_PER_DAY + self.start_minute
            end = start + self.length_minutes
            first, last = int(start // interval_minutes), math.ceil(end / interval_minutes)
            for k in range(first, last):
                low, high = k * interval_minutes, (k + 1) * interval_minutes
                covered[k % count] += (min(high, end) - max(low, start)) / interval_minutes
        return covered


def _clock(minute: float) -> str:
    return f"{int(minute // 60):02d}:{int(minute % 60):02d}"


def generate_patterns(
    cost_per_hour: float,
    lengths_hours: Sequence[float] = (8.0,),
    days_per_week: int = 5,
    start_step_minutes: int = 60,
    earliest_start_hour: float = 0.0,
    latest_end_hour: float = 24.0,
) -> list[ShiftPattern]:
    """The usual set of working weeks: ``days_per_week`` consecutive days (every rotation of the
    week), each shift of one of ``lengths_hours`` starting every ``start_step_minutes`` between
    the earliest start and the latest end (local hours; 24 lets shifts end at midnight).
    """
    if not 1 <= days_per_week <= 7:
        raise ValueError(f"days_per_week(={days_per_week}) must be 1 to 7")
    rotations = sorted({tuple(sorted((first + i) % 7 for i in range(days_per_week)))
                        for first in range(7)})
    patterns = []
    for length in lengths_hours:
        minutes = length * 60.0
        start = earliest_start_hour * 60.0
        while start + minutes <= latest_end_hour * 60.0 + 1e-9 and start < MINUTES_PER_DAY:
            for days in rotations:
                cost = len(days) * length * cost_per_hour
                patterns.append(ShiftPattern(days, start, minutes, cost))
            start += start_step_minutes
    if not patterns:
        raise ValueError("no shift fits between the earliest start and the latest end")
    return patterns


@dataclass(frozen=True)
class RosterSolution:
    """Agents per pattern, and how good the answer is.

    Attributes:
        agents: agents on each pattern (whole numbers), in the order of the patterns.
        cost: the roster's cost per week.
        on_duty: agents on duty in each interval of the week.
        status: ``optimal``, ``time limit`` (best found; see ``gap``) or ``infeasible``.
        gap: relative optimality gap when the solver stopped (0 when proven optimal).
        seconds: solver time.
    """

    agents: NDArray[np.int64]
    cost: float
    on_duty: NDArray[np.float64]
    status: str
    gap: float
    seconds: float


def solve_roster(
    required: Sequence[float] | NDArray[np.float64],
    patterns: Sequence[ShiftPattern],
    interval_minutes: int,
    shrinkage: float = 0.0,
    time_limit_s: float = 30.0,
    gap: float = 1e-4,
) -> RosterSolution:
    """The cheapest roster whose agents on duty, after shrinkage, cover ``required``.

    Args:
        required: agents needed available in each interval of a week (Monday 00:00 local first;
            ``7 * 1440 / interval_minutes`` values).
        patterns: the shift patterns allowed.
        interval_minutes: length of an interval (a divisor of 1440).
        shrinkage: share of rostered time not available (0 <= shrinkage < 1).
        time_limit_s: stop the solver after this long with the best roster found.
        gap: relative optimality gap at which the solver may stop.
    """
    need = np.asarray(required, dtype=float)
    if MINUTES_PER_DAY % interval_minutes or need.size != WEEK_MINUTES // interval_minutes:
        raise ValueError(f"required must have {WEEK_MINUTES // interval_minutes} values, one per "
                         f"interval of a week (got {need.size})")
    if not 0.0 <= shrinkage < 1.0:
        raise ValueError(f"shrinkage(={shrinkage}) must be in [0, 1)")
    if not patterns:
        raise ValueError("no shift patterns to roster")
    if np.any(~np.isfinite(need)) or np.any(need < 0):
        raise ValueError("required agents must be finite and >= 0")
    # Imported here: scipy.optimize adds a noticeable time to every command's start.
    from scipy.optimize import Bounds, LinearConstraint, milp

    cover = np.column_stack([p.coverage(interval_minutes) for p in patterns])
    costs = np.array([p.cost for p in patterns])
    # Whole agents on duty, grossed up by shrinkage; tiny float noise is not a missing agent.
    lower = np.ceil(need / (1.0 - shrinkage) - 1e-9)
    # The need holds at every moment of its interval, not on average over it: a shift covering a
    # third of a long interval is not a third of an agent there. So it is asked of each slot in
    # which no shift starts or ends (the common divisor of the interval, the shifts' starts and
    # lengths): the interval itself where shifts keep to its edges, as with hourly intervals.
    slot = math.gcd(interval_minutes, *(
        round(minute) for p in patterns for minute in (p.start_minute, p.length_minutes)))
    per = interval_minutes // max(slot, 1)
    if per > 1:
        slots = np.column_stack([p.coverage(slot) for p in patterns])
        lower_slots = np.repeat(lower, per)
    else:
        slots, lower_slots = cover, lower
    started = time.perf_counter()
    reachable = slots.max(axis=1) > 0
    if np.any(lower_slots[~reachable] > 0):
        return RosterSolution(np.zeros(len(patterns), dtype=np.int64), math.nan,
                              np.zeros(need.size), "infeasible", math.nan,
                              time.perf_counter() - started)
    rows = lower_slots > 0
    result = milp(
        c=costs,
        integrality=np.ones(len(patterns)),
        bounds=Bounds(0, np.inf),
        constraints=LinearConstraint(slots[rows], lb=lower_slots[rows], ub=np.inf),
        options={"time_limit": time_limit_s, "mip_rel_gap": gap, "presolve": True},
    )
    seconds = time.perf_counter() - started
    if result.x is None:
        return RosterSolution(np.zeros(len(patterns), dtype=np.int64), math.nan,
                              np.zeros(need.size), "infeasible", math.nan, seconds)
    agents = np.round(result.x).astype(np.int64)
    found_gap = float(getattr(result, "mip_gap", 0.0) or 0.0)
    status = "optimal" if result.status == 0 else "time limit"
    return RosterSolution(agents, float(costs @ agents), cover @ agents, status, found_gap,
                          seconds)
