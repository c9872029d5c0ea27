"""The example scenarios/two_nodes.yaml held to numbers with reasons of their own: accounting
identities, queueing theory (Erlang's loss formula), the transit distribution after the cut-off
wait, and paired comparisons with common random numbers. Runs are shortened by overrides."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import cxsim
from tests.support import assert_matches_theory, half_width

EXAMPLE = Path(__file__).resolve().parent.parent / "scenarios" / "two_nodes.yaml"
SHORT = ("horizon_days=90", "warmup_days=20")


def load(*overrides: str) -> cxsim.Scenario:
    return cxsim.load_scenario(EXAMPLE, list(overrides))


def kpi(results: cxsim.Results, scope: str, kpi: str, region: str, channel: str) -> np.ndarray:
    runs = results.runs
    rows = runs[(runs["scope"] == scope) & (runs["kpi"] == kpi) & (runs["region"] == region)
                & (runs["channel"] == channel)]
    assert len(rows) == results.reps, (scope, kpi, region, channel)
    return rows.sort_values("rep")["value"].to_numpy(dtype=float)


@pytest.fixture(scope="module")
def example() -> cxsim.Results:
    return cxsim.run(load(*SHORT), reps=4, seed=71)


# --- Accounting: every order and every unit is somewhere ----------------------------------------

def test_every_order_ends_in_exactly_one_state(example: cxsim.Results) -> None:
    rows = example.orders_by_day
    assert rows["orders"].sum() > 0
    # Per region, sales channel, product, day and replication, not only in total.
    pd.testing.assert_series_equal(
        rows["units"], rows["units_from_stock"] + rows["units_next_node"]
        + rows["units_backordered"] + rows["units_lost"], check_names=False)
    pd.testing.assert_series_equal(
        rows["orders"], rows["shipped"] + rows["orders_lost"] + rows["backordered_at_end"],
        check_names=False)
    pd.testing.assert_series_equal(rows["shipped"], rows["delivered"] + rows["in_transit_at_end"],
                                   check_names=False)
    pd.testing.assert_series_equal(rows["promised"], rows["on_time"] + rows["late"],
                                   check_names=False)
    assert (rows["promised"] <= rows["shipped"]).all()
    # Nothing is lost: both nodes backorder or pass shortages on.
    assert rows["units_lost"].sum() == rows["orders_lost"].sum() == 0


def initial_stock(scenario: cxsim.Scenario, node: str, product: str, pool: str) -> int:
    """Units on hand at the start: the policy's order-up-to level unless ``initial`` says
    otherwise, times the pool's allocation share (README, ``nodes.<n>.stock.<p>``)."""
    item = scenario.nodes[node].stock[product]
    start = item.initial if item.initial is not None else item.policy.target
    share = 1.0 if pool == "*" else (item.allocation or {})[pool]
    assert float(start * share).is_integer()  # no rounding question in this example
    return int(start * share)


def test_stock_adds_up_at_every_node_product_and_pool(example: cxsim.Results) -> None:
    stock = example.inventory_by_day
    pools = {(node, product, pool) for node, product, pool
             in stock[["node", "product", "pool"]].itertuples(index=False)}
    assert pools == {("ca_3pl", p, c) for p in ("widget", "gadget") for c in ("web", "marketplace")
                     } | {("us_fc", "widget", "*"), ("us_fc", "gadget", "*")}
    for (_, node, product, pool), days in stock.groupby(["rep", "node", "product", "pool"]):
        days = days.sort_values("date")
        flows = (days["receipts"] + days["returned"] - days["shipments"]).cumsum()
        start = initial_stock(example.scenario, node, product, pool)
        assert (start + flows == days["on_hand_end"]).all(), (node, product, pool)
        assert (days["on_hand_end"] >= 0).all()


def test_orders_and_stock_tables_agree(example: cxsim.Results) -> None:
    orders = example.orders_by_day.groupby(["rep", "region"]).sum(numeric_only=True)
    stock = example.inventory_by_day.groupby(["rep", "node"]).sum(numeric_only=True)
    for rep in range(example.reps):
        # Each region's orders ask their first node (Canada's 3PL, the US warehouse) first.
        for region, node in (("ca", "ca_3pl"), ("us", "us_fc")):
            assert stock.loc[(rep, node), "units_demanded"] == orders.loc[(rep, region), "units"]
            assert (stock.loc[(rep, node), "units_filled"]
                    == orders.loc[(rep, region), "units_from_stock"])
        # Shipped units: those filled at once or from the next node, plus backorders filled
        # later; at most every unit ordered.
        shipped = stock.xs(rep)["shipments"].sum()
        ordered = orders.xs(rep)
        at_once = ordered["units_from_stock"].sum() + ordered["units_next_node"].sum()
        assert at_once <= shipped <= ordered["units"].sum()
        if ordered["backordered_at_end"].sum() == 0:
            assert shipped == ordered["units"].sum()


