"""What every subcommand shares: exit statuses, common options, loading the scenario, the
result directory, and text that is safe to print.

Bad input (a scenario problem, a bad option, a result directory cxsim must not write) raises
``BadInputError`` with one line per problem; the command prints them and exits with status 2,
having written nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from cxsim.results.output import OutputError, ResultDir
from cxsim.scenario import Scenario, ScenarioError, load_scenario

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_INTERRUPTED",
    "EXIT_TERMINATED",
    "BadInputError",
    "Terminated",
    "add_run_options",
    "add_scenario_options",
    "describe",
    "load",
    "printable",
    "progress_printer",
    "result_dir",
    "terminal_width",
    "whole",
]

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it
EXIT_TERMINATED = 143  # 128 + SIGTERM


class BadInputError(Exception):
    """Input cxsim refuses; ``lines`` are the problems, one per line."""

    def __init__(self, lines: Sequence[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = list(lines)


class Terminated(BaseException):
    """The process was asked to stop (SIGTERM); like Ctrl-C, it stops every worker."""


def printable(text: object) -> str:
    """``text`` with control characters and escape sequences shown as escapes, never sent raw
    to the terminal; names from a scenario are printed through this."""
    value = str(text)
    if value.isprintable():
        return value
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in value)


def whole(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number >= ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"'{printable(text)[:40]}' is not a whole number (a whole number >= {minimum})"
            ) from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is too small (a whole number >= {minimum})")
        return value

    parse.__name__ = "whole number"
    return parse


def add_scenario_options(command: argparse.ArgumentParser) -> None:
    """The scenario file and ``--set`` overrides."""
    command.add_argument("scenario", type=Path, help="scenario file (YAML)")
    command.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
        help="change one field, e.g. --set teams.us_agents.agents=34 (repeatable)",
    )


def add_run_options(command: argparse.ArgumentParser, default_reps: int,
                    default_out: str = "results/<scenario file name>") -> None:
    """Replications, seed, workers, result directory (``default_out`` as the help shows it) and
    quiet: shared by commands that run."""
    command.add_argument("--reps", type=whole(1), default=default_reps,
                         help=f"replications (default {default_reps})")
    command.add_argument("--seed", type=whole(0), default=0, help="root seed (default 0)")
    command.add_argument("--workers", type=whole(1), default=1,
                         help="processes to run replications in (default 1)")
    command.add_argument("--out", default=None,
                         help="result directory: new, empty or an earlier cxsim result "
                              f"(default {default_out})")
    command.add_argument("--quiet", action="store_true", help="print only the result path")


def load(args: argparse.Namespace) -> Scenario:
    """The scenario of ``args`` with its overrides, or BadInputError with every problem."""
    try:
        return load_scenario(args.scenario, args.overrides)
    except ScenarioError as error:
        raise BadInputError(str(error).splitlines()) from None


def result_dir(args: argparse.Namespace, default_name: str) -> ResultDir:
    """The checked and staged result directory of ``--out`` (default
    ``results/<default_name>``), before anything runs; BadInputError if cxsim must not write
    there."""
    out = args.out if args.out is not None else Path("results") / default_name
    try:
        directory = ResultDir(out, protect=[args.scenario])
        directory.stage()
    except OutputError as error:
        raise BadInputError([f"--out: {error}"]) from None
    return directory


def describe(scenario: Scenario) -> str:
    """One line naming the scenario and its size."""
    return (
        f"'{printable(scenario.name)}': {len(scenario.regions)} region(s), "
        f"{len(scenario.channels)} channel(s), {len(scenario.teams)} team(s), "
        f"{len(scenario.nodes)} stock node(s), {scenario.horizon_days:g} days "
        f"({scenario.warmup_days:g} warm-up)"
    )


def progress_printer(quiet: bool, what: str = "replication") -> Callable[[int, int], None]:
    """Reports (done, total) on standard error: one updating line on a terminal, a line per
    item otherwise, nothing when quiet."""
    live = sys.stderr.isatty()

    def report(done: int, total: int) -> None:
        if quiet:
            return
        end = "" if live and done < total else "\n"
        print(f"\r  {what} {done}/{total}", end=end, file=sys.stderr, flush=True)

    return report


def terminal_width() -> int:
    """Columns of the terminal standard output goes to (100 when it is not a terminal)."""
    try:
        return max(40, os.get_terminal_size(sys.stdout.fileno()).columns)
    except (OSError, ValueError):
        return 100
