"""Orders bring contacts: how many, why, and where they go; conservation across the coupling.

Expected values come from the scenario's own probabilities by binomial thinning (a share p of n
orders brings pn contacts, standard deviation sqrt(n p (1 - p))), from closed forms of the
transit distribution, or from the share of contacts by reason retailers report (DESIGN section
1), never from the program's output.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

import cxsim
from cxsim.model import simulate

Z = 4.0  # binomial checks: four standard deviations (about 6e-5 two-sided)
NO_CONTACTS = {
    "product_issue": {"per_order": 0},
    "wismo": {"before_promise": 0, "when_late": 0},
    "stockout": {"per_order": 0},
    "returns": {"per_return": 0},
    "pre_sales": {"per_order": 0},
}
NOW = {"dist": "constant", "value": 0}


def merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in changes.items():
        # A distribution ({dist: ...}) is replaced whole, not merged.
        if isinstance(value, dict) and isinstance(merged.get(key), dict) and "dist" not in value:
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def shop(order_contacts: dict[str, Any] | None = None, **changes: Any) -> cxsim.Scenario:
    """One region on UTC selling one product from one node with ample stock; contacts go to an
    email backlog with ample agents. ``changes`` are merged into the scenario data."""
    data: dict[str, Any] = {
        "name": "orders bring contacts",
        "start_date": "2027-01-04",
        "horizon_days": 60,
        "warmup_days": 5,
        "regions": {"us": {
            "timezone": "UTC",
            "demand": {"orders_per_day": 400},
            "promise_days": 3,
            "carrier": {"transit_days": {"dist": "lognormal", "mean": 2, "cv": 0.4}},
        }},
        "channels": {"email": {"kind": "async",
                               "handle_minutes": {"dist": "exponential", "mean": 5}}},
        "teams": {"agents": {"region": "us", "channels": ["email"], "agents": 40}},
        "products": {"widget": {}},
        "nodes": {"fc": {"serves": ["us"], "stock": {"widget": {
            "policy": {"kind": "base_stock", "level": 100_000},
            "lead_time_days": {"dist": "constant", "value": 5}}}}},
        "order_contacts": merge({"channel_mix": {"email": 1}}, order_contacts or {}),
    }
    return cxsim.parse_scenario(merge(data, changes))


def whole_run(results: cxsim.Results, measure: str, **where: str) -> np.ndarray:
    """A per-day orders measure summed over the whole run (warm-up included), per replication."""
    table = results.orders_by_day
    for column, value in where.items():
        table = table[table[column] == value]
    return table.groupby("rep")[measure].sum().to_numpy(dtype=float)


def within_binomial(count: float, trials: float, share: float) -> bool:
    return abs(count - trials * share) <= Z * math.sqrt(trials * share * (1 - share))


def test_default_reasons_reproduce_the_mix_retailers_report() -> None:
    # A three-day promise kept for about nine orders in ten, a few percent of units backordered
    # and a few returns: about half the contacts report a product problem and about a third ask
    # about shipping or delivery (DESIGN section 1).
    scenario = shop({}, horizon_days=120, warmup_days=20, products={"widget": {
        "return_share": 0.05}}, nodes={"fc": {"stock": {"widget": {
            "policy": {"kind": "base_stock", "level": 2085}}}}})
    results = cxsim.run(scenario, reps=3, seed=4)
    assert 0.94 < results.kpi("fill_rate", scope="orders") < 0.99
    assert 0.85 < results.kpi("on_time_rate", scope="orders") < 0.93
    count = {reason: results.kpi(f"contacts_{reason}") for reason in
             ("product_issue", "wismo", "stockout", "returns", "pre_sales")}
    total = sum(count.values())
    assert 0.40 <= count["product_issue"] / total <= 0.60
    assert 0.25 <= (count["wismo"] + count["stockout"]) / total <= 0.42
    assert (count["returns"] + count["pre_sales"]) / total >= 0.05


def test_late_orders_bring_where_is_my_order_contacts_by_their_share() -> None:
    scenario = shop({"wismo": {"when_late": 0.5, "before_promise": 0, "delay_hours": NOW},
                     **{k: v for k, v in NO_CONTACTS.items() if k != "wismo"}})
    results = cxsim.run(scenario, reps=3, seed=5)
    late, wismo = whole_run(results, "late"), whole_run(results, "wismo_contacts")
    assert (late > 1000).all()
    for count, trials in zip(wismo, late, strict=True):
        assert within_binomial(count, trials, 0.5)
    # Every one of them is a contact with the reason 'wismo' in the contact centre.
    reasons = results.contacts_by_reason.groupby(["rep", "reason"])["contacts"].sum()
    assert reasons.unstack()["wismo"].to_numpy().tolist() == wismo.tolist()


def test_customers_ask_before_the_promise_only_while_the_parcel_is_on_its_way() -> None:
    # Transit is one day and the promise three: a customer asking at a uniform moment before the
    # promise finds the parcel still on its way with probability 1/3.
    scenario = shop({"wismo": {"before_promise": 0.2, "when_late": 0},
                     **{k: v for k, v in NO_CONTACTS.items() if k != "wismo"}},
                    regions={"us": {"carrier": {"transit_days": {"dist": "constant",
                                                                 "value": 1}}}})
    results = cxsim.run(scenario, reps=3, seed=6)
    # Orders of the last day could ask after the horizon: they are left out.
    table = results.orders_by_day
    table = table[table["date"] < table["date"].max()]
    orders = table.groupby("rep")["orders"].sum().to_numpy()
    wismo = table.groupby("rep")["wismo_contacts"].sum().to_numpy()
    for count, trials in zip(wismo, orders, strict=True):
        assert within_binomial(count, trials, 0.2 / 3)
    assert (whole_run(results, "late") == 0).all()


def test_product_issues_by_supplier_and_by_unit() -> None:
    scenario = shop(
        {"product_issue": {"per_unit": 0.1, "by_supplier": {"acme": 0.3},
                           "delay_days": NOW},
         **{k: v for k, v in NO_CONTACTS.items() if k != "product_issue"}},
        products={"widget": {"demand_share": 0.5},
                  "gadget": {"demand_share": 0.5,
                             "units_per_order": {"dist": "constant", "value": 3}}},
        nodes={"fc": {"stock": {
            "widget": {"supplier": "acme"},
            "gadget": {"policy": {"kind": "base_stock", "level": 100_000},
                       "lead_time_days": {"dist": "constant", "value": 5},
                       "supplier": "globex"}}}},
    )
    results = cxsim.run(scenario, reps=2, seed=7)
    # acme's widgets: 0.3 per unit, one unit an order; globex's gadgets: 1 - 0.9^3 per order.
    for product, share in (("widget", 0.3), ("gadget", 1 - 0.9**3)):
        delivered = whole_run(results, "delivered", product=product)
        issues = whole_run(results, "product_issue_contacts", product=product)
        for count, trials in zip(issues, delivered, strict=True):
            assert within_binomial(count, trials, share), product
    # The same contacts are counted on the stock they came from (the supplier's).
    stock = results.inventory_by_day.groupby(["rep", "product"])["product_issue_contacts"].sum()
    orders = results.orders_by_day.groupby(["rep", "product"])["product_issue_contacts"].sum()
    pd.testing.assert_series_equal(stock, orders)
    rates = results.summary.set_index(["scope", "region", "channel", "kpi"])["mean"]
    assert rates["inventory", "fc", "widget", "product_issue_rate"] > rates[
        "inventory", "fc", "gadget", "product_issue_rate"]


@pytest.mark.parametrize("on_stockout", ["backorder", "lost"])
def test_every_order_short_of_stock_asks_when_all_do(on_stockout: str) -> None:
    # Unit orders from a small base stock: each order short of stock is one backordered or lost
    # unit, and with every such customer asking at once the counts agree exactly.
    scenario = shop(
        {"stockout": {"per_order": 1, "delay_hours": NOW},
         **{k: v for k, v in NO_CONTACTS.items() if k != "stockout"}},
        nodes={"fc": {"stock": {"widget": {"policy": {"kind": "base_stock", "level": 1950},
                                           "on_stockout": on_stockout}}}},
    )
    results = cxsim.run(scenario, reps=2, seed=8)
    short = whole_run(results, "units_backordered" if on_stockout == "backorder"
                      else "units_lost")
    assert (short > 100).all()
    assert whole_run(results, "stockout_contacts").tolist() == short.tolist()


def test_pre_sales_questions_and_returns() -> None:
    scenario = shop(
        {"pre_sales": {"per_order": 0.2}, "returns": {"per_return": 1, "delay_days": NOW},
         **{k: v for k, v in NO_CONTACTS.items() if k not in ("pre_sales", "returns")}},
        products={"widget": {"return_share": 0.2}},
    )
    results = cxsim.run(scenario, reps=2, seed=9)
    for count, trials in zip(whole_run(results, "pre_sales_contacts"),
                             whole_run(results, "orders"), strict=True):
        assert within_binomial(count, trials, 0.2)
    assert (whole_run(results, "return_contacts") == whole_run(results, "returns")).all()


def test_every_contact_traces_back_to_an_order_a_forecast_or_a_repeat() -> None:
    scenario = shop(
        {"wismo": {"before_promise": 0.05}},
        channels={"chat": {"kind": "sync", "handle_minutes": {"dist": "exponential", "mean": 8},
                           "patience_minutes": {"dist": "exponential", "mean": 2}}},
        teams={"agents": {"channels": ["email", "chat"], "agents": 12}},
        contact_volume=[{"region": "us", "channel": "chat", "per_hour": 20}],
        reasons={"product_issue": {"first_contact_resolution": 0.7}},
        segments={
            "digital": {"share": 0.6, "channel_mix": {"chat": 0.7, "email": 0.3},
                        "retry": {"probability": 0.6, "switch": {"chat": {"email": 1}}},
                        "chase": {"after_hours": 2, "probability": 0.5,
                                  "channels": {"chat": 1}}},
            "classic": {"share": 0.4, "channel_mix": {"email": 1}},
        },
        regions={"us": {"languages": {"en": 0.7, "es": 0.3}}},
    )
    for rep in range(2):
        record = simulate(scenario, seed=10, replication=rep)
        from_orders = sum(sum(series["from_orders"]) for series in record.queues.values())
        brought = sum(sum(series[measure]) for series in record.orders.values()
                      for measure in ("product_issue_contacts", "wismo_contacts",
                                      "stockout_contacts", "return_contacts",
                                      "pre_sales_contacts"))
        assert from_orders == brought > 1000
        for key, series in record.queues.items():
            came = np.sum([series[m] for m in ("forecast", "from_orders", "retries", "chases",
                                               "follow_ups")], axis=0)
            went = np.sum([series[m] for m in ("deflected", "merged", "unserved", "offered")],
                          axis=0)
            assert (came == went).all(), key
            ended = np.sum([series[m] for m in ("handled", "abandoned", "waiting_at_end")],
                           axis=0)
            assert (np.asarray(series["offered"]) == ended).all(), key
        by_reason = sum(sum(days) for days in record.reasons.values())
        arrived = sum(sum(series["offered"]) + sum(series["deflected"])
                      for series in record.queues.values())
        assert by_reason == arrived
        # Customers write in their region's languages only.
        assert {language for (_, _, language, _) in record.reasons} == {"en", "es"}


def test_a_marketplace_sends_its_buyers_to_its_own_messages() -> None:
    scenario = shop(
        {"wismo": {"before_promise": 0.1}},
        channels={"marketplace_messages": {"kind": "async",
                                           "handle_minutes": {"dist": "exponential",
                                                              "mean": 4}}},
        teams={"agents": {"channels": ["email", "marketplace_messages"]}},
        sales_channels={"amazon": {"kind": "marketplace",
                                   "contact_channels": {"marketplace_messages": 1}}},
        regions={"us": {"demand": {"channel_shares": {"web": 0.5, "amazon": 0.5}}}},
    )
    results = cxsim.run(scenario, reps=1, seed=11)
    by_channel = results.summary.set_index(["scope", "region", "channel", "kpi"])["mean"]
    messages = by_channel["contacts", "us", "marketplace_messages", "offered"]
    email = by_channel["contacts", "us", "email", "offered"]
    # Half the orders are on the marketplace: about as many messages as emails.
    assert messages > 0 and email > 0
    assert abs(messages - email) < Z * math.sqrt(messages + email)


def test_customers_who_bought_write_on_a_channel_open_then_by_their_mix() -> None:
    """Phone open 9-17 on weekdays, chat 8-20 every day (New York), email always: weights 3, 1
    and 1 among the channels open at each contact's moment. Expected shares by the weights of
    the open channels (binomial thinning per interval), not by the program."""
    zone = "America/New_York"
    weekdays = ["mon", "tue", "wed", "thu", "fri"]
    handle = {"dist": "exponential", "mean": 4}
    scenario = shop(
        {"pre_sales": {"per_order": 0.5}, "channel_mix": {"phone": 3, "chat": 1}},
        horizon_days=21,
        regions={"us": {"timezone": zone, "opening_hours": {
            "phone": [{"days": weekdays, "start_hour": 9, "end_hour": 17}],
            "chat": [{"days": [*weekdays, "sat", "sun"], "start_hour": 8, "end_hour": 20}],
        }}},
        channels={"phone": {"kind": "sync", "handle_minutes": handle},
                  "chat": {"kind": "sync", "handle_minutes": handle}},
        teams={"agents": {"channels": ["email", "phone", "chat"], "agents": 80}},
    )
    table = cxsim.run(scenario, reps=1, seed=5).contacts_by_interval
    local = table["start"].dt.tz_convert(zone)
    hour, weekday = local.dt.hour, local.dt.day_of_week
    phone_open = (weekday < 5) & (hour >= 9) & (hour < 17)
    chat_open = (hour >= 8) & (hour < 20)
    # No contact from an order reaches a live channel while it is closed.
    assert table.loc[(table["channel"] == "phone") & ~phone_open, "from_orders"].sum() == 0
    assert table.loc[(table["channel"] == "chat") & ~chat_open, "from_orders"].sum() == 0
    for opened, shares in (
        (phone_open & chat_open, {"phone": 3 / 5, "chat": 1 / 5, "email": 1 / 5}),
        (~phone_open & chat_open, {"phone": 0.0, "chat": 1 / 2, "email": 1 / 2}),
        (~phone_open & ~chat_open, {"phone": 0.0, "chat": 0.0, "email": 1.0}),
    ):
        by_channel = table[opened].groupby("channel")["from_orders"].sum()
        total = float(by_channel.sum())
        assert total > 1000
        for channel, share in shares.items():
            assert within_binomial(float(by_channel.get(channel, 0)), total, share), (
                channel, by_channel.to_dict(), share)


def test_orders_and_their_contacts_are_identical_with_any_number_of_workers(
    tables_equal: Any,
) -> None:
    scenario = shop({}, horizon_days=20, warmup_days=2,
                    regions={"us": {"launch_date": "2027-01-06",
                                    "languages": {"en": 0.6, "es": 0.4}}},
                    nodes={"fc": {"first_inbound": {"ordered": "2027-01-01"}}},
                    segments={"a": {"share": 0.5, "channel_mix": {"email": 1}},
                              "b": {"share": 0.5, "channel_mix": {"email": 1}}})
    serial = cxsim.run(scenario, reps=3, seed=12, workers=1)
    parallel = cxsim.run(scenario, reps=3, seed=12, workers=2)
    tables_equal(serial, parallel)
    assert serial.contacts_by_reason["contacts"].sum() > 0 and not serial.launch.empty