def test_shipping_and_holding_cost_are_counts_times_prices(example: cxsim.Results) -> None:
    scenario = example.scenario
    counted = example.orders_by_day[example.orders_by_day["counted"]]
    stock = example.inventory_by_day[example.inventory_by_day["counted"]]
    holding_price = {(node, product): item.holding_cost_per_unit_day
                     for node, spec in scenario.nodes.items()
                     for product, item in spec.stock.items()}
    for rep in range(example.reps):
        total = 0.0
        for region in ("us", "ca"):
            carrier = scenario.regions[region].carrier
            assert carrier is not None
            shipped = counted[(counted["rep"] == rep) & (counted["region"] == region)]
            expected = shipped["shipped"].sum() * carrier.cost_per_order
            assert kpi(example, "cost", "shipping", region, "*")[rep] == pytest.approx(expected,
                                                                                      rel=1e-12)
            total += expected
        assert kpi(example, "cost", "shipping", "*", "*")[rep] == pytest.approx(total, rel=1e-12)
        # Holding: unit-days on hand times the item's price, booked where the node is.
        for node, region in (("ca_3pl", "ca"), ("us_fc", "us")):
            here = stock[(stock["rep"] == rep) & (stock["node"] == node)]
            expected = sum(holding_price[node, product] * minutes / 1440
                           for product, minutes in
                           here.groupby("product")["on_hand_minutes"].sum().items())
            assert kpi(example, "cost", "holding", region, "*")[rep] == pytest.approx(
                expected, rel=1e-9)


# --- Policies: what each replenishment order must be --------------------------------------------

def test_replenishment_lots_follow_the_us_policies(example: cxsim.Results) -> None:
    stock = example.inventory_by_day
    us = stock[stock["node"] == "us_fc"]
    widget = us[us["product"] == "widget"]
    gadget = us[us["product"] == "gadget"]
    assert widget["receipts"].sum() > 0 and gadget["receipts"].sum() > 0
    # (r, Q) = (700, 400): one unit per widget order, so the position falls to r exactly and
    # every lot is Q; a day's receipts are whole lots.
    assert (widget["receipts"] % 400 == 0).all()
    # (s, S) = (650, 950): a gadget order takes at most 3 units, so the position at an order is
    # 648 to 650 and each lot 300 to 302 units; a day's receipts are k such lots.
    lots = gadget["receipts"] // 300
    assert ((gadget["receipts"] - 300 * lots) <= 2 * lots).all()
    # Lots received were ordered first.
    for product, rows in (("widget", widget), ("gadget", gadget)):
        per_rep = rows.groupby("rep")[["receipts", "replenishments"]].sum()
        smallest = 400 if product == "widget" else 300
        assert (per_rep["receipts"] <= per_rep["replenishments"] * (smallest + 2)).all()


# --- Delivery promises --------------------------------------------------------------------------

def test_the_two_day_marketplace_promise_is_kept_less_often(example: cxsim.Results) -> None:
    # The same parcels from the same nodes, judged against an earlier deadline (2 days against
    # 3, in hours in the US and in business days in Canada): paired across replications.
    for region in ("us", "ca"):
        web = kpi(example, "orders", "on_time_rate", region, "web")
        market = kpi(example, "orders", "on_time_rate", region, "marketplace")
        difference = web - market
        assert difference.mean() - half_width(difference) > 0, region


# The US carrier: lognormal transit with mean 2 days and cv 0.4.
_SIGMA2 = math.log(1 + 0.4**2)
US_TRANSIT = stats.lognorm(math.sqrt(_SIGMA2), scale=math.exp(math.log(2) - _SIGMA2 / 2))
US_WEEKDAY_FACTORS = (1.1, 1.05, 1.0, 1.0, 1.0, 0.95, 0.9)


def _wait_for_cutoff(weekday: int, minute: np.ndarray) -> np.ndarray:
    """Minutes from an order at local ``minute`` of ``weekday`` (0 is Monday) until the US
    warehouse ships it: at 15:00 on Monday to Saturday, the same day if ordered before then."""
    cutoff = 15 * 60
    ahead = np.where(minute < cutoff, 0, 1) if weekday < 6 else np.ones_like(minute, dtype=int)
    ahead = np.where((weekday + ahead) % 7 == 6, ahead + 1, ahead)  # no shipping on Sunday
    return ahead * 1440 + cutoff - minute


