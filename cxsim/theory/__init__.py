"""Closed-form answers the simulation is held to and the planners start from.

Erlang B, C and A and Erlang C staffing (``cxsim.theory.erlang``), base-stock fill rates with
backorders and lost sales (``cxsim.theory.stock``). This package imports nothing else of cxsim:
results and planners both build on it.
"""

from cxsim.theory.erlang import (
    ErlangA,
    agents_for_service_level,
    agents_for_service_level_many,
    erlang_a,
    erlang_a_service_level,
    erlang_a_service_level_many,
    erlang_b,
    erlang_c,
    erlang_c_mean_wait,
    erlang_c_service_level,
    erlang_c_service_level_many,
    erlang_c_wait_quantile,
    offered_load,
)
from cxsim.theory.stock import (
    base_stock_fill_rate,
    base_stock_level_for,
    first_shipment_fill_rate,
    first_shipment_for,
    lead_time_demand_fill_rate,
    lost_sales_fill_rate,
    lost_sales_level_for,
    reorder_point_for,
    rq_fill_rate,
)

__all__ = [
    "ErlangA",
    "agents_for_service_level",
    "agents_for_service_level_many",
    "base_stock_fill_rate",
    "base_stock_level_for",
    "erlang_a",
    "erlang_a_service_level",
    "erlang_a_service_level_many",
    "erlang_b",
    "erlang_c",
    "erlang_c_mean_wait",
    "erlang_c_service_level",
    "erlang_c_service_level_many",
    "erlang_c_wait_quantile",
    "first_shipment_fill_rate",
    "first_shipment_for",
    "lead_time_demand_fill_rate",
    "lost_sales_fill_rate",
    "lost_sales_level_for",
    "offered_load",
    "reorder_point_for",
    "rq_fill_rate",
]
