"""``cxsim report DIR``: the HTML report of a result directory, from its tables alone."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from cxsim import report as html  # loads its drawing on first use
from cxsim.cli.common import BadInputError, cannot_write, printable
from cxsim.report import REPORT_NAME
from cxsim.results.output import MARKER, add_result_file, result_files

NAME = "report"
HELP = "write the HTML report of a result directory (a run, a plan or a sweep)"
KINDS = ("run", "plan", "sweep")
EXAMPLES = f"""examples:
  cxsim report results/expansion_eu
  cxsim report results/expansion_eu --out expansion_eu.html

The report is one HTML file that opens offline in any browser; `cxsim run` writes it as
DIR/{REPORT_NAME} unless given --no-report.
"""


def add_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("directory", type=Path,
                         help="a result directory (written by cxsim run or a plan)")
    command.add_argument("--out", type=Path, default=None,
                         help=f"the report file (default DIRECTORY/{REPORT_NAME}); an existing "
                              "file is replaced only if it is a report cxsim wrote")


def _checked_out(directory: Path, files: frozenset[str], out: Path) -> Path:
    """``out`` if cxsim may write the report there, else BadInputError saying why."""
    shown = printable(out)
    if out.is_dir():
        raise BadInputError([f"--out: '{shown}' is a directory (a file name such as "
                             f"{REPORT_NAME})"])
    if not out.parent.is_dir():
        raise BadInputError([f"--out: '{printable(out.parent)}' is not a directory (a file in "
                             "an existing directory)"])
    if out.exists() or out.is_symlink():
        # A report the result lists may be replaced; its tables and run.json never.
        listed = (out.parent.resolve() == directory.resolve() and out.name in files
                  and out.suffix == ".html")
        if out.is_symlink() or not (listed or html.is_report(out)):
            raise BadInputError([f"--out: '{shown}' exists and is not a report cxsim wrote "
                                 "(another file name, or move it)"])
    return out


def handle(args: argparse.Namespace) -> int:
    directory: Path = args.directory
    shown = printable(directory)
    if not directory.is_dir():
        raise BadInputError([f"{shown}: not a directory (a result directory cxsim run wrote)"])
    files = result_files(directory)
    if files is None:
        why = (f"its {MARKER} is not one cxsim wrote" if (directory / MARKER).exists()
               else f"no {MARKER}")
        raise BadInputError([f"{shown}: not a cxsim result ({why}; a result directory "
                             "cxsim run wrote)"])
    kind = json.loads((directory / MARKER).read_text(encoding="utf-8")).get("kind", "run")
    if kind not in KINDS:
        raise BadInputError([f"{shown}: a {printable(kind)} result; reports are built for "
                             f"{' and '.join(KINDS)} directories"])
    out = args.out or directory / REPORT_NAME
    try:
        out = _checked_out(directory, files, out)
    except OSError as error:  # a name the system refuses (too long, say)
        raise cannot_write(out, error) from None
    try:
        page = html.report_of(directory)
    except (OSError, ValueError, KeyError) as error:
        reason = printable(str(error).splitlines()[0] if str(error) else type(error).__name__)
        raise BadInputError([f"{shown}: cannot read the result ({reason})"]) from None
    try:
        html.write_report(page, out)
        if out.parent.resolve() == directory.resolve():
            add_result_file(directory, out.name)
    except OSError as error:
        raise cannot_write(out, error) from None
    print(f"report: {printable(out)}")
    return 0