def us_on_time_rate(promise_days: float) -> float:
    """Share of US orders delivered within ``promise_days`` x 24 hours when they ship at the
    first cut-off: orders arrive uniformly through each local day in proportion to its weekday
    factor, and the transit must fit in what the cut-off wait leaves of the promise."""
    minutes = np.arange(1440) + 0.5
    on_time = [US_TRANSIT.cdf((promise_days * 1440 - _wait_for_cutoff(day, minutes)) / 1440)
               .mean() for day in range(7)]
    return float(np.average(on_time, weights=US_WEEKDAY_FACTORS))


def test_with_stock_to_spare_us_on_time_is_the_transit_after_the_cutoff_wait() -> None:
    # Ample stock at the US warehouse removes waiting for stock; the counted days (from
    # 21 March) have no clock change in New York.
    ample = [f"nodes.us_fc.stock.{p}.policy={{kind: base_stock, level: 1000000}}"
             for p in ("widget", "gadget")]
    results = cxsim.run(load(*SHORT, *ample), reps=8, seed=72)
    assert (kpi(results, "orders", "fill_rate", "us", "*") == 1).all()
    for channel, promise_days in (("web", 3), ("marketplace", 2)):
        assert_matches_theory(kpi(results, "orders", "on_time_rate", "us", channel),
                              us_on_time_rate(promise_days), max_relative_half_width=0.06)


# --- Pooling Canada's stock ---------------------------------------------------------------------

# Canada's 3PL serves Canada alone. With no US orders the US warehouse, its fallback, never runs
# short, so every widget unit the 3PL lacks goes there and is lost to the 3PL's own stock: each
# pool is an Erlang loss system, whatever the lead-time distribution (Palm's theorem). Growth is
# set to 0 so that Canada's orders are a Poisson process of constant rate.
CANADA = ("regions.us.demand.orders_per_day=0", "regions.ca.demand.growth_pct_per_year=0")
POOLED = tuple(f"nodes.ca_3pl.stock.{p}.allocation=null" for p in ("widget", "gadget"))
CA_WIDGETS_PER_DAY = 40 * 0.7  # Canada's orders a day x the widget's share of orders, one unit
CA_LEAD_DAYS = 8.0  # mean of the widget's gamma lead time


@pytest.fixture(scope="module")
def split_and_pooled() -> tuple[cxsim.Results, cxsim.Results]:
    # The same seed for both: common random numbers, so the comparison is paired.
    return (cxsim.run(load(*CANADA), reps=20, seed=73),
            cxsim.run(load(*CANADA, *POOLED), reps=20, seed=73))


def erlang_b(servers: int, load: float) -> float:
    blocked = 1.0
    for n in range(1, servers + 1):
        blocked = load * blocked / (n + load * blocked)
    return blocked


def test_pooling_canadas_stock_raises_its_fill_rate(
    split_and_pooled: tuple[cxsim.Results, cxsim.Results],
) -> None:
    split, pooled = split_and_pooled
    gain = (kpi(pooled, "inventory", "fill_rate", "ca_3pl", "*")
            - kpi(split, "inventory", "fill_rate", "ca_3pl", "*"))
    assert gain.mean() - half_width(gain) > 0


def pool_fill_rate(results: cxsim.Results, pool: str) -> np.ndarray:
    stock = results.inventory_by_day
    rows = stock[stock["counted"] & (stock["node"] == "ca_3pl") & (stock["product"] == "widget")
                 & (stock["pool"] == pool)].groupby("rep")[["units_filled", "units_demanded"]].sum()
    return (rows["units_filled"] / rows["units_demanded"]).to_numpy(dtype=float)


def test_canadas_widget_pools_lose_what_erlang_b_says(
    split_and_pooled: tuple[cxsim.Results, cxsim.Results],
) -> None:
    split, pooled = split_and_pooled
    # Split: 60% of 260 units for 60% of the orders, 40% for 40%; pooled: 260 for all.
    for results, pool, share in ((split, "web", 0.6), (split, "marketplace", 0.4),
                                 (pooled, "*", 1.0)):
        level = round(260 * share)
        offered = CA_WIDGETS_PER_DAY * share * CA_LEAD_DAYS
        assert_matches_theory(pool_fill_rate(results, pool), 1 - erlang_b(level, offered),
                              max_relative_half_width=0.015)
