"""Orders, stock and delivery against inventory theory, conservation and direction of change."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from scipy import integrate, stats

import cxsim
from cxsim.model.metrics import WAIT_BINS, wait_bin, wait_bins
from cxsim.plan import base_stock_fill_rate, lost_sales_fill_rate
from tests.support import assert_matches_theory, half_width

ROOT = Path(__file__).resolve().parent.parent
LAMBDA, LEAD = 20.0, 5.0  # orders (units) a day, lead time in days: lambda L = 100 on order


def commerce(
    policy: dict[str, Any], *, on_stockout: str = "backorder", horizon_days: float = 365,
    lead: dict[str, Any] | None = None, transit: dict[str, Any] | None = None,
    region: dict[str, Any] | None = None, node: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> cxsim.Scenario:
    """One region, one product, one node: the textbook single stock point."""
    data: dict[str, Any] = {
        "name": "stock check",
        "start_date": "2027-01-04",
        "horizon_days": horizon_days,
        "warmup_days": 30,
        "regions": {"us": {
            "timezone": "UTC",
            "demand": {"orders_per_day": LAMBDA},
            "promise_days": 3,
            "carrier": {"transit_days": transit or {"dist": "lognormal", "mean": 2, "cv": 0.4}},
            **(region or {}),
        }},
        "products": {"widget": {}},
        "nodes": {"fc": {
            "serves": ["us"],
            "stock": {"widget": {
                "policy": policy,
                "lead_time_days": lead or {"dist": "constant", "value": LEAD},
                "on_stockout": on_stockout,
            }},
            **(node or {}),
        }},
    }
    data.update(extra or {})
    return cxsim.parse_scenario(data)


def orders_kpi(results: cxsim.Results, kpi: str) -> np.ndarray:
    runs = results.runs
    rows = runs[(runs["scope"] == "orders") & (runs["kpi"] == kpi) & (runs["region"] == "*")
                & (runs["channel"] == "*")]
    return rows.sort_values("rep")["value"].to_numpy(dtype=float)


def inventory_kpi(results: cxsim.Results, kpi: str, node: str = "fc") -> np.ndarray:
    runs = results.runs
    rows = runs[(runs["scope"] == "inventory") & (runs["kpi"] == kpi) & (runs["region"] == node)
                & (runs["channel"] == "*")]
    return rows.sort_values("rep")["value"].to_numpy(dtype=float)


# The smallest commerce scenario of the design document (section 4), verbatim: a contract.
SMALLEST_COMMERCE = """\
name: one stock point
start_date: 2027-01-04
horizon_days: 365
warmup_days: 30
regions:
  us:
    timezone: America/New_York
    demand: {orders_per_day: 20}
    promise_days: 3
    carrier: {transit_days: {dist: lognormal, mean: 2, cv: 0.4}}
products:
  widget: {}
nodes:
  us_fc:
    serves: [us]
    stock:
      widget:
        policy: {kind: base_stock, level: 110}     # reorders on inventory position
        lead_time_days: {dist: constant, value: 5}
        on_stockout: backorder                     # or lost
