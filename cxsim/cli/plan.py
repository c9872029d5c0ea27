"""``cxsim plan KIND SCENARIO``: find a plan with the simulation as the judge, verify it with
fresh seeds, and write it as tables and ``planned.yaml``.

Each kind of plan is one entry of ``PLANNERS``: its help, its own options, the checks a scenario
must pass before anything runs, the function that makes the ``Plan``, and what is printed of it.
A new planner (promises, stock) only adds an entry.
"""

from __future__ import annotations

import argparse
import math
import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from cxsim import report as html  # loads its drawing on first use
from cxsim.cli.common import (
    BadInputError,
    add_run_options,
    add_scenario_options,
    check_size,
    describe,
    load,
    open_executor,
    printable,
    progress_printer,
    result_dir,
    where_it_runs,
    whole,
)
from cxsim.executors import Executor
from cxsim.plan.common import Plan, Progress
from cxsim.plan.inventory import (
    DEFAULT_FILL_RATE,
    DEFAULT_INVENTORY_ITERATIONS,
    inventory_problems,
    plan_inventory,
)
from cxsim.plan.promise import (
    DEFAULT_ON_TIME,
    plan_promise,
    promise_problems,
)
from cxsim.plan.staffing import (
    DEFAULT_ITERATIONS,
    DEFAULT_PLAN_REPS,
    DEFAULT_ROSTER_TIME_LIMIT_S,
    plan_staffing,
    staffing_problems,
)
from cxsim.progress import Progress as ProgressBar
from cxsim.report import REPORT_NAME
from cxsim.results.output import add_result_file
from cxsim.scenario import Scenario

NAME = "plan"
HELP = ("plan staffing, delivery promises or stock with the simulation as the judge, and verify "
        "the plan")
EXAMPLES = """examples:
  cxsim plan staffing scenarios/expansion_eu.yaml --workers 2
  cxsim plan promise scenarios/expansion_eu.yaml --workers 2 --on-time 0.95
  cxsim plan inventory scenarios/expansion_eu.yaml --workers 2 --fill-rate 0.98
  cxsim plan staffing scenarios/one_queue.yaml --set horizon_days=2 --out results/one_queue_plan
"""


@dataclass(frozen=True)
class Planner:
    """One kind of plan on the command line.

    Attributes:
        help: one line for ``cxsim plan --help``.
        examples: shown by ``cxsim plan KIND --help``.
        add_options: adds the planner's own options to its parser.
        problems: why a scenario cannot be planned, one line each (checked before any run).
        make: the plan of a scenario, run on an executor, reporting progress and log lines.
        show: the lines printed once the plan is written.
    """

    help: str
    examples: str
    add_options: Callable[[argparse.ArgumentParser], None]
    problems: Callable[[Scenario], list[str]]
    make: Callable[[Scenario, argparse.Namespace, Executor, Progress, Callable[[str], None]],
                   Plan]
    show: Callable[[Plan], list[str]]


def _staffing_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--iterations", type=whole(1), default=DEFAULT_ITERATIONS,
                         help="most simulations the search for the need per interval makes "
                              f"(default {DEFAULT_ITERATIONS})")
    command.add_argument("--roster-time-limit", type=whole(1),
                         default=int(DEFAULT_ROSTER_TIME_LIMIT_S), metavar="SECONDS",
                         help="time limit of each weekly roster's solver run (default "
                              f"{DEFAULT_ROSTER_TIME_LIMIT_S:g})")


def _make_staffing(scenario: Scenario, args: argparse.Namespace, executor: Executor,
                   progress: Progress, log: Callable[[str], None]) -> Plan:
    return plan_staffing(scenario, reps=args.reps, seed=args.seed, executor=executor,
                         progress=progress, log=log, max_iterations=args.iterations,
                         roster_time_limit_s=float(args.roster_time_limit))


