"""Closed-form stock answers: fill rates of base-stock and (r, Q) policies with backorders and
with lost sales, the levels that reach a fill rate, and a launch's first shipment.

Demand is in units; lead-time demand is Poisson with the given mean, or, where its variance is
given and differs from the mean (orders of several units, forecast error), normal with that
mean and variance and a half-unit continuity correction.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from cxsim.theory.arguments import real, whole
from cxsim.theory.erlang import erlang_b

__all__ = [
    "base_stock_fill_rate",
    "base_stock_level_for",
    "first_shipment_fill_rate",
    "first_shipment_for",
    "lead_time_demand_fill_rate",
    "lost_sales_fill_rate",
    "lost_sales_level_for",
    "reorder_point_for",
    "rq_fill_rate",
]

# Levels searched are at most this many units (the scenario's bound on stock levels).
_MOST_UNITS = 10**9


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
    return lead_time_demand_fill_rate(
        level, real("demand_per_day", demand_per_day) * real("lead_time_days", lead_time_days))


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


def _share(name: str, value: float) -> float:
    v = float(value)
    if not 0.0 < v < 1.0:
        raise ValueError(f"{name}(={value!r}) must be a share above 0 and below 1")
    return v


def _cdf(units: np.ndarray, mean: float, variance: float | None) -> np.ndarray:
    """P(lead-time demand <= units), Poisson or (with a variance) normal."""
    from scipy import stats  # here: commands that never need it start faster

    if variance is None:
        return np.asarray(stats.poisson.cdf(units, mean), dtype=np.float64)
    if variance <= 0:
        return (units >= mean).astype(np.float64)
    return np.asarray(stats.norm.cdf((units + 0.5 - mean) / math.sqrt(variance)),
                      dtype=np.float64)


def lead_time_demand_fill_rate(level: int, mean: float, variance: float | None = None) -> float:
    """Base-stock fill rate with backorders and unit demands: P(D <= S - 1) for lead-time
    demand D of the given mean (Poisson) or mean and variance (normal).

    With Poisson demand and independent lead times the number of units on order is
    Poisson(lambda E[L]) whatever the lead times' distribution (Palm's theorem, M/G/inf), so
    ``mean`` is lambda E[L].
    """
    s = whole("level", level)
    m = real("mean", mean)
    v = None if variance is None else real("variance", variance)
    return 0.0 if s == 0 else float(_cdf(np.array([s - 1]), m, v)[0])


def rq_fill_rate(reorder_point: int, lot: int, mean: float,
                 variance: float | None = None) -> float:
    """Fill rate of an (r, Q) policy with backorders and unit demands.

    The inventory position is uniform on r + 1, ..., r + Q in the long run and independent of
    the lead-time demand D, so the fill rate is the mean over those positions y of
    P(D <= y - 1) (Hadley and Whitin; Zipkin, Foundations of Inventory Management, 6.2).
    With unit demands (s, S) is (r, Q) with r = s and Q = S - s.

    Args:
        reorder_point: r in units (>= -1).
        lot: Q in units (>= 1).
        mean: mean lead-time demand in units (>= 0).
        variance: its variance (None: Poisson).
    """
    r = whole("reorder_point", reorder_point, minimum=-1)
    q = whole("lot", lot, minimum=1)
    m = real("mean", mean)
    v = None if variance is None else real("variance", variance)
    positions = np.arange(r + 1, r + q + 1)
    return float(np.mean(np.where(positions > 0, _cdf(positions - 1, m, v), 0.0)))


def _smallest(meets: Callable[[int], bool], low: int, high: int = _MOST_UNITS) -> int:
    """The smallest whole x in [low, high] with meets(x) (meets is monotone); high if none."""
    if meets(low):
        return low
    step = 1
    while low + step < high and not meets(low + step):
        step *= 2
    top = min(low + step, high)
    bottom = low + step // 2
    while bottom + 1 < top:
        middle = (bottom + top) // 2
        if meets(middle):
            top = middle
        else:
            bottom = middle
    return top


def base_stock_level_for(target: float, mean: float, variance: float | None = None) -> int:
    """The smallest base-stock level S whose fill rate with backorders reaches ``target``:
    P(D <= S - 1) >= target for lead-time demand D (``lead_time_demand_fill_rate``)."""
    t, m = _share("target", target), real("mean", mean)
    v = None if variance is None else real("variance", variance)
    if v is None:
        from scipy import stats

        # P(D <= k) >= t first at k = ppf(t); ppf is exact for the Poisson up to rounding.
        k = int(stats.poisson.ppf(t, m))
        while k > 0 and _cdf(np.array([k - 1]), m, None)[0] >= t:
            k -= 1
        while _cdf(np.array([k]), m, None)[0] < t:
            k += 1
        return k + 1
    return _smallest(lambda s: s > 0 and _cdf(np.array([s - 1]), m, v)[0] >= t, 0)


def lost_sales_level_for(target: float, mean: float) -> int:
    """The smallest base-stock level S whose fill rate with lost sales reaches ``target``:
    1 - B(S, lambda E[L]) >= target (Erlang B, ``lost_sales_fill_rate``)."""
    t, m = _share("target", target), real("mean", mean)
    # Erlang B falls as S grows; B(S, a) < 1 - t needs S above a only by a few sqrt(a).
    return _smallest(lambda s: 1.0 - erlang_b(s, m) >= t, 0)


def reorder_point_for(target: float, lot: int, mean: float,
                      variance: float | None = None) -> int:
    """The smallest reorder point r of an (r, Q) policy whose fill rate reaches ``target``."""
    t, q, m = _share("target", target), whole("lot", lot, minimum=1), real("mean", mean)
    v = None if variance is None else real("variance", variance)
    return _smallest(lambda r: rq_fill_rate(r - 1, q, m, v) >= t, 0) - 1


def first_shipment_fill_rate(units: int, mean: float, variance: float | None = None) -> float:
    """Share of the demand D of a stretch that ``units`` on hand fill when nothing else comes
    in: E[min(D, q)] / E[D] = 1 - E[(D - q)+] / E[D] (the newsvendor's fill rate)."""
    from scipy import stats

    q, m = whole("units", units), real("mean", mean)
    v = None if variance is None else real("variance", variance)
    if m == 0:
        return 1.0
    if v is None:
        # E[(D - q)+] = m P(D >= q) - q P(D >= q + 1) for Poisson D.
        short = m * stats.poisson.sf(q - 1, m) - q * stats.poisson.sf(q, m)
    elif v == 0:
        short = max(m - q, 0.0)
    else:
        sigma = math.sqrt(v)
        z = (q - m) / sigma
        short = sigma * (stats.norm.pdf(z) - z * stats.norm.sf(z))
    return float(1.0 - max(short, 0.0) / m)


def first_shipment_for(target: float, mean: float, variance: float | None = None) -> int:
    """The fewest units whose ``first_shipment_fill_rate`` reaches ``target``."""
    t, m = _share("target", target), real("mean", mean)
    v = None if variance is None else real("variance", variance)
    return _smallest(lambda q: first_shipment_fill_rate(q, m, v) >= t, 0)
