"""The summary across replications: means with t confidence intervals, one row per KPI.

``summary.csv`` has one row per scope x region x channel x KPI with the columns
``SUMMARY_COLUMNS``; ``*`` in region or channel means all.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from cxsim.results.catalogue import SHARE_KPIS
from cxsim.scenario.common import MINUTES_PER_DAY
from cxsim.scenario.models import Scenario

__all__ = [
    "ALL",
    "SUMMARY_COLUMNS",
    "confidence_band",
    "confidence_interval",
    "counted_index",
    "first_counted_day",
    "ratio",
    "rollups",
    "summarise",
]

SUMMARY_COLUMNS = ["scope", "region", "channel", "kpi", "mean", "ci_low", "ci_high", "reps"]
ALL = "*"


def confidence_interval(values: Sequence[float], level: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high) of a t confidence interval across replications; NaNs are left out.

    With fewer than two values the interval is undefined (NaN, NaN).
    """
    data = np.asarray([v for v in values if not math.isnan(v)], dtype=float)
    if data.size == 0:
        return math.nan, math.nan, math.nan
    mean = float(data.mean())
    if data.size < 2:
        return mean, math.nan, math.nan
    # scipy.special's t quantile is the one scipy.stats.t.ppf returns, without importing
    # scipy.stats (several times the cost of the rest of a command's start-up).
    from scipy.special import stdtrit

    quantile = stdtrit(data.size - 1, 0.5 + level / 2)
    half = float(quantile * data.std(ddof=1) / math.sqrt(data.size))
    return mean, mean - half, mean + half


def confidence_band(
    table: pd.DataFrame, keys: Sequence[str], column: str, level: float = 0.95
) -> pd.DataFrame:
    """``confidence_interval`` of ``column`` for every value of ``keys`` at once (a band over
    days, say): ``table`` has one row per replication and key. Returns the keys with ``mean``,
    ``ci_low`` and ``ci_high``; NaNs are left out, and with fewer than two values the limits
    are NaN.
    """
    from scipy.special import stdtrit  # scipy.stats.t.ppf's own, as in confidence_interval

    grouped = table.groupby(list(keys), sort=True)[column].agg(["mean", "std", "count"])
    count = grouped["count"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        quantile = np.where(count >= 2, stdtrit(np.maximum(count - 1, 1), 0.5 + level / 2),
                            np.nan)
        half = quantile * grouped["std"].to_numpy(dtype=float) / np.sqrt(count)
    mean = grouped["mean"].to_numpy(dtype=float)
    band = pd.DataFrame({"mean": mean, "ci_low": mean - half, "ci_high": mean + half},
                        index=grouped.index)
    return band.reset_index()


def summarise(runs: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """One row per scope x region x channel x KPI: mean and confidence interval over reps.

    Interval limits are clipped to the KPI's possible range (0 to 1 for shares, at least 0
    otherwise): a t interval around a small mean wait could otherwise reach below zero.
    """
    rows = []
    for (scope, region, channel, kpi), group in runs.groupby(
        ["scope", "region", "channel", "kpi"], sort=False
    ):
        values = group["value"].to_numpy(dtype=float)
        mean, low, high = confidence_interval(values.tolist(), level)
        if not math.isnan(low):
            low = max(low, 0.0)
            high = min(high, 1.0) if kpi in SHARE_KPIS else high
        reps = int(np.isfinite(values).sum())
        rows.append((scope, region, channel, kpi, mean, low, high, reps))
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def rollups(region: str, channel: str) -> tuple[tuple[str, str], ...]:
    """The (region, channel) rows a figure of one region and channel adds to: itself, its
    region over all channels, its channel over all regions, and everything."""
    return ((region, channel), (region, ALL), (ALL, channel), (ALL, ALL))


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else math.nan


def first_counted_day(scenario: Scenario) -> int:
    """The first whole day after the warm-up: daily statistics start there."""
    return math.ceil(scenario.warmup_minutes / MINUTES_PER_DAY - 1e-9)


def counted_index(scenario: Scenario, first_date: dt.date) -> int:
    """The first index counted of a per-day series whose index 0 is local date ``first_date``:
    statistics start on the local date ``first_counted_day`` days after the start date."""
    return max(0, first_counted_day(scenario) - (first_date - scenario.start_date).days)