def _show_staffing(plan: Plan) -> list[str]:
    staffing, roster = plan.tables["staffing"], plan.tables["roster"]
    hires = plan.tables["hiring_plan"]
    length = plan.scenario.interval_minutes / 60.0
    lines = ["Staffing plan per team (staffing.csv, roster.csv, hiring_plan.csv):",
             f"  {'team':<14} {'region':<7} {'needed h':>10} {'rostered h':>11} "
             f"{'peak on duty':>12} {'hired':>6} {'too late':>8}  first decide by"]
    for team, rows in staffing.groupby("team", sort=False):
        counted = rows[rows["counted"]]
        mine = hires[hires["team"] == team]
        late = int(mine.loc[mine["status"] == "too late", "agents"].sum())
        first = str(mine["decide_by"].min()) if len(mine) else "-"
        lines.append(
            f"  {printable(team):<14} {printable(rows['region'].iloc[0]):<7} "
            f"{counted['required_on_duty'].sum() * length:>10,.0f} "
            f"{counted['rostered'].sum() * length:>11,.0f} "
            f"{int(np.ceil(rows['rostered'].max())) if len(rows) else 0:>12} "
            f"{int(mine['agents'].sum()):>6} {late:>8}  {first}")
    if len(roster) and roster["cost_per_week"].sum() > 0:
        cost = roster.groupby("week_start")["cost_per_week"].sum()
        lines.append(f"  roster cost a week: {cost.mean():,.0f} on average, {cost.max():,.0f} at "
                     f"most (week of {cost.idxmax()})")
    meta = plan.meta
    lines.append(f"  search: {meta['search']} after {meta['iterations']} iteration(s) of "
                 f"{meta['reps']} replication(s)")
    verification = plan.tables["verification"]
    lines.append(f"Verification with seed {meta['verification_seed']} over {meta['reps']} "
                 "replication(s) (verification.csv, targets.csv):")
    for row in verification.to_dict("records"):
        # Each region's service levels and message rules: what the agents answer for.
        if row["region"] == "*" or (row["scope"] != "contacts"
                                    and row["kpi"] != "responded_in_time"):
            continue
        low, high, met = (float(row[c]) for c in ("ci_low", "ci_high", "intervals_met_share"))
        interval = "" if math.isnan(low) else f" [{low:.1%}, {high:.1%}]"
        share = "" if math.isnan(met) else f"; {met:.0%} of intervals meet it"
        lines.append(f"  {printable(row['region']):<6} {printable(row['channel']):<20} "
                     f"{row['kpi']} {float(row['mean']):.1%}{interval} (target {row['rule']} "
                     f"{float(row['limit']):.1%}): {row['status']}{share}")
    if plan.findings:
        lines.append("Findings:")
        lines += [f"  {printable(finding)}" for finding in plan.findings]
    return lines


