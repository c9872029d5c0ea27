"""Differences between two results, KPI by KPI, each with a 95% confidence interval.

When both results ran with the same root seed and the same replications, replication ``r`` of
each drew from the same random streams wherever the two scenarios share them (common random
numbers), so the comparison is paired: the interval is the t interval of the per-replication
differences, which the shared randomness makes far narrower than the spread of either result.
Otherwise the two are independent samples and the interval is Welch's (unequal variances).
A difference is significant when its interval leaves out zero.

Works on anything holding a run's tables: a ``Results``, or a directory written by
``cxsim run``, a plan (its verification run) or a sweep point (``SWEEP/points/<id>``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cxsim.results.output import MARKER
from cxsim.results.store import Results

__all__ = ["COMPARISON_COLUMNS", "Compared", "biggest_changes", "compare", "read_compared"]

KEYS = ["scope", "region", "channel", "kpi"]
COMPARISON_COLUMNS = ["a", "b", *KEYS, "mean_a", "mean_b", "difference", "ci_low", "ci_high",
                      "relative", "method", "significant", "reps_a", "reps_b"]


@dataclass(frozen=True)
class Compared:
    """One side of a comparison: its per-replication KPIs and how they were drawn.

    Attributes:
        label: how it is named in the comparison (a directory, a scenario name).
        runs: one row per replication x KPI (``rep``, scope, region, channel, kpi, ``value``).
        seed: the root seed it ran with.
    """

    label: str
    runs: pd.DataFrame
    seed: int

    @property
    def reps(self) -> list[int]:
        return sorted(int(rep) for rep in self.runs["rep"].unique())


def read_compared(directory: str | Path) -> Compared:
    """The per-replication KPIs of a result directory (a run, a plan or a sweep point).

    Raises:
        ValueError: the directory holds no run's tables; the message says what it is instead.
    """
    folder = Path(directory)
    try:
        meta = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        meta = None
    if not isinstance(meta, dict):
        raise ValueError(f"'{directory}' is not a cxsim result (a directory written by cxsim "
                         "run, plan or sweep)")
    if meta.get("kind") == "sweep":
        raise ValueError(f"'{directory}' is a sweep (compare its points: "
                         f"{Path(directory) / 'points' / 'p000'}, ...)")
    if not (folder / "runs.parquet").is_file() or "seed" not in meta:
        raise ValueError(f"'{directory}' holds no run's tables (runs.parquet and the seed in "
                         f"{MARKER})")
    return Compared(str(directory), pd.read_parquet(folder / "runs.parquet"), int(meta["seed"]))


def _compared(side: Results | Compared | str | Path, default: str) -> Compared:
    if isinstance(side, Compared):
        return side
    if isinstance(side, Results):
        # A sweep's point is named by its id, a run by its scenario.
        label = str(side.meta.get("point") or side.scenario.name or default)
        return Compared(label, side.runs, side.seed)
    return read_compared(side)


def _t_quantile(level: float, freedom: np.ndarray) -> np.ndarray:
    from scipy import stats

    with np.errstate(invalid="ignore"):
        return np.asarray(stats.t.ppf(0.5 + level / 2, freedom), dtype=float)


def _paired(merged: pd.DataFrame, level: float) -> pd.DataFrame:
    """Mean and t interval of the per-replication differences b - a, per KPI."""
    both = merged.dropna(subset=["value_a", "value_b"])
    both = both.assign(difference=both["value_b"] - both["value_a"])
    groups = both.groupby(KEYS, sort=False)["difference"]
    table = pd.DataFrame({"difference": groups.mean(), "sd": groups.std(ddof=1),
                          "n": groups.count()})
    half = _t_quantile(level, table["n"].to_numpy() - 1) * table["sd"] / np.sqrt(table["n"])
    return table.assign(ci_low=table["difference"] - half, ci_high=table["difference"] + half)


def _welch(merged: pd.DataFrame, level: float) -> pd.DataFrame:
    """Difference of means b - a with Welch's interval, per KPI."""
    stats = {}
    for side in ("a", "b"):
        values = merged.groupby(KEYS, sort=False)[f"value_{side}"]
        stats[side] = (values.mean(), values.var(ddof=1), values.count())
    (mean_a, var_a, n_a), (mean_b, var_b, n_b) = stats["a"], stats["b"]
    share_a, share_b = var_a / n_a, var_b / n_b
    se = np.sqrt(share_a + share_b)
    with np.errstate(divide="ignore", invalid="ignore"):
        freedom = (share_a + share_b) ** 2 / (share_a ** 2 / (n_a - 1) + share_b ** 2 / (n_b - 1))
    # Both samples constant: no spread, the difference is what it is.
    freedom = freedom.where(se > 0, np.inf)
    half = _t_quantile(level, freedom.to_numpy()) * se
    difference = mean_b - mean_a
    return pd.DataFrame({"difference": difference, "ci_low": difference - half,
                         "ci_high": difference + half})


