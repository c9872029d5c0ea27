"""``cxsim validate SCENARIO``: check a scenario file and report every problem."""

from __future__ import annotations

import argparse

from cxsim.cli.common import add_scenario_options, describe, load, printable

NAME = "validate"
HELP = "check a scenario file and report its problems"
EXAMPLES = """examples:
  cxsim validate scenarios/expansion_eu.yaml
  cxsim validate scenarios/one_queue.yaml --set teams.us_agents.agents=34
"""


def add_arguments(command: argparse.ArgumentParser) -> None:
    add_scenario_options(command)


def handle(args: argparse.Namespace) -> int:
    scenario = load(args)
    print(f"{printable(args.scenario)}: valid; {describe(scenario)}")
    return 0
