"""Bad input for every commerce field: the exact problem line(s) the loader gives.

Each line names the field path, the bad value (or that it is missing) and what is allowed, as
``path.to.field: what is wrong (what is allowed)``. The scenario below uses every commerce field
at once (two regions, two sales channels, two products, two nodes and all four stock policies);
each case breaks one thing in it. ``test_every_commerce_field_has_a_bad_value`` keeps the list
complete when a field is added. Seven cases live in ``tests/test_commerce.py`` already and are
not repeated here.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

import cxsim
from cxsim.scenario.commerce import (
    RQ,
    SS,
    BaseStock,
    Carrier,
    Demand,
    DemandRamp,
    FirstInbound,
    MarketplaceRules,
    Node,
    PeriodicReview,
    Product,
    SalesChannel,
    StockItem,
)
from cxsim.scenario.models import Preparation
from cxsim.scenario.order_contacts import (
    OrderContacts,
    PreSales,
    ProductIssue,
    ReturnContacts,
    StockoutContacts,
    Wismo,
)

ROOT = Path(__file__).resolve().parent.parent

DATA: dict[str, Any] = {
    "name": "commerce input",
    "start_date": "2027-01-04",
    "horizon_days": 60,
    "warmup_days": 7,
    "regions": {
        "us": {
            "timezone": "America/New_York",
            "launch_date": "2027-01-11",
            "preparation": {"entity": {"lead_days": 60, "started": "2026-10-01"}},
            "demand": {
                "orders_per_day": 100,
                "ramp": {"kind": "logistic", "days": 14},
                "growth_pct_per_year": 10,
                "weekday_factors": [1, 1, 1, 1, 1, 0.8, 0.7],
                "intraday_profile": [1] * 24,
                "peaks": [{"start": "2027-02-01", "end": "2027-02-02", "factor": 2,
                           "name": "sale"}],
                "forecast_error_cv": 0.1,
                "channel_shares": {"web": 0.7, "market": 0.3},
            },
            "promise_days": 3,
            "promise_rule": "business_days",
            "carrier": {
                "transit_days": {"dist": "lognormal", "mean": 2, "cv": 0.4},
                "customs_days": {"dist": "constant", "value": 1},
                "cost_per_order": 6.5,
                "return_transit_days": {"dist": "constant", "value": 4},
            },
        },
        # A region without demand needs no carrier and no promise.
        "ca": {"timezone": "America/Toronto"},
    },
    "channels": {"messages": {"kind": "async",
                              "handle_minutes": {"dist": "exponential", "mean": 5}}},
    "sales_channels": {
        "web": {"kind": "web_shop"},
        "market": {"kind": "marketplace", "promise_days": 2,
                   "contact_channels": {"messages": 1},
                   "rules": {"respond_within_hours": 24, "responded_in_time_min": 0.9,
                             "ship_within_days": 2, "late_shipment_rate_max": 0.04}},
    },
    "products": {
        "widget": {"demand_share": 0.7, "units_per_order": {"dist": "empirical", "values": [1, 2]},
                   "unit_cost": 12, "price": 30, "return_share": 0.1},
        "gadget": {"demand_share": 0.3},
    },
    "nodes": {
        "fc": {
            "serves": ["us"],
            "kind": "own",
            "located_in": "us",
            "capacity_per_day": 500,
            "working_days": ["mon", "tue", "wed", "thu", "fri"],
            "cutoff_hour": 14,
            "first_inbound": {"ordered": "2026-12-01",
                              "lead_time_days": {"dist": "gamma", "mean": 30, "cv": 0.3}},
            "stock": {
                "widget": {
                    "policy": {"kind": "r_Q", "r": 300, "Q": 200},
                    "lead_time_days": {"dist": "gamma", "mean": 7, "cv": 0.3},
                    "on_stockout": "next_node",
                    "initial": 400,
                    "holding_cost_per_unit_day": 0.02,
                    "allocation": {"web": 0.6, "market": 0.4},
                    "supplier": "acme",
                },
                "gadget": {
                    "policy": {"kind": "s_S", "s": 100, "S": 250},
                    "lead_time_days": {"dist": "constant", "value": 5},
                },
            },
        },
        "backup": {
            "serves": ["us"],
            "kind": "3pl",
            "located_in": "ca",
            "stock": {
                "widget": {"policy": {"kind": "base_stock", "level": 200},
                           "lead_time_days": {"dist": "constant", "value": 5}},
                "gadget": {"policy": {"kind": "periodic", "review_days": 7, "order_up_to": 300},
                           "lead_time_days": {"dist": "constant", "value": 5},
                           "on_stockout": "lost"},
            },
        },
    },
    "order_contacts": {
        "product_issue": {"per_order": 0.1, "by_product": {"gadget": 0.2},
                          "by_supplier": {"acme": 0.15},
                          "delay_days": {"dist": "exponential", "mean": 3}},
        "wismo": {"before_promise": 0.03, "when_late": 0.4,
                  "delay_hours": {"dist": "constant", "value": 6}},
        "stockout": {"per_order": 0.5, "delay_hours": {"dist": "constant", "value": 24}},
        "returns": {"per_return": 0.5, "delay_days": {"dist": "constant", "value": 2}},
        "pre_sales": {"per_order": 0.03},
        "channel_mix": {"messages": 1},
    },
}

DROP = object()  # marks a field left out

DEMAND = "regions.us.demand"
CARRIER = "regions.us.carrier"
RQ_AT = "nodes.fc.stock.widget.policy"
SS_AT = "nodes.fc.stock.gadget.policy"
BASE_STOCK_AT = "nodes.backup.stock.widget.policy"
PERIODIC_AT = "nodes.backup.stock.gadget.policy"
ITEM = "nodes.fc.stock.widget"
NODE = "nodes.fc"
DISTS = "exponential, constant, lognormal, gamma, uniform, triangular, empirical"
POLICIES = "base_stock, s_S, r_Q, periodic"
DISTRIBUTION = "a distribution such as {dist: exponential, mean: 5}"
DAYS = "mon, tue, wed, thu, fri, sat, sun"
HOUR = "a number from 0 to 24, in steps of 0.25"
DEMAND_FIELDS = ("orders_per_day, ramp, growth_pct_per_year, weekday_factors, "
                 "intraday_profile, peaks, forecast_error_cv, channel_shares")


def edited(edits: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``DATA`` with each dotted path set to its value (or left out for ``DROP``)."""
    data = copy.deepcopy(DATA)
    for path, value in edits.items():
        *parents, last = path.split(".")
        node: Any = data
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        key: Any = int(last) if isinstance(node, list) else last
        if value is DROP:
            del node[key]
        else:
            node[key] = copy.deepcopy(value)
    return data


