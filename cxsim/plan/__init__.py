"""Planning: the planners, and (re-exported from ``cxsim.theory``) the closed forms they start
from, so that code written against ``cxsim.plan`` keeps working."""

from cxsim.theory import (
    ErlangA,
    agents_for_service_level,
    agents_for_service_level_many,
    base_stock_fill_rate,
    erlang_a,
    erlang_a_service_level,
    erlang_b,
    erlang_c,
    erlang_c_mean_wait,
    erlang_c_service_level,
    erlang_c_wait_quantile,
    lost_sales_fill_rate,
    offered_load,
)

__all__ = [
    "ErlangA",
    "agents_for_service_level",
    "agents_for_service_level_many",
    "base_stock_fill_rate",
    "erlang_a",
    "erlang_a_service_level",
    "erlang_b",
    "erlang_c",
    "erlang_c_mean_wait",
    "erlang_c_service_level",
    "erlang_c_wait_quantile",
    "lost_sales_fill_rate",
    "offered_load",
]
