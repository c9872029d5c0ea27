"""Per-interval and per-day tables of queues, teams, orders, stock and contact reasons.

Wide tables, one row per replication x time x key, all replications stacked; the per-interval
contact table carries service_level, asa_s, wait_prob and abandon_rate columns.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Sequence
from typing import Any, cast

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from cxsim.model.metrics import ReplicationRecord
from cxsim.results.kpis import overdue_intervals, target_minutes
from cxsim.results.summary import first_counted_day
from cxsim.scenario.models import Scenario, SyncChannel

__all__ = [
    "PROMISE_CURVE_COLUMNS",
    "add_contact_kpis",
    "add_overdue",
    "add_team_kpis",
    "by_day",
    "daily_frame",
    "hiring",
    "interval_frames",
    "promise_curve",
    "reason_frame",
    "with_suppliers",
]


def interval_frames(
    scenario: Scenario, records: Sequence[ReplicationRecord]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Wide per-interval tables of queues and teams, all replications stacked."""
    team_regions = {name: spec.region for name, spec in scenario.teams.items()}
    contacts = _stacked(scenario, records, "queues", ("region", "channel", "language"),
                        lambda key: key)
    teams = _stacked(scenario, records, "teams", ("team", "region"),
                     lambda name: (name, team_regions[name]))
    return contacts, teams


def _stacked(
    scenario: Scenario, records: Sequence[ReplicationRecord], attribute: str,
    labels: tuple[str, ...], label_values: Callable[[Any], tuple[str, ...]],
) -> pd.DataFrame:
    """One row per replication, series (a queue or a team) and interval: the columns rep,
    interval, start, counted, then ``labels`` of each series, then its measures; built a column
    at a time from the records' arrays (each value copied once into the column it goes to)."""
    parts: list[tuple[ReplicationRecord, Any, dict[str, NDArray[Any]]]] = [
        (record, key, series)
        for record in records for key, series in getattr(record, attribute).items()
    ]
    if not parts:
        return pd.DataFrame()
    counts = [record.interval_count for record, _, _ in parts]
    index = np.concatenate([np.arange(count) for count in counts])
    interval = records[0].interval_minutes
    origin = pd.Timestamp(scenario.start_date, tz="UTC")
    columns: dict[str, Any] = {
        "rep": np.repeat([record.replication for record, _, _ in parts], counts),
        "interval": index,
        "start": origin + pd.to_timedelta(index * interval, unit="min"),
        "counted": np.concatenate([
            np.arange(count) >= record.first_counted_interval
            for count, (record, _, _) in zip(counts, parts, strict=True)]),
    }
    labelled = [label_values(key) for _, key, _ in parts]
    for position, label in enumerate(labels):
        columns[label] = np.repeat(np.array([v[position] for v in labelled], dtype=object),
                                   counts)
    # Each run of measures of one dtype goes into one block, a row per measure, and is handed
    # to pandas as it is (pandas holds a frame's columns of one dtype as such a block), so that
    # no column is copied twice. Where the series already lie in that order in one array (a
    # replication's queues, ``cxsim.model.metrics.interval_block``), the block is that array;
    # else it is filled in place.
    frames = [pd.DataFrame(columns)]
    dtypes = {measure: values.dtype for measure, values in parts[0][2].items()}
    for dtype, names in itertools.groupby(dtypes, key=dtypes.__getitem__):
        run = list(names)
        rows = [[series[name] for _, _, series in parts] for name in run]
        block = _laid_out(rows)
        if block is None:
            block = np.empty((len(run), len(index)), dtype=dtype)
            for row, arrays in zip(block, rows, strict=True):
                np.concatenate(arrays, out=row)
        frames.append(pd.DataFrame(block.T, columns=run, copy=False))
    if _CONCAT_COPIES:
        concat: Any = pd.concat  # pandas-stubs follow pandas 3, which has no such keyword
        return cast(pd.DataFrame, concat(frames, axis=1, copy=False))
    return pd.concat(frames, axis=1)


