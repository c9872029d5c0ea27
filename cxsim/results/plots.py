"""Plots of a run's tables, for a notebook (``results.plot_...``) and the HTML report alike.

Each function takes ``Results`` and returns a matplotlib ``Figure`` (made without pyplot, so
nothing global changes), labelled with units; a line is the mean across replications and its
band the 95% confidence interval (t interval across replications, as in ``summary.csv``).
Statistics skip the warm-up. Interval tables are read in the region's local time; per-day
tables by the day they count (``day_axis``). A plot with nothing to show raises
``NothingToPlotError``.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.dates import (
    AutoDateLocator,
    ConciseDateFormatter,
    DateFormatter,
    DayLocator,
    date2num,
)
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from cxsim.results.catalogue import format_interval, format_value
from cxsim.results.frames import add_contact_kpis
from cxsim.results.kpis import required_agents, scenario_reasons
from cxsim.results.summary import ALL, confidence_band
from cxsim.results.verdicts import promise_text
from cxsim.scenario.models import AsyncChannel, SyncChannel

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from cxsim.results.store import Results
    from cxsim.results.sweeps import SweepResults

__all__ = [
    "PER_DAY_CLOCK",
    "PER_DAY_COLUMN",
    "NothingToPlotError",
    "PlotFigure",
    "day_axis",
    "plot_backlog",
    "plot_contacts",
    "plot_cost",
    "plot_delivery",
    "plot_front",
    "plot_service_level",
    "plot_staffing",
    "plot_stock",
]

# The per-day tables (contacts_by_day, contacts_by_reason, orders_by_day, inventory_by_day)
# name their day in this column, and count days on this clock: "UTC" days of the simulation
# clock, or "local" days of each region.
PER_DAY_COLUMN = "date"
PER_DAY_CLOCK = "UTC"

WIDTH_IN = 9.0  # figure width in inches: the report's column at 100 dpi
_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
            "#7f7f7f", "#bcbd22", "#17becf")
_STOCKOUT = "#d62728"
_MEASURES = ("offered", "handled", "answered_at_once", "answered_in_target", "abandoned",
             "abandoned_in_target", "overdue_at_end", "wait_minutes_handled")


class NothingToPlotError(ValueError):
    """The tables hold nothing for this plot (say a region without contacts)."""


class PlotFigure(Figure):
    """A matplotlib figure that a notebook shows as an image, whether pyplot was imported or
    not (IPython's rich display: ``_repr_png_``)."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=100)
        return buffer.getvalue()


def day_axis(table: pd.DataFrame) -> pd.Series:
    """The day of each row of a per-day table, as naive datetimes at midnight."""
    days = pd.to_datetime(table[PER_DAY_COLUMN])
    if days.dt.tz is not None:
        days = days.dt.tz_localize(None)
    normal: pd.Series = days.dt.normalize()
    return normal


def _day_label(results: Results, region: str | None) -> str:
    if PER_DAY_CLOCK == "local" and region in results.scenario.regions:
        return f"day ({results.scenario.regions[region].timezone})"
    return f"day ({PER_DAY_CLOCK})"


def _local_days(results: Results, region: str, starts: pd.Series) -> pd.Series:
    """The local day (naive datetime at midnight) of each UTC interval start in ``region``."""
    zone = results.scenario.regions[region].timezone
    days: pd.Series = starts.dt.tz_convert(zone).dt.tz_localize(None).dt.normalize()
    return days


def _whole_local_days(results: Results, region: str, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (per interval, a UTC ``start`` column) with its rows' local ``day``, keeping
    only the days whose every interval was counted: the horizon runs on the UTC clock, so the
    first and last local days of a region are partial and would look like dips."""
    zone = results.scenario.regions[region].timezone
    days = _local_days(results, region, frame["start"])
    first = frame["start"].min()
    end = frame["start"].max() + pd.Timedelta(minutes=results.scenario.interval_minutes)
    unique = pd.DatetimeIndex(days.unique())
    begins = unique.tz_localize(zone, ambiguous="NaT", nonexistent="shift_forward")
    ends = (unique + pd.Timedelta(days=1)).tz_localize(zone, ambiguous="NaT",
                                                       nonexistent="shift_forward")
    whole = unique[(begins >= first) & (ends <= end)]
    return frame.assign(day=days)[days.isin(whole)]


def _region(results: Results, region: str | None) -> str:
    regions = list(results.scenario.regions)
    if region is None:
        if len(regions) == 1:
            return regions[0]
        raise ValueError(f"name a region (one of: {', '.join(regions)})")
    if region not in regions:
        raise ValueError(f"unknown region {region!r} (one of: {', '.join(regions)})")
    return region


def _colours(names: Sequence[str]) -> dict[str, str]:
    return {name: _PALETTE[i % len(_PALETTE)] for i, name in enumerate(names)}


def _figure(height_in: float) -> Figure:
    return PlotFigure(figsize=(WIDTH_IN, height_in), layout="constrained")


def _date_axis(ax: Axes) -> None:
    """Dates on the x axis: a tick a day over a few days, concise dates over longer spans."""
    low, high = ax.dataLim.intervalx
    if np.isfinite(low) and high - low <= 10:
        ax.set_xlim(low - 0.7, high + 0.7)
        ax.xaxis.set_major_locator(DayLocator())  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_formatter(DateFormatter("%d %b"))  # type: ignore[no-untyped-call]
        return
    locator = AutoDateLocator(minticks=3, maxticks=9)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]


def _count_axis(ax: Axes) -> None:
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{value:,.0f}"))


# Up to this many days, a series is drawn with a marker per day and stacks as bars.
_FEW_DAYS = 45


def _band(ax: Axes, band: pd.DataFrame, x: str, colour: str, label: str,
          low: float = 0.0, high: float = np.inf) -> None:
    """The mean as a line and its confidence interval as a band, clipped to [low, high]; a
    single point as a marker with error bars."""
    mean = band["mean"].clip(low, high).to_numpy(dtype=float)
    lows = band["ci_low"].clip(low, high).to_numpy(dtype=float)
    highs = band["ci_high"].clip(low, high).to_numpy(dtype=float)
    if len(band) < 2:
        error = None if np.isnan(lows).all() else np.array([mean - lows, highs - mean])
        ax.errorbar(band[x].to_numpy(), mean, yerr=error, fmt="o", color=colour, label=label,
                    capsize=4)
        return
    ax.plot(band[x], mean, color=colour, label=label, linewidth=1.3,
            marker="o" if len(band) <= _FEW_DAYS else None, markersize=3)
    ax.fill_between(band[x], lows, highs, color=colour, alpha=0.2, linewidth=0)


def _stack(ax: Axes, daily: pd.DataFrame, colours: dict[str, str]) -> None:
    """Daily values stacked by column: areas, or bars for a few days."""
    if len(daily) > _FEW_DAYS:
        ax.stackplot(daily.index, *(daily[name].to_numpy() for name in daily.columns),
                     labels=list(daily.columns), colors=[colours[n] for n in daily.columns],
                     linewidth=0)
        return
    bottom = np.zeros(len(daily))
    for name in daily.columns:
        values = daily[name].to_numpy()
        ax.bar(daily.index, values, bottom=bottom, width=0.8, color=colours[name], label=name)
        bottom += values


def _counted(table: pd.DataFrame, **equal: str) -> pd.DataFrame:
    if table.empty:
        return table
    mask = table["counted"].astype(bool)
    for column, value in equal.items():
        mask &= table[column] == value
    return table[mask]


def _stats(results: Results, scope: str) -> dict[tuple[str, str, str], tuple[float, float, float]]:
    """(region, channel, kpi) -> (mean, ci_low, ci_high) of one scope of the summary."""
    table = results.summary[results.summary["scope"] == scope]
    return {(str(region), str(channel), str(kpi)): (float(mean), float(low), float(high))
            for region, channel, kpi, mean, low, high in zip(
                table["region"], table["channel"], table["kpi"], table["mean"],
                table["ci_low"], table["ci_high"], strict=True)}


def plot_contacts(results: Results, region: str | None = None) -> Figure:
    """Contacts per day in a region by reason and by channel (stacked; mean across
    replications): every contact that reached a queue or a bot."""
    region = _region(results, region)
    rows = _counted(results.contacts_by_reason, region=region)
    if rows.empty or not rows["contacts"].sum() > 0:
        raise NothingToPlotError(f"no contacts in region {region!r}")
    rows = rows.assign(day=day_axis(rows))
    reasons = [r for r in scenario_reasons(results.scenario) if r in set(rows["reason"])]
    reasons += sorted(set(rows["reason"]) - set(reasons))
    channels = [c for c in results.scenario.channels if c in set(rows["channel"])]
    figure = _figure(5.6)
    axes = figure.subplots(2, 1, sharex=True)
    for ax, column, names in ((axes[0], "reason", reasons), (axes[1], "channel", channels)):
        daily = (rows.groupby(["day", column])["contacts"].sum() / results.reps).unstack(
            fill_value=0).reindex(columns=names, fill_value=0.0)
        _stack(ax, daily, _colours(names))
        ax.set_ylabel("contacts per day")
        ax.set_title(f"by {column}", loc="left", fontsize=10)
        ax.legend(loc="upper left", fontsize=8, ncols=min(len(names), 4), frameon=False)
        ax.set_ylim(0, daily.sum(axis=1).max() * 1.35)
        _count_axis(ax)
    _date_axis(axes[1])
    axes[1].set_xlabel(_day_label(results, region))
    figure.suptitle(f"{region}: contacts per day (mean of {results.reps} replications)",
                    fontsize=11)
    return figure


def plot_service_level(results: Results, region: str | None = None) -> Figure:
    """Service level per day of each channel in a region against its target, with the 95%
    interval across replications."""
    region = _region(results, region)
    rows = _counted(results.contacts_by_day, region=region)
    offered = rows.groupby("channel")["offered"].sum() if not rows.empty else pd.Series()
    channels = [c for c in results.scenario.channels if offered.get(c, 0) > 0]
    if not channels:
        raise NothingToPlotError(f"no contacts offered in region {region!r}")
    rows = rows[rows["channel"].isin(channels)].assign(day=day_axis(rows))
    measures = [m for m in _MEASURES if m in rows]  # (overdue_at_end: not in older tables)
    daily = rows.groupby(["rep", "day", "channel"], as_index=False)[measures].sum()
    daily = add_contact_kpis(daily, results.scenario)
    band = confidence_band(daily, ["channel", "day"], "service_level")
    columns = 1 if len(channels) == 1 else 2
    lines = -(-len(channels) // columns)
    figure = _figure(2.4 * lines + 0.6)
    axes = np.atleast_1d(figure.subplots(lines, columns, sharex=True, squeeze=False)).ravel()
    colours = _colours(list(results.scenario.channels))
    for ax, channel in zip(axes, channels, strict=False):
        spec = results.scenario.channels[channel]
        target = spec.target.service_level
        _band(ax, band[band["channel"] == channel], "day", colours[channel],
              "mean, 95% interval", 0.0, 1.0)
        ax.axhline(target, color="black", linestyle="--", linewidth=1,
                   label=f"target {target:.0%}")
        within = (f"answered within {spec.target.answer_within_s:g} s"
                  if isinstance(spec, SyncChannel)
                  else f"answered within {spec.target.respond_within_hours:g} h")
        ax.set_title(f"{channel}: {within}", loc="left", fontsize=10)
        ax.set_ylim(0, 1.04)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.legend(loc="lower left", fontsize=8, frameon=False)
        _date_axis(ax)
    for ax in axes[len(channels):]:
        ax.set_visible(False)
    for ax in axes[:len(channels)][-columns:]:
        ax.set_xlabel(_day_label(results, region))
    figure.suptitle(f"{region}: service level per day", fontsize=11)
    return figure


def _local_day_axes(results: Results, region: str, figure: Figure, ax: Axes, title: str
                    ) -> None:
    """A count per local day from zero, dated in the region's time zone, titled."""
    ax.set_ylim(bottom=0)
    ax.set_xlabel(f"day ({results.scenario.regions[region].timezone})")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    _count_axis(ax)
    _date_axis(ax)
    figure.suptitle(f"{region}: {title}", fontsize=11)


def _required_hours(results: Results, region: str) -> pd.DataFrame:
    """Rostered agent hours per replication and local day that every queue of ``region`` needs
    to meet its target (``cxsim.results.kpis.required_agents``)."""
    table = results.contacts_by_interval
    empty = pd.DataFrame(columns=["rep", "day", "hours"])
    if table.empty:
        return empty
    rows = table[table["region"] == region]
    interval = float(results.scenario.interval_minutes)
    parts = []
    for (rep, channel, language), queue in rows.groupby(["rep", "channel", "language"],
                                                         sort=False):
        counted = queue[queue["counted"].astype(bool)]
        offered = counted["offered"].to_numpy(dtype=float)
        if not offered.any():
            continue
        handled = float(queue["handled"].sum())
        handle = (float(queue["handle_minutes"].sum()) / handled if handled
                  else results.scenario.channels[str(channel)].handle_minutes.expected)
        need = required_agents(results.scenario, (region, str(channel), str(language)),
                               offered, handle, interval)
        parts.append(pd.DataFrame({"rep": rep, "start": counted["start"].reset_index(drop=True),
                                   "hours": need.rostered * interval / 60.0}))
    if not parts:
        return empty
    needed = _whole_local_days(results, region, pd.concat(parts, ignore_index=True))
    return needed.groupby(["rep", "day"])["hours"].sum().reset_index()


def plot_staffing(results: Results, region: str | None = None) -> Figure:
    """Agent hours per local day in a region: rostered by its teams' shifts against required
    (per interval, the fewest agents whose Erlang C service level meets each channel's target,
    grossed up by shrinkage: the ``required_agent_hours`` KPI day by day); hires marked."""
    region = _region(results, region)
    teams = _counted(results.teams_by_interval, region=region)
    rostered = pd.DataFrame(columns=["rep", "day", "hours"])
    if not teams.empty:
        on_duty = _whole_local_days(results, region, teams)
        rostered = (on_duty["on_duty_minutes"] / 60.0).groupby(
            [on_duty["rep"], on_duty["day"]]).sum().rename("hours").reset_index()
    required = _required_hours(results, region)
    if teams.empty and required.empty:
        raise NothingToPlotError(f"no agents and no contacts in region {region!r}")
    if rostered.empty and required.empty:
        raise NothingToPlotError(f"no whole local day after the warm-up in region {region!r}")
    figure = _figure(3.6)
    ax = figure.subplots()
    for hours, colour, label in ((rostered, _PALETTE[0], "rostered (shifts)"),
                                 (required, _PALETTE[1],
                                  "required (Erlang C per interval, after shrinkage)")):
        if not hours.empty:
            _band(ax, confidence_band(hours, ["day"], "hours"), "day", colour, label)
    days = [frame["day"] for frame in (rostered, required) if not frame.empty]
    first, last = min(day.min() for day in days), max(day.max() for day in days)
    hires = results.hiring[results.hiring["region"] == region]
    for row in hires.to_dict("records"):
        start = pd.Timestamp(row["start_date"])
        if not first <= start <= last:
            continue
        ax.axvline(start, color="#555555", linestyle=":", linewidth=1)  # type: ignore[arg-type]
        ax.annotate(f"+{row['agents']} {row['team']}", (start, 1.0),
                    xycoords=("data", "axes fraction"), xytext=(3, -12),
                    textcoords="offset points", fontsize=8, color="#333333")
    ax.set_ylabel("agent hours per day")
    _local_day_axes(results, region, figure, ax, "agents required against rostered")
    return figure


def plot_backlog(results: Results, region: str | None = None) -> Figure:
    """Messages waiting for a first answer in a region's backlog channels: each local day's
    peak of the interval means (``queue_minutes`` over the interval), with the 95% interval
    across replications."""
    region = _region(results, region)
    backlog = [name for name, spec in results.scenario.channels.items()
               if isinstance(spec, AsyncChannel)]
    table = _counted(results.contacts_by_interval, region=region)
    if table.empty:
        raise NothingToPlotError(f"no messages in region {region!r}")
    rows = table[table["channel"].isin(backlog)]
    channels = [c for c in backlog if c in set(rows["channel"])
                and rows.loc[rows["channel"] == c, "offered"].sum() > 0]
    if not channels:
        raise NothingToPlotError(f"no messages in region {region!r}")
    rows = rows[rows["channel"].isin(channels)]
    waiting = rows.groupby(["rep", "channel", "start"])["queue_minutes"].sum().reset_index()
    waiting["waiting"] = waiting["queue_minutes"] / results.scenario.interval_minutes
    waiting = _whole_local_days(results, region, waiting)
    peaks = waiting.groupby(["rep", "channel", "day"])["waiting"].max().reset_index()
    band = confidence_band(peaks, ["channel", "day"], "waiting")
    figure = _figure(3.4)
    ax = figure.subplots()
    colours = _colours(list(results.scenario.channels))
    for channel in channels:
        target = results.scenario.channels[channel].target
        hours = getattr(target, "respond_within_hours", float("nan"))
        _band(ax, band[band["channel"] == channel], "day", colours[channel],
              f"{channel} (target: answered within {hours:g} h)")
    ax.set_ylabel("messages waiting\n(daily peak of the\n"
                  f"{results.scenario.interval_minutes}-minute means)", fontsize=9)
    _local_day_axes(results, region, figure, ax, "backlog of messages")
    return figure


def plot_stock(results: Results, node: str) -> Figure:
    """Stock on hand at a node per product at the end of each day (95% interval across
    replications), the days out of stock in some replication, and the units received."""
    if node not in results.scenario.nodes:
        raise ValueError(f"unknown node {node!r} (one of: {', '.join(results.scenario.nodes)})")
    rows = _counted(results.inventory_by_day, node=node)
    if rows.empty:
        raise NothingToPlotError(f"no stock at node {node!r}")
    products = [p for p in results.scenario.nodes[node].stock if p in set(rows["product"])]
    rows = rows.assign(day=day_axis(rows), pools=1)
    daily = rows.groupby(["rep", "day", "product"], as_index=False)[
        ["on_hand_end", "receipts", "stockout_minutes", "pools"]].sum()
    daily["out"] = daily["stockout_minutes"] / (24 * 60 * daily["pools"])
    stats = _stats(results, "inventory")
    figure = _figure(2.9 * len(products) + 0.5)
    axes = figure.subplots(2 * len(products), 1, sharex=True,
                           height_ratios=[3, 1] * len(products))
    for index, product in enumerate(products):
        level, received = axes[2 * index], axes[2 * index + 1]
        mine = daily[daily["product"] == product]
        band = confidence_band(mine, ["day"], "on_hand_end")
        means = mine.groupby("day")[["receipts", "out"]].mean()
        level.fill_between(means.index, 0, 1, where=(means["out"] > 0).to_numpy(),
                           transform=level.get_xaxis_transform(), color=_STOCKOUT, alpha=0.18,
                           linewidth=0, step="mid", label="out of stock (some replication)")
        _band(level, band, "day", _PALETTE[0], "on hand at the end of the day")
        level.set_ylim(bottom=0)
        level.set_ylabel("units")
        title = product
        if (node, product, "stockout_days") in stats:
            days = format_interval("stockout_days", *stats[node, product, "stockout_days"])
            title += f": {days} stock-out days"
        level.set_title(title, loc="left", fontsize=10)
        level.legend(loc="upper right", fontsize=8, frameon=False)
        _count_axis(level)
        stamps = means.index.to_numpy()
        edges = date2num(  # type: ignore[no-untyped-call]
            np.append(stamps, stamps[-1] + np.timedelta64(1, "D")))
        received.stairs(means["receipts"].to_numpy(), edges, fill=True, color=_PALETTE[2])
        received.set_ylabel("received\n(units)", fontsize=8)
        _count_axis(received)
    _date_axis(axes[-1])
    axes[-1].set_xlabel(_day_label(results, results.scenario.nodes[node].location))
    figure.suptitle(f"{node}: stock on hand per product (units)", fontsize=11)
    return figure


def _order_rows(results: Results) -> list[dict[str, Any]]:
    """Per region and sales channel with orders: order-to-door quantiles, on-time share and
    the promise, in the scenario's order."""
    stats = _stats(results, "orders")
    rows = []
    for region in results.scenario.regions:
        for channel in dict.fromkeys(["web", *results.scenario.sales_channels]):
            key = (region, channel, "delivery_days_p50")
            if key not in stats or not np.isfinite(stats[key][0]):
                continue
            found = {kpi: stats[region, channel, kpi]
                     for kpi in ("delivery_days_p50", "delivery_days_p95", "on_time_rate")}
            rows.append({"region": region, "channel": channel,
                         "promise_days": results.scenario.promise_days_for(region, channel),
                         "rule": results.scenario.regions[region].promise_rule,
                         "promise": promise_text(results.scenario, region, channel), **found})
    return rows


def plot_delivery(results: Results) -> Figure:
    """Order-to-door time per region and sales channel: the median and the 95th percentile
    (each with its 95% interval across replications) against the promise, with the on-time
    share. A promise of whole days (``promise_rule: hours``) is marked; a promise counted in
    business days or to the end of a day has no single length in calendar days, and its
    on-time share is the comparison.

    The tables keep these two quantiles and the on-time share, not the whole distribution.
    """
    rows = _order_rows(results)
    if not rows:
        raise NothingToPlotError("no orders delivered")
    figure = _figure(0.62 * len(rows) + 1.3)
    ax = figure.subplots()
    marked = False
    for y, row in enumerate(rows):
        (p50, p50_low, p50_high), (p95, p95_low, p95_high) = (row["delivery_days_p50"],
                                                              row["delivery_days_p95"])
        ax.plot([p50, p95], [y, y], color="#9ecae1", linewidth=5, solid_capstyle="butt",
                label="median to 95th percentile" if y == 0 else None)
        for value, low, high, marker, label in ((p50, p50_low, p50_high, "o", "median"),
                                                (p95, p95_low, p95_high, "D",
                                                 "95th percentile")):
            error = None if np.isnan(low) else [[value - low], [high - value]]
            ax.errorbar([value], [y], xerr=error, fmt=marker, color=_PALETTE[0], capsize=3,
                        markersize=5, label=label if y == 0 else None)
        if row["promise_days"] is not None and row["rule"] == "hours":
            ax.plot([row["promise_days"]], [y], marker="|", markersize=18, color=_STOCKOUT,
                    markeredgewidth=2, linestyle="none",
                    label=None if marked else "promise (whole days)")
            marked = True
    labels = [f"{row['region']} {row['channel']}: promise {row['promise'] or 'none'}\non time "
              + format_interval("on_time_rate", *row["on_time_rate"]) for row in rows]
    ax.set_yticks(range(len(rows)), labels, fontsize=8)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlim(left=0)
    ax.set_xlabel("order-to-door time, days")
    ax.grid(axis="x", alpha=0.3)
    figure.legend(loc="outside lower center", fontsize=8, frameon=False, ncols=4)
    figure.suptitle("Order-to-door time against the promise", fontsize=11)
    return figure


def plot_cost(results: Results) -> Figure:
    """Cost per region by kind (agents, holding, shipping) over the counted period, with the
    95% interval of the total."""
    stats = _stats(results, "cost")
    regions = [r for r in results.scenario.regions if (r, ALL, "total") in stats]
    if not any(stats[r, ALL, "total"][0] > 0 for r in regions):
        raise NothingToPlotError("no costs in the scenario")
    kinds = ("agents", "holding", "shipping")
    figure = _figure(0.55 * len(regions) + 1.4)
    ax = figure.subplots()
    left = np.zeros(len(regions))
    for colour, kind in zip(_PALETTE, kinds, strict=False):
        values = np.array([stats.get((r, ALL, kind), (0.0,))[0] for r in regions])
        ax.barh(range(len(regions)), values, left=left, color=colour, label=kind, height=0.6)
        left += values
    totals = np.array([stats[r, ALL, "total"] for r in regions])
    if not np.isnan(totals[:, 1]).all():
        ax.errorbar(totals[:, 0], range(len(regions)),
                    xerr=[totals[:, 0] - totals[:, 1], totals[:, 2] - totals[:, 0]],
                    fmt="none", color="black", capsize=4, label="total, 95% interval")
    for y, (total, _low, high) in enumerate(totals):
        ax.annotate(format_value("total", total), (total if np.isnan(high) else high, y),
                    xytext=(6, -3), textcoords="offset points", fontsize=8)
    ax.set_yticks(range(len(regions)), regions)
    ax.set_ylim(len(regions) - 0.5, -0.5)
    ax.set_xlim(0, float(left.max()) * 1.18)
    ax.set_xlabel("cost over the counted period (currency units)")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{value:,.0f}"))
    ax.legend(loc="lower right", fontsize=8, frameon=True)
    figure.suptitle("Cost by region and kind", fontsize=11)
    return figure


def plot_front(sweep: SweepResults, region: str = ALL) -> Figure:
    """Cost against service per point of a sweep, with 95% intervals both ways: one panel per
    service KPI the scenario has (contacts' service level, orders on time); the points on the
    Pareto front (``SweepResults.front``) are filled and joined."""
    front = sweep.front(region)
    services = [(column, label) for column, label in
                (("service_level", "service level (contacts)"),
                 ("on_time_rate", "orders delivered on time")) if column in front]
    if "cost_total" not in front or not services or front.empty:
        raise NothingToPlotError("the sweep has no cost or no service KPI to set against it")
    figure = _figure(3.6)
    axes = figure.subplots(1, len(services), squeeze=False)[0]
    cost = front["cost_total"].to_numpy(dtype=float)
    cost_err = [cost - front["cost_total_ci_low"].to_numpy(dtype=float),
                front["cost_total_ci_high"].to_numpy(dtype=float) - cost]
    on_front = front["pareto"].to_numpy(dtype=bool)
    for ax, (column, label) in zip(axes, services, strict=True):
        value = front[column].to_numpy(dtype=float)
        err = [value - front[f"{column}_ci_low"].to_numpy(dtype=float),
               front[f"{column}_ci_high"].to_numpy(dtype=float) - value]
        ax.errorbar(value, cost, xerr=np.nan_to_num(err), yerr=np.nan_to_num(cost_err),
                    fmt="none", color="#999999", capsize=3, zorder=1)
        ax.scatter(value[~on_front], cost[~on_front], facecolors="white",
                   edgecolors=_PALETTE[0], zorder=2, label="other points")
        ax.scatter(value[on_front], cost[on_front], color=_PALETTE[0], zorder=3,
                   label="Pareto front")
        order = np.argsort(value[on_front])
        ax.plot(value[on_front][order], cost[on_front][order], color=_PALETTE[0], zorder=2)
        for name, x, y in zip(front["point"], value, cost, strict=True):
            ax.annotate(str(name), (x, y), xytext=(4, 4), textcoords="offset points",
                        fontsize=7)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_xlabel(label)
        ax.set_ylabel("total cost (currency units)")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
    axes[0].legend(loc="best", fontsize=8)
    where = "all regions" if region == ALL else region
    figure.suptitle(f"Cost against service per point ({where}; mean and 95% interval)",
                    fontsize=11)
    return figure
