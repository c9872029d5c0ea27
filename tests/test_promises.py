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
