"""Result tables: per interval, per day, per run, and a summary with confidence intervals.

Built at the edge from the plain records the model returns. Tables are pandas DataFrames in
tidy form; ``Results.save`` writes them as Parquet (and ``summary.csv``) into a directory
atomically, so that a failed or interrupted run never leaves a half-written directory and never
damages an earlier result.

KPI conventions (``summary.csv``): statistics skip the warm-up; contacts are counted in the
interval they arrived. ``wait_prob``, ``abandoned``, ``abandon_rate``, ``asa_s`` and
``wait_p90_s`` are over synchronous (live) channels, ``response_p95_h`` over asynchronous ones;
``service_level`` judges each contact by its own channel's target.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from cxsim.model.calendar import MINUTES_PER_DAY
from cxsim.model.metrics import (
    QUEUE_MEASURES,
    TEAM_MEASURES,
    ReplicationRecord,
    histogram_quantile,
)
from cxsim.scenario.models import Scenario, SyncChannel

__all__ = ["SUMMARY_COLUMNS", "Results", "confidence_interval", "summarise"]

SUMMARY_COLUMNS = ["scope", "region", "channel", "kpi", "mean", "ci_low", "ci_high", "reps"]
ALL = "*"
_TABLES = (
    "runs",
    "contacts_by_interval",
    "contacts_by_day",
    "teams_by_interval",
    "teams_by_day",
    "orders_by_day",
    "inventory_by_day",
)


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
    from scipy import stats  # imported here: it doubles the start-up time of the command

    quantile = stats.t.ppf(0.5 + level / 2, data.size - 1)
    half = float(quantile * data.std(ddof=1) / math.sqrt(data.size))
    return mean, mean - half, mean + half


# KPIs that are shares; every other KPI is a count, a time or an amount and is never negative.
SHARE_KPIS = frozenset({"service_level", "wait_prob", "abandon_rate", "occupancy", "fill_rate",
                        "on_time_rate", "backorder_rate", "lost_rate", "next_node_rate"})


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


@dataclass(frozen=True)
class _QueueInfo:
    region: str
    channel: str
    sync: bool
    exclude_short_abandons: bool


def _queue_info(scenario: Scenario, key: tuple[str, str, str]) -> _QueueInfo:
    spec = scenario.channels[key[1]]
    sync = isinstance(spec, SyncChannel)
    exclude = sync and spec.target.exclude_abandons_within_target  # type: ignore[union-attr]
    return _QueueInfo(key[0], key[1], sync, bool(exclude))


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else math.nan


def _contact_kpis(
    infos: Sequence[_QueueInfo],
    totals: Sequence[dict[str, float]],
    histograms: Sequence[np.ndarray],
) -> dict[str, float]:
    """KPIs of a group of queues from their measures summed over the counted intervals."""

    def total(measure: str, which: Iterable[int]) -> float:
        return sum(totals[i][measure] for i in which)

    every = range(len(infos))
    sync = [i for i in every if infos[i].sync]
    backlog = [i for i in every if not infos[i].sync]
    judged = sum(
        totals[i]["handled"] + totals[i]["abandoned"]
        - (totals[i]["abandoned_in_target"] if infos[i].exclude_short_abandons else 0.0)
        for i in every
    )
    kpis = {
        "offered": total("offered", every),
        "handled": total("handled", every),
        "service_level": _ratio(total("answered_in_target", every), judged),
        "deflected": total("deflected", every),
        "escalated": total("escalated", every),
        "switched": total("switched", every),
        "retries": total("retries", every),
        "chases": total("chases", every),
        "follow_ups": total("follow_ups", every),
        "merged": total("merged", every),
        "unserved": total("unserved", every),
    }
    if sync:
        offered = total("offered", sync)
        kpis["abandoned"] = total("abandoned", sync)
        kpis["wait_prob"] = _ratio(offered - total("answered_at_once", sync), offered)
        kpis["abandon_rate"] = _ratio(kpis["abandoned"], offered)
        kpis["asa_s"] = 60 * _ratio(total("wait_minutes_handled", sync), total("handled", sync))
        waits = np.sum([histograms[i] for i in sync], axis=0)
        kpis["wait_p90_s"] = 60 * histogram_quantile(waits.tolist(), 0.90)
    if backlog:
        waits = np.sum([histograms[i] for i in backlog], axis=0)
        kpis["response_p95_h"] = histogram_quantile(waits.tolist(), 0.95) / 60
    return kpis


def _groups(keys: Sequence[tuple[str, str, str]]) -> dict[tuple[str, str], list[int]]:
    """(region, channel) scopes, with ``*`` for all, -> indices of the queues they cover."""
    groups: dict[tuple[str, str], list[int]] = {}
    for index, (region, channel, _language) in enumerate(keys):
        for scope in ((region, channel), (region, ALL), (ALL, channel), (ALL, ALL)):
            groups.setdefault(scope, []).append(index)
    return groups


def _run_rows(scenario: Scenario, record: ReplicationRecord) -> list[tuple[Any, ...]]:
    """(rep, scope, region, channel, kpi, value) rows of one replication."""
    first = record.first_counted_interval
    rep = record.replication
    rows: list[tuple[Any, ...]] = []
    keys = list(record.queues)
    infos = [_queue_info(scenario, key) for key in keys]
    totals = [
        {m: float(sum(record.queues[key][m][first:])) for m in QUEUE_MEASURES} for key in keys
    ]
    histograms = [np.asarray(record.wait_histograms[key]) for key in keys]
    for (region, channel), members in _groups(keys).items():
        kpis = _contact_kpis(
            [infos[i] for i in members], [totals[i] for i in members],
            [histograms[i] for i in members],
        )
        rows += [(rep, "contacts", region, channel, k, v) for k, v in kpis.items()]

    costs: dict[str, dict[str, float]] = {}

    def add_cost(region: str, kind: str, amount: float) -> None:
        for scope in (region, ALL):
            bucket = costs.setdefault(scope, {"agents": 0.0, "holding": 0.0, "shipping": 0.0})
            bucket[kind] += amount

    team_regions = {name: spec.region for name, spec in scenario.teams.items()}
    for region in [*dict.fromkeys(team_regions.values()), ALL] if team_regions else []:
        names = [n for n, r in team_regions.items() if region in (ALL, r)]

        def total(measure: str, names: list[str] = names) -> float:
            return sum(sum(record.teams[n][measure][first:]) for n in names)

        peaks = np.sum([record.teams[n]["peak_on_duty"][first:] for n in names], axis=0)
        busy, available = total("busy_minutes"), total("available_minutes")
        rows += [
            (rep, "contacts", region, ALL, "occupancy", _ratio(busy, available)),
            (rep, "staffing", region, ALL, "agent_hours", total("on_duty_minutes") / 60),
            (rep, "staffing", region, ALL, "available_hours", available / 60),
            (rep, "staffing", region, ALL, "agents_peak", float(np.max(peaks))),
            (rep, "staffing", region, ALL, "headcount_end",
             float(sum(record.teams[n]["headcount"][-1] for n in names))),
        ]
    for name, team in scenario.teams.items():
        hours = sum(record.teams[name]["on_duty_minutes"][first:]) / 60
        add_cost(team.region, "agents", hours * team.cost_per_hour)
    rows += _order_rows(scenario, record, add_cost)
    for region, bucket in costs.items():
        rows += [(rep, "cost", region, ALL, kind, amount) for kind, amount in bucket.items()]
        rows.append((rep, "cost", region, ALL, "total", sum(bucket.values())))
    return rows


def _order_rows(
    scenario: Scenario, record: ReplicationRecord, add_cost: Any
) -> list[tuple[Any, ...]]:
    """Orders and inventory KPIs of one replication, and their costs."""
    rep = record.replication
    first_day = math.ceil(scenario.warmup_minutes / MINUTES_PER_DAY - 1e-9)
    rows: list[tuple[Any, ...]] = []
    groups: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
    for key in record.orders:
        region, channel, _product = key
        for scope in ((region, channel), (region, ALL), (ALL, channel), (ALL, ALL)):
            groups.setdefault(scope, []).append(key)
    for (region, channel), keys in groups.items():
        def total(measure: str, keys: list[tuple[str, str, str]] = keys) -> float:
            return sum(sum(record.orders[k][measure][first_day:]) for k in keys)

        units = total("units")
        histogram = np.sum([record.delivery_histograms[k] for k in keys], axis=0).tolist()
        kpis = {
            "orders": total("orders"),
            "fill_rate": _ratio(total("units_from_stock"), units),
            "on_time_rate": _ratio(total("on_time"), total("promised")),
            "delivery_days_p50": histogram_quantile(histogram, 0.5) / MINUTES_PER_DAY,
            "delivery_days_p95": histogram_quantile(histogram, 0.95) / MINUTES_PER_DAY,
            "backorder_rate": _ratio(total("units_backordered"), units),
            "lost_rate": _ratio(total("units_lost"), units),
            "next_node_rate": _ratio(total("units_next_node"), units),
            "late_orders": total("late"),
            "returns": total("returns"),
        }
        rows += [(rep, "orders", region, channel, k, v) for k, v in kpis.items()]
    for (region, _channel, _product), series in record.orders.items():
        add_cost(region, "shipping", sum(series["shipping_cost"][first_day:]))
    counted_minutes = record.horizon_minutes - first_day * MINUTES_PER_DAY
    by_node: dict[tuple[str, str], list[dict[str, list[float]]]] = {}
    for (node, product, _channel), series in record.inventory.items():
        for scope in ((node, product), (node, ALL)):
            by_node.setdefault(scope, []).append(series)
        holding = scenario.nodes[node].stock[product].holding_cost_per_unit_day
        on_hand_days = sum(series["on_hand_minutes"][first_day:]) / MINUTES_PER_DAY
        add_cost(scenario.nodes[node].location, "holding", on_hand_days * holding)
    for (node, product), parts in by_node.items():
        def level(measure: str, parts: list[dict[str, list[float]]] = parts) -> float:
            return sum(sum(p[measure][first_day:]) for p in parts)

        rows += [
            (rep, "inventory", node, product, "on_hand_mean",
             _ratio(level("on_hand_minutes"), counted_minutes)),
            (rep, "inventory", node, product, "on_order_mean",
             _ratio(level("on_order_minutes"), counted_minutes)),
            (rep, "inventory", node, product, "stockout_days",
             level("stockout_minutes") / MINUTES_PER_DAY / (len(parts) if product == ALL else 1)),
            (rep, "inventory", node, product, "fill_rate",
             _ratio(level("units_filled"), level("units_demanded"))),
        ]
    return rows


def _interval_frames(
    scenario: Scenario, records: Sequence[ReplicationRecord]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Wide per-interval tables of queues and teams, all replications stacked."""
    origin = pd.Timestamp(scenario.start_date, tz="UTC")
    contact_parts, team_parts = [], []
    for record in records:
        count = record.interval_count
        index = np.arange(count)
        base = {
            "rep": np.full(count, record.replication),
            "interval": index,
            "start": origin + pd.to_timedelta(index * record.interval_minutes, unit="min"),
            "counted": index >= record.first_counted_interval,
        }
        for (region, channel, language), series in record.queues.items():
            contact_parts.append(pd.DataFrame(
                {**base, "region": region, "channel": channel, "language": language, **series}
            ))
        for name, series in record.teams.items():
            team_parts.append(pd.DataFrame(
                {**base, "team": name, "region": scenario.teams[name].region, **series}
            ))
    contacts = pd.concat(contact_parts, ignore_index=True) if contact_parts else pd.DataFrame()
    teams = pd.concat(team_parts, ignore_index=True) if team_parts else pd.DataFrame()
    return contacts, teams