# pandas before 3 copies what it concatenates unless told not to; pandas 3 never copies there
# (copy on write) and has deprecated the keyword.
_CONCAT_COPIES = int(pd.__version__.split(".")[0]) < 3


def _laid_out(rows: list[list[NDArray[Any]]]) -> NDArray[Any] | None:
    """``rows[r]`` concatenated, one row each, as a view of the array they all lie in when
    they follow one another in it in that order, with nothing between them; else None."""
    first = rows[0][0]
    owner = first.base
    if not isinstance(owner, np.ndarray) or owner.dtype != first.dtype \
            or not owner.flags.c_contiguous:
        return None
    begins = first.__array_interface__["data"][0]
    at = begins
    for array in itertools.chain.from_iterable(rows):
        if (array.base is not owner or array.size != first.size or not array.flags.c_contiguous
                or array.__array_interface__["data"][0] != at):
            return None
        at += first.nbytes
    # Every array is part of ``owner``, so the run from the first to the last lies within it.
    offset = (begins - owner.__array_interface__["data"][0]) // first.itemsize
    return owner.reshape(-1)[offset:offset + (at - begins) // first.itemsize].reshape(
        len(rows), -1)


def add_overdue(frame: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Adds the column ``overdue_at_end`` to a per-queue, per-interval table: of the contacts
    of the interval still waiting at the end of the run, those that had surely waited past
    their channel's target by then (``kpis.overdue_intervals``); else 0."""
    if frame.empty:
        return frame
    last = frame["channel"].map({
        channel: overdue_intervals(scenario.horizon_minutes, scenario.interval_minutes,
                                   target_minutes(scenario, channel))
        for channel in scenario.channels})
    frame["overdue_at_end"] = frame["waiting_at_end"].where(frame["interval"] < last, 0.0)
    return frame


def add_contact_kpis(frame: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Adds service_level, asa_s, wait_prob and abandon_rate columns to a per-queue table
    (with ``overdue_at_end``: those still waiting past the target are judged, as missed)."""
    if frame.empty:
        return frame
    sync = frame["channel"].map(
        {name: isinstance(spec, SyncChannel) for name, spec in scenario.channels.items()}
    ).astype(bool)
    exclude = frame["channel"].map({
        name: isinstance(spec, SyncChannel) and spec.target.exclude_abandons_within_target
        for name, spec in scenario.channels.items()
    }).astype(bool)
    # (Tables cxsim wrote before it counted those have no such column.)
    overdue = frame.get("overdue_at_end", 0.0)
    judged = (frame["handled"] + frame["abandoned"] + overdue
              - frame["abandoned_in_target"].where(exclude, 0))
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["service_level"] = (frame["answered_in_target"] / judged).where(judged > 0)
        handled = frame["handled"].where(frame["handled"] > 0)
        frame["asa_s"] = 60 * frame["wait_minutes_handled"] / handled
        offered = frame["offered"].where(sync & (frame["offered"] > 0))
        frame["wait_prob"] = (frame["offered"] - frame["answered_at_once"]) / offered
        frame["abandon_rate"] = frame["abandoned"] / offered
    return frame


def add_team_kpis(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return frame
    available = frame["available_minutes"].where(frame["available_minutes"] > 0)
    frame["occupancy"] = frame["busy_minutes"] / available
    return frame


def daily_frame(
    scenario: Scenario, records: Sequence[ReplicationRecord], attribute: str,
    keys: tuple[str, str, str], dates: str,
) -> pd.DataFrame:
    """A per-day table of orders or stock, all replications stacked: ``date`` is the local date
    of the region (orders) or of the node (stock), read from the record's ``dates`` attribute;
    ``counted`` marks the days from the first whole day after the warm-up."""
    first_day = first_counted_day(scenario)
    calendar = _Calendar()
    parts = []
    for record in records:
        first_dates = getattr(record, dates)
        for key, series in getattr(record, attribute).items():
            days = len(next(iter(series.values())))
            first = first_dates.get(key[0], scenario.start_date)
            index = np.arange(days)
            parts.append(pd.DataFrame({
                "rep": record.replication,
                "date": calendar.dates(first, days),
                "counted": index + (first - scenario.start_date).days >= first_day,
                **dict(zip(keys, key, strict=True)),
                **series,
            }))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


class _Calendar:
    """Runs of consecutive dates as ``datetime.date`` objects, made once for a first date and
    shared by every series that starts on it (the per-day tables hold one object per row)."""

    def __init__(self) -> None:
        self._runs: dict[dt.date, NDArray[np.object_]] = {}

    def dates(self, first: dt.date, days: int) -> NDArray[np.object_]:
        run = self._runs.get(first)
        if run is None or len(run) < days:
            run = self._runs[first] = (pd.Timestamp(first)
                                       + pd.to_timedelta(np.arange(days), unit="D")).date
        return run[:days]


PROMISE_CURVE_COLUMNS = ["rep", "region", "sales_channel", "promise_days", "judged", "on_time",
                         "on_time_rate"]


def promise_curve(records: Sequence[ReplicationRecord]) -> pd.DataFrame:
    """Per replication, region and sales channel, for every whole-day promise of 0 to 30 days
    under the region's rule: the orders it judges and the share it finds on time (orders of
    every product, placed on counted days); one run answers every candidate promise."""
    rows = []
    for record in records:
        totals: dict[tuple[str, str], np.ndarray] = {}
        for (region, channel, _product), counts in record.promises.items():
            key = (region, channel)
            totals[key] = totals[key] + counts if key in totals else counts.copy()
        for (region, channel), counts in totals.items():
            for days in range(counts.shape[1]):
                judged, on_time = int(counts[0, days]), int(counts[1, days])
                rows.append((record.replication, region, channel, days, judged, on_time,
                             on_time / judged if judged else np.nan))
    return pd.DataFrame(rows, columns=PROMISE_CURVE_COLUMNS)


def with_suppliers(inventory: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """The per-day stock table with the supplier of each node's product ('' when unnamed)."""
    if not inventory.empty:
        suppliers = {(node, product): item.supplier or ""
                     for node, spec in scenario.nodes.items()
                     for product, item in spec.stock.items()}
        inventory.insert(list(inventory.columns).index("pool") + 1, "supplier",
                         [suppliers[key] for key in zip(inventory["node"], inventory["product"],
                                                        strict=True)])
    return inventory


def hiring(scenario: Scenario, plan: Sequence[tuple[str, dt.date, int, dt.date]]) -> pd.DataFrame:
    rows = [
        (team, scenario.teams[team].region, start, agents, decide_by,
         decide_by < scenario.start_date)
        for team, start, agents, decide_by in plan
    ]
    return pd.DataFrame(
        rows, columns=["team", "region", "start_date", "agents", "decide_by", "too_late"]
    )


def by_day(frame: pd.DataFrame, keys: list[str], measures: Sequence[str]) -> pd.DataFrame:
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


def reason_frame(scenario: Scenario, records: Sequence[ReplicationRecord]) -> pd.DataFrame:
    """Contacts per day by queue and reason, all replications stacked (reasons that occurred)."""
    first_day = first_counted_day(scenario)
    calendar = _Calendar()
    columns = ["rep", "date", "counted", "region", "channel", "language", "reason", "contacts"]
    parts = []
    for record in records:
        for (region, channel, language, reason), days in record.reasons.items():
            index = np.arange(len(days))
            parts.append(pd.DataFrame({
                "rep": record.replication,
                "date": calendar.dates(scenario.start_date, len(days)),
                "counted": index >= first_day,
                "region": region, "channel": channel, "language": language, "reason": reason,
                "contacts": days,
            }))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
