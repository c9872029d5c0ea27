"""A stock pool served in bulk gives what serving its orders one at a time gives.

The reference below is the textbook procedure, event by event in time order: replenishments due
by an order's moment come in first and fill waiting orders first come, first served; the order
takes what is on hand and waits for the rest; continuous review then looks at the inventory
position (periodic review at its reviews) and each replenishment arrives a lead time later. The
pool must give the same units at once, the same moments each waiting order is filled, the same
levels and the same per-day counts, whatever the stretches it is moved in, with the lead times
drawn in the order the replenishments were placed.
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from collections import deque
from typing import Any

import numpy as np
import pytest

from cxsim.model.calendar import LocalClock
from cxsim.model.draws import DrawBuffer
from cxsim.model.local_dates import LocalDates
from cxsim.model.replenishment import Policy
from cxsim.model.stock import StockPool
from cxsim.scenario.commerce import StockItem

DAY = 1440.0
HORIZON = 12 * DAY
START = dt.date(2027, 1, 4)


def reference(item: StockItem, times: np.ndarray, units: np.ndarray, returns: list[tuple[float,
              int]], leads: np.ndarray, opens: float) -> dict[str, Any]:
    """One event at a time, in time order (stock that comes in at a moment comes first)."""
    policy = Policy(item.policy, 1.0)
    on_hand = item.initial if item.initial is not None else item.policy.target
    on_order = backordered = 0
    arriving: list[tuple[float, int]] = []
    if opens > 0:
        arriving.append((opens, on_hand))
        on_order, on_hand = on_hand, 0
    waiting: deque[list[int]] = deque()
    filled_at: dict[int, float] = {}
    at_once = np.zeros(times.size, dtype=np.int64)
    lead = iter(leads.tolist())
    placed = 0

    def come_in(until: float) -> None:
        nonlocal on_hand, on_order, backordered
        arriving.sort()
        while arriving and arriving[0][0] <= until:
            when, quantity = arriving.pop(0)
            if (when, quantity) in returns_left:
                returns_left.remove((when, quantity))
            else:
                on_order -= quantity
            on_hand += quantity
            while waiting and on_hand:
                give = min(waiting[0][1], on_hand)
                waiting[0][1] -= give
                on_hand -= give
                backordered -= give
                if waiting[0][1] == 0:
                    filled_at[waiting.popleft()[0]] = when

    def check(now: float) -> None:
        nonlocal on_order, placed
        if now < opens or policy.periodic:
            return
        quantity = policy.quantity(on_hand + on_order - backordered)
        if quantity:
            on_order += quantity
            arriving.append((now + next(lead), quantity))
            placed += 1

    returns_left = list(returns)
    events: list[tuple[float, int, Any]] = sorted([(t, 1, i) for i, t in enumerate(times.tolist())]
                    + [(t, 0, -1 - k) for k, (t, _) in enumerate(returns)]
                    + [(max(opens, 0.0), 0, "first")]
                    + ([(policy.review_minutes * k, 2, "review")
                        for k in range(1, math.ceil(HORIZON / policy.review_minutes))]
                       if policy.periodic else []))
    for when, _, what in events:
        if isinstance(what, str):  # the first check, or a review
            come_in(when)
            if what == "review" and when >= opens:
                quantity = policy.review(on_hand + on_order - backordered)
                if quantity:
                    on_order += quantity
                    arriving.append((when + next(lead), quantity))
                    placed += 1
            else:
                check(when)
            continue
        if what < 0:  # a return
            arriving.append(returns[-1 - what])
            come_in(when)
            check(when)
            continue
        come_in(when)
        take = min(int(units[what]), on_hand)
        on_hand -= take
        at_once[what] = take
        if take < units[what]:
            waiting.append([what, int(units[what]) - take])
            backordered += int(units[what]) - take
        else:
            filled_at[what] = when
        check(when)
    come_in(HORIZON)
    return {"at_once": at_once, "filled_at": filled_at, "on_hand": on_hand,
            "on_order": on_order, "backordered": backordered, "placed": placed}


POLICIES = [
    {"kind": "base_stock", "level": 40},
    {"kind": "s_S", "s": 20, "S": 45},
    {"kind": "r_Q", "r": 25, "Q": 12},
    {"kind": "periodic", "review_days": 1.5, "order_up_to": 60},
]


@pytest.mark.parametrize("policy", POLICIES, ids=[p["kind"] for p in POLICIES])
@pytest.mark.parametrize("case", range(6))
def test_a_stretch_in_bulk_is_the_same_as_one_order_at_a_time(policy: dict[str, Any],
                                                              case: int) -> None:
    rng = np.random.default_rng(case)
    item = StockItem.model_validate({
        "policy": policy, "lead_time_days": {"dist": "exponential", "mean": 1.2},
        "initial": int(rng.integers(0, 50))})
    count = int(rng.integers(50, 200))
    times = np.sort(rng.uniform(0, HORIZON, count))
    units = rng.integers(1, 4, count)
    returns = sorted((float(t), int(u)) for t, u in zip(rng.uniform(0, HORIZON, 5),
                                                        rng.integers(1, 5, 5), strict=True))
    leads = rng.exponential(1.2 * DAY, 1000)
    opens = float(rng.choice([0.0, 1.7 * DAY]))
    zone = zoneinfo.ZoneInfo("America/New_York" if case % 2 else "UTC")
    dates = LocalDates(LocalClock(START, zone), START, HORIZON)
    offered = iter([leads])
    pool = StockPool("fc", "widget", "*", item, 1.0,
                     DrawBuffer(lambda size: next(offered)), dates, HORIZON)
    if opens:
        pool.arrives_later(opens)
    # Returns come back during the run, not knowing the stretches.
    pool.returns(np.array([t for t, _ in returns]), np.array([u for _, u in returns]))
    # Stretches of random length, some within a day.
    cuts = np.unique(np.concatenate((np.sort(rng.uniform(0, HORIZON, 15)), [HORIZON])))
    at_once = np.zeros(count, dtype=np.int64)
    filled_at = np.full(count, np.inf)
    begin = 0
    for cut in cuts.tolist():
        end = int(np.searchsorted(times, cut, side="left"))
        step = pool.advance(times[begin:end], units[begin:end], np.arange(begin, end), cut)
        at_once[begin:end] = step.at_once
        filled_at[begin:end] = step.filled_at
        filled_at[step.waited_ids] = step.waited_filled_at
        begin = end
    expected = reference(item, times, units, returns, leads, opens)
    assert at_once.tolist() == expected["at_once"].tolist()
    assert {i: t for i, t in enumerate(filled_at.tolist()) if math.isfinite(t)} == \
        expected["filled_at"]
    assert (pool.on_hand, pool.on_order, pool.backordered) == (
        expected["on_hand"], expected["on_order"], expected["backordered"])
    series = pool.record()
    assert series["replenishments"].sum() == expected["placed"]
    # Stock adds up day by day (local days of the node).
    start = item.initial if not opens else 0
    flows = np.cumsum(series["receipts"] + series["returned"] - series["shipments"])
    assert (start + flows == series["on_hand_end"]).all()
    assert series["units_demanded"].sum() == units.sum()
    assert series["units_filled"].sum() == at_once.sum()
    # The levels are integrals over the whole run, day by day.
    assert series["day_minutes"].sum() == HORIZON


def test_an_order_filled_later_the_same_day_ships_the_rest_then() -> None:
    # Lead times of a few hours: stock that runs out comes back within the day, so orders that
    # wait are often filled the same day. Transit is one day: no order reaches its customer
    # sooner than a day after it was placed, and one that waited takes a day after its stock
    # came, so on average it takes longer than a day.
    import cxsim

    scenario = cxsim.parse_scenario({
        "name": "short lead", "start_date": "2027-01-04", "horizon_days": 30,
        "warmup_days": 2,
        "regions": {"us": {"timezone": "UTC", "demand": {"orders_per_day": 200},
                           "promise_days": 3,
                           "carrier": {"transit_days": {"dist": "constant", "value": 1}}}},
        "products": {"widget": {}},
        "nodes": {"fc": {"serves": ["us"], "stock": {"widget": {
            "policy": {"kind": "base_stock", "level": 15},
            "lead_time_days": {"dist": "exponential", "mean": 0.1}}}}},
    })
    orders = cxsim.run(scenario, reps=1, seed=5).orders_by_day
    assert orders["units_backordered"].sum() > 100
    delivered = orders[orders["delivered"] > 0]
    assert (delivered["delivery_minutes"] >= DAY * delivered["delivered"] - 1e-6).all()
    waited = delivered["units_backordered"] > 0
    assert (delivered["delivery_minutes"][waited] > DAY * delivered["delivered"][waited]).all()


@pytest.mark.parametrize("on_stockout", ["backorder", "lost", "next_node"])
def test_every_order_ends_in_one_state_when_stock_comes_and_goes_within_days(
    on_stockout: str,
) -> None:
    # Short, random lead times and small stock at two nodes (the second one abroad, with a
    # cut-off and a daily capacity), multi-unit orders and returns: orders run short, wait,
    # are lost or go to the other node, and are filled within the day or days later.
    import cxsim

    item = {"lead_time_days": {"dist": "exponential", "mean": 0.3}, "on_stockout": on_stockout}
    scenario = cxsim.parse_scenario({
        "name": "churn", "start_date": "2027-01-04", "horizon_days": 40, "warmup_days": 3,
        "regions": {
            "us": {"timezone": "America/New_York",
                   "demand": {"orders_per_day": 150, "channel_shares": {"web": 0.7, "m": 0.3}},
                   "promise_days": 2, "promise_rule": "business_days",
                   "carrier": {"transit_days": {"dist": "lognormal", "mean": 1.5, "cv": 0.5},
                               "customs_days": {"dist": "constant", "value": 1},
                               "return_transit_days": {"dist": "constant", "value": 0.5}}},
            "ca": {"timezone": "America/Toronto"}},
        "sales_channels": {"m": {"kind": "marketplace", "rules": {"ship_within_days": 1},
                                 "contact_channels": {"email": 1}}},
        "channels": {"email": {"kind": "async",
                               "handle_minutes": {"dist": "exponential", "mean": 3}}},
        "teams": {"t": {"region": "us", "channels": ["email"], "agents": 20}},
        "products": {"widget": {"units_per_order": {"dist": "empirical", "values": [1, 2, 3]},
                                "return_share": 0.2}},
        "nodes": {
            "fc": {"serves": ["us"], "stock": {"widget": {
                **item, "policy": {"kind": "s_S", "s": 20, "S": 60},
                "allocation": {"web": 0.7, "m": 0.3}}}},
            "backup": {"serves": ["us"], "located_in": "ca", "cutoff_hour": 15,
                       "capacity_per_day": 60, "stock": {"widget": {
                           **item, "policy": {"kind": "base_stock", "level": 40}}}},
        },
        "order_contacts": {"channel_mix": {"email": 1}},
    })
    results = cxsim.run(scenario, reps=2, seed=6)
    rows = results.orders_by_day
    assert (rows["units_from_stock"] < rows["units"]).any()
    assert ((rows["units_backordered"] + rows["units_lost"] + rows["units_next_node"]) > 0).any()
    assert (rows["units"] == rows["units_from_stock"] + rows["units_next_node"]
            + rows["units_backordered"] + rows["units_lost"]).all()
    assert (rows["orders"] == rows["shipped"] + rows["orders_lost"]
            + rows["backordered_at_end"]).all()
    assert (rows["shipped"] == rows["delivered"] + rows["in_transit_at_end"]).all()
    assert (rows["promised"] == rows["on_time"] + rows["late"]).all()
    assert (rows["shipped_late"] <= rows["ship_due"]).all()
    # Nothing reaches a customer before it was ordered.
    assert (rows["delivery_minutes"] >= 0).all()
    for _, pool in results.inventory_by_day.groupby(["rep", "node", "product", "pool"]):
        pool = pool.sort_values("date")
        flows = (pool["receipts"] + pool["returned"] - pool["shipments"]).cumsum()
        assert (flows.iloc[-1] + pool["on_hand_end"].iloc[0] - flows.iloc[0]
                == pool["on_hand_end"].iloc[-1])
        assert (pool["on_hand_end"].diff().iloc[1:] == (pool["receipts"] + pool["returned"]
                                                         - pool["shipments"]).iloc[1:]).all()
    # Every contact from orders reached the contact centre.
    assert results.contacts_by_interval["from_orders"].sum() == rows[[
        "product_issue_contacts", "wismo_contacts", "stockout_contacts", "return_contacts",
        "pre_sales_contacts"]].to_numpy().sum()
