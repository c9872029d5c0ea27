"""The catalogue of measures: every KPI of ``summary.csv``, its unit, its meaning, how it is shown.

One home for what a KPI is, next to the results that define it, so that the command line, the
report and a notebook describe and format a number the same way. KPI names are a contract: add
more, never rename.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "CATALOGUE",
    "HEADLINE_KPIS",
    "SCOPES",
    "SHARE_KPIS",
    "Kpi",
    "describe",
    "format_interval",
    "format_value",
    "kpi_unit",
]

SCOPES = ("contacts", "orders", "inventory", "staffing", "cost")

Unit = Literal["share", "count", "seconds", "hours", "days", "units", "agents", "currency",
               "ratio"]


@dataclass(frozen=True)
class Kpi:
    """A KPI: its name, unit and what it means in a planner's words."""

    name: str
    unit: Unit
    meaning: str


def _kpis(*rows: tuple[str, Unit, str]) -> dict[str, Kpi]:
    return {name: Kpi(name, unit, meaning) for name, unit, meaning in rows}


CATALOGUE: dict[str, Kpi] = _kpis(
    # contacts
    ("offered", "count", "contacts that reached an agent queue (after deflection)"),
    ("handled", "count", "contacts answered by an agent"),
    ("abandoned", "count", "live contacts that left the queue before an answer"),
    ("wait_prob", "share", "share of offered live contacts not answered at once"),
    ("service_level", "share",
     "answered within the channel's target / (handled + abandoned + still waiting at the "
     "end past the target)"),
    ("asa_s", "seconds", "mean wait of handled live contacts"),
    ("abandon_rate", "share", "abandoned / offered live contacts"),
    ("wait_p90_s", "seconds", "90th percentile wait of handled live contacts"),
    ("response_p95_h", "hours", "95th percentile first response of messages"),
    ("occupancy", "share", "agent busy time / agent available time"),
    ("deflected", "count", "contacts resolved by a bot or self-service"),
    ("escalated", "count", "contacts a bot handed on to an agent"),
    ("switched", "count", "contacts that came back on another channel"),
    ("retries", "count", "customers who abandoned and came back"),
    ("chases", "count", "customers who chased an unanswered message"),
    ("follow_ups", "count", "contacts not resolved the first time, coming back"),
    ("merged", "count", "chases joined to the open contact (omnichannel)"),
    ("unserved", "count", "contacts with no channel open or served"),
    # staffing
    ("agent_hours", "hours", "rostered agent hours"),
    ("available_hours", "hours", "agent hours available after shrinkage"),
    ("agents_peak", "agents", "most agents on duty at once"),
    ("headcount_end", "agents", "headcount at the end of the horizon"),
    ("required_agent_hours", "hours",
     "rostered hours per-interval Erlang C staffing needs to meet every target"),
    # orders
    ("orders", "count", "orders placed"),
    ("fill_rate", "share", "share of units shipped from stock at once"),
    ("on_time_rate", "share", "share of orders delivered by their promise"),
    ("delivery_days_p50", "days", "median order-to-door time"),
    ("delivery_days_p95", "days", "95th percentile order-to-door time"),
    ("backorder_rate", "share", "share of units backordered"),
    ("lost_rate", "share", "share of units lost"),
    ("next_node_rate", "share", "share of units shipped from another node"),
    ("late_orders", "count", "orders delivered after their promise"),
    ("returns", "count", "orders returned"),
    ("wismo_contacts", "count", "contacts asking where an order is"),
    ("product_issue_contacts", "count", "contacts reporting a product problem"),
    ("stockout_contacts", "count", "contacts about an order short of stock"),
    ("return_contacts", "count", "contacts about a return"),
    ("pre_sales_contacts", "count", "questions before an order"),
    ("contacts_per_order", "ratio", "contacts orders bring, per order"),
    ("late_shipment_rate", "share", "share of orders shipped after the marketplace's window"),
    ("responded_in_time", "share", "share of marketplace messages answered in its deadline"),
    # inventory
    ("on_hand_mean", "units", "mean units on hand"),
    ("on_order_mean", "units", "mean units on order"),
    ("stockout_days", "days", "days with nothing on hand"),
    ("product_issue_rate", "ratio", "product-issue contacts per unit shipped"),
    # cost
    ("agents", "currency", "cost of rostered agent hours"),
    ("holding", "currency", "cost of holding stock"),
    ("shipping", "currency", "cost of shipping orders"),
    ("total", "currency", "agents + holding + shipping"),
    ("agents_required", "currency", "cost of required_agent_hours (not in total)"),
)

# KPIs that are shares (0 to 1): shown as percentages; their intervals are clipped to [0, 1].
SHARE_KPIS = frozenset(name for name, kpi in CATALOGUE.items() if kpi.unit == "share")

# The KPIs shown first, per scope (on screen after a run, on a report's first page).
HEADLINE_KPIS: dict[str, tuple[str, ...]] = {
    "contacts": ("offered", "service_level", "asa_s", "abandon_rate", "response_p95_h",
                 "occupancy"),
    "staffing": ("agent_hours", "agents_peak", "required_agent_hours"),
    "orders": ("orders", "fill_rate", "on_time_rate", "delivery_days_p95", "lost_rate",
               "wismo_contacts", "contacts_per_order"),
    "inventory": ("on_hand_mean", "stockout_days"),
    "cost": ("total",),
}


def kpi_unit(name: str) -> Unit:
    """The unit of KPI ``name`` (``contacts_<reason>`` counts contacts)."""
    if name in CATALOGUE:
        return CATALOGUE[name].unit
    if name.startswith("contacts_"):
        return "count"
    raise KeyError(f"unknown KPI {name!r}")


def describe(name: str) -> str:
    """What KPI ``name`` means, in a planner's words."""
    if name in CATALOGUE:
        return CATALOGUE[name].meaning
    if name.startswith("contacts_"):
        return f"contacts that arrived for the reason '{name.removeprefix('contacts_')}'"
    raise KeyError(f"unknown KPI {name!r}")


def format_value(name: str, value: float) -> str:
    """A KPI's value as a planner reads it: shares as percentages, counts with thousands
    separators, small amounts to three significant digits; ``-`` for no value."""
    if math.isnan(value):
        return "-"
    if name in SHARE_KPIS:
        return f"{value:.1%}"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"


def format_interval(name: str, mean: float, low: float, high: float) -> str:
    """A KPI's mean with its 95% confidence interval, ``91.7% [91.3%, 92.1%]``; the mean alone
    when there is no interval (one replication)."""
    value = format_value(name, mean)
    if math.isnan(low) or math.isnan(high):
        return value
    return f"{value} [{format_value(name, low)}, {format_value(name, high)}]"