def problem_lines(data: dict[str, Any]) -> list[str]:
    with pytest.raises(cxsim.ScenarioError) as caught:
        cxsim.parse_scenario(data)
    return [str(p) for p in caught.value.problems]


CASES: list[tuple[str, dict[str, Any], list[str]]] = [
    # Demand.
    ("orders negative", {f"{DEMAND}.orders_per_day": -5},
     ["regions.us.demand.orders_per_day: -5 is too small (a number from 0 to 1,000,000)"]),
    ("orders as a rate text", {f"{DEMAND}.orders_per_day": "100/day"},
     ["regions.us.demand.orders_per_day: '100/day' is not a number (a number from 0 to "
      "1,000,000)"]),
    ("orders true", {f"{DEMAND}.orders_per_day": True},
     ["regions.us.demand.orders_per_day: true is not a number (a number from 0 to 1,000,000)"]),
    ("orders not finite", {f"{DEMAND}.orders_per_day": float("nan")},
     ["regions.us.demand.orders_per_day: nan is not a finite number (a number from 0 to "
      "1,000,000)"]),
    ("orders missing", {f"{DEMAND}.orders_per_day": DROP},
     ["regions.us.demand.orders_per_day: is missing (required: a number from 0 to 1,000,000)"]),
    ("demand field misspelt", {f"{DEMAND}.orders": 5},
     [f"regions.us.demand.orders: unknown field (did you mean 'orders_per_day'? allowed: "
      f"{DEMAND_FIELDS})"]),
    ("demand a number", {DEMAND: 100},
     ["regions.us.demand: 100 is not a mapping (a mapping with orders_per_day, ...)"]),
    ("launch on no such day", {"regions.us.launch_date": "2027-02-30"},
     ["regions.us.launch_date: '2027-02-30' is not a valid date (a date such as "
      "2027-01-04)"]),
    ("launch in words", {"regions.us.launch_date": "soon"},
     ["regions.us.launch_date: 'soon' is not a valid date (a date such as 2027-01-04)"]),
    ("launch a year", {"regions.us.launch_date": 2027},
     ["regions.us.launch_date: 2027 is not a date (a date such as 2027-01-04)"]),
    ("launch at a time of day", {"regions.us.launch_date": dt.datetime(2027, 1, 11, 10, 0)},
     ["regions.us.launch_date: 2027-01-11 10:00:00 is not a date (a date such as "
      "2027-01-04)"]),
    ("launch on the demand", {f"{DEMAND}.launch_date": "2027-01-11"},
     [f"regions.us.demand.launch_date: unknown field (allowed: {DEMAND_FIELDS})"]),
    ("ramp a number", {f"{DEMAND}.ramp": 14},
     ["regions.us.demand.ramp: 14 is not a mapping (a mapping with days, ...)"]),
    ("ramp kind unknown", {f"{DEMAND}.ramp.kind": "s_curve"},
     ["regions.us.demand.ramp.kind: 's_curve' is not allowed (one of linear, logistic)"]),
    ("ramp kind null", {f"{DEMAND}.ramp.kind": None},
     ["regions.us.demand.ramp.kind: nothing (null) is not allowed (one of linear, logistic)"]),
    ("ramp of no days", {f"{DEMAND}.ramp.days": 0},
     ["regions.us.demand.ramp.days: 0 is too small (a number > 0 and <= 3650)"]),
    ("ramp days missing", {f"{DEMAND}.ramp.days": DROP},
     ["regions.us.demand.ramp.days: is missing (required: a number > 0 and <= 3650)"]),
    ("ramp in weeks", {f"{DEMAND}.ramp.weeks": 2},
     ["regions.us.demand.ramp.weeks: unknown field (allowed: kind, days)"]),
    ("growth of -100%", {f"{DEMAND}.growth_pct_per_year": -100},
     ["regions.us.demand.growth_pct_per_year: -100 is too small (a number > -100 and <= 1000)"]),
    ("growth too high", {f"{DEMAND}.growth_pct_per_year": 5000},
     ["regions.us.demand.growth_pct_per_year: 5000 is too large (a number > -100 and <= 1000)"]),
    ("three weekday factors", {f"{DEMAND}.weekday_factors": [1, 1, 1]},
     ["regions.us.demand.weekday_factors: has 3 values (a list of exactly 7 values, each a "
      "number from 0 to 100)"]),
    ("negative weekday factor", {f"{DEMAND}.weekday_factors": [1, 1, 1, 1, 1, 1, -1]},
     ["regions.us.demand.weekday_factors.6: -1 is too small (a number from 0 to 100)"]),
    ("23 hours", {f"{DEMAND}.intraday_profile": [1] * 23},
     ["regions.us.demand.intraday_profile: has 23 values (a list of exactly 24 values, each a "
      "number from 0 to 1,000,000)"]),
    # The path names the field; the message says what is wrong with its value.
    ("no hour of the day", {f"{DEMAND}.intraday_profile": [0] * 24},
     ["regions.us.demand.intraday_profile: every weight is zero (24 weights with a positive "
      "sum)"]),
    ("peak factor zero", {f"{DEMAND}.peaks.0.factor": 0},
     ["regions.us.demand.peaks.0.factor: 0 is too small (a number > 0 and <= 100)"]),
    ("peak ends before it starts", {f"{DEMAND}.peaks.0.end": "2027-01-01"},
     ["regions.us.demand.peaks.0.end: 2027-01-01 is before start 2027-02-01 (end >= start)"]),
    ("peak without end", {f"{DEMAND}.peaks.0.end": DROP},
     ["regions.us.demand.peaks.0.end: is missing (required: a date such as 2027-01-04)"]),
    ("forecast error too high", {f"{DEMAND}.forecast_error_cv": 3},
     ["regions.us.demand.forecast_error_cv: 3 is too large (a number from 0 to 2)"]),
    ("forecast error negative", {f"{DEMAND}.forecast_error_cv": -1},
     ["regions.us.demand.forecast_error_cv: -1 is too small (a number from 0 to 2)"]),
    ("no channel sells", {f"{DEMAND}.channel_shares": {"web": 0, "market": 0}},
     ["regions.us.demand.channel_shares: every share is zero (shares of orders per sales channel "
      "with a positive sum)"]),
    ("channel share negative", {f"{DEMAND}.channel_shares": {"web": -1, "market": 1}},
     ["regions.us.demand.channel_shares.web: -1 is too small (a number from 0 to 1,000,000)"]),
    ("channel shares a list", {f"{DEMAND}.channel_shares": ["web"]},
     ["regions.us.demand.channel_shares: a list is not a mapping (a mapping of sales channel "
      "names to a number from 0 to 1,000,000)"]),
    ("channel share of an unknown channel", {f"{DEMAND}.channel_shares": {"shop": 1}},
     ["regions.us.demand.channel_shares.shop: unknown sales channel 'shop' (one of: web, "
      "market)"]),
    # 'web' needs no entry in sales_channels: it is named among the allowed channels.
    ("unknown channel without sales channels",
     {"sales_channels": DROP, f"{DEMAND}.channel_shares": {"shop": 1},
      f"{ITEM}.allocation": DROP},
     ["regions.us.demand.channel_shares.shop: unknown sales channel 'shop' (one of: web)"]),
    # The region's promise and carrier.
    ("promise negative", {"regions.us.promise_days": -1},
     ["regions.us.promise_days: -1 is too small (a number from 0 to 365)"]),
    ("promise with a unit", {"regions.us.promise_days": "3 days"},
     ["regions.us.promise_days: '3 days' is not a number (a number from 0 to 365)"]),
    ("promise rule misspelt", {"regions.us.promise_rule": "business"},
     ["regions.us.promise_rule: 'business' is not allowed (did you mean 'business_days'? one of "
      "hours, end_of_day, business_days)"]),
    ("carrier a name", {"regions.us.carrier": "ups"},
     ["regions.us.carrier: 'ups' is not a mapping (a mapping with transit_days, ...)"]),
    ("carrier null", {"regions.us.carrier": None},
     ["regions.us.carrier: is missing: orders need a carrier (carrier: {transit_days: {dist: "
      "..., ...}})"]),
    ("transit missing", {f"{CARRIER}.transit_days": DROP},
     [f"regions.us.carrier.transit_days: is missing (required: {DISTRIBUTION})"]),
    ("transit a number", {f"{CARRIER}.transit_days": 2},
     [f"regions.us.carrier.transit_days: 2 is not a mapping ({DISTRIBUTION})"]),
    ("transit normal", {f"{CARRIER}.transit_days.dist": "normal"},
     [f"regions.us.carrier.transit_days.dist: 'normal' is not known (did you mean 'lognormal'? "
      f"one of: {DISTS})"]),
    ("transit high below low", {f"{CARRIER}.transit_days": {"dist": "uniform", "low": 3,
                                                            "high": 1}},
     ["regions.us.carrier.transit_days.high: 1 is below low 3 (high >= low)"]),
    ("customs negative", {f"{CARRIER}.customs_days": {"dist": "constant", "value": -1}},
     ["regions.us.carrier.customs_days.value: -1 is too small (a number from 0 to 1,000,000)"]),
    ("shipping cost negative", {f"{CARRIER}.cost_per_order": -6.5},
     ["regions.us.carrier.cost_per_order: -6.5 is too small (a number from 0 to 1,000,000,000)"]),
    ("shipping cost with a currency", {f"{CARRIER}.cost_per_order": "$6.50"},
     ["regions.us.carrier.cost_per_order: '$6.50' is not a number (a number from 0 to "
      "1,000,000,000)"]),
    ("return transit without mean", {f"{CARRIER}.return_transit_days": {"dist": "exponential"}},
     ["regions.us.carrier.return_transit_days.mean: is missing (required: a number > 0 and <= "
      "1,000,000)"]),
    ("carrier name", {f"{CARRIER}.name": "ups"},
     ["regions.us.carrier.name: unknown field (allowed: transit_days, customs_days, "
      "cost_per_order, return_transit_days)"]),
    # Sales channels.
    ("sales channel kind unknown", {"sales_channels.market.kind": "amazon"},
     ["sales_channels.market.kind: 'amazon' is not allowed (one of web_shop, marketplace, "
      "social, click_and_collect)"]),
    ("channel promise negative", {"sales_channels.market.promise_days": -2},
     ["sales_channels.market.promise_days: -2 is too small (a number from 0 to 365)"]),
    ("channel fee", {"sales_channels.market.fee": 0.1},
     ["sales_channels.market.fee: unknown field (allowed: kind, promise_days, contact_channels, "
      "rules)"]),
    ("sales channel a word", {"sales_channels.market": "marketplace"},
     ["sales_channels.market: 'marketplace' is not a mapping (a mapping with kind, ...)"]),
    ("sales channel name with a space", {"sales_channels.the shop": {}},
     ["sales_channels.the shop: 'the shop' is not allowed (a name of ASCII letters, digits, "
      "_ and -, up to 64 characters)"]),
    # Products.
    ("demand share negative", {"products.widget.demand_share": -1},
     ["products.widget.demand_share: -1 is too small (a number from 0 to 1,000,000)"]),
    ("units per order a number", {"products.widget.units_per_order": 2},
     [f"products.widget.units_per_order: 2 is not a mapping ({DISTRIBUTION})"]),
    ("units per order poisson", {"products.widget.units_per_order": {"dist": "poisson",
                                                                      "mean": 2}},
     [f"products.widget.units_per_order.dist: 'poisson' is not known (one of: {DISTS})"]),
    ("unit cost negative", {"products.widget.unit_cost": -12},
     ["products.widget.unit_cost: -12 is too small (a number from 0 to 1,000,000,000)"]),
    ("price in words", {"products.widget.price": "thirty"},
     ["products.widget.price: 'thirty' is not a number (a number from 0 to 1,000,000,000)"]),
    ("return share as percent", {"products.widget.return_share": 10},
     ["products.widget.return_share: 10 is too large (a number from 0 to 1)"]),
    ("return share negative", {"products.widget.return_share": -0.1},
     ["products.widget.return_share: -0.1 is too small (a number from 0 to 1)"]),
    ("fill rate target of 1", {"products.widget.fill_rate_target": 1},
     ["products.widget.fill_rate_target: 1 is too large (a number > 0 and < 1)"]),
    ("fill rate target as percent", {"products.widget.fill_rate_target": 98},
     ["products.widget.fill_rate_target: 98 is too large (a number > 0 and < 1)"]),
    ("fill rate target of 0", {"products.widget.fill_rate_target": 0},
     ["products.widget.fill_rate_target: 0 is too small (a number > 0 and < 1)"]),
    ("product weight", {"products.widget.weight_kg": 1},
     ["products.widget.weight_kg: unknown field (allowed: demand_share, units_per_order, "
      "unit_cost, price, return_share, fill_rate_target)"]),
    # Policies: base stock.
    ("base stock kind misspelt", {f"{BASE_STOCK_AT}.kind": "base-stock"},
     [f"nodes.backup.stock.widget.policy.kind: 'base-stock' is not known (did you mean "
      f"'base_stock'? one of: {POLICIES})"]),
    ("level negative", {f"{BASE_STOCK_AT}.level": -1},
     ["nodes.backup.stock.widget.policy.level: -1 is too small (a whole number from 0 to "
      "1,000,000,000)"]),
    ("level a fraction", {f"{BASE_STOCK_AT}.level": 200.5},
     ["nodes.backup.stock.widget.policy.level: 200.5 is not a whole number (a whole number from "
      "0 to 1,000,000,000)"]),
    ("level missing", {f"{BASE_STOCK_AT}.level": DROP},
     ["nodes.backup.stock.widget.policy.level: is missing (required: a whole number from 0 to "
      "1,000,000,000)"]),
    ("base stock with s", {f"{BASE_STOCK_AT}.s": 10},
     ["nodes.backup.stock.widget.policy.s: unknown field (allowed: kind, level)"]),
    # (s, S).
    ("s_S kind in lower case", {f"{SS_AT}.kind": "s_s"},
     [f"nodes.fc.stock.gadget.policy.kind: 's_s' is not known (did you mean 's_S'? one of: "
      f"{POLICIES})"]),
    ("s below -1", {f"{SS_AT}.s": -2},
     ["nodes.fc.stock.gadget.policy.s: -2 is too small (a whole number from -1 to 1,000,000,000)"]),
    ("s a fraction", {f"{SS_AT}.s": 1.5},
     ["nodes.fc.stock.gadget.policy.s: 1.5 is not a whole number (a whole number from -1 to "
      "1,000,000,000)"]),
    ("S zero", {f"{SS_AT}.S": 0},
     ["nodes.fc.stock.gadget.policy.S: 0 is too small (a whole number from 1 to 1,000,000,000)"]),
    ("S below s", {f"{SS_AT}.S": 50},
     ["nodes.fc.stock.gadget.policy.S: 50 is not above s 100 (S > s)"]),
    ("S missing", {f"{SS_AT}.S": DROP},
     ["nodes.fc.stock.gadget.policy.S: is missing (required: a whole number from 1 to "
      "1,000,000,000)"]),
    # (r, Q).
    ("r_Q kind without underscore", {f"{RQ_AT}.kind": "rQ"},
     [f"nodes.fc.stock.widget.policy.kind: 'rQ' is not known (did you mean 'r_Q'? one of: "
      f"{POLICIES})"]),
    ("r below -1", {f"{RQ_AT}.r": -5},
     ["nodes.fc.stock.widget.policy.r: -5 is too small (a whole number from -1 to 1,000,000,000)"]),
    ("r in words", {f"{RQ_AT}.r": "three hundred"},
     ["nodes.fc.stock.widget.policy.r: 'three hundred' is not a whole number (a whole number "
      "from -1 to 1,000,000,000)"]),
    ("Q zero", {f"{RQ_AT}.Q": 0},
     ["nodes.fc.stock.widget.policy.Q: 0 is too small (a whole number from 1 to 1,000,000,000)"]),
    ("Q a fraction", {f"{RQ_AT}.Q": 2.5},
     ["nodes.fc.stock.widget.policy.Q: 2.5 is not a whole number (a whole number from 1 to "
      "1,000,000,000)"]),
    ("Q missing", {f"{RQ_AT}.Q": DROP},
     ["nodes.fc.stock.widget.policy.Q: is missing (required: a whole number from 1 to "
      "1,000,000,000)"]),
    ("r_Q with S", {f"{RQ_AT}.S": 3},
     ["nodes.fc.stock.widget.policy.S: unknown field (allowed: kind, r, Q)"]),
    # Periodic review.
    ("periodic kind long", {f"{PERIODIC_AT}.kind": "periodic_review"},
     [f"nodes.backup.stock.gadget.policy.kind: 'periodic_review' is not known (did you mean "
      f"'periodic'? one of: {POLICIES})"]),
    ("review every 0 days", {f"{PERIODIC_AT}.review_days": 0},
     ["nodes.backup.stock.gadget.policy.review_days: 0 is too small (a number > 0 and <= 365)"]),
    # A review a fraction of a second apart would never let the run finish.
    ("review every minute", {f"{PERIODIC_AT}.review_days": 0.0007},
     ["nodes.backup.stock.gadget.policy.review_days: 0.0007 is too short (at least an hour: "
      "0.0417 days or more)"]),
    ("review days missing", {f"{PERIODIC_AT}.review_days": DROP},
     ["nodes.backup.stock.gadget.policy.review_days: is missing (required: a number > 0 and <= "
      "365)"]),
    ("order up to negative", {f"{PERIODIC_AT}.order_up_to": -1},
     ["nodes.backup.stock.gadget.policy.order_up_to: -1 is too small (a whole number from 0 to "
      "1,000,000,000)"]),
    # The policy as a whole.
    ("policy kind missing", {f"{RQ_AT}.kind": DROP},
     [f"nodes.fc.stock.widget.policy.kind: is missing (one of: {POLICIES})"]),
    ("policy a word", {RQ_AT: "r_Q"},
     [f"nodes.fc.stock.widget.policy: 'r_Q' is not a mapping (a mapping with kind: one of "
      f"{POLICIES})"]),
    ("policy missing", {RQ_AT: DROP},
     [f"nodes.fc.stock.widget.policy: is missing (required: a mapping with kind: one of "
      f"{POLICIES})"]),
    # Stock items.
    ("lead time missing", {f"{ITEM}.lead_time_days": DROP},
     [f"nodes.fc.stock.widget.lead_time_days: is missing (required: {DISTRIBUTION})"]),
    ("lead time a number", {f"{ITEM}.lead_time_days": 7},
     [f"nodes.fc.stock.widget.lead_time_days: 7 is not a mapping ({DISTRIBUTION})"]),
    ("stockout backlog", {f"{ITEM}.on_stockout": "backlog"},
     ["nodes.fc.stock.widget.on_stockout: 'backlog' is not allowed (did you mean 'backorder'? "
      "one of backorder, lost, next_node)"]),
    ("initial negative", {f"{ITEM}.initial": -1},
     ["nodes.fc.stock.widget.initial: -1 is too small (a whole number from 0 to 1,000,000,000)"]),
    ("initial a fraction", {f"{ITEM}.initial": 400.5},
     ["nodes.fc.stock.widget.initial: 400.5 is not a whole number (a whole number from 0 to "
      "1,000,000,000)"]),
    ("holding cost negative", {f"{ITEM}.holding_cost_per_unit_day": -0.02},
     ["nodes.fc.stock.widget.holding_cost_per_unit_day: -0.02 is too small (a number from 0 to "
      "1,000,000,000)"]),
    ("allocation shares short of 1", {f"{ITEM}.allocation": {"web": 0.6, "market": 0.3}},
     ["nodes.fc.stock.widget.allocation: shares add up to 0.9 (shares of stock adding up "
      "to 1)"]),
    ("allocation empty", {f"{ITEM}.allocation": {}},
     ["nodes.fc.stock.widget.allocation: shares add up to 0 (shares of stock adding up to 1)"]),
    ("allocation shares out of range", {f"{ITEM}.allocation": {"web": 1.5, "market": -0.5}},
     ["nodes.fc.stock.widget.allocation.web: 1.5 is too large (a number from 0 to 1)",
      "nodes.fc.stock.widget.allocation.market: -0.5 is too small (a number from 0 to 1)"]),
    ("allocation as percent text", {f"{ITEM}.allocation": {"web": "60%", "market": 0.4}},
     ["nodes.fc.stock.widget.allocation.web: '60%' is not a number (a number from 0 to 1)"]),
    ("allocation to an unknown channel", {f"{ITEM}.allocation": {"web": 0.6, "shop": 0.4}},
     ["nodes.fc.stock.widget.allocation.shop: unknown sales channel 'shop' (one of: web, "
      "market)"]),
    ("schedule dates out of order", {f"{ITEM}.schedule": [
        {"from_date": "2027-03-01", "level": 40}, {"from_date": "2027-02-01", "level": 30}]},
     ["nodes.fc.stock.widget.schedule.1.from_date: 2027-02-01 is not after 2027-03-01 (dates "
      "in increasing order)"]),
    ("schedule date a word", {f"{ITEM}.schedule": [{"from_date": "March", "level": 40}]},
     ["nodes.fc.stock.widget.schedule.0.from_date: 'March' is not a valid date (a date such as "
      "2027-01-04)"]),
    ("schedule level below -1", {f"{ITEM}.schedule": [{"from_date": "2027-03-01", "level": -2}]},
     ["nodes.fc.stock.widget.schedule.0.level: -2 is too small (a whole number from -1 to "
      "1,000,000,000)"]),
    ("schedule of a base stock level below 0", {"nodes.backup.stock.widget.schedule": [
        {"from_date": "2027-03-01", "level": -1}]},
     ["nodes.backup.stock.widget.schedule.0.level: -1 is too small (a whole number from 0 to "
      "1,000,000,000 for base_stock)"]),
    ("stock item a word", {ITEM: "lots"},
     ["nodes.fc.stock.widget: 'lots' is not a mapping (a mapping with policy, lead_time_days, "
      "...)"]),
    # Nodes.
    ("serves nobody", {f"{NODE}.serves": []},
     ["nodes.fc.serves: has 0 values (a list of at least 1, each the name of one of the "
      "scenario's regions)"]),
    ("serves a word", {f"{NODE}.serves": "us"},
     ["nodes.fc.serves: 'us' is not a list (a list of at least 1, each the name of one of the "
      "scenario's regions)"]),
    ("serves missing", {f"{NODE}.serves": DROP},
     ["nodes.fc.serves: is missing (required: a list of at least 1, each the name of one of "
      "the scenario's regions)"]),
    ("serves a second unknown region", {f"{NODE}.serves": ["us", "can"]},
     ["nodes.fc.serves.1: unknown region 'can' (did you mean 'ca'? one of: us, ca)"]),
    ("node kind warehouse", {f"{NODE}.kind": "warehouse"},
     ["nodes.fc.kind: 'warehouse' is not allowed (one of own, 3pl, marketplace)"]),
    ("located in an unknown region", {f"{NODE}.located_in": "uk"},
     ["nodes.fc.located_in: unknown region 'uk' (one of: us, ca)"]),
    ("located in a number", {f"{NODE}.located_in": 3},
     ["nodes.fc.located_in: 3 is not text (the name of one of the scenario's regions)"]),
    ("capacity zero", {f"{NODE}.capacity_per_day": 0},
     ["nodes.fc.capacity_per_day: 0 is too small (a whole number from 1 to 10,000,000)"]),
    ("capacity a fraction", {f"{NODE}.capacity_per_day": 50.5},
     ["nodes.fc.capacity_per_day: 50.5 is not a whole number (a whole number from 1 to "
      "10,000,000)"]),
    ("no working days", {f"{NODE}.working_days": []},
     [f"nodes.fc.working_days: has 0 values (a list of at least 1, each one of {DAYS})"]),
    ("working day spelt out", {f"{NODE}.working_days": ["monday"]},
     [f"nodes.fc.working_days.0: 'monday' is not allowed (did you mean 'mon'? one of {DAYS})"]),
    ("cutoff after midnight", {f"{NODE}.cutoff_hour": 25},
     [f"nodes.fc.cutoff_hour: 25 is too large ({HOUR})"]),
    ("cutoff off the quarter hour", {f"{NODE}.cutoff_hour": 14.1},
     [f"nodes.fc.cutoff_hour: 14.1 is not a multiple of 0.25 ({HOUR})"]),
    ("cutoff as a clock time", {f"{NODE}.cutoff_hour": "14:00"},
     [f"nodes.fc.cutoff_hour: '14:00' is not a number ({HOUR})"]),
    ("no stock", {f"{NODE}.stock": {}},
     ["nodes.fc.stock: has 0 entries (at least 1 entry: a mapping of product names to a mapping "
      "with policy, lead_time_days, ...)"]),
    ("stock missing", {f"{NODE}.stock": DROP},
     ["nodes.fc.stock: is missing (required: at least 1 entry: a mapping of product names to a "
      "mapping with policy, lead_time_days, ...)"]),
    ("node field misspelt", {f"{NODE}.cutoff": 14},
     ["nodes.fc.cutoff: unknown field (did you mean 'cutoff_hour'? allowed: serves, kind, "
      "located_in, capacity_per_day, working_days, cutoff_hour, stock, first_inbound)"]),
    # Checks across fields (they run once every field is sound on its own).
    ("products missing", {"products": DROP, "nodes": DROP, "order_contacts": DROP},
     ["regions.us.demand: orders need products (a products mapping such as {widget: {}})"]),
    # Without this check the run would stop with numpy's "probabilities do not sum to 1".
    ("no product sells", {"products.widget.demand_share": 0, "products.gadget.demand_share": 0},
     ["products: every demand_share is zero (shares of orders per product with a positive "
      "sum)"]),
    ("stock of products the scenario lacks", {"products": {}},
     ["nodes.fc.stock.widget: unknown product 'widget' (the scenario has no products)",
      "nodes.fc.stock.gadget: unknown product 'gadget' (the scenario has no products)",
      "nodes.backup.stock.widget: unknown product 'widget' (the scenario has no products)",
      "nodes.backup.stock.gadget: unknown product 'gadget' (the scenario has no products)",
      "order_contacts.product_issue.by_product.gadget: unknown product 'gadget' (the scenario "
      "has no products)"]),
    ("stock of an unknown product",
     {"nodes.backup.stock.gizmo": DATA["nodes"]["backup"]["stock"]["widget"]},
     ["nodes.backup.stock.gizmo: unknown product 'gizmo' (one of: widget, gadget)"]),
    ("no node has the gadget",
     {"nodes.fc.stock.gadget": DROP, "nodes.backup.stock.gadget": DROP},
     ["regions.us.demand: no node serves us with gadget (a node with us in serves and gadget in "
      "its stock)"]),
    ("no node serves the region", {"nodes.fc.serves": ["ca"], "nodes.backup.serves": ["ca"]},
     ["regions.us.demand: no node serves us with widget (a node with us in serves and widget in "
      "its stock)",
      "regions.us.demand: no node serves us with gadget (a node with us in serves and gadget in "
      "its stock)"]),
    ("half a day to the end of a day",
     {"regions.us.promise_rule": "end_of_day", "regions.us.promise_days": 1.5},
     ["regions.us.promise_days: 1.5 is not a whole number of days (whole days with promise_rule "
      "end_of_day)"]),
    ("a channel promising half business days", {"sales_channels.market.promise_days": 1.5},
     ["sales_channels.market.promise_days: 1.5 is not a whole number of days (whole days with "
      "promise_rule business_days)"]),
    # Marketplace messages and rules.
    ("contact channel unknown", {"sales_channels.market.contact_channels": {"mesages": 1}},
     ["sales_channels.market.contact_channels.mesages: unknown channel 'mesages' (did you mean "
      "'messages'? one of: messages)"]),
    ("contact channel weights zero", {"sales_channels.market.contact_channels": {"messages": 0}},
     ["sales_channels.market.contact_channels: every weight is zero (channel weights with a "
      "positive sum)"]),
    ("rules a word", {"sales_channels.market.rules": "amazon"},
     ["sales_channels.market.rules: 'amazon' is not a mapping (a mapping with "
      "respond_within_hours, ...)"]),
    ("respond within 0 hours", {"sales_channels.market.rules.respond_within_hours": 0},
     ["sales_channels.market.rules.respond_within_hours: 0 is too small (a number > 0 and <= "
      "8760)"]),
    ("responded share as percent", {"sales_channels.market.rules.responded_in_time_min": 90},
     ["sales_channels.market.rules.responded_in_time_min: 90 is too large (a number from 0 to "
      "1)"]),
    ("ship within negative", {"sales_channels.market.rules.ship_within_days": -1},
     ["sales_channels.market.rules.ship_within_days: -1 is too small (a number > 0 and <= 365)"]),
    ("late shipment rate as percent", {"sales_channels.market.rules.late_shipment_rate_max": 4},
     ["sales_channels.market.rules.late_shipment_rate_max: 4 is too large (a number from 0 to "
      "1)"]),
    ("rules field misspelt", {"sales_channels.market.rules.late_shipment_max": 0.04},
     ["sales_channels.market.rules.late_shipment_max: unknown field (did you mean "
      "'late_shipment_rate_max'? allowed: respond_within_hours, responded_in_time_min, "
      "ship_within_days, late_shipment_rate_max)"]),
    ("rules without contact channels", {"sales_channels.market.contact_channels": DROP},
     ["sales_channels.market.rules: the message rule is measured on the sales channel's own "
      "messages (give contact_channels, such as {marketplace_messages: 1})"]),
    # Suppliers, first stock, launch preparation.
    ("supplier empty", {f"{ITEM}.supplier": ""},
     ["nodes.fc.stock.widget.supplier: '' is not allowed (non-empty text, up to 64 characters)"]),
    ("supplier a number", {f"{ITEM}.supplier": 7},
     ["nodes.fc.stock.widget.supplier: 7 is not text (non-empty text, up to 64 characters)"]),
    ("first stock with no order date", {f"{NODE}.first_inbound.ordered": DROP},
     ["nodes.fc.first_inbound.ordered: is missing (required: a date such as 2027-01-04)"]),
    ("first stock on no such day", {f"{NODE}.first_inbound.ordered": "2026-13-01"},
     ["nodes.fc.first_inbound.ordered: '2026-13-01' is not a valid date (a date such as "
      "2027-01-04)"]),
    ("first stock lead a number", {f"{NODE}.first_inbound.lead_time_days": 30},
     [f"nodes.fc.first_inbound.lead_time_days: 30 is not a mapping ({DISTRIBUTION})"]),
    ("first stock a date", {f"{NODE}.first_inbound": "2026-12-01"},
     ["nodes.fc.first_inbound: '2026-12-01' is not a mapping (a mapping with ordered, ...)"]),
    ("preparation lead negative", {"regions.us.preparation.entity.lead_days": -5},
     ["regions.us.preparation.entity.lead_days: -5 is too small (a whole number from 0 to 3650)"]),
    ("preparation lead in part days", {"regions.us.preparation.entity.lead_days": 2.5},
     ["regions.us.preparation.entity.lead_days: 2.5 is not a whole number (a whole number from 0 "
      "to 3650)"]),
    ("preparation started yesterday", {"regions.us.preparation.entity.started": "yesterday"},
     ["regions.us.preparation.entity.started: 'yesterday' is not a valid date (a date such as "
      "2027-01-04)"]),
    ("preparation a number", {"regions.us.preparation.entity": 60},
     ["regions.us.preparation.entity: 60 is not a mapping (a mapping with lead_days, ...)"]),
    ("preparation name with a space", {"regions.us.preparation": {"tax id": {"lead_days": 3}}},
     ["regions.us.preparation.tax id: 'tax id' is not allowed (a name of ASCII letters, digits, _ "
      "and -, up to 64 characters)"]),
    # Contacts that orders bring.
    ("issues per order above one", {"order_contacts.product_issue.per_order": 1.5},
     ["order_contacts.product_issue.per_order: 1.5 is too large (a number from 0 to 1)"]),
    ("issues per unit negative", {"order_contacts.product_issue.per_order": DROP,
                                  "order_contacts.product_issue.per_unit": -0.1},
     ["order_contacts.product_issue.per_unit: -0.1 is too small (a number from 0 to 1)"]),
    ("issues per order and per unit", {"order_contacts.product_issue.per_unit": 0.05},
     ["order_contacts.product_issue: give per_order or per_unit, not both (a share of orders, "
      "or of units)"]),
    ("issues of an unknown product", {"order_contacts.product_issue.by_product": {"gizmo": 0.1}},
     ["order_contacts.product_issue.by_product.gizmo: unknown product 'gizmo' (one of: widget, "
      "gadget)"]),
    ("issues of an unknown supplier", {"order_contacts.product_issue.by_supplier": {"acne": 0.1}},
     ["order_contacts.product_issue.by_supplier.acne: no stock comes from supplier 'acne' "
      "(suppliers of nodes.<n>.stock.<p>.supplier: acme)"]),
    ("issue delay a number", {"order_contacts.product_issue.delay_days": 3},
     [f"order_contacts.product_issue.delay_days: 3 is not a mapping ({DISTRIBUTION})"]),
    ("asked before the promise as percent", {"order_contacts.wismo.before_promise": 3},
     ["order_contacts.wismo.before_promise: 3 is too large (a number from 0 to 1)"]),
    ("asked when late in words", {"order_contacts.wismo.when_late": "often"},
     ["order_contacts.wismo.when_late: 'often' is not a number (a number from 0 to 1)"]),
    ("wismo delay of an unknown kind",
     {"order_contacts.wismo.delay_hours": {"dist": "poisson", "mean": 3}},
     [f"order_contacts.wismo.delay_hours.dist: 'poisson' is not known (one of: {DISTS})"]),
    ("stock-out contacts negative", {"order_contacts.stockout.per_order": -1},
     ["order_contacts.stockout.per_order: -1 is too small (a number from 0 to 1)"]),
    ("stock-out delay without mean", {"order_contacts.stockout.delay_hours": {"dist":
                                                                             "exponential"}},
     ["order_contacts.stockout.delay_hours.mean: is missing (required: a number > 0 and <= "
      "1,000,000)"]),
    ("return contacts above one", {"order_contacts.returns.per_return": 2},
     ["order_contacts.returns.per_return: 2 is too large (a number from 0 to 1)"]),
    ("return delay negative",
     {"order_contacts.returns.delay_days": {"dist": "constant", "value": -1}},
     ["order_contacts.returns.delay_days.value: -1 is too small (a number from 0 to 1,000,000)"]),
    ("pre-sales as percent", {"order_contacts.pre_sales.per_order": 3},
     ["order_contacts.pre_sales.per_order: 3 is too large (a number from 0 to 1)"]),
    ("pre-sales field misspelt", {"order_contacts.pre_sales.share": 0.03},
     ["order_contacts.pre_sales.share: unknown field (allowed: per_order)"]),
    ("order contact reason misspelt", {"order_contacts.wismos": {}},
     ["order_contacts.wismos: unknown field (did you mean 'wismo'? allowed: product_issue, "
      "wismo, stockout, returns, pre_sales, channel_mix)"]),
    ("order contacts on an unknown channel", {"order_contacts.channel_mix": {"chat": 1}},
     ["order_contacts.channel_mix.chat: unknown channel 'chat' (one of: messages)"]),
    ("order contacts on no channel", {"order_contacts.channel_mix": {"messages": 0}},
     ["order_contacts.channel_mix: every weight is zero (channel weights with a positive sum)"]),
    ("order contacts with nowhere to go",
     {"order_contacts.channel_mix": DROP, "sales_channels.market.contact_channels": DROP,
      "sales_channels.market.rules": DROP},
     ["order_contacts.channel_mix: is missing: customers who bought need channels to get in "
      "touch on (give weights such as {email: 0.5, chat: 0.3, phone: 0.2}, or a channel_mix "
      "for every segment)"]),
    ("order contacts without orders", {f"{DEMAND}.orders_per_day": 0},
     ["order_contacts: no region has orders (give a region demand, or leave order_contacts "
      "out)"]),
    ("order contacts a list", {"order_contacts": ["wismo"]},
     ["order_contacts: a list is not a mapping (a mapping with product_issue, ...)"]),
]


