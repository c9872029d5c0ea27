"""The section a plan adds to its report: what the plan changes, what the planner found, and its
tables. The rest of a plan's report is its verification (the planned scenario run with fresh
seeds), reported as any run is.

A plan directory is a run directory (the verification's tables) whose ``run.json`` says
``"kind": "plan"`` and holds the plan's ``changes`` and ``findings``; the plan's tables are the
CSV files it lists beyond the run's own.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from cxsim.report.document import Block, Cell, Items, Section, Table, Text
from cxsim.results.output import result_files
from cxsim.results.store import Results, read_csv_table

__all__ = ["MAX_ROWS", "plan_section", "plan_tables"]

MAX_ROWS = 60  # rows of a plan table shown in the page; the CSV holds them all


def plan_tables(directory: str | Path) -> dict[str, pd.DataFrame]:
    """The plan's tables in a plan directory, by name (``staffing`` for ``staffing.csv``)."""
    folder = Path(directory)
    listed = sorted(result_files(folder) or ())
    return {name.removesuffix(".csv"): read_csv_table(folder / name) for name in listed
            if name.endswith(".csv") and name not in Results.CSV_FILES}


def _text(value: object) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:,.6g}"
    if isinstance(value, str):
        return value
    return json.dumps(value, default=str)


def plan_section(results: Results, tables: Mapping[str, pd.DataFrame]) -> Section:
    """What a plan changes and found (``results.meta`` of a plan directory), and its tables."""
    meta = results.meta
    kind = str(meta.get("plan", ""))
    changes: Mapping[str, object] = meta.get("changes") or {}
    blocks: list[Block] = [Text(
        f"This {kind} plan sets {len(changes)} field(s) of the scenario; planned.yaml holds the "
        "planned scenario, which validates and runs as it is. The rest of this report is the "
        f"plan's verification: the planned scenario run with fresh seeds (seed {results.seed}, "
        f"{results.reps} replication(s)), so its verdict, targets and plots judge the plan.")]
    if changes:
        blocks.append(Table(("Scenario field", "Planned value"),
                            tuple((Cell(path), Cell(_text(value)))
                                  for path, value in changes.items())))
    findings = [str(finding) for finding in meta.get("findings") or ()]
    if findings:
        blocks += [Text("What the planner found:"), Items(tuple(findings))]
    for name, table in tables.items():
        shown = table.head(MAX_ROWS)
        rows = tuple(tuple(Cell(_text(value), tone="number" if isinstance(value, float | int)
                                and not isinstance(value, bool) else "")
                           for value in record)
                     for record in shown.itertuples(index=False, name=None))
        caption = f"{name}.csv: {len(table)} row(s)" + (
            f", the first {MAX_ROWS} shown" if len(table) > MAX_ROWS else "")
        blocks.append(Table(tuple(map(str, table.columns)), rows, caption))
    return Section("plan", f"The {kind} plan" if kind else "The plan", tuple(blocks))
