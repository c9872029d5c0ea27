"""``cxsim run SCENARIO``: simulate replications and write the result tables."""

from __future__ import annotations

import argparse
import shlex
import sys

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
    terminal_width,
    where_it_runs,
)
from cxsim.cli.screen import attention_text, summary_text, verdict_text
from cxsim.report import REPORT_NAME
from cxsim.results.catalogue import SCOPES
from cxsim.results.output import add_result_file
from cxsim.run import DEFAULT_REPS, run

NAME = "run"
HELP = "simulate a scenario and write result tables"
EXAMPLES = """examples:
  cxsim run scenarios/expansion_eu.yaml --reps 3 --workers 2
  cxsim run scenarios/expansion_eu.yaml --reps 20 --dask tcp://scheduler:8786
  cxsim run scenarios/one_queue.yaml --set teams.us_agents.agents=34 --out results/34_agents
  cxsim run scenarios/expansion_eu.yaml --region de --scope orders
  cxsim run scenarios/one_queue.yaml --no-report

Besides the tables, DIR/report.html is the run's report: one file that opens offline.
"""


def add_arguments(command: argparse.ArgumentParser) -> None:
    add_scenario_options(command)
    add_run_options(command, DEFAULT_REPS)
    command.add_argument("--region", dest="regions", action="append", default=[],
                         metavar="REGION",
                         help="show only this region (or node) on screen (repeatable)")
    command.add_argument("--scope", dest="scopes", action="append", default=[],
                         choices=SCOPES, help="show only this scope on screen (repeatable)")
    command.add_argument("--no-report", dest="report", action="store_false",
                         help=f"do not write {REPORT_NAME} beside the tables")


def handle(args: argparse.Namespace) -> int:
    scenario = load(args)
    known = {*scenario.regions, *scenario.nodes, "*"}
    unknown = [name for name in args.regions if name not in known]
    if unknown:
        raise BadInputError([f"--region: unknown region '{printable(name)}' (one of: "
                        f"{', '.join(sorted(known))})" for name in unknown])
    check_size(scenario, args.reps, args.quiet)
    out = result_dir(args, args.scenario.stem)
    try:
        with open_executor(args, args.reps) as executor:
            if not args.quiet:
                print(f"cxsim: running {describe(scenario)}; {args.reps} replication(s), "
                      f"seed {args.seed}, {where_it_runs(executor)}", file=sys.stderr)
            with progress_printer(args.quiet) as progress:
                results = run(scenario, reps=args.reps, seed=args.seed, progress=progress,
                              executor=executor)
        results.meta["workers"] = args.workers
        results.meta["command"] = shlex.join(args.command_line)
        results.write(out.staging)
        if args.report:
            # Inside the staging directory: the report is part of the atomic result.
            if not args.quiet:
                print("  writing the report", file=sys.stderr)
            html.write_report(html.build_report(results), out.staging / REPORT_NAME)
            add_result_file(out.staging, REPORT_NAME)
        path = out.commit()
    except BaseException:
        out.discard()
        raise
    if not args.quiet:
        print(f"Mean and 95% confidence interval over {args.reps} replications:" if args.reps > 1
              else "One replication: values without an interval (--reps 2 or more gives each "
                   "its 95% confidence interval):")
        print(summary_text(results, terminal_width(), args.regions, args.scopes))
        attention = attention_text(results, args.regions)
        if attention:
            print("Targets not met and launch items not ready (targets.csv, launch.csv):")
            print(attention)
        print(f"Verdict per region ({REPORT_NAME if args.report else 'the report'} gives every "
              "reason and the rules):")
        print(verdict_text(results, args.regions))
        if args.report:
            print(f"report: {printable(path / REPORT_NAME)}")
    print(f"results: {printable(path)}")
    return 0
