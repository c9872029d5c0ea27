"""The ``cxsim`` command.

    cxsim validate SCENARIO.yaml [--set path=value ...]
    cxsim run SCENARIO.yaml [--reps N] [--seed S] [--set path=value ...] [--out DIR] [--workers N]

Bad input (a scenario problem, a bad option) prints one line per problem and exits with status
2, writing nothing. An interrupted run exits with status 130 and leaves no partial results.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path

from cxsim.results import Results
from cxsim.run import DEFAULT_REPS, run
from cxsim.scenario import Scenario, ScenarioError, load_scenario

__all__ = ["main"]

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130

# The KPIs shown on screen after a run; every KPI is in summary.csv.
_SHOWN = {
    "contacts": ["offered", "service_level", "asa_s", "abandon_rate", "response_p95_h",
                 "occupancy"],
    "staffing": ["agent_hours", "agents_peak", "required_agent_hours"],
    "orders": ["orders", "fill_rate", "on_time_rate", "delivery_days_p95", "lost_rate",
               "wismo_contacts", "contacts_per_order"],
    "inventory": ["on_hand_mean", "stockout_days"],
    "cost": ["total"],
}


def _whole(minimum: int) -> type:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"'{text}' is not a whole number (a whole number >= {minimum})"
            ) from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is too small (a whole number >= {minimum})")
        return value

    parse.__name__ = "whole number"
    return parse  # type: ignore[return-value]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cxsim",
        description="Simulate and plan customer support, stock and delivery across regions.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def scenario_args(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("scenario", type=Path, help="scenario file (YAML)")
        sub.add_argument(
            "--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
            help="change one field, e.g. --set teams.us_agents.agents=34 (repeatable)",
        )

    validate = commands.add_parser("validate", help="check a scenario file and report problems")
    scenario_args(validate)

    simulate = commands.add_parser("run", help="simulate a scenario and write result tables")
    scenario_args(simulate)
    simulate.add_argument("--reps", type=_whole(1), default=DEFAULT_REPS,
                          help=f"replications (default {DEFAULT_REPS})")
    simulate.add_argument("--seed", type=_whole(0), default=0, help="root seed (default 0)")
    simulate.add_argument("--workers", type=_whole(1), default=1,
                          help="processes to run replications in (default 1)")
    simulate.add_argument("--out", type=Path, default=None,
                          help="result directory (default results/<scenario file name>)")
    simulate.add_argument("--quiet", action="store_true", help="print only the result path")
    return parser


def _describe(scenario: Scenario) -> str:
    return (
        f"'{scenario.name}': {len(scenario.regions)} region(s), {len(scenario.channels)} "
        f"channel(s), {len(scenario.teams)} team(s), {scenario.horizon_days:g} days "
        f"({scenario.warmup_days:g} warm-up)"
    )


def _format_value(kpi: str, value: float) -> str:
    if math.isnan(value):
        return "-"
    if kpi in ("service_level", "abandon_rate", "occupancy", "wait_prob", "fill_rate",
               "on_time_rate", "lost_rate", "backorder_rate", "late_shipment_rate",
               "responded_in_time"):
        return f"{value:.1%}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"


def _summary_text(results: Results) -> str:
    """The headline KPIs, a line per region and channel: channels first, then totals."""
    table = results.summary
    scenario = results.scenario
    regions = [*scenario.regions, *scenario.nodes, "*"]
    channels = [*scenario.channels, "web", *scenario.sales_channels, *scenario.products, "*"]
    region_rank = {name: i for i, name in reversed(list(enumerate(regions)))}
    channel_rank = {name: i for i, name in reversed(list(enumerate(channels)))}
    lines = []
    for scope, kpis in _SHOWN.items():
        rows = table[(table["scope"] == scope) & table["kpi"].isin(kpis)]
        if scope == "cost" and not rows["mean"].abs().gt(0).any():
            continue  # a scenario without costs
        # Totals over one channel in every region repeat the per-region rows on screen.
        rows = rows[(rows["region"] != "*") | (rows["channel"] == "*")]
        if scope == "contacts":
            # A channel a region does not use (nothing offered there) is left off the screen.
            offered = rows[rows["kpi"] == "offered"]
            unused = set(zip(offered.loc[offered["mean"] == 0, "region"],
                             offered.loc[offered["mean"] == 0, "channel"], strict=True))
            rows = rows[[key not in unused
                         for key in zip(rows["region"], rows["channel"], strict=True)]]
        if len(set(rows["region"])) == 2:
            rows = rows[rows["region"] != "*"]
        order = rows.assign(
            r=rows["region"].map(region_rank), c=rows["channel"].map(channel_rank),
            k=rows["kpi"].map(kpis.index),
        ).sort_values(["r", "c", "k"])
        for (region, channel), group in order.groupby(["region", "channel"], sort=False):
            cells = []
            for row in group.to_dict("records"):
                kpi = str(row["kpi"])
                value = _format_value(kpi, float(row["mean"]))
                if not math.isnan(float(row["ci_low"])):
                    low = _format_value(kpi, float(row["ci_low"]))
                    high = _format_value(kpi, float(row["ci_high"]))
                    value += f" [{low}, {high}]"
                cells.append(f"{kpi} {value}")
            lines.append(f"  {scope:<8} {region:<6} {channel:<8} " + "; ".join(cells))
    return "\n".join(lines)


def _checks_text(results: Results) -> str:
    """Targets not met and launch items not ready, a line each; empty when all is well."""
    lines = []
    for row in results.targets.to_dict("records"):
        if row["status"] != "met":
            where = f"{row['region']} {row['channel']}"
            value = _format_value(str(row["kpi"]), float(row["mean"]))
            limit = _format_value(str(row["kpi"]), float(row["limit"]))
            lines.append(f"  target   {where:<15} {row['kpi']} {value} (target {row['rule']} "
                         f"{limit}): {row['status']}")
    for row in results.launch.to_dict("records"):
        if row["status"] != "ready":
            decide = f"; decide by {row['decide_by']}" if row["decide_by"] is not None else ""
            detail = f" ({row['detail']})" if row["detail"] else ""
            lines.append(f"  launch   {row['region']:<6} {row['kind']} {row['item']}: "
                         f"{row['status']}{decide}{detail}")
    return "\n".join(lines)


def _load(args: argparse.Namespace) -> Scenario | None:
    try:
        return load_scenario(args.scenario, args.overrides)
    except ScenarioError as error:
        print(f"cxsim: {error}", file=sys.stderr)
        return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    scenario = _load(args)
    if scenario is None:
        return EXIT_BAD_INPUT
    if args.command == "validate":
        print(f"{args.scenario}: valid; {_describe(scenario)}")
        return 0

    out = args.out or Path("results") / args.scenario.stem

    live = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        if not args.quiet:
            end = "" if live and done < total else "\n"
            print(f"\r  replication {done}/{total}", end=end, file=sys.stderr, flush=True)

    try:
        if not args.quiet:
            print(f"cxsim: running {_describe(scenario)}; {args.reps} replication(s), "
                  f"seed {args.seed}, {args.workers} worker(s)", file=sys.stderr)
        results = run(scenario, reps=args.reps, seed=args.seed, workers=args.workers,
                      progress=progress)
        results.meta["workers"] = args.workers
        path = results.save(out)
    except KeyboardInterrupt:
        print("\ncxsim: interrupted; no results written", file=sys.stderr)
        return EXIT_INTERRUPTED
    if not args.quiet:
        print(f"Mean and 95% confidence interval over {args.reps} replication(s):")
        print(_summary_text(results))
        checks = _checks_text(results)
        if checks:
            print("Targets not met and launch items not ready (targets.csv, launch.csv):")
            print(checks)
    print(f"results: {path}")
    return 0