"""


def test_smallest_commerce_scenario_validates_exactly_as_written() -> None:
    scenario = cxsim.parse_scenario(yaml.safe_load(SMALLEST_COMMERCE))
    item = scenario.nodes["us_fc"].stock["widget"]
    assert (item.policy.kind, item.policy.target, item.on_stockout) == ("base_stock", 110,
                                                                          "backorder")
    assert scenario.regions["us"].demand is not None
    assert scenario.regions["us"].demand.orders_per_day == 20
    assert scenario == cxsim.load_scenario(ROOT / "scenarios" / "one_stock_point.yaml")


@pytest.fixture(scope="module")
def base_stock_run() -> cxsim.Results:
    return cxsim.run(commerce({"kind": "base_stock", "level": 110}), reps=30, seed=31)


def test_base_stock_fill_rate_with_backorders(base_stock_run: cxsim.Results) -> None:
    # Units on order at a demand epoch are Poisson(lambda L): fill = P(Poisson(100) <= 109).
    expected = base_stock_fill_rate(110, LAMBDA, LEAD)
    assert expected == pytest.approx(stats.poisson.cdf(109, 100))
    assert_matches_theory(orders_kpi(base_stock_run, "fill_rate"), expected,
                          max_relative_half_width=0.04)
    assert_matches_theory(inventory_kpi(base_stock_run, "fill_rate"), expected,
                          max_relative_half_width=0.04)


def test_mean_on_order_is_demand_times_lead_time(base_stock_run: cxsim.Results) -> None:
    # Little's law for the pipeline: every unit sold is on order for exactly L days.
    assert_matches_theory(inventory_kpi(base_stock_run, "on_order_mean"), LAMBDA * LEAD,
                          max_relative_half_width=0.02)


def test_mean_on_hand_is_expected_positive_net_stock(base_stock_run: cxsim.Results) -> None:
    # Net stock is S - Poisson(lambda L); on hand is its positive part.
    on_order = stats.poisson(LAMBDA * LEAD)
    expected = sum((110 - k) * on_order.pmf(k) for k in range(110))
    assert_matches_theory(inventory_kpi(base_stock_run, "on_hand_mean"), expected,
                          max_relative_half_width=0.1)


@pytest.mark.parametrize("lead", [{"dist": "constant", "value": LEAD},
                                  {"dist": "lognormal", "mean": LEAD, "cv": 0.5}],
                         ids=["constant lead time", "lognormal lead time"])
def test_lost_sales_fill_rate_is_erlang_b(lead: dict[str, Any]) -> None:
    # Palm's theorem: an Erlang loss system with S servers, insensitive to the lead-time
    # distribution beyond its mean.
    results = cxsim.run(commerce({"kind": "base_stock", "level": 105}, on_stockout="lost",
                                 lead=lead), reps=20, seed=32)
    expected = lost_sales_fill_rate(105, LAMBDA, LEAD)
    assert_matches_theory(orders_kpi(results, "fill_rate"), expected,
                          max_relative_half_width=0.01)
    assert_matches_theory(orders_kpi(results, "lost_rate"), 1 - expected,
                          max_relative_half_width=0.25)


def _r_q_fill_rate(r: int, q: int) -> float:
    """Continuous review (r, Q), unit Poisson demand, constant lead time, backorders: the
    inventory position is uniform on r+1..r+Q, and a unit is filled when fewer than IP units
    were demanded over the lead time."""
    on_order = stats.poisson(LAMBDA * LEAD)
    return float(np.mean([on_order.cdf(y - 1) for y in range(r + 1, r + q + 1)]))


@pytest.mark.parametrize("policy", [{"kind": "r_Q", "r": 95, "Q": 30},
                                    {"kind": "s_S", "s": 95, "S": 125}],
                         ids=["r_Q", "s_S with unit demand"])
def test_reorder_point_policies_match_the_exact_fill_rate(policy: dict[str, Any]) -> None:
    # With one unit per order the position falls one at a time, so (s, S) orders S - s exactly
    # when it reaches s: the same as (r = s, Q = S - s).
    results = cxsim.run(commerce(policy), reps=20, seed=33)
    assert_matches_theory(orders_kpi(results, "fill_rate"), _r_q_fill_rate(95, 30),
                          max_relative_half_width=0.04)


def test_periodic_review_matches_the_exact_fill_rate() -> None:
    # Every R days order up to T: u days into a review period, the units demanded since the
    # order that has arrived by then number Poisson(lambda (L + u)); a unit demanded then is
    # filled when fewer than T were. Averaged over u uniform on [0, R).
    review, target = 7.0, 260
    results = cxsim.run(commerce({"kind": "periodic", "review_days": review,
                                  "order_up_to": target}), reps=20, seed=34)
    expected = integrate.quad(
        lambda u: stats.poisson.cdf(target - 1, LAMBDA * (LEAD + u)), 0, review)[0] / review
    assert_matches_theory(orders_kpi(results, "fill_rate"), expected,
                          max_relative_half_width=0.04)


def test_with_ample_stock_on_time_share_is_the_transit_cdf() -> None:
    results = cxsim.run(commerce({"kind": "base_stock", "level": 10_000}), reps=10, seed=35)
    sigma2 = math.log(1 + 0.4**2)
    mu = math.log(2) - sigma2 / 2
    transit = stats.lognorm(math.sqrt(sigma2), scale=math.exp(mu))
    assert_matches_theory(orders_kpi(results, "on_time_rate"), float(transit.cdf(3)),
                          max_relative_half_width=0.01)
    median = float(transit.median())
    assert_matches_theory(orders_kpi(results, "delivery_days_p50"), median,
                          max_relative_half_width=0.02, bias_bound=0.01 * median)
    assert (orders_kpi(results, "fill_rate") == 1).all()


def test_stock_and_orders_are_conserved(base_stock_run: cxsim.Results) -> None:
    stock = base_stock_run.inventory_by_day
    for _, pool in stock.groupby(["rep", "node", "product", "pool"]):
        pool = pool.sort_values("date")
        flows = (pool["receipts"] + pool["returned"] - pool["shipments"]).cumsum()
        start = 110
        assert (start + flows == pool["on_hand_end"]).all()
    orders = base_stock_run.orders_by_day.groupby("rep").sum(numeric_only=True)
    assert (orders["units"] == orders["units_from_stock"] + orders["units_next_node"]
            + orders["units_backordered"] + orders["units_lost"]).all()
    assert (orders["orders"] == orders["shipped"] + orders["orders_lost"]
            + orders["backordered_at_end"]).all()
    assert (orders["shipped"] == orders["delivered"] + orders["in_transit_at_end"]).all()
    assert (orders["promised"] == orders["on_time"] + orders["late"]).all()
    assert (orders["promised"] <= orders["shipped"]).all()


def test_nothing_is_ordered_before_launch_and_the_ramp_builds_up() -> None:
    scenario = commerce({"kind": "base_stock", "level": 10_000}, horizon_days=120, region={
        "launch_date": "2027-02-01",
        "demand": {"orders_per_day": 100, "ramp": {"kind": "linear", "days": 30}},
    })
    results = cxsim.run(scenario, reps=3, seed=36)
    daily = results.orders_by_day.groupby("date")["orders"].mean()
    launch = (np.datetime64("2027-02-01") - np.datetime64("2027-01-04")).astype(int)
    assert (daily.iloc[:launch] == 0).all()
    early, late = daily.iloc[launch:launch + 10].mean(), daily.iloc[launch + 40:].mean()
    # Linear ramp: the first ten days average 1/6 of steady state (days 0.5 to 9.5 of 30).
    assert abs(early - 100 / 6) < 4 * math.sqrt(100 / 6 / 30)
    assert abs(late - 100) < 4 * math.sqrt(100 / (3 * len(daily.iloc[launch + 40:])))


def test_pooled_stock_fills_at_least_as_well_as_split_stock() -> None:
    two_channels = {"sales_channels": {"web": {}, "market": {"kind": "marketplace"}}}
    demand = {"demand": {"orders_per_day": LAMBDA, "channel_shares": {"web": 0.5, "market": 0.5}}}
    pooled = commerce({"kind": "base_stock", "level": 110}, region=demand, extra=two_channels)
    split_data = pooled.model_dump()
    split_data["nodes"]["fc"]["stock"]["widget"]["allocation"] = {"web": 0.5, "market": 0.5}
    split = cxsim.parse_scenario(split_data)
    a = orders_kpi(cxsim.run(pooled, reps=10, seed=37), "fill_rate")
    b = orders_kpi(cxsim.run(split, reps=10, seed=37), "fill_rate")
    difference = a - b
    assert difference.mean() - half_width(difference) > 0


def test_next_node_ships_what_the_first_node_lacks_and_customs_slow_it() -> None:
    data = commerce({"kind": "base_stock", "level": 90}, on_stockout="next_node").model_dump()
    data["regions"]["eu"] = {"timezone": "Europe/Berlin"}
    data["regions"]["us"]["carrier"] = {"transit_days": {"dist": "constant", "value": 2},
                                        "customs_days": {"dist": "constant", "value": 3}}
    data["nodes"]["eu_fc"] = {"serves": ["us"], "located_in": "eu", "stock": {"widget": {
        "policy": {"kind": "base_stock", "level": 500},
        "lead_time_days": {"dist": "constant", "value": 5}}}}
    scenario = cxsim.parse_scenario(data)
    results = cxsim.run(scenario, reps=4, seed=38)
    next_node = orders_kpi(results, "next_node_rate")
    fill = orders_kpi(results, "fill_rate")
    assert (next_node > 0.05).all()
    assert np.allclose(fill + next_node, 1.0)  # nothing backordered: the second node has it all
    # Parcels from the other region take 2 + 3 days: the 95th percentile is 5 days.
    assert np.allclose(orders_kpi(results, "delivery_days_p95"), 5.0, rtol=0.011)


def test_cutoffs_weekends_and_capacity_delay_deliveries() -> None:
    policy = {"kind": "base_stock", "level": 10_000}
    transit = {"dist": "constant", "value": 1}
    at_once = cxsim.run(commerce(policy, transit=transit, horizon_days=120), reps=2, seed=39)
    cutoff = cxsim.run(commerce(policy, transit=transit, horizon_days=120, node={
        "cutoff_hour": 14, "working_days": ["mon", "tue", "wed", "thu", "fri"]}), reps=2, seed=39)
    capped = cxsim.run(commerce(policy, transit=transit, horizon_days=120, node={
        "capacity_per_day": 15}), reps=2, seed=39)
    base = orders_kpi(at_once, "delivery_days_p50")
    # Shipping at once, every parcel takes exactly one day.
    assert np.allclose(base, 1.0, rtol=0.011)
    assert (orders_kpi(cutoff, "delivery_days_p50") > base).all()
    assert (orders_kpi(cutoff, "on_time_rate") < 1).all()
    # 20 orders a day against 15 shipped a day: the backlog, and delivery times, keep growing.
    assert (orders_kpi(capped, "delivery_days_p95") > 20).all()


def test_promise_rules_move_the_deadline() -> None:
    policy = {"kind": "base_stock", "level": 10_000}
    rates = {}
    for rule in ("hours", "end_of_day", "business_days"):
        scenario = commerce(policy, horizon_days=120, region={"promise_days": 2,
                                                              "promise_rule": rule})
        rates[rule] = orders_kpi(cxsim.run(scenario, reps=3, seed=40), "on_time_rate")
    # The end of the second day comes after 48 hours; two business days come later still.
    assert (rates["end_of_day"] > rates["hours"]).all()
    assert (rates["business_days"] >= rates["end_of_day"]).all()


def test_commerce_runs_are_identical_with_any_number_of_workers(tables_equal: Any) -> None:
    scenario = commerce({"kind": "r_Q", "r": 95, "Q": 30}, horizon_days=60)
    tables_equal(cxsim.run(scenario, reps=3, seed=41, workers=1),
                 cxsim.run(scenario, reps=3, seed=41, workers=2))


@pytest.mark.parametrize(("change", "expected"), [
    (lambda d: d["nodes"]["fc"]["stock"]["widget"].update(policy={"kind": "s_S", "s": 9, "S": 9}),
     "nodes.fc.stock.widget.policy.S: 9 is not above s 9 (S > s)"),
    (lambda d: d["nodes"]["fc"]["stock"]["widget"].update(policy={"kind": "min_max"}),
     "nodes.fc.stock.widget.policy.kind: 'min_max' is not known (one of: base_stock, s_S, r_Q, "
     "periodic)"),
    (lambda d: d["nodes"]["fc"]["stock"]["widget"].update(on_stockout="wait"),
     "nodes.fc.stock.widget.on_stockout: 'wait' is not allowed (one of backorder, lost, "
     "next_node)"),
    (lambda d: d["regions"]["us"].pop("carrier"),
     "regions.us.carrier: is missing: orders need a carrier (carrier: {transit_days: {dist: ..., "
     "...}})"),
    (lambda d: d["nodes"]["fc"].update(serves=["eu"]),
     "nodes.fc.serves.0: unknown region 'eu' (one of: us)"),
    (lambda d: d["nodes"]["fc"]["stock"].update(gadget=d["nodes"]["fc"]["stock"]["widget"]),
     "nodes.fc.stock.gadget: unknown product 'gadget' (did you mean 'widget'? one of: widget)"),
    (lambda d: d["regions"]["us"].update(promise_rule="business_days", promise_days=2.5),
     "regions.us.promise_days: 2.5 is not a whole number of days (whole days with promise_rule "
     "business_days)"),
])
def test_bad_commerce_input_names_the_field(change: Any, expected: str) -> None:
    data = commerce({"kind": "base_stock", "level": 110}).model_dump(mode="json")
    change(data)
    with pytest.raises(cxsim.ScenarioError) as error:
        cxsim.parse_scenario(data)
    assert [str(p) for p in error.value.problems] == [expected]


def test_orders_per_rep_summary_matches_tables(base_stock_run: cxsim.Results) -> None:
    counted = base_stock_run.orders_by_day[base_stock_run.orders_by_day["counted"]]
    totals = counted.groupby("rep")["orders"].sum().to_numpy()
    assert (orders_kpi(base_stock_run, "orders") == totals).all()


def test_returns_come_back_to_stock() -> None:
    # Half of the delivered orders come back after 4 days; stock gains them as returns.
    scenario = commerce({"kind": "base_stock", "level": 10_000}, horizon_days=90, region={
        "carrier": {"transit_days": {"dist": "constant", "value": 1},
                    "return_transit_days": {"dist": "constant", "value": 4}}},
        extra={"products": {"widget": {"return_share": 0.5}}})
    results = cxsim.run(scenario, reps=3, seed=42)
    orders = results.orders_by_day.groupby("rep").sum(numeric_only=True)
    share = orders["returns"] / orders["delivered"]
    bound = 4 * math.sqrt(0.25 / orders["delivered"].min())
    assert (abs(share - 0.5) < bound).all()
    stock = results.inventory_by_day.groupby("rep").sum(numeric_only=True)
    # Returns delivered in the last 5 days come back after the horizon: the rest are in stock.
    late = results.orders_by_day[results.orders_by_day["date"] >= np.datetime64("2027-03-29")]
    in_flight = late.groupby("rep")["returns"].sum()
    assert ((orders["returns"] - stock["returned"]) <= in_flight + 1e-9).all()
    assert (stock["returned"] > 0).all()


def test_units_per_order_and_product_shares() -> None:
    data = commerce({"kind": "base_stock", "level": 10_000}, horizon_days=60).model_dump()
    data["products"] = {
        "widget": {"demand_share": 3, "units_per_order": {"dist": "empirical",
                                                          "values": [1, 2, 3]}},
        "gadget": {"demand_share": 1},
    }
    data["nodes"]["fc"]["stock"]["gadget"] = data["nodes"]["fc"]["stock"]["widget"]
    results = cxsim.run(cxsim.parse_scenario(data), reps=2, seed=43)
    table = results.orders_by_day.groupby("product")[["orders", "units"]].sum()
    total = table["orders"].sum()
    # Orders split 3:1 by demand share (binomial bound); widget orders carry 2 units on average.
    assert abs(table.loc["widget", "orders"] / total - 0.75) < 4 * math.sqrt(0.75 * 0.25 / total)
    assert table.loc["gadget", "units"] == table.loc["gadget", "orders"]
    mean_units = table.loc["widget", "units"] / table.loc["widget", "orders"]
    assert abs(mean_units - 2) < 4 * math.sqrt((2 / 3) / table.loc["widget", "orders"])


def test_a_sales_channel_promise_overrides_the_region() -> None:
    two_channels = {"sales_channels": {"web": {}, "market": {"kind": "marketplace",
                                                              "promise_days": 1.5}}}
    scenario = commerce({"kind": "base_stock", "level": 10_000}, horizon_days=60,
                        transit={"dist": "exponential", "mean": 1.5},
                        region={"demand": {"orders_per_day": LAMBDA,
                                           "channel_shares": {"web": 0.5, "market": 0.5}}},
                        extra=two_channels)
    results = cxsim.run(scenario, reps=4, seed=44)
    runs = results.runs.query("scope == 'orders' and region == 'us' and kpi == 'on_time_rate'")
    rate = runs.groupby("channel")["value"].mean()
    # Exponential transit with mean 1.5 days: on time within 3 days 1 - e^-2, within 1.5 1 - e^-1.
    orders = results.orders_by_day.groupby("sales_channel")["delivered"].sum()
    for channel, days in (("web", 3.0), ("market", 1.5)):
        expected = 1 - math.exp(-days / 1.5)
        bound = 4 * math.sqrt(expected * (1 - expected) / orders[channel])
        assert abs(rate[channel] - expected) < bound


def test_delivery_times_binned_a_day_at_a_time_fall_in_the_bins_of_wait_bin() -> None:
    # Order-to-door minutes are binned with numpy at each day's end; every bin must be the one
    # wait_bin gives, bin edges included.
    rng = np.random.default_rng(45)
    edges = 0.01 * 1.01 ** np.arange(1, WAIT_BINS + 2) / 60  # bin edges, minutes
    waits = np.concatenate([
        rng.lognormal(7.5, 0.5, 100_000), rng.exponential(3.0, 100_000),
        rng.lognormal(0.0, 6.0, 100_000), edges, np.nextafter(edges, 0), np.nextafter(edges, 1e9),
        [0.0, 5e-324, 1e-9, 0.01 / 60, np.nextafter(0.01 / 60, 1), 1e12],
    ]).tolist()
    assert wait_bins(waits).tolist() == [wait_bin(wait) for wait in waits]
    assert wait_bins([]).tolist() == []


def test_orders_and_stock_count_by_local_date() -> None:
    # Orders only on Mondays from 22:00 to 23:00 in New York: 03:00 to 04:00 on Tuesdays UTC.
    # Counted by the local date of the region (orders) and of the node (stock), every order and
    # every unit demanded falls on a Monday; by UTC date they would all fall on Tuesdays.
    profile = [0.0] * 24
    profile[22] = 1.0
    scenario = commerce({"kind": "base_stock", "level": 10_000}, horizon_days=42, region={
        "timezone": "America/New_York",
        "demand": {"orders_per_day": 50, "weekday_factors": [1, 0, 0, 0, 0, 0, 0],
                   "intraday_profile": profile}})
    results = cxsim.run(scenario, reps=1, seed=46)
    orders = results.orders_by_day
    stock = results.inventory_by_day
    assert orders["orders"].sum() > 100
    assert {d.weekday() for d in orders.loc[orders["orders"] > 0, "date"]} == {0}
    assert {d.weekday() for d in stock.loc[stock["units_demanded"] > 0, "date"]} == {0}
    # New York is behind UTC: the run's first hours are the evening of the day before.
    assert orders["date"].min() == dt.date(2027, 1, 3)
    first = stock[stock["date"] == dt.date(2027, 1, 3)]
    assert (first["day_minutes"] == 5 * 60).all()


@pytest.mark.parametrize("spread_days", [1, 3, 9])
def test_a_tally_adds_exactly_what_each_measure_added_on_its_own_would(spread_days: int) -> None:
    # The day's measures are added through one tally of the orders' places in the book; the
    # sums must be those of adding each measure's chosen orders alone, to the last bit, for
    # orders of a day or two and for a set that spans many days (orders that waited long).
    from cxsim.model.ordering import ORDER_MEASURES, OrderBook

    draw = np.random.default_rng(11)
    size = 3000
    routes = draw.integers(0, 4, size)
    days = 20 + draw.integers(0, spread_days, size)
    minutes = draw.lognormal(7, 1, size)
    units = draw.integers(1, 5, size)
    chosen = draw.random(size) < 0.4
    one, other = OrderBook([None] * 4, 40), OrderBook([None] * 4, 40)  # type: ignore[list-item]
    earlier = draw.random(one.values.shape) * 1e4  # the sums land on earlier sums
    one.values[:], other.values[:] = earlier, earlier
    tally = one.tally(routes, days)
    tally.add("orders")
    tally.add("units", values=units)
    tally.add("late", chosen)
    tally.add("delivery_minutes", chosen, minutes)
    tally.add("shipping_cost", values=minutes)
    other.add("orders", routes, days)
    other.add("units", routes, days, units)
    other.add("late", routes[chosen], days[chosen])
    other.add("delivery_minutes", routes[chosen], days[chosen], minutes[chosen])
    other.add("shipping_cost", routes, days, minutes)
    assert one.values.tobytes() == other.values.tobytes()
    # Counted by route and day: every order once, the chosen ones as late.
    for measure, which in (("orders", np.ones(size, dtype=bool)), ("late", chosen)):
        index = ORDER_MEASURES.index(measure)
        counts = np.zeros((4, 40))
        np.add.at(counts, (routes[which], days[which]), 1)
        np.testing.assert_allclose(one.values[:, index] - earlier[:, index], counts, atol=1e-8)