def _share(text: str) -> float:
    """An argparse type: a share above 0 and below 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{printable(text)[:40]}' is not a number (a share above 0 and below 1, "
            "say 0.95)") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a share above 0 and below 1 (say 0.95)")
    return value


def _promise_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--on-time", type=_share, default=DEFAULT_ON_TIME, metavar="P",
                         help="the share of orders a promise must deliver on time, judged by "
                              f"the lower end of its 95%% interval (default {DEFAULT_ON_TIME})")


def _make_promise(scenario: Scenario, args: argparse.Namespace, executor: Executor,
                  progress: Progress, log: Callable[[str], None]) -> Plan:
    if args.reps < 2:
        raise BadInputError([f"--reps: {args.reps} is too few to judge a promise (a whole "
                             "number >= 2: promises are judged by their confidence interval)"])
    return plan_promise(scenario, reps=args.reps, seed=args.seed, on_time=args.on_time,
                        executor=executor, progress=progress, log=log)


def _days(value: float | None) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:g}"


def _show_promise(plan: Plan) -> list[str]:
    table = plan.tables["promise_plan"]
    target = plan.meta["on_time"]
    lines = [f"Promise per region and sales channel, on time for at least {target:.0%} "
             "(promise_plan.csv):",
             f"  {'region':<7} {'channel':<12} {'rule':<14} {'now':>4} {'on time now':>22} "
             f"{'plan':>5} {'on time, verified':>22}  late shipments"]
    for row in table.to_dict("records"):
        now = "" if math.isnan(row["current_on_time"]) else (
            f"{row['current_on_time']:.1%} [{row['current_on_time_low']:.1%}, "
            f"{row['current_on_time_high']:.1%}]")
        verified = "" if math.isnan(row["verified_on_time"]) else (
            f"{row['verified_on_time']:.1%} [{row['verified_on_time_low']:.1%}, "
            f"{row['verified_on_time_high']:.1%}]")
        late = "" if math.isnan(row["late_shipment_ceiling"]) else (
            f"not judged (ceiling {row['late_shipment_ceiling']:.1%}: no order shipped in the "
            "counted days)" if math.isnan(row["late_shipment_rate"]) else
            f"{row['late_shipment_rate']:.1%} (ceiling {row['late_shipment_ceiling']:.1%}: "
            f"{row['ceiling_holds']})")
        lines.append(f"  {printable(row['region']):<7} {printable(row['sales_channel']):<12} "
                     f"{row['rule']:<14} {_days(row['current_promise_days']):>4} {now:>22} "
                     f"{_days(row['recommended_promise_days']):>5} {verified:>22}  {late}")
    options = plan.tables.get("ship_options")
    if options is not None and len(options):
        lines.append("Options at the nodes for late shipments (ship_options.csv):")
        for row in options.to_dict("records"):
            lines.append(
                f"  {printable(row['region']):<4} {printable(row['sales_channel']):<10} "
                f"{printable(row['node']):<10} {printable(row['option']):<34} "
                f"late {row['late_shipment_rate']:.1%} [{row['late_shipment_rate_low']:.1%}, "
                f"{row['late_shipment_rate_high']:.1%}]: {row['holds']}")
    meta = plan.meta
    lines.append(f"  judged from one run of {meta['reps']} replication(s) (seed {meta['seed']}), "
                 f"verified with seed {meta['verification_seed']}; {meta['lever_runs']} "
                 "run(s) of node options")
    if plan.findings:
        lines.append("Findings:")
        lines += [f"  {printable(finding)}" for finding in plan.findings]
    return lines


def _inventory_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--fill-rate", type=_share, default=DEFAULT_FILL_RATE, metavar="P",
                         help="the fill rate stock must keep, judged by the lower end of its "
                              "95%% interval, for products without their own fill_rate_target "
                              f"(default {DEFAULT_FILL_RATE})")
    command.add_argument("--iterations", type=whole(1), default=DEFAULT_INVENTORY_ITERATIONS,
                         help="most correcting simulations after the run of the scenario as "
                              f"it stands (default {DEFAULT_INVENTORY_ITERATIONS})")


def _make_inventory(scenario: Scenario, args: argparse.Namespace, executor: Executor,
                    progress: Progress, log: Callable[[str], None]) -> Plan:
    if args.reps < 2:
        raise BadInputError([f"--reps: {args.reps} is too few to judge a fill rate (a whole "
                             "number >= 2: fill rates are judged by their confidence interval)"])
    return plan_inventory(scenario, reps=args.reps, seed=args.seed, fill_rate=args.fill_rate,
                          max_iterations=args.iterations, executor=executor,
                          progress=progress, log=log)


def _rate(mean: float, low: float, high: float) -> str:
    if math.isnan(mean):
        return "-"
    return f"{mean:.1%}" + ("" if math.isnan(low) else f" [{low:.1%}, {high:.1%}]")


def _show_inventory(plan: Plan) -> list[str]:
    table = plan.tables["inventory_plan"]
    lines = ["Stock per node and product (inventory_plan.csv"
             + (", inventory_schedule.csv" if "inventory_schedule" in plan.tables else "")
             + "):",
             f"  {'node':<8} {'product':<9} {'now':<22} {'fill rate now':>22}  "
             f"{'plan':<34} {'fill rate, verified':>22}  holding a day"]
    for row in table.to_dict("records"):
        now = _rate(row["current_fill_rate"], row["current_fill_rate_low"],
                    row["current_fill_rate_high"])
        verified = _rate(row["verified_fill_rate"], row["verified_fill_rate_low"],
                         row["verified_fill_rate_high"])
        cost = (f"{row['current_holding_cost_per_day']:,.0f} -> "
                f"{row['verified_holding_cost_per_day']:,.0f}")
        lines.append(f"  {printable(row['node']):<8} {printable(row['product']):<9} "
                     f"{row['current']:<22} {now:>22}  {row['recommended']:<34} "
                     f"{verified:>22}  {cost}")
    first = table[table["first_inbound_units"].notna()]
    if len(first):
        lines.append("First shipment of each new node (units, and the latest date to order it):")
        for row in first.to_dict("records"):
            lines.append(f"  {printable(row['node']):<8} {printable(row['product']):<9} "
                         f"{int(row['first_inbound_units']):>8,} units, order by "
                         f"{row['first_inbound_order_by']}")
    meta = plan.meta
    lines.append(f"  searched with {meta['iterations']} correcting run(s) of {meta['reps']} "
                 f"replication(s) (seed {meta['seed']}), verified with seed "
                 f"{meta['verification_seed']}")
    if plan.findings:
        lines.append("Findings:")
        lines += [f"  {printable(finding)}" for finding in plan.findings]
    return lines


PLANNERS: dict[str, Planner] = {
    "staffing": Planner(
        help="agents per interval, weekly rosters and hires that meet every target",
        examples="""examples:
  cxsim plan staffing scenarios/expansion_eu.yaml --workers 2
  cxsim plan staffing scenarios/retail_week.yaml --reps 6 --iterations 8
