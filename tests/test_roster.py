"""Rosters: the integer program finds the cheapest cover, checked by brute force on small cases,
and every interval is covered after shrinkage."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from cxsim.plan.roster import ShiftPattern, generate_patterns, solve_roster

HOUR = 60
DAY = 24


def brute_force(required: np.ndarray, patterns: list[ShiftPattern], interval: int,
                shrinkage: float, most: int) -> float:
    """The cheapest roster by trying every combination of 0..most agents per pattern."""
    cover = np.column_stack([p.coverage(interval) for p in patterns])
    lower = np.ceil(required / (1.0 - shrinkage) - 1e-9)
    costs = np.array([p.cost for p in patterns])
    best = math.inf
    for combo in itertools.product(range(most + 1), repeat=len(patterns)):
        agents = np.array(combo)
        if np.all(cover @ agents >= lower) and costs @ agents < best:
            best = float(costs @ agents)
    return best


def _week(day_profile: list[float], days: tuple[int, ...] = tuple(range(7))) -> np.ndarray:
    """A week of hourly requirements: ``day_profile`` (24 values) on ``days``, 0 otherwise."""
    week = np.zeros(7 * DAY)
    for day in days:
        week[day * DAY:(day + 1) * DAY] = day_profile
    return week


def test_a_pattern_covers_its_hours_and_wraps_past_midnight_and_the_week() -> None:
    night = ShiftPattern(days=(6,), start_minute=22 * HOUR, length_minutes=8 * HOUR, cost=1)
    covered = night.coverage(HOUR)
    assert covered.sum() == 8
    assert list(np.flatnonzero(covered)) == [0, 1, 2, 3, 4, 5, 166, 167]  # Sun 22-24, Mon 0-6
    half = ShiftPattern(days=(0,), start_minute=8.5 * HOUR, length_minutes=2 * HOUR, cost=1)
    assert list(half.coverage(HOUR)[8:11]) == [0.5, 1.0, 0.5]
    assert night.label() == "sun 22:00-06:00"
    assert generate_patterns(20)[0].label() == "mon-fri 00:00-08:00"


@pytest.mark.parametrize("case", range(12))
def test_the_roster_is_the_cheapest_cover_on_small_cases(case: int) -> None:
    rng = np.random.default_rng(case)
    # Four patterns of different days, hours and costs; requirements over two days.
    patterns = [
        ShiftPattern(days=(0, 1), start_minute=8 * HOUR, length_minutes=8 * HOUR, cost=16.0),
        ShiftPattern(days=(0,), start_minute=12 * HOUR, length_minutes=8 * HOUR, cost=8.5),
        ShiftPattern(days=(1,), start_minute=6 * HOUR, length_minutes=6 * HOUR, cost=6.5),
        ShiftPattern(days=(0, 1), start_minute=14 * HOUR, length_minutes=4 * HOUR, cost=7.0),
    ]
    profile = np.zeros(DAY)
    profile[8:18] = rng.integers(0, 4, 10)
    required = _week(list(profile), days=(0, 1)) * rng.choice([1.0, 0.8])
    shrinkage = float(rng.choice([0.0, 0.2]))
    solution = solve_roster(required, patterns, HOUR, shrinkage=shrinkage)
    expected = brute_force(required, patterns, HOUR, shrinkage, most=6)
    assert solution.status == "optimal"
    assert solution.cost == pytest.approx(expected)
    assert np.all(solution.on_duty * (1 - shrinkage) >= required - 1e-9)


def test_a_generated_week_covers_every_interval_at_a_cost_near_the_hours_needed() -> None:
    profile = [0] * 7 + [3, 6, 9, 10, 10, 9, 8, 8, 9, 10, 8, 6, 4] + [0] * 4
    required = _week(profile, days=(0, 1, 2, 3, 4, 5))
    patterns = generate_patterns(cost_per_hour=25.0, lengths_hours=(4.0, 8.0),
                                 earliest_start_hour=6, latest_end_hour=22)
    solution = solve_roster(required, patterns, HOUR, shrinkage=0.1, time_limit_s=20)
    assert solution.status in ("optimal", "time limit")
    assert np.all(solution.on_duty * 0.9 >= required - 1e-9)
    lower_bound = np.ceil(required / 0.9).sum() * 25.0  # every needed agent-hour paid once
    assert lower_bound <= solution.cost <= 1.35 * lower_bound
    assert solution.gap <= 0.01 or solution.status == "time limit"


def test_a_need_over_a_long_interval_holds_at_every_hour_of_it() -> None:
    # 28 agents all day, stated per whole day: 84 agents on one 8-hour shift average 28 over
    # the day but leave 16 hours empty (a plan once rostered just that). Every hour of the day
    # needs its 28: three shifts of 28, 7 days a week, in whole 5-day patterns.
    patterns = generate_patterns(cost_per_hour=20.0)
    solution = solve_roster([28.0] * 7, patterns, 1440)
    hourly = np.column_stack([p.coverage(60) for p in patterns]) @ solution.agents
    assert hourly.min() >= 28
    # At least the agent-hours the week needs, and little more: 5-day weeks of 8-hour shifts
    # come in 40-hour steps (120 agents for 117.6 agents' worth of hours).
    hours = 28 * 24 * 7
    assert hours * 20.0 <= solution.cost <= 120 * 40 * 20.0


def test_a_requirement_no_pattern_can_cover_is_reported_not_raised() -> None:
    day_only = [ShiftPattern(days=(0,), start_minute=8 * HOUR, length_minutes=8 * HOUR, cost=8)]
    night = np.zeros(7 * DAY)
    night[2] = 1
    solution = solve_roster(night, day_only, HOUR)
    assert solution.status == "infeasible"


def test_bad_arguments_name_the_value() -> None:
    with pytest.raises(ValueError, match=r"required must have 168 values"):
        solve_roster([1.0] * 24, generate_patterns(10), HOUR)
    with pytest.raises(ValueError, match=r"shrinkage\(=1.0\) must be in \[0, 1\)"):
        solve_roster([0.0] * 168, generate_patterns(10), HOUR, shrinkage=1.0)
    with pytest.raises(ValueError, match=r"days\(=\(7,\)\) must be weekdays"):
        ShiftPattern(days=(7,), start_minute=0, length_minutes=60, cost=1)
