"""The ``cxsim`` command: one small handler per subcommand.

    cxsim validate SCENARIO.yaml [--set path=value ...]
    cxsim run SCENARIO.yaml [--reps N] [--seed S] [--set path=value ...] [--out DIR]
                            [--workers N | --dask ADDRESS] [--no-report]
    cxsim plan staffing SCENARIO.yaml [--reps N] [--seed S] [--set ...] [--out DIR] [--workers N]
    cxsim plan promise SCENARIO.yaml [--on-time P] [--reps N] [--seed S] [--set ...] [--out DIR]
    cxsim sweep SCENARIO.yaml --grid GRID.yaml [--out DIR] [--resume] [...]
    cxsim compare DIR_A DIR_B [DIR_C ...] [--out FILE]
    cxsim report DIR [--out FILE]

Each subcommand is a module with ``NAME``, ``HELP``, ``EXAMPLES``, ``add_arguments(parser)`` and
``handle(args) -> exit status``. Bad input prints one line per problem and exits with status 2,
writing nothing; Ctrl-C exits with 130 and SIGTERM with 143, after stopping every worker, with
one line and no partial result (a sweep says which finished points it kept).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from types import FrameType, ModuleType

from cxsim.cli import compare, plan, report, run, sweep, validate
from cxsim.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    BadInputError,
    Interrupted,
    Terminated,
)

__all__ = ["main"]

EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as shells report a pipe closed early

COMMANDS: tuple[ModuleType, ...] = (validate, run, plan, sweep, compare, report)


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad option as cxsim reports bad input: one line, status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise BadInputError([f"{self.prog}: {message}"])


def _parser() -> argparse.ArgumentParser:
    from cxsim import __version__

    parser = _Parser(
        prog="cxsim",
        description="Simulate and plan customer support, stock and delivery across regions.",
        epilog="Run 'cxsim COMMAND --help' for a command's options and examples.",
    )
    parser.add_argument("--version", action="version", version=f"cxsim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                     parser_class=_Parser)
    for module in COMMANDS:
        # argparse reads an argument's help as a %-format ("95% interval" would be "% i"), not
        # a description or an epilog.
        command = commands.add_parser(
            module.NAME, help=module.HELP.replace("%", "%%"),
            description=module.HELP[:1].upper() + module.HELP[1:] + ".", epilog=module.EXAMPLES,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(command)
        command.set_defaults(handle=module.handle)
    return parser


def _terminate(_signal: int, _frame: FrameType | None) -> None:
    raise Terminated


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        args = _parser().parse_args(argv)
        # As typed, for the record a result keeps of how it was made.
        args.command_line = ["cxsim", *map(str, sys.argv[1:] if argv is None else argv)]
        status: int = args.handle(args)
        return status
    except BadInputError as error:
        # The first line says what is wrong, prefixed like every message of the command; the
        # problem lines of a scenario follow as they are.
        for number, line in enumerate(error.lines):
            prefix = "cxsim: " if number == 0 and not line.startswith("cxsim") else ""
            print(prefix + line, file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("\ncxsim: interrupted; no results written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Terminated:
        print("\ncxsim: terminated; no results written", file=sys.stderr)
        return EXIT_TERMINATED
    except BrokenPipeError:
        # The reader of standard output went away (cxsim ... | head): what was written stays
        # written; say nothing more, as other commands in a pipe do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except Interrupted as stop:
        terminated = isinstance(stop.cause, Terminated)
        print(f"\ncxsim: {'terminated' if terminated else 'interrupted'}; {stop.kept}",
              file=sys.stderr)
        return EXIT_TERMINATED if terminated else EXIT_INTERRUPTED
    finally:
        signal.signal(signal.SIGTERM, previous)
