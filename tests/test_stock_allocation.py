"""Stock split between sales channels: a channel left out of a node's allocation has no stock
there, so every unit it sells is ordered then and waits a whole lead time."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import cxsim

LEAD, TRANSIT = 5.0, 1.0


def one_node(policy: dict[str, Any], allocation: dict[str, float]) -> cxsim.Scenario:
    """Web and marketplace orders on one node whose stock is allocated to ``allocation``."""
    return cxsim.parse_scenario({
        "name": "allocation",
        "start_date": "2027-01-04",
        "horizon_days": 60,
        "warmup_days": 10,
        "regions": {"us": {
            "timezone": "UTC",
            "demand": {"orders_per_day": 20, "channel_shares": {"web": 0.5, "market": 0.5}},
            "promise_days": 3,
            "carrier": {"transit_days": {"dist": "constant", "value": TRANSIT}},
        }},
        "sales_channels": {"web": {}, "market": {"kind": "marketplace"}},
        "products": {"widget": {}},
        "nodes": {"fc": {"serves": ["us"], "stock": {"widget": {
            "policy": policy,
            "lead_time_days": {"dist": "constant", "value": LEAD},
            "allocation": allocation,
        }}}},
    })


def market_orders(results: cxsim.Results) -> pd.DataFrame:
    orders = results.orders_by_day
    return orders[orders["sales_channel"] == "market"]


def test_a_channel_without_allocation_waits_a_lead_time_for_each_unit() -> None:
    # Base stock of 0 for the marketplace: each unit is ordered when sold and ships when it
    # arrives, LEAD days later; the parcel then takes TRANSIT days. Never sooner, never later.
    results = cxsim.run(one_node({"kind": "base_stock", "level": 200}, {"web": 1.0}), reps=2,
                        seed=61)
    market = market_orders(results)
    assert market["units_from_stock"].sum() == 0
    assert market["units_backordered"].sum() == market["units"].sum() > 0
    delivered = market[market["delivered"] > 0]
    days = delivered["delivery_minutes"] / delivered["delivered"] / 1440
    assert np.allclose(days, LEAD + TRANSIT)
    assert (market["on_time"].sum(), market["late"].sum() > 0) == (0, True)


def test_leaving_a_channel_out_is_a_share_of_zero() -> None:
    written = cxsim.run(one_node({"kind": "base_stock", "level": 200},
                                 {"web": 1.0, "market": 0.0}), reps=2, seed=62)
    left_out = cxsim.run(one_node({"kind": "base_stock", "level": 200}, {"web": 1.0}), reps=2,
                         seed=62)
    pd.testing.assert_frame_equal(written.orders_by_day, left_out.orders_by_day)


@pytest.mark.parametrize("policy", [{"kind": "periodic", "review_days": 7, "order_up_to": 200},
                                    {"kind": "s_S", "s": 100, "S": 200}],
                         ids=["periodic", "s_S"])
def test_a_channel_without_allocation_gets_its_units_under_any_policy(
    policy: dict[str, Any],
) -> None:
    # No stock is kept for the marketplace, so its units wait at least a lead time; under
    # periodic review they wait for the next review too (at most review_days more).
    results = cxsim.run(one_node(policy, {"web": 1.0}), reps=2, seed=63)
    market = market_orders(results)
    delivered = market[market["delivered"] > 0]
    assert delivered["delivered"].sum() > 0.8 * market["orders"].sum()
    days = delivered["delivery_minutes"] / delivered["delivered"] / 1440
    longest = LEAD + TRANSIT + (policy.get("review_days", 0.0))
    assert (days >= LEAD + TRANSIT - 1e-9).all() and (days <= longest + 1e-9).all()
