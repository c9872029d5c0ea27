"""The results of a run: every table, and saving and loading them atomically.

Built at the edge from the plain records the model returns. Tables are pandas DataFrames in
tidy form; ``Results.save`` writes them as Parquet (and ``summary.csv``) into a directory
atomically (``cxsim.results.output``), so that a failed or interrupted run never leaves a
half-written directory, never damages an earlier result, and never touches other files.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import pandas as pd

from cxsim.model.metrics import QUEUE_MEASURES, TEAM_MEASURES, ReplicationRecord
from cxsim.results.checks import launch_checks, targets
from cxsim.results.frames import (
    PROMISE_CURVE_COLUMNS,
    add_contact_kpis,
    add_overdue,
    add_team_kpis,
    by_day,
    daily_frame,
    hiring,
    interval_frames,
    promise_curve,
    reason_frame,
    with_suppliers,
)
from cxsim.results.kpis import run_rows
from cxsim.results.output import MARKER, save_result
from cxsim.results.summary import ALL, summarise
from cxsim.scenario.models import Scenario
from cxsim.scenario.plain_yaml import dump_yaml

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["Results", "read_csv_table"]

_TABLES = (
    "runs",
    "contacts_by_interval",
    "contacts_by_day",
    "teams_by_interval",
    "teams_by_day",
    "orders_by_day",
    "inventory_by_day",
    "contacts_by_reason",
    "promise_curve",
)


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
        contacts_by_reason: contacts that arrived at each queue (offered or deflected) per day
            and reason.
        promise_curve: per replication, region and sales channel, every whole-day promise of
            0 to 30 days with the orders it judges and its on-time share
            (``cxsim.results.frames.promise_curve``).
        hiring: every planned hire with the latest date to decide it (``hiring_lead_days``
            before the start); ``too_late`` marks decisions due before the scenario starts.
        targets: every target of the scenario judged met, missed or at risk
            (``cxsim.results.checks.targets``; ``targets.csv``).
        launch: what each launching region needs in place, with the latest decision dates
            (``cxsim.results.checks.launch_checks``; ``launch.csv``).
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
    contacts_by_reason: pd.DataFrame
    promise_curve: pd.DataFrame
    hiring: pd.DataFrame
    targets: pd.DataFrame
    launch: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)

    # The tables ``write`` keeps as CSV (the others are Parquet).
    CSV_FILES: ClassVar[tuple[str, ...]] = ("summary.csv", "hiring.csv", "targets.csv",
                                            "launch.csv")

    @classmethod
    def from_records(
        cls, scenario: Scenario, seed: int, records: Sequence[ReplicationRecord]
    ) -> Results:
        """Tables from the records of every replication (in replication order)."""
        rows = [row for record in records for row in run_rows(scenario, record)]
        runs = pd.DataFrame(rows, columns=["rep", "scope", "region", "channel", "kpi", "value"])
        contacts, teams = interval_frames(scenario, records)
        contacts = add_overdue(contacts, scenario)
        contacts_daily = by_day(contacts, ["region", "channel", "language"],
                                (*QUEUE_MEASURES, "overdue_at_end"))
        teams_daily = by_day(teams, ["team", "region"], TEAM_MEASURES)
        summary = summarise(runs)
        first_inbound: dict[str, list[float]] = {}
        for record in records:
            for node, minute in record.first_inbound.items():
                first_inbound.setdefault(node, []).append(minute)
        return cls(
            scenario=scenario,
            seed=seed,
            reps=len(records),
            runs=runs,
            summary=summary,
            contacts_by_interval=add_contact_kpis(contacts, scenario),
            contacts_by_day=add_contact_kpis(contacts_daily, scenario),
            teams_by_interval=add_team_kpis(teams),
            teams_by_day=add_team_kpis(teams_daily),
            orders_by_day=daily_frame(scenario, records, "orders",
                                       ("region", "sales_channel", "product"), "order_dates"),
            inventory_by_day=with_suppliers(
                daily_frame(scenario, records, "inventory", ("node", "product", "pool"),
                            "inventory_dates"),
                scenario),
            contacts_by_reason=reason_frame(scenario, records),
            promise_curve=promise_curve(records),
            hiring=hiring(scenario, records[0].hiring if records else []),
            targets=targets(scenario, summary),
            launch=launch_checks(scenario, first_inbound),
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

    def save(self, directory: str | Path, protect: Sequence[str | Path] = ()) -> Path:
        """Write every table into ``directory``, atomically; returns the directory.

        ``directory`` must be new, empty, or an earlier cxsim result (``ResultDir``); the tables
        are written beside it and take its place only once complete.

        Args:
            directory: where to write.
            protect: files whose folders must never be replaced (say the scenario file).
        """
        return save_result(directory, self.write, protect)

    def write(self, folder: Path) -> list[str]:
        """Write every table into the existing directory ``folder``; returns the file names.

        ``run.json`` lists them, which marks the folder as a cxsim result that a later run may
        replace. Use ``save`` to write a result directory safely.
        """
        from cxsim import __version__

        files = list(self.CSV_FILES)
        self.summary.to_csv(folder / "summary.csv", index=False)
        self.hiring.to_csv(folder / "hiring.csv", index=False)
        self.targets.to_csv(folder / "targets.csv", index=False)
        self.launch.to_csv(folder / "launch.csv", index=False)
        for name in _TABLES:
            _write_parquet(getattr(self, name), folder / f"{name}.parquet")
            files.append(f"{name}.parquet")
        (folder / "scenario.yaml").write_text(self.scenario_text(), encoding="utf-8")
        files += ["scenario.yaml", MARKER]
        meta = {**self.meta, "cxsim": __version__, "kind": "run", "files": sorted(files),
                "written": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
        (folder / MARKER).write_text(json.dumps(meta, indent=2), encoding="utf-8")
        return files

    def scenario_text(self) -> str:
        """The scenario as run, as YAML (``scenario.yaml``): it validates and runs as-is."""
        return dump_yaml(self.scenario.model_dump(mode="json"))

    @classmethod
    def load(cls, directory: str | Path) -> Results:
        """Read tables written by ``save``."""
        from cxsim.scenario.loading import load_scenario

        folder = Path(directory)
        # Read as any scenario file is (the same YAML rules and checks).
        scenario = load_scenario(folder / "scenario.yaml")
        meta = json.loads((folder / MARKER).read_text(encoding="utf-8"))
        tables = {name: _read_table(folder, name) for name in _TABLES}
        summary = read_csv_table(folder / "summary.csv")
        hiring = _read_dated(folder / "hiring.csv", ("start_date", "decide_by"))
        launch = _read_dated(folder / "launch.csv",
                             ("launch_date", "started", "ready_by", "decide_by"))
        return cls(
            scenario=scenario, seed=int(meta["seed"]), reps=int(meta["reps"]), summary=summary,
            hiring=hiring, targets=read_csv_table(folder / "targets.csv"), launch=launch,
            meta=meta, **tables,
        )

    def verdicts(self) -> pd.DataFrame:
        """The verdict on every region (go, at risk, no-go), one row per reason
        (``cxsim.results.verdicts``: the rules, and the columns)."""
        from cxsim.results.verdicts import region_verdicts, verdict_table

        return verdict_table(region_verdicts(self))

    def plot_contacts(self, region: str | None = None) -> Figure:
        """Contacts per day in a region by reason and by channel (``cxsim.results.plots``)."""
        from cxsim.results.plots import plot_contacts

        return plot_contacts(self, region)

    def plot_service_level(self, region: str | None = None) -> Figure:
        """Service level per day of each channel in a region against its target."""
        from cxsim.results.plots import plot_service_level

        return plot_service_level(self, region)

    def plot_staffing(self, region: str | None = None) -> Figure:
        """Agent hours per day in a region, rostered against required, with hires."""
        from cxsim.results.plots import plot_staffing

        return plot_staffing(self, region)

    def plot_backlog(self, region: str | None = None) -> Figure:
        """Messages waiting for a first answer in a region, each day's peak."""
        from cxsim.results.plots import plot_backlog

        return plot_backlog(self, region)

    def plot_stock(self, node: str) -> Figure:
        """Stock on hand per product at a node, stock-out days and receipts."""
        from cxsim.results.plots import plot_stock

        return plot_stock(self, node)

    def plot_delivery(self) -> Figure:
        """Order-to-door time per region and sales channel against the promise."""
        from cxsim.results.plots import plot_delivery

        return plot_delivery(self)

    def plot_cost(self) -> Figure:
        """Cost per region by kind, with the interval of the total."""
        from cxsim.results.plots import plot_cost

        return plot_cost(self)

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


