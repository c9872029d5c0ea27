"""The roster of one team: headcount, shifts in local time, shrinkage, hires, ramp, attrition."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from cxsim.model.streams import stream
from cxsim.model.workforce import (
    DAYS_PER_MONTH,
    Roster,
    RosterState,
    daily_attrition,
    roster_on_duty,
)
from cxsim.scenario.teams import Team

MONDAY = dt.date(2027, 1, 4)
EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAY = 1440


def team(**fields: Any) -> Team:
    return Team.model_validate({"region": "us", "channels": ["phone"], "agents": 10, **fields})


def roster(
    spec: Team, start: dt.date = MONDAY, zone: str = "UTC", days: int = 28, seed: int = 1
) -> Roster:
    return Roster(
        spec, start, ZoneInfo(zone), days * DAY,
        stream(seed, 0, "attrition"), stream(seed, 0, "shrinkage"),
    )


def run(r: Roster, days: float) -> dict[int, RosterState]:
    """Every step from minute 0 to ``days`` days, as the model calls it."""
    return {m: r.step(m) for m in range(0, int(days * DAY) + 1, Roster.STEP_MINUTES)}


def at(day: int, hour: float) -> int:
    """Clock minute of ``hour`` UTC on day ``day`` after the start."""
    return int(day * DAY + hour * 60)


def ids(state: RosterState) -> set[int]:
    return {employee for employee, _ in state.available}


# -- around the clock ----------------------------------------------------------------------------


def test_without_shifts_everyone_is_on_duty_and_nothing_changes() -> None:
    r = roster(team(agents=30))
    assert r.static
    expected = RosterState(30, tuple((i, 1.0) for i in range(30)), 30)
    assert set(run(r, 3).values()) == {expected}


@pytest.mark.parametrize(
    "fields",
    [
        {"shrinkage_pct": 10.0},
        {"attrition_pct_per_month": 2.0},
        {"hires": [{"date": "2027-01-20", "agents": 2}]},
        {"hires": [{"date": "2027-01-01", "agents": 2}], "ramp": {"start_pct": 50.0, "weeks": 4}},
        {"shifts": [{"days": EVERY_DAY, "start_hour": 0, "end_hour": 24}]},
    ],
)
def test_anything_that_can_change_makes_the_roster_dynamic(fields: dict[str, Any]) -> None:
    assert not roster(team(**fields)).static


def test_hires_before_the_start_without_ramp_or_after_the_horizon_stay_static() -> None:
    hires = [{"date": "2026-12-01", "agents": 2}, {"date": "2027-06-01", "agents": 2}]
    r = roster(team(agents=3, hires=hires), days=28)
    assert r.static
    assert r.step(0) == RosterState(5, tuple((i, 1.0) for i in range(5)), 5)


# -- shifts --------------------------------------------------------------------------------------


def test_shifts_are_in_local_time_across_the_dst_change() -> None:
    # 08:00-16:00 New York is 13:00-21:00 UTC in winter (EST) and 12:00-20:00 in summer (EDT);
    # the clocks go forward on Sunday 2027-03-14.
    weekdays = [{"days": ["mon", "tue", "wed", "thu", "fri"], "start_hour": 8, "end_hour": 16}]
    steps = run(roster(team(shifts=weekdays), dt.date(2027, 3, 8), "America/New_York"), 9)
    on = {m for m, state in steps.items() if state.scheduled == 10}
    assert {state.scheduled for state in steps.values()} == {0, 10}
    for day in (0, 4):  # Mon 8 and Fri 12 March, EST
        assert at(day, 12.75) not in on
        assert {at(day, 13), at(day, 20.75)} <= on
        assert at(day, 21) not in on
    for day in (7, 8):  # Mon 15 and Tue 16 March, EDT
        assert at(day, 11.75) not in on
        assert {at(day, 12), at(day, 19.75)} <= on
        assert at(day, 20) not in on
    assert len(on) == 7 * 8 * 4  # seven weekdays of eight hours, quarter-hour steps
    assert not any(at(day, 0) <= m < at(day + 1, 0) for m in on for day in (5, 6))  # weekend


def test_an_overnight_shift_covers_the_next_morning() -> None:
    nights = [{"days": ["mon"], "start_hour": 22, "end_hour": 6}]
    steps = run(roster(team(shifts=nights)), 7)
    on = sorted(m for m, state in steps.items() if state.scheduled == 10)
    assert on[0] == at(0, 22) and on[-1] == at(1, 5.75)  # Mon 22:00 to Tue 05:45
    assert len(on) == 8 * 4


def test_a_sunday_night_shift_runs_into_monday() -> None:
    nights = [{"days": ["sun"], "start_hour": 22, "end_hour": 6}]
    steps = run(roster(team(shifts=nights)), 7)  # starts on a Monday at 00:00
    on = sorted(m for m, state in steps.items() if state.scheduled == 10)
    assert on[: 6 * 4] == list(range(0, at(0, 6), 15))  # Sunday 3 January's shift
    assert on[6 * 4 :] == list(range(at(6, 22), at(7, 0) + 1, 15))


def test_shifts_roster_rounded_shares_and_overlapping_shifts_different_people() -> None:
    shifts = [
        {"days": EVERY_DAY, "start_hour": 8, "end_hour": 16, "share": 0.3},
        {"days": EVERY_DAY, "start_hour": 12, "end_hour": 20, "share": 0.6},
        {"days": EVERY_DAY, "start_hour": 20, "end_hour": 8, "share": 0.45},
    ]
    steps = run(roster(team(agents=7, shifts=shifts)), 2)
    morning, both, evening, night = (steps[at(1, h)] for h in (10, 14, 18, 22))
    # round(0.3 x 7) = 2, round(0.6 x 7) = 4, round(0.45 x 7) = 3
    assert [s.scheduled for s in (morning, both, evening, night)] == [2, 6, 4, 3]
    assert all(s.headcount == 7 for s in steps.values())
    assert not ids(morning) & ids(evening)
    assert ids(both) == ids(morning) | ids(evening)


def test_consecutive_shifts_are_worked_by_different_people() -> None:
    thirds = [
        {"days": EVERY_DAY, "start_hour": start, "end_hour": (start + 8) % 24, "share": 1 / 3}
        for start in (6, 14, 22)
    ]
    steps = run(roster(team(agents=9, shifts=thirds)), 1)
    crews = [ids(steps[at(0, h)]) for h in (7, 15, 23)]
    assert [len(c) for c in crews] == [3, 3, 3]
    assert set().union(*crews) == set(range(9))


def test_half_a_headcount_rounds_up() -> None:
    half = [{"days": EVERY_DAY, "start_hour": 0, "end_hour": 12, "share": 0.5}]
    assert roster(team(agents=5, shifts=half)).step(0).scheduled == 3


# -- a roster: agents per shift and period -----------------------------------------------------


def test_a_roster_puts_its_agents_on_duty_in_local_time_across_the_dst_change() -> None:
    # Berlin moves to summer time at 02:00 on Sunday 28 March 2027 (UTC+1 -> UTC+2).
    periods = [{"start": "2027-03-26", "end": "2027-03-29", "shifts": [
        {"start_hour": 8, "end_hour": 9, "agents": 4},
        {"start_hour": 8.5, "end_hour": 10, "agents": 3},
        {"days": ["sun"], "start_hour": 22, "end_hour": 2, "agents": 2},
    ]}]
    steps = run(roster(team(agents=1, roster=periods), dt.date(2027, 3, 26), "Europe/Berlin",
                       days=5), 5)
    on = {m: s.scheduled for m, s in steps.items()}
    # Friday 26 (UTC+1): 08:00-09:00 local is 07:00-08:00 UTC, 08:30-10:00 is 07:30-09:00.
    assert [on[at(0, h)] for h in (6.75, 7, 7.5, 8, 8.75, 9)] == [0, 4, 7, 3, 3, 0]
    # Monday 29 (UTC+2): an hour earlier on the clock.
    assert [on[at(3, h)] for h in (5.75, 6, 6.5, 7, 7.75, 8)] == [0, 4, 7, 3, 3, 0]
    # Sunday 22:00 to Monday 02:00 local is 20:00 to 24:00 UTC; nothing after the period.
    assert [on[at(2, h)] for h in (19.75, 20, 23.75)] == [0, 2, 2]
    assert [on[at(3, h)] for h in (0, 5.75)] == [0, 0]
    assert all(count == 0 for m, count in on.items() if m >= at(3, 8))
    assert roster_on_duty([], MONDAY, ZoneInfo("UTC"), 3 * DAY).sum() == 0


def test_rostered_agents_work_at_full_speed_whatever_the_headcount() -> None:
    # Two employees ramping up, a roster of five: five on duty at full speed, headcount two.
    periods = [{"start": "2027-01-01", "end": "2027-02-28",
                "shifts": [{"start_hour": 0, "end_hour": 24, "agents": 5}]}]
    spec = team(agents=0, hires=[{"date": "2027-01-04", "agents": 2}],
                ramp={"start_pct": 50.0, "weeks": 4.0}, roster=periods)
    state = roster(spec).step(at(1, 12))
    assert state == RosterState(5, tuple((i, 1.0) for i in range(5)), 2)


def test_a_constant_roster_without_shrinkage_is_static_and_shrinkage_thins_it() -> None:
    periods = [{"start": "2027-01-01", "end": "2027-12-31",
                "shifts": [{"start_hour": 0, "end_hour": 24, "agents": 12}]}]
    assert roster(team(roster=periods)).static
    thinned = roster(team(roster=periods, shrinkage_pct=50.0))
    assert not thinned.static
    states = run(thinned, 2)
    assert {s.scheduled for s in states.values()} == {12}
    assert len({len(s.available) for s in states.values()}) > 1


# -- shrinkage -----------------------------------------------------------------------------------


def test_shrinkage_takes_its_share_away_binomially_with_little_churn() -> None:
    agents, shrinkage, days = 40, 0.25, 20
    steps = run(roster(team(agents=agents, shrinkage_pct=shrinkage * 100)), days)
    assert all(s.scheduled == agents and s.headcount == agents for s in steps.values())
    hours = [steps[m] for m in range(0, days * DAY, 60)]
    # Within an hour nothing changes; each hour's count is an independent Binomial(40, 0.75).
    assert all(steps[m] == steps[m - m % 60] for m in steps if m < days * DAY)
    counts = [len(s.available) for s in hours]
    mean = sum(counts) / len(counts)
    sd = math.sqrt(agents * shrinkage * (1 - shrinkage) / len(counts))  # of the mean
    assert abs(mean - agents * (1 - shrinkage)) < 4.5 * sd
    assert len(set(counts)) > 3
    # Low churn: a draw with as many or more available keeps everyone available before.
    for before, after in itertools.pairwise(hours):
        small, large = sorted((ids(before), ids(after)), key=len)
        assert small <= large


def test_shrinkage_applies_to_the_rostered_only() -> None:
    day_shift = [{"days": EVERY_DAY, "start_hour": 9, "end_hour": 17, "share": 0.5}]
    steps = run(roster(team(agents=20, shifts=day_shift, shrinkage_pct=30.0)), 5)
    assert {s.scheduled for s in steps.values()} == {0, 10}
    assert all(len(s.available) <= s.scheduled for s in steps.values())
    assert any(0 < len(s.available) < 10 for s in steps.values())


# -- hires, ramp, attrition ----------------------------------------------------------------------


def test_hires_join_on_their_local_date_and_ramp_up_to_full_speed() -> None:
    spec = team(
        agents=2,
        hires=[{"date": "2027-01-11", "agents": 3}],
        ramp={"start_pct": 50.0, "weeks": 2.0},
    )
    steps = run(roster(spec, zone="America/New_York", days=40), 40)
    joined = at(7, 5)  # 00:00 on Mon 11 January in New York (EST) is 05:00 UTC
    assert steps[joined - 15].headcount == 2
    assert steps[joined - 15].available == ((0, 1.0), (1, 1.0))
    expected = [(0, 0.5), (7, 0.75), (13, 0.5 + 0.5 * 13 / 14), (14, 1.0), (30, 1.0)]
    for day, efficiency in expected:
        state = steps[joined + day * DAY]
        assert state.headcount == 5
        assert state.available == (
            (0, 1.0), (1, 1.0), *((e, pytest.approx(efficiency)) for e in (2, 3, 4))
        )


def test_hires_before_the_start_are_part_way_up_the_ramp() -> None:
    spec = team(
        agents=1, hires=[{"date": "2027-01-01", "agents": 1}], ramp={"start_pct": 40, "weeks": 1}
    )
    (trained, _), (hired, efficiency) = roster(spec).step(0).available  # on day 3 of 7
    assert (trained, hired) == (0, 1)
    assert efficiency == pytest.approx(0.4 + 0.6 * 3 / 7)


def test_daily_attrition_compounds_to_the_monthly_rate() -> None:
    assert (1 - daily_attrition(5.0)) ** DAYS_PER_MONTH == pytest.approx(0.95)
    assert daily_attrition(0.0) == 0.0
    assert daily_attrition(100.0) == 1.0


def test_attrition_over_a_year_matches_the_monthly_rate() -> None:
    agents, monthly, seeds = 1500, 0.05, range(1, 7)
    spec = team(agents=agents, attrition_pct_per_month=monthly * 100)
    # One draw per local midnight: 365 in a year of UTC days, 365 / 30.4375 = 11.99 months.
    survive = (1 - monthly) ** (365 / DAYS_PER_MONTH)
    ends = []
    for seed in seeds:
        r = roster(spec, days=365, seed=seed)
        states = [r.step(m) for m in range(0, 365 * DAY + 1, 15)]
        assert all(a.headcount >= b.headcount for a, b in itertools.pairwise(states))
        assert all(s.scheduled == s.headcount == len(s.available) for s in states[::96])
        ends.append(states[-1].headcount)
    # Each end headcount is Binomial(1500, survive); their mean has this standard deviation.
    sd = math.sqrt(agents * survive * (1 - survive) / len(seeds))
    mean = sum(ends) / len(ends)
    assert abs(mean - agents * survive) < 4 * sd
    assert survive == pytest.approx((1 - monthly) ** 12, rel=1e-3)  # N (1-p)^12, near enough
    assert len(set(ends)) > 1


# -- determinism, hiring plan, shift overlaps ----------------------------------------------------


def test_same_streams_same_roster_and_other_streams_another() -> None:
    spec = team(
        agents=25,
        shifts=[
            {"days": ["mon", "tue", "wed", "thu", "fri"], "start_hour": 7, "end_hour": 15.5,
             "share": 0.6},
            {"days": EVERY_DAY, "start_hour": 14, "end_hour": 23, "share": 0.4},
        ],
        shrinkage_pct=20.0,
        attrition_pct_per_month=8.0,
        hires=[{"date": "2027-01-08", "agents": 4}],
        ramp={"start_pct": 60.0, "weeks": 1.5},
    )
    first = run(roster(spec, zone="Europe/Berlin", seed=7), 14)
    assert first == run(roster(spec, zone="Europe/Berlin", seed=7), 14)
    assert first != run(roster(spec, zone="Europe/Berlin", seed=8), 14)


def test_hiring_plan_gives_the_latest_decision_dates() -> None:
    hires = [{"date": "2027-03-01", "agents": 5}, {"date": "2027-04-01", "agents": 3}]
    r = roster(team(hires=hires, hiring_lead_days=42))
    assert r.hiring_plan() == [
        (dt.date(2027, 3, 1), 5, dt.date(2027, 1, 18)),
        (dt.date(2027, 4, 1), 3, dt.date(2027, 2, 18)),
    ]


def test_shift_overlaps_within_the_headcount_are_fine() -> None:
    shifts = [
        {"days": EVERY_DAY, "start_hour": 6, "end_hour": 14, "share": 0.5},
        {"days": EVERY_DAY, "start_hour": 10, "end_hour": 18, "share": 0.5},
        {"days": EVERY_DAY, "start_hour": 14, "end_hour": 22, "share": 0.5},
        {"days": EVERY_DAY, "start_hour": 22, "end_hour": 6, "share": 0.5},
        {"days": ["sat", "sun"], "start_hour": 0, "end_hour": 6, "share": 0.5},
    ]
    assert team(shifts=shifts).shift_overlap_problem() is None
    assert team().shift_overlap_problem() is None


def test_over_rostered_shifts_are_reported() -> None:
    shifts = [
        {"days": ["mon", "tue", "wed", "thu", "fri"], "start_hour": 8, "end_hour": 16,
         "share": 0.6},
        {"days": ["mon", "tue", "wed", "thu", "fri"], "start_hour": 12, "end_hour": 20,
         "share": 0.6},
    ]
    assert team(shifts=shifts).shift_overlap_problem() == (
        "shifts on mon at 12:00 roster 1.2 of the headcount at once "
        "(shares of overlapping shifts must add up to at most 1)"
    )


def test_a_sunday_night_shift_overlaps_monday_morning() -> None:
    shifts = [
        {"days": ["sun"], "start_hour": 22, "end_hour": 6, "share": 0.7},
        {"days": ["mon"], "start_hour": 5.5, "end_hour": 14, "share": 0.5},
    ]
    assert team(shifts=shifts).shift_overlap_problem() == (
        "shifts on mon at 05:30 roster 1.2 of the headcount at once "
        "(shares of overlapping shifts must add up to at most 1)"
    )


# -- stepping only where something may change ----------------------------------------------------


@pytest.mark.parametrize("fields", [
    # Shifts in Berlin across the spring DST change, shrinkage drawn hourly, leavers, a hire
    # ramping up.
    {"agents": 40, "shrinkage_pct": 20, "attrition_pct_per_month": 20,
     "shifts": [{"days": EVERY_DAY, "start_hour": 6.5, "end_hour": 14.5, "share": 0.5},
                {"days": EVERY_DAY[:5], "start_hour": 14, "end_hour": 23.25, "share": 0.5}],
     "hires": [{"date": "2027-03-27", "agents": 5}],
     "ramp": {"weeks": 2, "start_pct": 50}},
    # A planned roster with shifts starting on quarter and half hours, and shrinkage.
    {"agents": 3, "shrinkage_pct": 10, "roster": [{"start": "2027-03-20", "end": "2027-04-05",
     "shifts": [{"start_hour": 7.75, "end_hour": 12.5, "agents": 6},
                {"days": ["sat", "sun"], "start_hour": 22, "end_hour": 3, "agents": 2}]}]},
    # Shifts alone: no hourly draws.
    {"agents": 12, "shifts": [{"days": EVERY_DAY, "start_hour": 23.5, "end_hour": 7.5}]},
])
def test_the_roster_changes_only_at_the_steps_next_step_names(fields: dict[str, Any]) -> None:
    """Calling ``step`` only at ``next_step`` gives, at every quarter-hour, the state that
    calling it at every quarter-hour gives: the model skips the steps in between."""
    start, days = dt.date(2027, 3, 20), 21
    every = run(roster(team(**fields), start, "Europe/Berlin", days=days), days)
    skipping = roster(team(**fields), start, "Europe/Berlin", days=days)
    minute, applied, steps = 0, skipping.step(0), 1
    for quarter, state in every.items():
        if quarter == minute:
            applied = skipping.step(minute)
            minute = int(skipping.next_step(minute))
            steps += 1
            assert minute > quarter and minute % Roster.STEP_MINUTES == 0
        assert applied == state, quarter
    assert steps < len(every) / 2  # most quarter-hours change nothing