""",
        add_options=_staffing_options,
        problems=staffing_problems,
        make=_make_staffing,
        show=_show_staffing,
    ),
    "promise": Planner(
        help="the shortest delivery promise that holds per region and sales channel, and "
             "the marketplaces' late-shipment ceilings",
        examples="""examples:
  cxsim plan promise scenarios/expansion_eu.yaml --workers 2
  cxsim plan promise scenarios/two_nodes.yaml --on-time 0.9 --reps 4
""",
        add_options=_promise_options,
        problems=promise_problems,
        make=_make_promise,
        show=_show_promise,
    ),
    "inventory": Planner(
        help="stock levels that keep a fill rate at the lowest holding cost, a level per month "
             "where demand is seasonal, and new nodes' first shipments",
        examples="""examples:
  cxsim plan inventory scenarios/expansion_eu.yaml --workers 2
  cxsim plan inventory scenarios/one_stock_point.yaml --fill-rate 0.95 --reps 6
""",
        add_options=_inventory_options,
        problems=inventory_problems,
        make=_make_inventory,
        show=_show_inventory,
    ),
}


def add_arguments(command: argparse.ArgumentParser) -> None:
    kinds = command.add_subparsers(dest="kind", required=True, metavar="KIND",
                                   parser_class=type(command))
    for kind, planner in PLANNERS.items():
        parser = kinds.add_parser(kind, help=planner.help.replace("%", "%%"),  # a %-format
                                  description=planner.help[:1].upper() + planner.help[1:] + ".",
                                  epilog=planner.examples,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
        add_scenario_options(parser)
        add_run_options(parser, DEFAULT_PLAN_REPS,
                        f"results/<scenario file name>-{kind}-plan")
        parser.add_argument("--no-report", dest="report", action="store_false",
                            help=f"do not write {REPORT_NAME} beside the plan's tables")
        planner.add_options(parser)


def handle(args: argparse.Namespace) -> int:
    planner = PLANNERS[args.kind]
    scenario = load(args)
    problems = planner.problems(scenario)
    if problems:
        raise BadInputError(problems)
    check_size(scenario, args.reps, args.quiet)
    out = result_dir(args, f"{args.scenario.stem}-{args.kind}-plan")
    printers: dict[str, ProgressBar] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if stage not in printers:
            printers[stage] = progress_printer(args.quiet, f"{stage}: replication")
        printers[stage](done, total)
        if done == total:
            printers.pop(stage).close()

    def log(line: str) -> None:
        if not args.quiet:
            print(f"  {line}", file=sys.stderr, flush=True)

    try:
        with open_executor(args, args.reps) as executor:
            if not args.quiet:
                print(f"cxsim: planning {args.kind} for {describe(scenario)}; {args.reps} "
                      f"replication(s) an iteration, seed {args.seed}, "
                      f"{where_it_runs(executor)}", file=sys.stderr)
            plan = planner.make(scenario, args, executor, progress, log)
        plan.verification.meta["workers"] = args.workers
        plan.verification.meta["command"] = shlex.join(args.command_line)
        plan.write(out.staging)
        if args.report:
            # Inside the staging directory: the report is part of the atomic result.
            html.write_report(html.report_of(out.staging), out.staging / REPORT_NAME)
            add_result_file(out.staging, REPORT_NAME)
        path = out.commit()
    except BaseException:
        out.discard()
        raise
    finally:
        for printer in printers.values():
            printer.close()
    if not args.quiet:
        print("\n".join(planner.show(plan)))
        if args.report:
            print(f"report: {printable(path / REPORT_NAME)}")
    print(f"plan: {printable(path)}")
    return 0
