"""What every subcommand shares: exit statuses, common options, loading the scenario, where
replications run (local processes or a Dask cluster), the result directory, progress, and text
that is safe to print.

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

from cxsim.executors import ClusterError, DaskExecutor, Executor, executor_for
from cxsim.progress import Progress
from cxsim.results.output import OutputError, ResultDir
from cxsim.scenario import Scenario, ScenarioError, load_scenario
from cxsim.scenario.size import estimate_run, size_problems

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_INTERRUPTED",
    "EXIT_TERMINATED",
    "BadInputError",
    "Interrupted",
    "Terminated",
    "add_run_options",
    "add_scenario_options",
    "check_size",
    "describe",
    "load",
    "open_executor",
    "printable",
    "progress_printer",
    "result_dir",
    "terminal_width",
    "where_it_runs",
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


class Interrupted(BaseException):
    """Ctrl-C or SIGTERM (``cause``) after which some results were kept: ``kept`` says which
    and where, in place of "no results written"."""

    def __init__(self, cause: BaseException, kept: str) -> None:
        super().__init__(kept)
        self.cause = cause
        self.kept = kept


def printable(text: object) -> str:
    """``text`` with control characters and escape sequences shown as escapes, never sent raw
    to the terminal; names from a scenario are printed through this."""
    value = str(text)
    if value.isprintable():
        return value
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in value)


def cannot_write(out: Path, error: OSError) -> BadInputError:
    """The one-line refusal of an --out file the system will not write, with its reason."""
    return BadInputError([f"--out: cannot write '{printable(out)}': {error.strerror or error}"])


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
    command.add_argument("--workers", type=whole(1), default=None,
                         help="processes to run replications in (default 1; with --dask local "
                              "the cluster's processes, default one per core)")
    command.add_argument("--dask", default=None, metavar="ADDRESS",
                         help="run replications on a Dask cluster: a running scheduler "
                              "(tcp://host:8786) or 'local' to start one on this machine "
                              "(needs the cluster extra)")
    command.add_argument("--out", default=None,
                         help="result directory: new, empty or an earlier cxsim result "
                              f"(default {default_out})")
    command.add_argument("--quiet", action="store_true", help="print only the result path")


def check_size(scenario: Scenario, reps: int, quiet: bool, runs: int = 1) -> None:
    """Refuse, before it starts, a run too large to finish (BadInputError with the estimate);
    say on standard error when it will take long. ``runs``: how many times the scenario's
    replications run (a plan's iterations, a sweep's points)."""
    estimate = estimate_run(scenario, reps)
    refusals, warnings = size_problems(estimate)
    if refusals:
        raise BadInputError([f"{printable(scenario.name)}: too large to run: {refusals[0]}",
                             *refusals[1:]])
    if not quiet:
        for warning in warnings:
            times = f" ({runs} runs of it)" if runs > 1 else ""
            print(f"cxsim: note: {warning}{times}", file=sys.stderr)


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


def open_executor(args: argparse.Namespace, tasks: int) -> Executor:
    """Where the replications of ``args`` run: ``--dask`` (connected now, so that a scheduler
    that does not answer is found before anything runs) or ``--workers`` local processes (at
    most ``tasks``); ``args.workers`` is set to the number of workers. Close it after use.
    """
    address = getattr(args, "dask", None)
    if address is None:
        args.workers = args.workers or 1
        return executor_for(max(1, min(args.workers, tasks)))
    if address.strip() != "local" and args.workers is not None:
        raise BadInputError(["--workers: a running scheduler has the workers it has (--workers "
                             "sets the size of --dask local only)"])
    # A local cluster of no more workers than there are replications to run, as for processes.
    workers = None if args.workers is None else max(1, min(args.workers, tasks))
    try:
        executor = DaskExecutor(address.strip(), workers=workers).start()
    except (ClusterError, ValueError) as error:
        raise BadInputError([f"--dask: {printable(error)}"]) from None
    args.workers = executor.workers
    return executor


def where_it_runs(executor: Executor) -> str:
    """``2 worker(s)``, or ``2 worker(s) of a local Dask cluster``, for what a command prints."""
    if isinstance(executor, DaskExecutor):
        where = "a local Dask cluster" if executor.local else f"Dask at {executor.address}"
        return f"{executor.workers} worker(s) of {printable(where)}"
    return f"{executor.workers} worker(s)"


def describe(scenario: Scenario) -> str:
    """One line naming the scenario and its size."""
    return (
        f"'{printable(scenario.name)}': {len(scenario.regions)} region(s), "
        f"{len(scenario.channels)} channel(s), {len(scenario.teams)} team(s), "
        f"{len(scenario.nodes)} stock node(s), {scenario.horizon_days:g} days "
        f"({scenario.warmup_days:g} warm-up)"
    )


def progress_printer(quiet: bool, what: str = "replication") -> Progress:
    """Reports (done, total) on standard error: a bar with the time left on a terminal, a line
    per item otherwise, nothing when quiet (``cxsim.progress.Progress``)."""
    return Progress(what, quiet=quiet)


def terminal_width() -> int:
    """Columns of the terminal standard output goes to (100 when it is not a terminal)."""
    try:
        return max(40, os.get_terminal_size(sys.stdout.fileno()).columns)
    except (OSError, ValueError):
        return 100