def compare(
    a: Results | Compared | str | Path,
    b: Results | Compared | str | Path,
    paired: bool | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Every KPI's difference b - a with its confidence interval (``comparison.csv``).

    Args:
        a: the baseline: a ``Results`` or a result directory (run, plan or sweep point).
        b: the alternative, the same way.
        paired: pair replications (common random numbers); by default when both ran with the
            same seed and the same replications. ``True`` when they did not is an error.
        level: confidence level of the intervals.

    Returns:
        One row per scope x region x channel x KPI of either side (``COMPARISON_COLUMNS``):
        both means, the difference with its interval, ``relative`` (the difference over
        ``|mean_a|``), ``method`` (``paired`` or ``unpaired``), ``significant`` (the interval
        leaves out zero) and the replications of each side.
    """
    first, second = _compared(a, "a"), _compared(b, "b")
    same_draws = first.seed == second.seed and first.reps == second.reps
    if paired and not same_draws:
        raise ValueError(f"cannot pair '{first.label}' (seed {first.seed}, {len(first.reps)} "
                         f"replications) with '{second.label}' (seed {second.seed}, "
                         f"{len(second.reps)}): pairing needs the same seed and replications")
    paired = same_draws if paired is None else paired
    merged = first.runs.merge(second.runs, on=[*KEYS, "rep"], how="outer",
                              suffixes=("_a", "_b"), sort=False)
    means = merged.groupby(KEYS, sort=False).agg(
        mean_a=("value_a", "mean"), mean_b=("value_b", "mean"),
        reps_a=("value_a", "count"), reps_b=("value_b", "count"))
    found = _paired(merged, level) if paired else _welch(merged, level)
    table = means.join(found[["difference", "ci_low", "ci_high"]]).reset_index()
    with np.errstate(divide="ignore", invalid="ignore"):
        table["relative"] = table["difference"] / table["mean_a"].abs().where(
            table["mean_a"] != 0)
    table["method"] = "paired" if paired else "unpaired"
    table["significant"] = ((table["ci_low"] > 0) | (table["ci_high"] < 0)).fillna(False)
    table.insert(0, "b", second.label)
    table.insert(0, "a", first.label)
    return table[COMPARISON_COLUMNS]


def biggest_changes(comparison: pd.DataFrame, top: int = 10) -> pd.DataFrame:
    """The significant differences that stand out most from their own uncertainty: ordered by
    the difference over its interval's half-width (exact differences first).

    A total that repeats the same figure as its parts (one region, one channel) is shown once,
    at the widest scope.
    """
    rows = comparison[comparison["significant"]]
    half = (rows["ci_high"] - rows["ci_low"]) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        score = (rows["difference"].abs() / half).where(half > 0, np.inf)
    widest = (rows["region"] == "*").astype(int) + (rows["channel"] == "*").astype(int)
    ordered = rows.assign(_score=score, _widest=widest).sort_values(
        ["_score", "_widest"], ascending=False, kind="stable")
    ordered = ordered.drop_duplicates(["scope", "kpi", "mean_a", "mean_b", "difference"])
    return ordered.drop(columns=["_score", "_widest"]).head(top)
