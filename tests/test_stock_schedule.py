"""A stock item's level planned by date (``schedule``): a planner pre-builds stock before a peak.

Each entry sets the policy's planned parameter (base stock's level, s, r, periodic review's
order-up-to level) from the node's local midnight of its date. Before the first entry the policy
holds as written; an entry at or before the start is the same as writing that level into the
policy; a raised level orders at once (continuous review) and arrives a lead time later; a
lowered one orders nothing until the position falls below it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

import cxsim
from tests.support import cxsim_command

START = dt.date(2027, 1, 4)


def stock_point(policy: dict[str, Any], schedule: list[dict[str, Any]] | None = None, *,
                per_day: float = 20.0, lead_days: float = 2.0, zone: str = "UTC",
                horizon_days: float = 30) -> dict[str, Any]:
    """One region, one node, one product: one unit per order, a constant lead time."""
    item: dict[str, Any] = {"policy": policy,
                            "lead_time_days": {"dist": "constant", "value": lead_days}}
    if schedule is not None:
        item["schedule"] = schedule
    region: dict[str, Any] = {"timezone": zone,
                              "carrier": {"transit_days": {"dist": "constant", "value": 1}}}
    if per_day:
        region["demand"] = {"orders_per_day": per_day}
    return {
        "name": "schedule check", "start_date": str(START), "horizon_days": horizon_days,
        "warmup_days": 0,
        "regions": {"us": region},
        "products": {"widget": {}},
        "nodes": {"fc": {"serves": ["us"], "stock": {"widget": item}}},
    }


def run(spec: dict[str, Any], seed: int = 7, reps: int = 2) -> cxsim.Results:
    return cxsim.run(cxsim.parse_scenario(spec), reps=reps, seed=seed)


def assert_same_runs(one: cxsim.Results, other: cxsim.Results) -> None:
    pd.testing.assert_frame_equal(one.inventory_by_day, other.inventory_by_day)
    pd.testing.assert_frame_equal(one.orders_by_day, other.orders_by_day)
    pd.testing.assert_frame_equal(one.runs, other.runs)


@pytest.mark.parametrize(("policy", "planned", "level"), [
    ({"kind": "base_stock", "level": 40}, "level", 25),
    ({"kind": "r_Q", "r": 30, "Q": 15}, "r", 12),
])
@pytest.mark.parametrize("from_date", ["2026-11-02", str(START)])
def test_a_level_from_the_start_is_the_policy_with_that_level(
    policy: dict[str, Any], planned: str, level: int, from_date: str,
) -> None:
    # The level holds from the first moment on, initial stock included: the same policy as
    # one written with that level, draw for draw. The levels differ enough from the policy's
    # own that ignoring the schedule would show (see the last check).
    scheduled = run(stock_point(policy, [{"from_date": from_date, "level": level}]))
    written = run(stock_point({**policy, planned: level}))
    assert_same_runs(scheduled, written)
    own = run(stock_point(policy))
    assert not own.inventory_by_day["on_hand_end"].equals(written.inventory_by_day["on_hand_end"])


@pytest.mark.parametrize("policy", [
    {"kind": "base_stock", "level": 40},
    {"kind": "s_S", "s": 20, "S": 45},
    {"kind": "r_Q", "r": 25, "Q": 12},
    {"kind": "periodic", "review_days": 1.5, "order_up_to": 60},
], ids=lambda p: p["kind"])
def test_a_schedule_of_the_policys_own_level_changes_nothing(policy: dict[str, Any]) -> None:
    own = {"base_stock": "level", "s_S": "s", "r_Q": "r", "periodic": "order_up_to"}[
        policy["kind"]]
    schedule = [{"from_date": str(START + dt.timedelta(days=d)), "level": policy[own]}
                for d in (0, 5, 11)]
    assert_same_runs(run(stock_point(policy, schedule)), run(stock_point(policy)))


def test_a_raised_base_stock_level_arrives_one_lead_time_after_its_date() -> None:
    # No demand: 10 on hand until the level rises to 25 at 00:00 on 2027-01-10 (UTC). The 15
    # ordered then arrive 3 days later, at 00:00 on 2027-01-13: on hand at the end of
    # 2027-01-12 (stock in at midnight counts in the day it ends), 25 a day from 2027-01-13.
    spec = stock_point({"kind": "base_stock", "level": 10},
                       [{"from_date": "2027-01-10", "level": 25}], per_day=0, lead_days=3,
                       horizon_days=14)
    stock = run(spec, reps=1).inventory_by_day.set_index("date")
    day = dt.date.fromisoformat
    assert stock["replenishments"].sum() == 1
    assert stock.loc[day("2027-01-10"), "replenishments"] == 1
    assert stock["receipts"].sum() == 15
    assert stock.loc[day("2027-01-12"), "receipts"] == 15
    before = stock.index < day("2027-01-12")
    assert (stock.loc[before, "on_hand_end"] == 10).all()
    assert (stock.loc[~before, "on_hand_end"] == 25).all()
    mean = stock["on_hand_minutes"] / stock["day_minutes"]
    assert (mean[stock.index <= day("2027-01-12")] == 10).all()
    assert (mean[stock.index >= day("2027-01-13")] == 25).all()


@pytest.mark.parametrize(("zone", "arrived_by"), [
    # Midnight of 2027-01-10 is 05:00 UTC; the level moves at 00:00 UTC on 2027-01-11, 19:00
    # local on 2027-01-10; the order arrives 3 days later, 19:00 local on 2027-01-13.
    ("America/New_York", "2027-01-13"),
    # Midnight of 2027-01-10 is 15:00 UTC on 2027-01-09; the level moves at 00:00 UTC on
    # 2027-01-10, 09:00 local; the order arrives 09:00 local on 2027-01-13.
    ("Asia/Tokyo", "2027-01-13"),
])
def test_a_raised_level_in_another_zone_orders_on_its_local_date(zone: str,
                                                                 arrived_by: str) -> None:
    # The change falls at the node's local midnight, between two UTC midnights: it takes
    # effect at the next stretch, at the latest the next UTC midnight, still on its local date.
    spec = stock_point({"kind": "base_stock", "level": 10},
                       [{"from_date": "2027-01-10", "level": 25}], per_day=0, lead_days=3,
                       zone=zone, horizon_days=14)
    stock = run(spec, reps=1).inventory_by_day.set_index("date")
    placed = stock.index[stock["replenishments"] > 0]
    assert placed.tolist() == [dt.date.fromisoformat("2027-01-10")]
    ends = stock["on_hand_end"]
    assert (ends[ends.index < dt.date.fromisoformat(arrived_by)] == 10).all()
    assert (ends[ends.index >= dt.date.fromisoformat(arrived_by)] == 25).all()


def test_a_lowered_level_orders_nothing_until_the_position_falls_below_it() -> None:
    # Base stock 30 with one unit per order keeps the position at 30 and orders one unit per
    # unit sold. From 2027-01-10 (UTC) the level is 10: the first 20 units sold after it are
    # not replaced; from the 21st on, each unit sold is replaced again.
    spec = stock_point({"kind": "base_stock", "level": 30},
                       [{"from_date": "2027-01-10", "level": 10}], per_day=6, horizon_days=20)
    for _, stock in run(spec, reps=3).inventory_by_day.groupby("rep"):
        stock = stock.set_index("date")
        sold, placed = stock["units_demanded"], stock["replenishments"]
        after = stock.index >= dt.date.fromisoformat("2027-01-10")
        assert (placed[~after] == sold[~after]).all()
        beyond = np.maximum(sold[after].cumsum() - 20, 0)
        assert sold[after].sum() > 40  # the position does fall below the new level
        assert (placed[after] == beyond.diff().fillna(beyond.iloc[0])).all()
        # The position ends at 10, so no more than that is on hand.
        assert stock["on_hand_end"].iloc[-1] <= 10


def test_a_bad_schedule_names_the_entry_and_field() -> None:
    spec = stock_point({"kind": "base_stock", "level": 10}, [
        {"from_date": "2027-02-01", "level": 20},
        {"from_date": "2027-01-20", "level": 5},
        {"from_date": "2027-03-01", "level": -1},
    ])
    with pytest.raises(cxsim.ScenarioError) as caught:
        cxsim.parse_scenario(spec)
    problems = {p.path: p.message for p in caught.value.problems}
    assert problems == {
        "nodes.fc.stock.widget.schedule.1.from_date":
            "2027-01-20 is not after 2027-02-01 (dates in increasing order)",
        "nodes.fc.stock.widget.schedule.2.level":
            "-1 is too small (a whole number from 0 to 1,000,000,000 for base_stock)",
    }


@pytest.mark.parametrize(("policy", "level", "allowed"), [
    ({"kind": "periodic", "review_days": 7, "order_up_to": 50}, -1, False),
    ({"kind": "periodic", "review_days": 7, "order_up_to": 50}, 0, True),
    ({"kind": "r_Q", "r": 5, "Q": 10}, -1, True),  # reorder only once something waits
    ({"kind": "s_S", "s": 5, "S": 7}, -1, True),  # S = 1
    ({"kind": "s_S", "s": 5, "S": 6}, -1, False),  # S would be 0
    ({"kind": "s_S", "s": 5, "S": 6}, 999_999_999, True),  # S = 1,000,000,000, the most
    ({"kind": "s_S", "s": 5, "S": 7}, 999_999_999, False),
])
def test_each_policy_allows_its_own_levels(policy: dict[str, Any], level: int,
                                          allowed: bool) -> None:
    spec = stock_point(policy, [{"from_date": "2027-02-01", "level": level}])
    if allowed:
        assert cxsim.parse_scenario(spec).nodes["fc"].stock["widget"].level_on(
            dt.date(2027, 2, 1)) == level
        return
    with pytest.raises(cxsim.ScenarioError) as caught:
        cxsim.parse_scenario(spec)
    assert [p.path for p in caught.value.problems] == ["nodes.fc.stock.widget.schedule.0.level"]


def test_level_and_target_in_force_by_date() -> None:
    item = cxsim.parse_scenario(stock_point({"kind": "s_S", "s": 20, "S": 45}, [
        {"from_date": "2027-02-01", "level": 50},
        {"from_date": "2027-03-01", "level": 5},
    ])).nodes["fc"].stock["widget"]
    on = dt.date.fromisoformat
    assert [item.level_on(on(d)) for d in ("2027-01-31", "2027-02-01", "2027-02-28",
                                           "2027-03-01", "2028-01-01")] == [20, 50, 50, 5, 5]
    # S keeps its distance of 25 above s.
    assert [item.target_on(on(d)) for d in ("2027-01-31", "2027-02-01", "2027-03-01")] == [
        45, 75, 30]


def test_validate_rejects_a_bad_schedule_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(stock_point({"kind": "base_stock", "level": 10}, [
        {"from_date": "2027-02-01", "level": 20},
        {"from_date": "2027-02-01", "level": 5},
    ])))
    done = cxsim_command("validate", bad)
    assert done.returncode == 2
    assert ("nodes.fc.stock.widget.schedule.1.from_date: 2027-02-01 is not after 2027-02-01 "
            "(dates in increasing order)") in done.stderr.splitlines()