def _add_contact_kpis(frame: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Adds service_level, asa_s, wait_prob and abandon_rate columns to a per-queue table."""
    if frame.empty:
        return frame
    sync = frame["channel"].map(
        {name: isinstance(spec, SyncChannel) for name, spec in scenario.channels.items()}
    ).astype(bool)
    exclude = frame["channel"].map({
        name: isinstance(spec, SyncChannel) and spec.target.exclude_abandons_within_target
        for name, spec in scenario.channels.items()
    }).astype(bool)
    judged = frame["handled"] + frame["abandoned"] - frame["abandoned_in_target"].where(exclude, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["service_level"] = (frame["answered_in_target"] / judged).where(judged > 0)
        handled = frame["handled"].where(frame["handled"] > 0)
        frame["asa_s"] = 60 * frame["wait_minutes_handled"] / handled
        offered = frame["offered"].where(sync & (frame["offered"] > 0))
        frame["wait_prob"] = (frame["offered"] - frame["answered_at_once"]) / offered
        frame["abandon_rate"] = frame["abandoned"] / offered
    return frame


def _add_team_kpis(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return frame
    available = frame["available_minutes"].where(frame["available_minutes"] > 0)
    frame["occupancy"] = frame["busy_minutes"] / available
    return frame


def _daily_frame(
    scenario: Scenario, records: Sequence[ReplicationRecord], attribute: str,
    keys: tuple[str, str, str],
) -> pd.DataFrame:
    """A per-day table of orders or stock, all replications stacked."""
    origin = pd.Timestamp(scenario.start_date)
    first_day = math.ceil(scenario.warmup_minutes / MINUTES_PER_DAY - 1e-9)
    parts = []
    for record in records:
        for key, series in getattr(record, attribute).items():
            days = len(next(iter(series.values())))
            index = np.arange(days)
            parts.append(pd.DataFrame({
                "rep": record.replication,
                "date": (origin + pd.to_timedelta(index, unit="D")).date,
                "counted": index >= first_day,
                **dict(zip(keys, key, strict=True)),
                **series,
            }))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _hiring(scenario: Scenario, plan: Sequence[tuple[str, dt.date, int, dt.date]]) -> pd.DataFrame:
    rows = [
        (team, scenario.teams[team].region, start, agents, decide_by,
         decide_by < scenario.start_date)
        for team, start, agents, decide_by in plan
    ]
    return pd.DataFrame(
        rows, columns=["team", "region", "start_date", "agents", "decide_by", "too_late"]
    )


def _by_day(frame: pd.DataFrame, keys: list[str], measures: Sequence[str]) -> pd.DataFrame:
    if frame.empty:
        return frame
    day = frame["start"].dt.floor("D").rename("date")
    sums = {m: "sum" for m in measures if m not in ("peak_on_duty", "headcount")}
    if "peak_on_duty" in measures:
        sums["peak_on_duty"] = "max"
        sums["headcount"] = "last"
    grouped = frame.groupby([frame["rep"], day, *[frame[k] for k in keys]], sort=True)
    daily = grouped.agg({**sums, "counted": "all"}).reset_index()
    return daily


@dataclass
class Results:
    """The outcome of ``cxsim.run``: result tables and where they came from.

    Attributes:
        scenario: the validated scenario that was run.
        seed: the root seed.
        reps: number of replications.
        runs: one row per replication x scope x region x channel x KPI (column ``value``).
        summary: one row per scope x region x channel x KPI with the mean and the 95%
            confidence interval across replications (``summary.csv``).
        contacts_by_interval, contacts_by_day: measures and KPIs per queue.
        teams_by_interval, teams_by_day: agent time, headcount and occupancy per team.
        orders_by_day: per region, sales channel and product, by day of order.
        inventory_by_day: per node, product and pool (a sales channel's allocation, or ``*``).
        hiring: every planned hire with the latest date to decide it (``hiring_lead_days``
            before the start); ``too_late`` marks decisions due before the scenario starts.
    """

    scenario: Scenario
    seed: int
    reps: int
    runs: pd.DataFrame
    summary: pd.DataFrame
    contacts_by_interval: pd.DataFrame
    contacts_by_day: pd.DataFrame
    teams_by_interval: pd.DataFrame
    teams_by_day: pd.DataFrame
    orders_by_day: pd.DataFrame
    inventory_by_day: pd.DataFrame
    hiring: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_records(
        cls, scenario: Scenario, seed: int, records: Sequence[ReplicationRecord]
    ) -> Results:
        """Tables from the records of every replication (in replication order)."""
        rows = [row for record in records for row in _run_rows(scenario, record)]
        runs = pd.DataFrame(rows, columns=["rep", "scope", "region", "channel", "kpi", "value"])
        contacts, teams = _interval_frames(scenario, records)
        contacts_daily = _by_day(contacts, ["region", "channel", "language"], QUEUE_MEASURES)
        teams_daily = _by_day(teams, ["team", "region"], TEAM_MEASURES)
        return cls(
            scenario=scenario,
            seed=seed,
            reps=len(records),
            runs=runs,
            summary=summarise(runs),
            contacts_by_interval=_add_contact_kpis(contacts, scenario),
            contacts_by_day=_add_contact_kpis(contacts_daily, scenario),
            teams_by_interval=_add_team_kpis(teams),
            teams_by_day=_add_team_kpis(teams_daily),
            orders_by_day=_daily_frame(scenario, records, "orders",
                                       ("region", "sales_channel", "product")),
            inventory_by_day=_daily_frame(scenario, records, "inventory",
                                          ("node", "product", "pool")),
            hiring=_hiring(scenario, records[0].hiring if records else []),
            meta={"seed": seed, "reps": len(records), "scenario": scenario.name},
        )

    def kpi(
        self, kpi: str, region: str = ALL, channel: str = ALL, scope: str | None = None
    ) -> float:
        """The mean of one KPI across replications, for example ``kpi("service_level")``."""
        table = self.summary
        mask = (table["kpi"] == kpi) & (table["region"] == region) & (table["channel"] == channel)
        if scope is not None:
            mask &= table["scope"] == scope
        found = table.loc[mask, "mean"]
        if found.empty:
            known = ", ".join(sorted(table["kpi"].unique()))
            raise KeyError(f"no KPI {kpi!r} for region {region!r}, channel {channel!r} ({known})")
        return float(found.iloc[0])

    def save(self, directory: str | Path) -> Path:
        """Write every table into ``directory``, atomically; returns the directory.

        The tables are written into a temporary sibling directory that replaces ``directory``
        only once complete; an earlier result there is removed only after that.
        """
        target = Path(directory).resolve()
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
        try:
            self.summary.to_csv(staging / "summary.csv", index=False)
            self.hiring.to_csv(staging / "hiring.csv", index=False)
            for name in _TABLES:
                getattr(self, name).to_parquet(staging / f"{name}.parquet", index=False)
            scenario_data = self.scenario.model_dump(mode="json")
            (staging / "scenario.yaml").write_text(
                yaml.safe_dump(scenario_data, sort_keys=False, allow_unicode=True)
            )
            meta = {**self.meta, "written": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
            (staging / "run.json").write_text(json.dumps(meta, indent=2))
            _replace_directory(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return target

    @classmethod
    def load(cls, directory: str | Path) -> Results:
        """Read tables written by ``save``."""
        from cxsim.scenario.loading import parse_scenario

        folder = Path(directory)
        scenario = parse_scenario(
            yaml.safe_load((folder / "scenario.yaml").read_text()), str(folder)
        )
        meta = json.loads((folder / "run.json").read_text())
        tables = {name: pd.read_parquet(folder / f"{name}.parquet") for name in _TABLES}
        summary = pd.read_csv(folder / "summary.csv", keep_default_na=False, na_values=[""])
        hiring = pd.read_csv(folder / "hiring.csv")
        for column in ("start_date", "decide_by"):
            hiring[column] = [dt.date.fromisoformat(str(day)) for day in hiring[column]]
        return cls(
            scenario=scenario, seed=int(meta["seed"]), reps=int(meta["reps"]), summary=summary,
            hiring=hiring, meta=meta, **tables,
        )

    def plot_intervals(self, column: str = "service_level", ax: Any = None) -> Any:
        """Mean of a per-interval column across replications, one line per queue; returns axes."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(10, 4))
        table = self.contacts_by_interval
        counted = table[table["counted"]]
        for (region, channel), group in counted.groupby(["region", "channel"]):
            series = group.groupby("start")[column].mean()
            ax.plot(series.index, series.to_numpy(), label=f"{region} {channel}")
        ax.set_ylabel(column)
        ax.set_xlabel("interval start (UTC)")
        ax.legend(loc="best")
        return ax


def _replace_directory(staging: Path, target: Path) -> None:
    """Move ``staging`` to ``target``; an existing ``target`` is kept until the move is done."""
    if not target.exists():
        os.replace(staging, target)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    retired.rmdir()
    os.replace(target, retired)
    try:
        os.replace(staging, target)
    except BaseException:
        os.replace(retired, target)
        raise
    with contextlib.suppress(OSError):
        shutil.rmtree(retired)
