"""From a team's need per interval to its weekly rosters and its hiring plan.

A team may work the shift patterns its scenario lists (``teams.<t>.shift_patterns``); without
them, 8-hour shifts five consecutive days a week, starting on the hour between the earliest
opening and the latest closing of the team's live channels in its region (around the clock if
one of them never closes). A team without a live channel works within the hours of its present
shifts, or an office day of 08:00 to 20:00 without any. Each local week (Monday to Sunday) is
rostered on its own by the integer program of ``cxsim.plan.roster``: the cheapest agents per
pattern covering the week's need in every interval after shrinkage, the week repeating (a
Sunday night shift covers Monday morning). Need in intervals no allowed pattern covers is left
out and reported. Weeks with the same roster are one roster period.

The hiring plan keeps the team's headcount at full speed at or above the agents its weekly
rosters name (``cxsim.plan.hiring``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from cxsim.plan.hiring import Hire, HiringPlan, plan_hires
from cxsim.plan.intervals import LocalIntervals
from cxsim.plan.roster import RosterSolution, ShiftPattern, generate_patterns, solve_roster
from cxsim.scenario import Scenario
from cxsim.scenario.common import MINUTES_PER_DAY, WEEKDAYS
from cxsim.scenario.models import SyncChannel

__all__ = [
    "OFFICE_HOURS",
    "TeamRoster",
    "allowed_patterns",
    "hours",
    "roster_team",
    "rostered_per_interval",
    "team_hires",
    "working_hours",
    "working_intervals",
]

# Hours a team without live channels or shifts may work, local.
OFFICE_HOURS = (8.0, 20.0)
SHIFT_HOURS = 8.0
_WEEK = dt.timedelta(days=7)


def working_hours(scenario: Scenario, team: str) -> tuple[float, float]:
    """(earliest start, latest end) in local hours that generated shift patterns span."""
    spec = scenario.teams[team]
    region = scenario.regions[spec.region]
    live = [c for c in spec.channels if isinstance(scenario.channels[c], SyncChannel)]
    if live:
        if any(c not in region.opening_hours for c in live):
            return (0.0, 24.0)
        rules = [rule for c in live for rule in region.opening_hours[c]]
        return (min(r.start_hour for r in rules), max(r.end_hour for r in rules))
    if spec.shifts:
        if any(s.end_hour <= s.start_hour for s in spec.shifts):
            return (0.0, 24.0)
        return (min(s.start_hour for s in spec.shifts), max(s.end_hour for s in spec.shifts))
    return OFFICE_HOURS


def allowed_patterns(scenario: Scenario, team: str) -> list[ShiftPattern]:
    """The working weeks ``team`` may be rostered on; each costs its hours at the team's cost
    per hour (or its hours, when the team has no cost: the fewest hours is then the cheapest)."""
    spec = scenario.teams[team]
    per_hour = spec.cost_per_hour or 1.0
    if spec.shift_patterns:
        return [
            ShiftPattern(tuple(sorted(WEEKDAYS.index(d) for d in set(p.days))),
                         p.start_hour * 60.0, p.length_hours * 60.0,
                         len(set(p.days)) * p.length_hours * per_hour)
            for p in spec.shift_patterns
        ]
    first, last = working_hours(scenario, team)
    return generate_patterns(per_hour, (min(SHIFT_HOURS, last - first),), 5, 60, first, last)


def _week_cover(patterns: list[ShiftPattern], interval_minutes: int) -> NDArray[np.float64]:
    return np.column_stack([p.coverage(interval_minutes) for p in patterns])


def working_intervals(patterns: list[ShiftPattern], local: LocalIntervals) -> NDArray[np.bool_]:
    """The intervals of the clock some allowed pattern can cover."""
    covered = _week_cover(patterns, local.interval_minutes).max(axis=1) > 0
    return np.asarray(covered[local.week_slots()])


@dataclass(frozen=True)
class TeamRoster:
    """A team's rosters, week by week.

    Attributes:
        weeks: the Monday of each week rostered (consecutive).
        patterns: the patterns allowed.
        solutions: the solver's answer for each week (None for a week that needs nobody).
        uncovered_hours: agent-hours of need in intervals no allowed pattern covers (left out).
    """

    weeks: list[dt.date]
    patterns: list[ShiftPattern]
    solutions: list[RosterSolution | None]
    uncovered_hours: float

    def agents(self, week: int) -> NDArray[np.int64]:
        solution = self.solutions[week]
        return (solution.agents if solution is not None
                else np.zeros(len(self.patterns), dtype=np.int64))

    def headcount(self) -> list[float]:
        """Agents the roster names in each week (each works one pattern)."""
        return [float(self.agents(w).sum()) for w in range(len(self.weeks))]

    def periods(self) -> list[dict[str, object]]:
        """The rosters as scenario roster periods, consecutive equal weeks joined."""
        periods: list[dict[str, object]] = []
        for week, monday in enumerate(self.weeks):
            shifts = [
                {"days": [WEEKDAYS[d] for d in pattern.days],
                 "start_hour": pattern.start_minute / 60.0,
                 "end_hour": _end_hour(pattern), "agents": int(count)}
                for pattern, count in zip(self.patterns, self.agents(week).tolist(), strict=True)
                if count > 0
            ]
            last = periods[-1] if periods else None
            if last is not None and last["shifts"] == shifts:
                last["end"] = monday + _WEEK - dt.timedelta(days=1)
            else:
                periods.append({"start": monday, "end": monday + _WEEK - dt.timedelta(days=1),
                                "shifts": shifts})
        return periods


def _end_hour(pattern: ShiftPattern) -> float:
    end = pattern.start_minute + pattern.length_minutes
    return (end if end <= MINUTES_PER_DAY else end - MINUTES_PER_DAY) / 60.0


def roster_team(
    available: NDArray[np.int64], local: LocalIntervals, patterns: list[ShiftPattern],
    shrinkage: float, time_limit_s: float,
) -> TeamRoster:
    """Weekly rosters covering ``available`` agents (after shrinkage) in every interval.

    Args:
        available: agents needed available in each interval of the clock.
        local: the intervals in the team's local time.
        patterns: the shift patterns allowed.
        shrinkage: share of rostered time not available.
        time_limit_s: time limit of each week's solver run.
    """
    length = local.interval_minutes
    cover = _week_cover(patterns, length).max(axis=1) > 0
    slots = local.week_slots()
    first = min(local.week_starts)
    count = (max(local.week_starts) - first).days // 7 + 1
    weeks = [first + w * _WEEK for w in range(count)]
    index = np.array([(monday - first).days // 7 for monday in local.week_starts])
    solutions: list[RosterSolution | None] = []
    solved: dict[bytes, RosterSolution] = {}
    uncovered = 0.0
    for week in range(count):
        need = np.zeros(7 * MINUTES_PER_DAY // length)
        cells = np.flatnonzero(index == week)
        # The hour a clock change repeats maps two intervals to one slot: the larger need.
        np.maximum.at(need, slots[cells], available[cells].astype(np.float64))
        outside = need * ~cover
        uncovered += float(outside.sum()) * length / 60.0 / (1.0 - shrinkage)
        need -= outside
        if not need.any():
            solutions.append(None)
            continue
        key = need.tobytes()
        if key not in solved:
            solved[key] = solve_roster(need, patterns, length, shrinkage, time_limit_s)
        solutions.append(solved[key])
    return TeamRoster(weeks, patterns, solutions, uncovered)


def team_hires(
    scenario: Scenario, team: str, roster: TeamRoster, planning_date: dt.date
) -> HiringPlan:
    """Hires that keep the team at or above the agents its rosters name, week by week."""
    spec = scenario.teams[team]
    ramp = spec.ramp
    plan = plan_hires(
        roster.weeks, roster.headcount(), spec.agents,
        attrition_pct_per_month=spec.attrition_pct_per_month,
        ramp_start_pct=ramp.start_pct if ramp is not None else None,
        ramp_weeks=ramp.weeks if ramp is not None else 0.0,
        hiring_lead_days=spec.hiring_lead_days,
        planning_date=planning_date,
    )
    # The first week may begin before the clock does: its hires start with the clock.
    lead = dt.timedelta(days=spec.hiring_lead_days)
    hires = []
    for hire in plan.hires:
        start = max(hire.start, scenario.start_date)
        decide = start - lead
        hires.append(Hire(start, hire.agents, decide, max(hire.needed_for, scenario.start_date),
                          "too late" if decide < planning_date else "open"))
    return dataclasses.replace(plan, hires=hires)


def rostered_per_interval(
    on_duty_quarters: NDArray[np.int64], interval_minutes: int, count: int
) -> NDArray[np.float64]:
    """Mean agents on duty in each interval from agents on duty per quarter hour."""
    per = interval_minutes // 15
    quarters = on_duty_quarters[: count * per].astype(np.float64)
    if quarters.size < count * per:
        quarters = np.concatenate([quarters, np.zeros(count * per - quarters.size)])
    return np.asarray(quarters.reshape(count, per).mean(axis=1))


def hours(values: NDArray[np.float64] | NDArray[np.int64], interval_minutes: int) -> float:
    """Agent-hours of agents per interval."""
    return float(np.sum(values)) * interval_minutes / 60.0 if values.size else 0.0
