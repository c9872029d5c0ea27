"""Hiring plans: headcount at full speed never below the roster's need once ramp and attrition
are counted, hires decided their lead time ahead, and a decision already past flagged, never
dropped."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxsim.plan.hiring import plan_hires, weekly_survival

MONDAY = dt.date(2027, 1, 4)


def _weeks(count: int) -> list[dt.date]:
    return [MONDAY + dt.timedelta(weeks=w) for w in range(count)]


def test_without_ramp_or_attrition_a_hire_starts_the_week_it_is_needed() -> None:
    plan = plan_hires(_weeks(5), [10, 10, 15, 15, 18], start_agents=10, hiring_lead_days=14,
                      planning_date=MONDAY)
    assert [(h.start, h.agents, h.decide_by, h.status) for h in plan.hires] == [
        (MONDAY + dt.timedelta(weeks=2), 5, MONDAY, "open"),
        (MONDAY + dt.timedelta(weeks=4), 3, MONDAY + dt.timedelta(days=14), "open"),
    ]
    assert plan.capacity == [10, 10, 15, 15, 18]


def test_a_ramping_hire_starts_early_enough_to_be_at_full_speed_when_needed() -> None:
    # 50% on the first day, full speed after 4 weeks: a hire needed in week 6 starts in week 2.
    plan = plan_hires(_weeks(8), [4, 4, 4, 4, 4, 4, 10, 10], start_agents=4,
                      ramp_start_pct=50, ramp_weeks=4)
    assert [(h.start, h.agents) for h in plan.hires] == [(MONDAY + dt.timedelta(weeks=2), 6)]
    # Half speed in its first week, 5/8 in the second: 4 + 6 x 0.5 and 4 + 6 x 0.625.
    assert plan.capacity[2:4] == pytest.approx([7.0, 7.75])
    assert plan.capacity[6] == pytest.approx(10)


def test_attrition_is_replaced_and_compounds_daily() -> None:
    # 10% a month leaves (1 - 0.1)^(7 / 30.4375) of a team a week later.
    assert weekly_survival(10) == pytest.approx(0.9 ** (7 / 30.4375))
    plan = plan_hires(_weeks(10), [20] * 10, start_agents=20, attrition_pct_per_month=10)
    assert all(c >= 20 - 1e-9 for c in plan.capacity)
    assert sum(h.agents for h in plan.hires) >= 20 * (1 - weekly_survival(10) ** 9) - 1


def test_a_hire_whose_decision_date_has_passed_is_flagged_and_kept() -> None:
    plan = plan_hires(_weeks(3), [0, 0, 6], start_agents=0, hiring_lead_days=30,
                      planning_date=MONDAY)
    (hire,) = plan.hires
    assert hire.agents == 6 and hire.status == "too late"
    assert hire.decide_by == MONDAY + dt.timedelta(weeks=2) - dt.timedelta(days=30)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    need=st.lists(st.floats(0, 60), min_size=1, max_size=30),
    start=st.floats(0, 40),
    attrition=st.floats(0, 20),
    ramp=st.one_of(st.none(), st.tuples(st.floats(10, 100), st.floats(0.5, 12))),
)
def test_capacity_meets_the_need_in_every_week(
    need: list[float], start: float, attrition: float, ramp: tuple[float, float] | None
) -> None:
    start_pct, weeks = ramp if ramp is not None else (None, 0.0)
    plan = plan_hires(_weeks(len(need)), need, start_agents=start,
                      attrition_pct_per_month=attrition, ramp_start_pct=start_pct,
                      ramp_weeks=weeks)
    # A hire that cannot start early enough to be at full speed is sized for the speed it
    # will have: every week is covered, the first ones too.
    for week, (wanted, have) in enumerate(zip(plan.need, plan.capacity, strict=True)):
        assert have >= wanted - 1e-6, (week, wanted, have)
    assert all(h.agents > 0 for h in plan.hires)
