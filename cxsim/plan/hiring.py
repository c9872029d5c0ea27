"""From the agents a roster needs week by week to a hiring plan: how many to hire, starting
when, and the latest date to decide each hire.

Headcount at full speed is what a roster needs: every rostered agent works one shift pattern. A
team starts with its agents at full speed; each week a share leaves (attrition, compounded
daily from the monthly rate); a new hire works at the ramp's start share of full speed on the
first day, rising linearly to full speed after the ramp's weeks. Week by week, where the
expected capacity (survivors of each cohort times their speed) falls short of the need, a
cohort is hired to start early enough to be at full speed that week (or as early as the plan
allows), sized to cover the shortfall. A hire is decided ``hiring_lead_days`` before it starts;
one whose decision date is before the planning date is flagged ``too late`` and kept in the
plan (the shortfall it covers is real), never dropped.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from cxsim.model.workforce import daily_attrition

__all__ = ["Hire", "HiringPlan", "plan_hires", "weekly_survival"]

_EPS = 1e-9


def weekly_survival(attrition_pct_per_month: float) -> float:
    """Share of agents still on the team a week later, as the simulation's daily attrition
    compounds."""
    return (1.0 - daily_attrition(attrition_pct_per_month)) ** 7


def _speed(weeks_since_start: float, ramp_start_pct: float | None, ramp_weeks: float) -> float:
    """Share of full speed of a hire ``weeks_since_start`` weeks after starting."""
    if ramp_start_pct is None or ramp_weeks <= 0 or weeks_since_start >= ramp_weeks:
        return 1.0
    start = ramp_start_pct / 100.0
    return start + (1.0 - start) * max(weeks_since_start, 0.0) / ramp_weeks


@dataclass(frozen=True)
class Hire:
    """A cohort to hire: ``agents`` starting on ``start``, decided by ``decide_by``, needed for
    the week of ``needed_for``; ``status`` is ``open`` or ``too late`` (decision date before
    the planning date)."""

    start: dt.date
    agents: int
    decide_by: dt.date
    needed_for: dt.date
    status: str


@dataclass(frozen=True)
class HiringPlan:
    """Hires, and week by week the need against what the plan gives (expected values).

    Attributes:
        hires: the cohorts, in start order.
        weeks: the first day of each week planned.
        need: agents at full speed the roster needs each week.
        headcount: expected agents on the team each week (after attrition).
        capacity: expected agents at full speed each week (ramp counted).
    """

    hires: list[Hire]
    weeks: list[dt.date]
    need: list[float]
    headcount: list[float]
    capacity: list[float]


def plan_hires(
    weeks: Sequence[dt.date],
    need: Sequence[float],
    start_agents: float,
    attrition_pct_per_month: float = 0.0,
    ramp_start_pct: float | None = None,
    ramp_weeks: float = 0.0,
    hiring_lead_days: int = 0,
    planning_date: dt.date | None = None,
) -> HiringPlan:
    """The hires that keep capacity at full speed at or above ``need`` in every week.

    Args:
        weeks: first day of each consecutive week (7 days apart).
        need: agents at full speed needed in each week (>= 0).
        start_agents: agents on the team at the start of the first week, at full speed.
        attrition_pct_per_month: share of agents leaving per month, %.
        ramp_start_pct: a new hire's speed on its first day, % of full speed (None: no ramp).
        ramp_weeks: weeks to reach full speed.
        hiring_lead_days: days from deciding a hire to its first day.
        planning_date: the day decisions are made from (default: the first week).
    """
    if len(weeks) != len(need):
        raise ValueError(f"weeks ({len(weeks)}) and need ({len(need)}) must be as long")
    if any(not (n >= 0 and math.isfinite(n)) for n in need):
        raise ValueError("need must be finite and >= 0 in every week")
    if any((b - a).days != 7 for a, b in itertools.pairwise(weeks)):
        raise ValueError("weeks must be consecutive, 7 days apart")
    today = planning_date or (weeks[0] if weeks else dt.date.today())
    survive = weekly_survival(attrition_pct_per_month)
    lead = dt.timedelta(days=hiring_lead_days)
    ramp_span = math.ceil(ramp_weeks - _EPS) if ramp_start_pct is not None else 0
    cohorts: list[tuple[int, float]] = []  # (start week index, agents)

    def capacity(week: int) -> tuple[float, float]:
        heads = start_agents * survive**week
        speed = heads
        for first, agents in cohorts:
            if first <= week:
                alive = agents * survive ** (week - first)
                heads += alive
                speed += alive * _speed(week - first, ramp_start_pct, ramp_weeks)
        return heads, speed

    hires: list[Hire] = []
    for week, wanted in enumerate(need):
        _, have = capacity(week)
        short = wanted - have
        if short <= _EPS:
            continue
        first = max(week - ramp_span, 0)
        per_hire = survive ** (week - first) * _speed(week - first, ramp_start_pct, ramp_weeks)
        agents = math.ceil(short / per_hire - _EPS)
        cohorts.append((first, float(agents)))
        start = weeks[first]
        decide = start - lead
        hires.append(Hire(start, agents, decide, weeks[week],
                          "too late" if decide < today else "open"))
    merged: dict[dt.date, Hire] = {}
    for hire in hires:  # cohorts starting the same week are one hire
        if hire.start in merged:
            earlier = merged[hire.start]
            merged[hire.start] = Hire(hire.start, earlier.agents + hire.agents,
                                      earlier.decide_by, earlier.needed_for, earlier.status)
        else:
            merged[hire.start] = hire
    rows = [capacity(week) for week in range(len(need))]
    return HiringPlan(
        hires=sorted(merged.values(), key=lambda h: h.start),
        weeks=list(weeks),
        need=[float(n) for n in need],
        headcount=[heads for heads, _ in rows],
        capacity=[speed for _, speed in rows],
    )