# Rows a large table is converted and written at a time (a Parquet row group each).
_ROWS_PER_WRITE = 1 << 16


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` as Parquet without its index, as ``DataFrame.to_parquet`` does, but a
    slice of rows at a time: converting a whole table to Arrow first would hold a second copy
    of it (the per-interval contact table of a year is about 55 MB)."""
    if len(frame) <= _ROWS_PER_WRITE:
        frame.to_parquet(path, index=False)
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    # The schema of the whole table: a slice may hold only missing values in a column.
    schema = pa.Schema.from_pandas(frame, preserve_index=False)
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, len(frame), _ROWS_PER_WRITE):
            writer.write_table(pa.Table.from_pandas(
                frame.iloc[start:start + _ROWS_PER_WRITE], schema=schema, preserve_index=False))


def _read_table(folder: Path, name: str) -> pd.DataFrame:
    """A Parquet table of a result; the promise curve of a result written before it existed
    is empty."""
    path = folder / f"{name}.parquet"
    if name == "promise_curve" and not path.exists():
        return pd.DataFrame(columns=PROMISE_CURVE_COLUMNS)
    return pd.read_parquet(path)


def read_csv_table(path: str | Path) -> pd.DataFrame:
    """A CSV table cxsim wrote: only an empty field is missing. (pandas would also read names
    such as NA, None or nan as missing: a region named NA, North America, would vanish.)"""
    return pd.read_csv(path, keep_default_na=False, na_values=[""])


def _read_dated(path: Path, columns: Sequence[str]) -> pd.DataFrame:
    """A CSV table whose ``columns`` hold dates (or nothing)."""
    table = read_csv_table(path)
    for column in columns:
        table[column] = [None if pd.isna(day) else dt.date.fromisoformat(str(day))
                         for day in table[column]]
    return table
