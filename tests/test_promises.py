"""A delivery promise per region x sales channel (``regions.<r>.promise_days_by_channel``).

The region's promise for a sales channel comes before the sales channel's promise, which comes
before the region's: a "German amazon" what-if changes German amazon orders and nothing else.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import cxsim
from cxsim.scenario import ScenarioError, load_scenario

ROOT = Path(__file__).resolve().parent.parent
TWO_NODES = ROOT / "scenarios" / "two_nodes.yaml"
EXPANSION = ROOT / "scenarios" / "expansion_eu.yaml"


def test_a_region_s_promise_for_a_channel_comes_first() -> None:
    scenario = load_scenario(EXPANSION, ["regions.de.promise_days_by_channel.amazon=3"])
    assert scenario.promise_days_for("de", "amazon") == 3  # the region's for the channel
    assert scenario.promise_days_for("fr", "amazon") == 2  # the sales channel's
    assert scenario.promise_days_for("de", "web") == 3  # the region's (web sets none)
    assert scenario.promise_days_for("jp", "amazon") == 2
    bare = load_scenario(TWO_NODES, ["regions.us.promise_days=null"])
    assert bare.promise_days_for("us", "web") is None  # no promise anywhere
    assert bare.promise_days_for("us", "marketplace") == 2


def test_the_setting_is_checked_like_every_other() -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(EXPANSION, ["regions.de.promise_days_by_channel={amazn: 3, web: -1}"])
    assert [str(p) for p in caught.value.problems] == [
        "regions.de.promise_days_by_channel.web: -1 is too small (a number from 0 to 365)",
        "regions.de.promise_days_by_channel.amazn: unknown sales channel 'amazn' (did you mean "
        "'amazon'? one of: web, amazon, ebay)",
    ]
    # Germany counts business days: a half day cannot be one.
    with pytest.raises(ScenarioError) as caught:
        load_scenario(EXPANSION, ["regions.de.promise_days_by_channel.amazon=2.5"])
    assert [str(p) for p in caught.value.problems] == [
        "regions.de.promise_days_by_channel.amazon: 2.5 is not a whole number of days (whole "
        "days with promise_rule business_days)"]


def _orders(results: cxsim.Results) -> pd.DataFrame:
    runs = results.runs
    return runs[runs["scope"] == "orders"].set_index(["rep", "region", "channel", "kpi"])["value"]


def test_a_longer_promise_for_one_region_and_channel_changes_only_its_orders() -> None:
    short = ["horizon_days=60", "warmup_days=10"]
    base = cxsim.run(load_scenario(TWO_NODES, short), reps=4, seed=17)
    what_if = cxsim.run(load_scenario(TWO_NODES, [
        *short, "regions.ca.promise_days_by_channel.marketplace=5"]), reps=4, seed=17)
    before, after = _orders(base), _orders(what_if)
    on_time = before.index.get_level_values("kpi") == "on_time_rate"
    here = (before.index.get_level_values("region") == "ca") & (
        before.index.get_level_values("channel") == "marketplace")
    # Five business days instead of two: Canada's marketplace orders arrive on time more often,
    # in every replication (the same orders, judged against a later deadline).
    assert (after[on_time & here] > before[on_time & here]).all()
    # Everything of every other region and sales channel is identical under the same seed
    # (totals over all regions or channels include Canada's marketplace orders).
    elsewhere = ~here & (before.index.get_level_values("region") != "*") & (
        before.index.get_level_values("channel") != "*")
    assert elsewhere.sum() > 0
    pd.testing.assert_series_equal(after[elsewhere], before[elsewhere])
    # The orders themselves are the same ones: only their judging changed.
    orders = before.index.get_level_values("kpi") == "orders"
    pd.testing.assert_series_equal(after[orders], before[orders])


@pytest.mark.parametrize("rule,zone", [("hours", "America/New_York"),
                                       ("end_of_day", "Europe/Berlin"),
                                       ("business_days", "Asia/Kolkata")])
def test_every_candidate_promise_is_judged_as_its_own_deadline_says(rule: str, zone: str) -> None:
    # The counts of the promise curve come from two numbers per order; here they are checked
    # against every deadline of every candidate promise, worked out one by one with ``due``,
    # on orders whose arrival or horizon falls exactly on a deadline.
    import numpy as np

    from cxsim.model.calendar import LocalClock
    from cxsim.model.delivery import PROMISE_DAYS_RECORDED, RegionDelivery
    from cxsim.model.local_dates import LocalDates
    from cxsim.model.ordering import OrderBook

    scenario = load_scenario(TWO_NODES, [f"regions.us.promise_rule={rule}",
                                         f"regions.us.timezone={zone}"])
    spec = scenario.regions["us"]
    horizon = scenario.horizon_minutes
    dates = LocalDates(LocalClock(scenario.start_date, spec.zone), scenario.start_date, horizon)
    delivery = RegionDelivery("us", scenario, lambda name: np.random.default_rng(3), dates)
    draw = np.random.default_rng(5)
    candidates = np.arange(PROMISE_DAYS_RECORDED + 1, dtype=np.float64)
    for day in (0, 12, 40, int(horizon // 1440) - 3):
        placed = np.sort(day * 1440.0 + draw.uniform(0, 1440, 2000))
        arrivals = placed + draw.exponential(3 * 1440, placed.size)
        due = delivery.due(placed, candidates)
        # Arrivals on a deadline of each order's, and (for the hours rule) a deadline on the
        # horizon itself.
        exact = draw.integers(0, PROMISE_DAYS_RECORDED + 1, placed.size)
        on = draw.random(placed.size) < 0.2
        arrivals[on] = due[on, exact[on]]
        if rule == "hours":
            placed[:50] = horizon - exact[:50] * 1440.0
            due = delivery.due(placed, candidates)
        judged, late = delivery.promises_kept(placed, arrivals, horizon)
        columns = np.arange(PROMISE_DAYS_RECORDED + 1)[None, :]
        expected_judged = due <= horizon
        expected_on_time = expected_judged & (arrivals[:, None] <= due)
        assert expected_judged.any() and expected_on_time.any() and (~expected_on_time).any()
        np.testing.assert_array_equal(columns < judged[:, None], expected_judged)
        np.testing.assert_array_equal((columns >= late[:, None]) & expected_judged,
                                      expected_on_time)
        # Summed per route as the promise curve holds them.
        routes = draw.integers(0, 3, placed.size)
        book = OrderBook([None, None, None], 10)  # type: ignore[list-item]
        book.promises_kept(routes, judged, late)
        for route in range(3):
            mine = routes == route
            np.testing.assert_array_equal(book.promises[route, 0],
                                          expected_judged[mine].sum(axis=0))
            np.testing.assert_array_equal(book.promises[route, 1],
                                          expected_on_time[mine].sum(axis=0))
