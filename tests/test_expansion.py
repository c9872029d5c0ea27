"""Marketplace rules, a new node's first stock, what-if switches and the expansion example.

What-if comparisons run both scenarios with the same seed (common random numbers) and test the
paired difference against its confidence interval; sizes come from closed forms (the transit
distribution, Erlang C) or binomial thinning, never from the program's output.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

import cxsim
from cxsim.plan import erlang_c, offered_load
from tests.support import assert_matches_theory, half_width, per_rep
from tests.test_order_contacts import (
    NO_CONTACTS,
    NOW,
    Z,
    merge,
    shop,
    whole_run,
    within_binomial,
)

ROOT = Path(__file__).resolve().parent.parent


def paired(kpi: str, a: cxsim.Results, b: cxsim.Results, region: str = "*",
           channel: str = "*", scope: str | None = None) -> np.ndarray:
    """Per-replication b - a of one KPI (same seed: the same customers in both)."""
    def values(results: cxsim.Results) -> np.ndarray:
        runs = results.runs
        rows = runs[(runs["kpi"] == kpi) & (runs["region"] == region)
                    & (runs["channel"] == channel)]
        if scope is not None:
            rows = rows[rows["scope"] == scope]
        return rows.sort_values("rep")["value"].to_numpy(dtype=float)

    return values(b) - values(a)


def above_zero(difference: np.ndarray) -> bool:
    return bool(difference.mean() - half_width(difference) > 0)


# Marketplace rules.

def test_late_shipments_are_the_orders_waiting_over_a_weekend() -> None:
    # A node that ships Monday to Friday, at once on those days: an order placed on a Saturday
    # leaves more than a day later (Monday 00:00), a Sunday order within a day. With a one-day
    # ship-by rule, the late shipment rate is the share of Saturday orders: 1/7.
    scenario = shop(
        NO_CONTACTS,
        nodes={"fc": {"working_days": ["mon", "tue", "wed", "thu", "fri"]}},
        channels={"marketplace_messages": {"kind": "async",
                                           "handle_minutes": {"dist": "exponential",
                                                              "mean": 4}}},
        teams={"agents": {"channels": ["email", "marketplace_messages"]}},
        sales_channels={"amazon": {"kind": "marketplace",
                                   "contact_channels": {"marketplace_messages": 1},
                                   "rules": {"ship_within_days": 1}}},
        regions={"us": {"demand": {"channel_shares": {"amazon": 1}}}},
    )
    results = cxsim.run(scenario, reps=2, seed=21)
    table = results.orders_by_day
    saturday = np.array([day.weekday() == 5 for day in table["date"]])
    # One day before the horizon every order has its ship-by time due.
    judged = table[table["date"] < table["date"].max()]
    assert (judged["ship_due"] == judged["orders"]).all()
    assert (table["shipped_late"] == table["orders"].where(saturday, 0)).all()
    target = results.targets.set_index(["region", "channel", "kpi"]).loc[
        ("us", "amazon", "late_shipment_rate")]
    assert target["status"] == "missed" and target["limit"] == 0.04


def test_message_responses_in_time_follow_erlang_c() -> None:
    # Buyer messages arrive as a Poisson forecast at 240 an hour on a backlog served by 24
    # agents (5 minutes each): an M/M/24 queue whose first response within t minutes has
    # probability 1 - C exp(-(c mu - lambda) t).
    scenario = shop(
        NO_CONTACTS, horizon_days=6, warmup_days=1,
        channels={"marketplace_messages": {"kind": "async",
                                           "handle_minutes": {"dist": "exponential",
                                                              "mean": 5}}},
        teams={"agents": {"channels": ["marketplace_messages"], "agents": 24}},
        contact_volume=[{"region": "us", "channel": "marketplace_messages", "per_hour": 240}],
        sales_channels={"amazon": {"kind": "marketplace",
                                   "contact_channels": {"marketplace_messages": 1},
                                   "rules": {"respond_within_hours": 0.05}}},
        regions={"us": {"demand": {"channel_shares": {"amazon": 1}}}},
    )
    results = cxsim.run(scenario, reps=12, seed=22)
    load, c, minutes = offered_load(240, 5), 24, 3.0
    expected = 1 - erlang_c(c, load) * math.exp(-(c / 5 - 4) * minutes)
    values = per_rep(results, "responded_in_time", "us", "amazon")
    assert_matches_theory(values, expected, max_relative_half_width=0.03)


# A new node's first stock.

def _new_node(launch: str, lead_days: float) -> cxsim.Scenario:
    return shop(
        NO_CONTACTS, horizon_days=30, warmup_days=0,
        regions={"us": {"launch_date": launch}},
        nodes={"fc": {"first_inbound": {"ordered": "2027-01-04",
                                        "lead_time_days": {"dist": "constant",
                                                           "value": lead_days}},
                      "stock": {"widget": {"policy": {"kind": "base_stock", "level": 6000}}}}},
    )


def test_a_new_node_ships_nothing_until_its_first_stock_arrives() -> None:
    # Orders start on 2027-01-06; the first stock arrives on 2027-01-14 (ten days after it was
    # ordered): every order before it waits for stock, and the stock adds up from zero.
    results = cxsim.run(_new_node("2027-01-06", 10), reps=1, seed=23)
    orders = results.orders_by_day.set_index("date")
    before = orders.loc[dt.date(2027, 1, 6):dt.date(2027, 1, 13)]
    after = orders.loc[dt.date(2027, 1, 15):]
    assert (before["units_from_stock"] == 0).all() and before["orders"].sum() > 0
    assert before["units_backordered"].sum() == before["units"].sum()
    assert (after["units_from_stock"] == after["units"]).all()
    stock = results.inventory_by_day.set_index("date")
    # It arrives at midnight ending 13 January: the stock at the end of that day holds it.
    assert (stock.loc[: dt.date(2027, 1, 12), "on_hand_end"] == 0).all()
    assert stock.loc[dt.date(2027, 1, 13), "receipts"] == 6000
    flows = (stock["receipts"] + stock["returned"] - stock["shipments"]).cumsum()
    assert (flows == stock["on_hand_end"]).all()  # from nothing on hand, day by day
    # Out of stock only once it has had stock: the wait for the first stock is not a stock-out.
    assert results.kpi("stockout_days", "fc", "widget", scope="inventory") == 0


def test_launch_checks_say_whether_the_first_stock_is_in_time() -> None:
    ready = cxsim.run(_new_node("2027-01-20", 10), reps=2, seed=24).launch
    late = cxsim.run(_new_node("2027-01-10", 10), reps=2, seed=24).launch
    ready_row = ready[ready["kind"] == "stock"].iloc[0]
    late_row = late[late["kind"] == "stock"].iloc[0]
    assert (ready_row["status"], ready_row["on_time_share"]) == ("ready", 1.0)
    assert (late_row["status"], late_row["on_time_share"]) == ("late", 0.0)
    # Latest decision: ten days of lead time before the launch.
    assert ready_row["decide_by"] == dt.date(2027, 1, 10)
    assert ready_row["ready_by"] == dt.date(2027, 1, 14)


def test_a_first_stock_late_in_some_replications_is_at_risk() -> None:
    # Gamma lead time of mean 10 days (cv 0.3) against a launch 11 days after ordering: on time
    # with probability P(lead <= 11) = 0.66, so some replications are late.
    scenario = shop(
        NO_CONTACTS, horizon_days=12, warmup_days=0,
        regions={"us": {"launch_date": "2027-01-15", "demand": {"orders_per_day": 20}}},
        nodes={"fc": {"first_inbound": {"ordered": "2027-01-04",
                                        "lead_time_days": {"dist": "gamma", "mean": 10,
                                                           "cv": 0.3}}}},
    )
    reps = 100
    row = cxsim.run(scenario, reps=reps, seed=25).launch.iloc[0]
    shape = 1 / 0.3**2
    p = float(stats.gamma.cdf(11, shape, scale=10 / shape))
    assert row["status"] == "at risk"
    assert abs(row["on_time_share"] - p) <= Z * math.sqrt(p * (1 - p) / reps)
    # The decision date covers the 95th percentile of the lead time.
    lead95 = math.ceil(float(stats.gamma.ppf(0.95, shape, scale=10 / shape)))
    assert row["decide_by"] == dt.date(2027, 1, 15) - dt.timedelta(days=lead95)


# What-if switches.

def _support(order_contacts: dict[str, Any], **changes: Any) -> cxsim.Scenario:
    """Orders whose late parcels bring contacts to a live chat and an email backlog."""
    # A busy chat queue (2 Erlangs of forecast chats for 3 agents, who answer emails when no
    # chat waits): extra contacts show in its service level.
    support: dict[str, Any] = {
        "horizon_days": 30, "warmup_days": 3,
        "channels": {"chat": {"kind": "sync",
                              "handle_minutes": {"dist": "exponential", "mean": 6},
                              "patience_minutes": {"dist": "exponential", "mean": 3}}},
        "contact_volume": [{"region": "us", "channel": "chat", "per_hour": 20}],
        "teams": {"agents": {"channels": ["chat", "email"], "agents": 3, "cost_per_hour": 30}},
    }
    return shop(merge({"channel_mix": {"chat": 0.7, "email": 0.3}}, order_contacts),
                **merge(support, changes))


WISMO_ONLY = {"wismo": {"when_late": 0.5, "before_promise": 0, "delay_hours": NOW},
              **{k: v for k, v in NO_CONTACTS.items() if k != "wismo"}}


def test_a_slower_carrier_brings_more_late_orders_and_contacts_and_lower_service() -> None:
    fast = _support(WISMO_ONLY)
    slow = _support(WISMO_ONLY, regions={"us": {"carrier": {"transit_days": {
        "dist": "lognormal", "mean": 2.6, "cv": 0.4}}}})
    a, b = cxsim.run(fast, reps=6, seed=26), cxsim.run(slow, reps=6, seed=26)
    assert above_zero(paired("late_orders", a, b, scope="orders"))
    assert above_zero(paired("wismo_contacts", a, b, scope="orders"))
    assert above_zero(paired("offered", a, b, scope="contacts"))
    assert above_zero(-paired("service_level", a, b, "us", "chat"))
    # The orders themselves are the same: common random numbers.
    assert (paired("orders", a, b, scope="orders") == 0).all()


def test_the_promise_sets_late_orders_contacts_and_agent_hours_by_the_transit_curve() -> None:
    # With ample stock and orders shipped at once, the on-time share is the transit CDF at the
    # promise (lognormal mean 2 days, cv 0.4): 0.551 at 2 days, 0.894 at 3, 0.997 at 5. Late
    # orders bring where-is-my-order contacts with probability 0.5.
    sigma = math.sqrt(math.log(1 + 0.4**2))
    mu = math.log(2) - sigma**2 / 2
    results = {}
    for days in (2, 3, 5):
        scenario = _support(WISMO_ONLY, regions={"us": {"promise_days": days}})
        # Six replications: the required agent hours round each interval up to whole agents,
        # so the noise of the measured handle time of the contacts orders bring (not common to
        # both promises) moves them in steps; with four, 2 in 8 seeds failed the 99.9% check.
        results[days] = cxsim.run(scenario, reps=6, seed=27)
        on_time = float(stats.lognorm.cdf(days, sigma, scale=math.exp(mu)))
        promised = whole_run(results[days], "promised")
        late = whole_run(results[days], "late")
        for count, trials in zip(late, promised, strict=True):
            assert within_binomial(count, trials, 1 - on_time), days
        for count, trials in zip(whole_run(results[days], "wismo_contacts"), late, strict=True):
            assert within_binomial(count, trials, 0.5), days
    for shorter, longer in ((2, 3), (3, 5)):
        a, b = results[longer], results[shorter]
        for kpi in ("late_orders", "wismo_contacts"):
            assert above_zero(paired(kpi, a, b, scope="orders")), (kpi, shorter)
        assert above_zero(paired("required_agent_hours", a, b, scope="staffing"))
        assert above_zero(paired("agents_required", a, b, scope="cost"))


def test_omnichannel_never_needs_more_agent_hours_than_siloed_support() -> None:
    # Customers chase emails unanswered after three minutes on chat (agents answer chats first);
    # with unified context the chase joins the open email and repeat contacts are handled
    # faster.
    base: dict[str, Any] = {
        "segments": {"all": {"share": 1, "channel_mix": {"email": 1},
                             "chase": {"after_hours": 0.05, "probability": 0.6,
                                       "channels": {"chat": 1}}}},
        "reasons": {"wismo": {"first_contact_resolution": 0.6}},
    }
    siloed = _support({"wismo": {"before_promise": 0.2}}, **base)
    unified = _support({"wismo": {"before_promise": 0.2}}, omnichannel=True, **base)
    a, b = cxsim.run(siloed, reps=6, seed=28), cxsim.run(unified, reps=6, seed=28)
    for kpi, scope in (("required_agent_hours", "staffing"), ("offered", "contacts")):
        difference = paired(kpi, a, b, scope=scope)
        assert difference.mean() + half_width(difference) < 0, kpi


def test_pooled_stock_brings_no_more_stockout_contacts_than_split_stock() -> None:
    stockout = {"stockout": {"per_order": 1, "delay_hours": NOW},
                **{k: v for k, v in NO_CONTACTS.items() if k != "stockout"}}
    channels = {"sales_channels": {"market": {"kind": "marketplace"}},
                "regions": {"us": {"demand": {"channel_shares": {"web": 0.6, "market": 0.4}}}}}
    level = {"policy": {"kind": "base_stock", "level": 2040}}
    pooled = shop(stockout, nodes={"fc": {"stock": {"widget": level}}}, **channels)
    split = shop(stockout, nodes={"fc": {"stock": {"widget": {
        **level, "allocation": {"web": 0.6, "market": 0.4}}}}}, **channels)
    # The paired difference in stock-out contacts varies about as much as its mean over these
    # 60 days: twenty replications resolve it at the 99.9% level, eight only by luck.
    a, b = cxsim.run(pooled, reps=20, seed=29), cxsim.run(split, reps=20, seed=29)
    assert above_zero(paired("stockout_contacts", a, b, scope="orders"))
    assert above_zero(paired("fill_rate", b, a, scope="orders"))


# The expansion example.

def test_the_expansion_example_runs_through_the_german_launch() -> None:
    scenario = cxsim.load_scenario(ROOT / "scenarios" / "expansion_eu.yaml",
                                   ["horizon_days=112", "warmup_days=7"])
    results = cxsim.run(scenario, reps=2, seed=30, workers=2)
    orders = results.orders_by_day.groupby(["region", "date"])["orders"].sum()
    # Orders count by the local date of their region: Germany's first orders are on its launch
    # date (which begins at 22:00 UTC on the 4th), and demand ramps up from nothing.
    assert orders["de"][: dt.date(2027, 4, 4)].sum() == 0
    assert orders["de"][dt.date(2027, 4, 5): dt.date(2027, 4, 12)].sum() > 0
    assert orders["fr"].sum() == 0 and orders["jp"].sum() == 0  # they launch later
    # German customers write in German or English, and ask where their orders are.
    reasons = results.contacts_by_reason
    german = reasons[reasons["region"] == "de"]
    assert set(german["language"]) == {"de", "en"}
    assert german[german["reason"] == "wismo"]["contacts"].sum() > 0
    assert results.kpi("wismo_contacts", "de", scope="orders") > 0
    # The launch checklist covers every launching region; the EU warehouse's first stock, ordered
    # on 25 January with about 45 days at sea, is there for the German launch on 5 April.
    launch = results.launch.set_index(["region", "kind", "item"])
    assert set(results.launch["region"]) == {"de", "fr", "jp"}
    assert launch.loc[("de", "stock", "eu_3pl"), "status"] == "ready"
    assert launch.loc[("de", "preparation", "entity_and_tax"), "status"] == "ready"
    assert launch.loc[("de", "preparation", "marketplace_account"), "status"] == "open"
    # Every contact traces back to an order, a forecast or a repeat.
    table = results.contacts_by_interval
    came = table[["forecast", "from_orders", "retries", "chases", "follow_ups"]].sum(axis=1)
    went = table[["deflected", "merged", "unserved", "offered"]].sum(axis=1)
    assert (came == went).all()
    brought = results.orders_by_day[["product_issue_contacts", "wismo_contacts",
                                     "stockout_contacts", "return_contacts",
                                     "pre_sales_contacts"]].to_numpy().sum()
    assert table["from_orders"].sum() == brought
    targets = results.targets
    assert {"service_level", "late_shipment_rate", "responded_in_time"} <= set(targets["kpi"])