def test_the_scenario_with_every_commerce_field_is_valid() -> None:
    scenario = cxsim.parse_scenario(DATA)
    assert set(scenario.nodes) == {"fc", "backup"}
    assert {item.policy.kind for node in scenario.nodes.values()
            for item in node.stock.values()} == {"r_Q", "s_S", "base_stock", "periodic"}
    # Zero demand needs no carrier, products or nodes.
    idle = cxsim.parse_scenario(edited({f"{DEMAND}.orders_per_day": 0, "regions.us.carrier": DROP,
                                        "products": DROP, "nodes": DROP,
                                        "order_contacts": DROP}))
    assert idle.regions["us"].carrier is None and not idle.products


def test_what_a_region_does_not_sell_is_not_held_to_its_rules() -> None:
    # A sales channel the region does not sell on need not promise whole business days, and a
    # product nobody orders needs no node.
    cxsim.parse_scenario(edited({
        "sales_channels.market.promise_days": 1.5, f"{DEMAND}.channel_shares": {"web": 1},
        f"{ITEM}.allocation": DROP,
        "products.spare": {"demand_share": 0},
    }))


@pytest.mark.parametrize(("edits", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_commerce_value_gives_exact_problem_lines(
    edits: dict[str, Any], expected: list[str]
) -> None:
    assert problem_lines(edited(edits)) == expected


# Where each commerce model sits in DATA; every field of it must be broken by some case.
MODELS: dict[type[BaseModel], str] = {
    Demand: DEMAND,
    DemandRamp: f"{DEMAND}.ramp",
    Carrier: CARRIER,
    SalesChannel: "sales_channels.market",
    Product: "products.widget",
    BaseStock: BASE_STOCK_AT,
    SS: SS_AT,
    RQ: RQ_AT,
    PeriodicReview: PERIODIC_AT,
    StockItem: ITEM,
    Node: NODE,
    MarketplaceRules: "sales_channels.market.rules",
    FirstInbound: f"{NODE}.first_inbound",
    Preparation: "regions.us.preparation.entity",
    OrderContacts: "order_contacts",
    ProductIssue: "order_contacts.product_issue",
    Wismo: "order_contacts.wismo",
    StockoutContacts: "order_contacts.stockout",
    ReturnContacts: "order_contacts.returns",
    PreSales: "order_contacts.pre_sales",
}
REGION_FIELDS = ("demand", "promise_days", "promise_rule", "carrier", "launch_date",
                 "preparation")


def test_every_commerce_field_has_a_bad_value() -> None:
    edited_paths = {path for _, edits, _ in CASES for path in edits}
    wanted = {f"{where}.{field}" for model, where in MODELS.items() for field in model.model_fields}
    wanted |= {f"regions.us.{field}" for field in REGION_FIELDS}
    # A field counts when a case sets it or something inside it.
    missing = {w for w in wanted
               if not any(p == w or p.startswith(w + ".") for p in edited_paths)}
    assert not missing, f"no bad-value case for {sorted(missing)}"


def _cxsim(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "cxsim", *map(str, args)], capture_output=True,
                          text=True, env=env, timeout=300, check=False)


def test_validate_reports_commerce_problems_and_exits_2(tmp_path: Path) -> None:
    data = edited({f"{RQ_AT}.Q": 0, f"{ITEM}.allocation": {"web": 0.6, "market": 0.3},
                   "nodes.backup.kind": "dropship"})
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    done = _cxsim("validate", path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and not done.stdout
    assert done.stderr.splitlines() == [
        f"cxsim: {path}: 3 problems",
        "nodes.fc.stock.widget.policy.Q: 0 is too small (a whole number from 1 to 1,000,000,000)",
        "nodes.fc.stock.widget.allocation: shares add up to 0.9 (shares of stock adding up to 1)",
        "nodes.backup.kind: 'dropship' is not allowed (one of own, 3pl, marketplace)",
    ]


def test_validate_reports_a_bad_commerce_override_and_exits_2() -> None:
    example = ROOT / "scenarios" / "two_nodes.yaml"
    done = _cxsim("validate", example, "--set", "nodes.us_fc.stock.gadget.policy.S=600",
                  "--set", "regions.ca.promise_rule=weekdays")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and not done.stdout
    assert done.stderr.splitlines() == [
        f"cxsim: {example}: 2 problems",
        "regions.ca.promise_rule: 'weekdays' is not allowed (one of hours, end_of_day, "
        "business_days)",
        "nodes.us_fc.stock.gadget.policy.S: 600 is not above s 650 (S > s)",
    ]


@pytest.mark.parametrize(("override", "expected"), [
    ("products.gizmo.price=5",
     "--set products.gizmo.price=5: products has no 'gizmo' (one of: widget, gadget)"),
    ("nodes.mx_dc.capacity_per_day=50",
     "--set nodes.mx_dc.capacity_per_day=50: nodes has no 'mx_dc' (one of: ca_3pl, us_fc)"),
    ("sales_channels.social.promise_days=1",
     "--set sales_channels.social.promise_days=1: sales_channels has no 'social' (one of: web, "
     "marketplace)"),
])
def test_an_override_of_a_product_node_or_sales_channel_that_does_not_exist(
    override: str, expected: str
) -> None:
    # A misspelt name must not create a half-made entry whose problems hide the misspelling.
    with pytest.raises(cxsim.ScenarioError) as caught:
        cxsim.load_scenario(ROOT / "scenarios" / "two_nodes.yaml", [override])
    assert [str(p) for p in caught.value.problems] == [expected]
    # Whole new entries can still be set.
    added = cxsim.load_scenario(ROOT / "scenarios" / "two_nodes.yaml",
                                ["sales_channels.social={kind: social}"])
    assert added.sales_channels["social"].kind == "social"
