"""The tables of a sweep: every point's KPIs in long form beside its parameter values, and the
points that trade cost against service best (the Pareto front).

Every row of ``summary`` and ``runs`` carries the point's id and its parameter values (the shape
of a batch run), so that ``summary.groupby(param)`` is all a notebook needs. A sweep directory
holds each point as a run directory of its own (``points/<id>/``) and these tables beside them;
``SweepResults.load`` reads a finished sweep, and an unfinished one from the points it has.

The front compares points on three KPIs over all regions and channels (``FRONT_KPIS``): total
cost (``cost``/``total``, lower is better), the contacts' service level
(``contacts``/``service_level``) and the share of orders delivered on time
(``orders``/``on_time_rate``), both higher is better. A KPI the scenario does not have (no
orders, say) is left out. A point is on the front when no other point is at least as good on
every KPI and better on one, judged on the means.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from cxsim.results.output import MARKER
from cxsim.results.store import Results, read_csv_table
from cxsim.results.summary import ALL, SUMMARY_COLUMNS

__all__ = [
    "FRONT_KPIS",
    "POINTS_FOLDER",
    "POINT_TABLES",
    "FrontKpi",
    "SweepResults",
    "cost_service_front",
    "point_tables",
    "with_params",
]

POINTS_FOLDER = "points"


@dataclass(frozen=True)
class FrontKpi:
    """A KPI the front compares points on: its column in ``front.csv`` and which way is better."""

    column: str
    scope: str
    kpi: str
    better: Literal["lower", "higher"]


FRONT_KPIS = (
    FrontKpi("cost_total", "cost", "total", "lower"),
    FrontKpi("service_level", "contacts", "service_level", "higher"),
    FrontKpi("on_time_rate", "orders", "on_time_rate", "higher"),
)


def with_params(table: pd.DataFrame, point: str, params: Mapping[str, Any]) -> pd.DataFrame:
    """``table`` with the point's id and parameter values as its first columns."""
    head = pd.DataFrame({"point": [point] * len(table),
                         **{column: [value] * len(table) for column, value in params.items()}},
                        index=table.index)
    return pd.concat([head, table], axis=1)


def _one_type(column: pd.Series) -> pd.Series:
    """A parameter column that Parquet can hold: text throughout where values mix text with
    numbers."""
    kinds = {type(value) for value in column}
    if str in kinds and len(kinds) > 1:
        return column.map(str)
    return column


def _dominated(values: list[float], others: list[list[float]]) -> bool:
    """Whether another point is at least as good everywhere and better somewhere (all KPIs
    here are oriented so that higher is better)."""
    return any(all(o >= v for o, v in zip(other, values, strict=True))
               and any(o > v for o, v in zip(other, values, strict=True)) for other in others)


def cost_service_front(
    summary: pd.DataFrame, params: Sequence[str], region: str = ALL,
    kpis: Sequence[FrontKpi] = FRONT_KPIS,
) -> pd.DataFrame:
    """Cost against service, one row per point, with its mean and 95% interval per KPI and
    ``pareto`` marking the points no other point beats on every KPI.

    Args:
        summary: a sweep's summary (``point``, the parameters, then ``summary.csv``'s columns).
        params: the parameter columns.
        region: the region compared (``*``: all).
        kpis: what to compare on (``FRONT_KPIS``).
    """
    points = summary[["point", *params]].drop_duplicates("point").reset_index(drop=True)
    front = points.copy()
    used: list[FrontKpi] = []
    for kpi in kpis:
        rows = summary[(summary["scope"] == kpi.scope) & (summary["kpi"] == kpi.kpi)
                       & (summary["region"] == region) & (summary["channel"] == ALL)]
        rows = rows.set_index("point").reindex(points["point"])
        if rows["mean"].isna().any() or (kpi.scope == "cost" and (rows["mean"] == 0).all()):
            continue  # the scenario has no such KPI (no orders, no costs)
        used.append(kpi)
        front[kpi.column] = rows["mean"].to_numpy()
        front[f"{kpi.column}_ci_low"] = rows["ci_low"].to_numpy()
        front[f"{kpi.column}_ci_high"] = rows["ci_high"].to_numpy()
    oriented = [[(-1.0 if kpi.better == "lower" else 1.0) * value
                 for kpi, value in zip(used, values, strict=True)]
                for values in front[[kpi.column for kpi in used]].to_numpy(dtype=float).tolist()]
    front["pareto"] = [bool(used) and not _dominated(values, oriented[:i] + oriented[i + 1:])
                       for i, values in enumerate(oriented)]
    return front


