"""``cxsim sweep SCENARIO --grid GRID``: run every point of a grid with the same seed."""

from __future__ import annotations

import argparse
import math
import shlex
import sys
from pathlib import Path

import pandas as pd

from cxsim import report as html  # loads its drawing on first use
from cxsim.cli.common import (
    BadInputError,
    Interrupted,
    Terminated,
    add_run_options,
    add_scenario_options,
    check_size,
    describe,
    load,
    open_executor,
    printable,
    where_it_runs,
)
from cxsim.progress import Progress
from cxsim.report import REPORT_NAME
from cxsim.results.catalogue import format_value
from cxsim.results.output import OutputError, add_result_file
from cxsim.results.sweeps import FRONT_KPIS, SweepResults
from cxsim.run import DEFAULT_REPS
from cxsim.scenario import ScenarioError
from cxsim.sweep import Point, Sweep

NAME = "sweep"
HELP = "run every point of a grid of scenario changes with the same seed"
EXAMPLES = """grid file (YAML): one entry per dimension, fields named as --set names them
  params:
    - {path: sales_channels.amazon.promise_days, values: [2, 3], name: amazon_promise}
    - {path: teams.de_support.hires.0.agents, values: [7, 9, 12], name: de_launch_agents}
    - zip: [{path: a.b, values: [1, 2]}, {path: c.d, values: [3, 4]}]   # move together
    - name: shipping                                                  # named alternatives
      alternatives:
        weekdays: {}
        saturday: {nodes.eu_3pl.working_days: [mon, tue, wed, thu, fri, sat]}

examples:
  cxsim sweep scenarios/expansion_eu.yaml --grid de_launch.yaml --reps 5 --workers 2
  cxsim sweep scenarios/expansion_eu.yaml --grid de_launch.yaml --out results/de --resume
  cxsim sweep scenarios/expansion_eu.yaml --grid de_launch.yaml --dask tcp://scheduler:8786
"""
_SHOWN_POINTS = 40


def add_arguments(command: argparse.ArgumentParser) -> None:
    add_scenario_options(command)
    command.add_argument("--grid", type=Path, required=True,
                         help="grid file (YAML): the fields to vary and their values")
    add_run_options(command, DEFAULT_REPS)
    command.add_argument("--resume", action="store_true",
                         help="run only the points an interrupted sweep in --out is missing")
    command.add_argument("--no-report", dest="report", action="store_false",
                         help=f"do not write {REPORT_NAME} beside the sweep's tables")


def _cell(row: pd.Series, column: str, kpi: str) -> str:
    mean, low, high = (float(row[column]), float(row[f"{column}_ci_low"]),
                       float(row[f"{column}_ci_high"]))
    text = format_value(kpi, mean)
    if not math.isnan(low):
        text += f" ±{format_value(kpi, (high - low) / 2)}"
    return text


def front_text(results: SweepResults) -> str:
    """The points, their parameters, and cost against service (mean ± 95% half-width), the
    Pareto front marked with ``*``; never cut (a table that loses its last column misleads)."""
    front = results.front()
    kpis = [kpi for kpi in FRONT_KPIS if kpi.column in front.columns]
    header = ["point", *results.params, *(kpi.column for kpi in kpis), "front"]
    rows = [[str(row["point"]), *(printable(row[p]) for p in results.params),
             *(_cell(row, kpi.column, kpi.kpi) for kpi in kpis), "*" if row["pareto"] else ""]
            for _, row in front.iterrows()]
    widths = [max(len(line[i]) for line in [header, *rows]) for i in range(len(header))]
    lines = ["  " + "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True))
             .rstrip() for line in [header, *rows[:_SHOWN_POINTS]]]
    if len(rows) > _SHOWN_POINTS:
        lines.append(f"  ... {len(rows) - _SHOWN_POINTS} more points in front.csv")
    return "\n".join(lines)


def handle(args: argparse.Namespace) -> int:
    scenario = load(args)
    default = Path("results") / f"{args.scenario.stem}-{args.grid.stem}"
    out = args.out if args.out is not None else default
    try:
        prepared = Sweep(scenario, args.grid, reps=args.reps, seed=args.seed, out=out,
                         resume=args.resume, protect=[args.scenario, args.grid])
    except ScenarioError as error:
        # Named by the grid file: a point's problems are the grid's values' doing.
        count = len(error.problems)
        raise BadInputError([f"{printable(args.grid)}: {count} problem{'s' * (count > 1)}",
                             *map(str, error.problems)]) from None
    except OutputError as error:
        raise BadInputError([f"--out: {error}"]) from None
    check_size(scenario, args.reps, args.quiet, runs=len(prepared.points))
    total = len(prepared.points)
    todo = prepared.todo()
    shown = printable(out)
    with open_executor(args, max(1, len(todo) * args.reps)) as executor:
        if not args.quiet:
            resumed = f" ({total - len(todo)} already done)" if len(todo) < total else ""
            print(f"cxsim: sweeping {describe(scenario)}; {total} point(s){resumed} x "
                  f"{args.reps} replication(s), seed {args.seed}, {where_it_runs(executor)}",
                  file=sys.stderr)
        progress = Progress("replication", len(todo) * args.reps, quiet=args.quiet,
                            lines=False)

        def written(point: Point, finished: int, points: int) -> None:
            values = ", ".join(f"{name}={printable(value)}" for name, value in
                               point.params.items())
            progress.note(f"point {point.id} written ({finished}/{points}): {values}")

        try:
            with progress:
                results = prepared.run(executor=executor, progress=progress, on_point=written,
                                       note={"command": shlex.join(args.command_line)})
        except OutputError as error:  # the place changed between the check and the start
            raise BadInputError([f"--out: {error}"]) from None
        except (KeyboardInterrupt, Terminated) as stop:
            kept = prepared.finished()
            if kept:
                raise Interrupted(stop, f"{len(kept)} of {total} points kept in '{shown}' "
                                        "(--resume finishes the sweep)") from None
            raise
    if args.report and results.directory is not None:
        html.write_report(html.report_of(results.directory), results.directory / REPORT_NAME)
        add_result_file(results.directory, REPORT_NAME)
    if not args.quiet:
        print(f"Cost against service over {args.reps} replication(s) per point "
              "(mean ± 95% half-width; * on the Pareto front):")
        print(front_text(results))
        if args.report and results.directory is not None:
            print(f"report: {printable(results.directory / REPORT_NAME)}")
    print(f"results: {printable(results.directory or out)}")
    return 0
