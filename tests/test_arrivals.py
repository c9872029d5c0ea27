"""Arrival volumes and shapes: forecasts by weekday and local hour, across time zones and DST."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import zoneinfo

import numpy as np
import pandas as pd
import pytest

import cxsim
from cxsim.model.calendar import local_pieces
from cxsim.model.local_dates import whole_steps
from tests.support import half_width

WEEKDAY_FACTORS = [1.3, 1.1, 1.0, 1.0, 0.9, 0.6, 0.5]
PROFILE = [0, 0, 0, 0, 0, 0, 1, 2, 4, 6, 8, 8, 7, 7, 7, 6, 6, 5, 5, 4, 3, 2, 1, 0]


def _profiled(timezone: str, horizon_days: float, per_day: float = 2000) -> cxsim.Scenario:
    return cxsim.parse_scenario({
        "name": "shape check",
        "start_date": "2027-03-01",
        "horizon_days": horizon_days,
        "interval_minutes": 30,
        "regions": {"r": {"timezone": timezone}},
        "channels": {"email": {"kind": "async", "handle_minutes": {"dist": "constant",
                                                                   "value": 1}}},
        "contact_volume": [{"region": "r", "channel": "email", "per_day": per_day,
                            "weekday_factors": WEEKDAY_FACTORS, "intraday_profile": PROFILE}],
        "teams": {"t": {"region": "r", "channels": ["email"], "agents": 50}},
    })


def test_total_volume_follows_weekday_factors() -> None:
    # In UTC the local days are the clock's days: 14 days from a Monday hold each weekday twice.
    results = cxsim.run(_profiled("UTC", 14), reps=10, seed=1)
    offered = results.runs.query("kpi == 'offered' and region == '*' and channel == '*'")["value"]
    expected = 2 * 2000 * sum(WEEKDAY_FACTORS)
    assert abs(offered.mean() - expected) <= half_width(offered.to_numpy())
    by_day = results.contacts_by_day.groupby("date")["offered"].mean()
    for date, mean in by_day.items():
        factor = WEEKDAY_FACTORS[pd.Timestamp(date).weekday()]
        # Poisson: the standard deviation of a day's mean over 10 reps is sqrt(volume / 10).
        assert abs(mean - 2000 * factor) <= 4 * math.sqrt(2000 * factor / 10)


@pytest.mark.parametrize("timezone", ["Asia/Kolkata", "America/New_York"])
def test_intraday_profile_is_in_local_time(timezone: str) -> None:
    results = cxsim.run(_profiled(timezone, 7), reps=4, seed=2)
    table = results.contacts_by_interval
    local_hour = table["start"].dt.tz_convert(timezone).dt.hour
    shares = table.groupby(local_hour)["offered"].sum() / table["offered"].sum()
    expected = pd.Series(PROFILE, dtype=float) / sum(PROFILE)
    total = table["offered"].sum()
    for hour in range(24):
        if expected[hour] == 0:
            assert shares.get(hour, 0.0) == 0.0, f"contacts at local hour {hour}"
        else:
            # Binomial standard error of a share estimated from `total` contacts.
            se = math.sqrt(expected[hour] * (1 - expected[hour]) / total)
            assert abs(shares[hour] - expected[hour]) <= 5 * se


def test_local_pieces_cover_the_day_across_a_dst_change() -> None:
    zone = zoneinfo.ZoneInfo("America/New_York")
    start = dt.date(2027, 3, 1)
    # 2027-03-14 02:00 local: clocks spring forward; that local day has 23 hours.
    day = (dt.date(2027, 3, 14) - start).days
    for d in (day, day + 1):
        pieces = local_pieces(start, zone, d)
        assert pieces[0].start_minute == d * 1440
        assert pieces[-1].end_minute == (d + 1) * 1440
        assert all(a.end_minute == b.start_minute for a, b in itertools.pairwise(pieces))
    hours = [p.hour for d in (day, day + 1) for p in local_pieces(start, zone, d)
             if p.weekday == 6]
    assert 2 not in hours  # the skipped hour never occurs
    assert len(hours) == 23


@pytest.mark.parametrize("timezone", ["UTC", "America/New_York", "Asia/Kathmandu",
                                      "Australia/Lord_Howe", "America/St_Johns"])
def test_local_pieces_are_the_quarter_hours_of_each_local_hour(timezone: str) -> None:
    # Every quarter hour of the UTC day converted through the zone database, then merged by
    # local date and hour: days with and without a clock change (Lord Howe's is half an hour).
    zone = zoneinfo.ZoneInfo(timezone)
    start = dt.date(2027, 1, 4)
    for day in range(365):
        origin = dt.datetime(2027, 1, 4, tzinfo=dt.UTC) + dt.timedelta(days=day)
        quarters = [(origin + dt.timedelta(minutes=15 * q)).astimezone(zone) for q in range(96)]
        expected = [(day * 1440 + 15 * q, local.date(), local.hour)
                    for q, local in enumerate(quarters)
                    if q == 0 or (local.date(), local.hour) != (quarters[q - 1].date(),
                                                                 quarters[q - 1].hour)]
        pieces = local_pieces(start, zone, day)
        assert [(p.start_minute, p.date, p.hour) for p in pieces] == expected
        assert [p.end_minute for p in pieces] == [p.start_minute for p in pieces[1:]] + [
            (day + 1) * 1440]


def test_half_hour_offsets_are_honoured() -> None:
    pieces = local_pieces(dt.date(2027, 1, 4), zoneinfo.ZoneInfo("Asia/Kolkata"), 0)
    # UTC midnight is 05:30 in India: the first piece is the second half of local hour 5.
    assert (pieces[0].hour, pieces[0].end_minute - pieces[0].start_minute) == (5, 30)
    assert np.all(np.diff([p.start_minute for p in pieces]) > 0)


@pytest.mark.parametrize("step", [15.0, 30.0, 60.0, 1440.0, 7.0, 32.0])
def test_whole_steps_are_the_floor_of_the_quotient_even_next_to_a_boundary(step: float) -> None:
    # The interval, half hour or day a minute falls in: a minute one unit in the last place
    # below a boundary belongs to the step before it, whatever division rounds to.
    # (Zero is left out: the minute just below it is subnormal, which no clock minute is.)
    multiples = np.concatenate((np.arange(-5000, 0), np.arange(1, 5000),
                                np.random.default_rng(2).integers(-2**40, 2**40, 5000)))
    on = multiples * step
    minutes = np.concatenate((on, np.nextafter(on, np.inf), np.nextafter(on, -np.inf)))
    expected = np.concatenate((multiples, multiples, multiples - 1))
    np.testing.assert_array_equal(whole_steps(minutes, step), expected)
    np.testing.assert_array_equal(whole_steps(minutes, step),
                                  np.floor_divide(minutes, step).astype(np.int64))


def test_nothing_arrives_after_the_horizon() -> None:
    results = cxsim.run(_profiled("UTC", 2.5), reps=1, seed=4)
    table = results.contacts_by_interval
    assert table["interval"].max() == 2.5 * 48 - 1
    assert table["offered"].sum() > 0
