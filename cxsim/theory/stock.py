"""Closed-form stock answers: base-stock fill rates with backorders and with lost sales.

Demand is Poisson in units per day; lead times are in days.
"""

from __future__ import annotations

from cxsim.theory.arguments import real, whole
from cxsim.theory.erlang import erlang_b

__all__ = ["base_stock_fill_rate", "lost_sales_fill_rate"]


def base_stock_fill_rate(level: int, demand_per_day: float, lead_time_days: float) -> float:
    """Base-stock fill rate with backorders, Poisson unit demand and a fixed lead time.

    A demand is filled from stock iff fewer than S units were demanded in the lead time before
    it: P(Poisson(lambda L) <= S - 1).

    Args:
        level: Base-stock level S in units (>= 0).
        demand_per_day: Poisson demand rate lambda in units per day (>= 0).
        lead_time_days: Replenishment lead time L in days (>= 0).

    Returns:
        Share of demand filled immediately from stock (dimensionless).
    """
    from scipy.special import gammaincc  # here: commands that never need it start faster

    s = whole("level", level)
    mean = real("demand_per_day", demand_per_day) * real("lead_time_days", lead_time_days)
    return 0.0 if s == 0 else float(gammaincc(s, mean))


def lost_sales_fill_rate(level: int, demand_per_day: float, mean_lead_time_days: float) -> float:
    """Fill rate of a base-stock policy with lost sales, Poisson demand: 1 - B(S, lambda E[L]).

    Outstanding orders form an M/G/S/S system, so by Palm's theorem the fill rate depends on the
    lead-time distribution only through its mean.

    Args:
        level: Base-stock level S in units (>= 0).
        demand_per_day: Poisson demand rate in units per day (>= 0).
        mean_lead_time_days: Mean replenishment lead time in days (>= 0).

    Returns:
        Share of demand filled (the rest is lost), dimensionless.
    """
    s, lt = whole("level", level), real("mean_lead_time_days", mean_lead_time_days)
    return 1.0 - erlang_b(s, real("demand_per_day", demand_per_day) * lt)
