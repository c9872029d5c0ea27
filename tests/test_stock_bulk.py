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