@dataclass
class SweepResults:
    """The outcome of ``cxsim.sweep``: long-format tables over every point.

    Attributes:
        params: the parameter columns (the grid's names for what it varies).
        points: one row per point: ``point``, its parameter values, and ``done`` (False for a
            point an interrupted sweep has not run yet).
        summary: ``point``, the parameters, then the columns of a run's ``summary.csv``.
        runs: ``point``, the parameters, then the columns of a run's ``runs`` table (one
            row per replication x KPI).
        seed: the root seed every point ran with (common random numbers across points).
        reps: replications per point.
        directory: where the sweep is written (None when it was kept in memory).
        meta: how it was made (scenario, grid fingerprint, cxsim version).
        point_results: each point's full ``Results``, when kept in memory.
    """

    params: list[str]
    points: pd.DataFrame
    summary: pd.DataFrame
    runs: pd.DataFrame
    seed: int
    reps: int
    directory: Path | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    point_results: dict[str, Results] = field(default_factory=dict, repr=False)

    @classmethod
    def from_points(
        cls, params: Sequence[str], points: pd.DataFrame,
        tables: Mapping[str, tuple[pd.DataFrame, pd.DataFrame]], seed: int, reps: int,
        **extra: Any,
    ) -> SweepResults:
        """Tables from each point's (summary, runs), given by point id, in the points' order."""
        params = list(params)
        points = points.copy()
        for column in params:
            points[column] = _one_type(points[column])
        points["done"] = points["point"].isin(list(tables))
        rows = points.set_index("point")
        summaries, runs = [], []
        for point in points.loc[points["done"], "point"]:
            values = {column: rows.at[point, column] for column in params}
            summary, run = tables[point]
            summaries.append(with_params(summary, point, values))
            runs.append(with_params(run, point, values))
        empty = pd.DataFrame(columns=["point", *params])
        summary = pd.concat(summaries, ignore_index=True) if summaries else \
            empty.reindex(columns=[*empty.columns, *SUMMARY_COLUMNS])
        run_table = pd.concat(runs, ignore_index=True) if runs else \
            empty.reindex(columns=[*empty.columns, "rep", "scope", "region", "channel", "kpi",
                                   "value"])
        return cls(params=params, points=points, summary=summary, runs=run_table, seed=seed,
                   reps=reps, **extra)

    @property
    def complete(self) -> bool:
        """Whether every point has run."""
        return bool(self.points["done"].all())

    def front(self, region: str = ALL) -> pd.DataFrame:
        """Cost against service per point, with the Pareto front marked
        (``cost_service_front``; ``front.csv`` holds it over all regions)."""
        return cost_service_front(self.summary, self.params, region)

    def plot_front(self, region: str = ALL) -> Any:
        """Cost against service per point, the Pareto front joined (the report's figure)."""
        from cxsim.results.plots import plot_front

        return plot_front(self, region)

    def point(self, point: str) -> Results:
        """The full results of one point (its interval and daily tables too)."""
        if point in self.point_results:
            return self.point_results[point]
        if self.directory is not None and (self.directory / POINTS_FOLDER / point).is_dir():
            return Results.load(self.directory / POINTS_FOLDER / point)
        raise KeyError(f"no results for point {point!r} (one of: "
                       f"{', '.join(self.points.loc[self.points['done'], 'point'])})")

    def files(self) -> dict[str, Callable[[Path], object]]:
        """How to write each combined table: file name -> a function writing it to a path
        (``points.csv``, ``summary.csv``, ``runs.parquet``, ``front.csv``)."""
        return {
            "points.csv": lambda path: self.points.to_csv(path, index=False),
            "summary.csv": lambda path: self.summary.to_csv(path, index=False),
            "runs.parquet": lambda path: self.runs.to_parquet(path, index=False),
            "front.csv": lambda path: self.front().to_csv(path, index=False),
        }

    @classmethod
    def load(cls, directory: str | Path) -> SweepResults:
        """Read a sweep directory; an unfinished sweep is read from the points it has."""
        folder = Path(directory)
        meta = json.loads((folder / MARKER).read_text(encoding="utf-8"))
        if meta.get("kind") != "sweep":
            raise ValueError(f"{folder} is not a sweep (its run.json says "
                             f"{meta.get('kind', 'nothing')!r})")
        params = list(meta["params"])
        points = read_csv_table(folder / "points.csv")
        extra = {"directory": folder, "meta": meta}
        if meta.get("complete") and (folder / "summary.csv").exists():
            summary = read_csv_table(folder / "summary.csv")
            return cls(params=params, points=points, summary=summary,
                       runs=pd.read_parquet(folder / "runs.parquet"), seed=int(meta["seed"]),
                       reps=int(meta["reps"]), **extra)
        tables = {}
        for point in points["point"]:
            found = point_tables(folder / POINTS_FOLDER / str(point))
            if found is not None:
                tables[str(point)] = found
        return cls.from_points(params, points.drop(columns="done", errors="ignore"), tables,
                               int(meta["seed"]), int(meta["reps"]), **extra)


# What a point of a sweep keeps for the sweep's tables (``point_tables`` reads them).
POINT_TABLES = ("summary.csv", "runs.parquet")


def point_tables(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """(summary, runs) of a point written in ``folder``, or None if it has not finished."""
    if not (folder / MARKER).is_file():
        return None
    summary_file, runs_file = POINT_TABLES
    return read_csv_table(folder / summary_file), pd.read_parquet(folder / runs_file)
