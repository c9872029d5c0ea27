"""``cxsim compare DIR_A DIR_B [DIR_C ...]``: every KPI's difference from the first result, with
a 95% confidence interval."""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import uuid
from pathlib import Path

import pandas as pd

from cxsim.cli.common import BadInputError, cannot_write, printable, whole
from cxsim.results.catalogue import SHARE_KPIS, format_value
from cxsim.results.compare import (
    COMPARISON_COLUMNS,
    Compared,
    biggest_changes,
    compare,
    read_compared,
)
from cxsim.results.output import MARKER, NAME_MAX
from cxsim.results.sweeps import POINTS_FOLDER

NAME = "compare"
HELP = "compare results KPI by KPI, with a 95% interval on each difference"
EXAMPLES = """Each result after the first is compared with the first: B - A for every KPI, paired
by replication when both ran with the same seed and replications (common random numbers).
A sweep directory stands for its points, compared with its first point.

examples:
  cxsim compare results/expansion_eu results/amazon_3_days
  cxsim compare results/de_sweep/points/p000 results/de_sweep/points/p004 --top 20
  cxsim compare results/de_sweep --out de_sweep_comparison.csv
"""


def add_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("results", nargs="+", type=Path, metavar="DIR",
                         help="result directories: runs, plans, sweep points, or a sweep")
    command.add_argument("--out", type=Path, default=Path("comparison.csv"),
                         help="the table of every difference (default comparison.csv here; "
                              "replaces only a comparison cxsim wrote)")
    command.add_argument("--top", type=whole(0), default=12,
                         help="significant differences printed per comparison (default 12)")
    command.add_argument("--quiet", action="store_true", help="print only the table's path")


def _inputs(paths: list[Path]) -> list[Compared]:
    """Each result read, a sweep standing for its points; BadInputError names every problem."""
    found: list[Compared] = []
    problems: list[str] = []
    for path in paths:
        points = path / POINTS_FOLDER
        sweep = points.is_dir() and _kind(path) == "sweep"
        for folder in ([point for point in sorted(points.iterdir()) if (point / MARKER).is_file()]
                       if sweep else [path]):
            try:
                found.append(read_compared(folder))
            except (OSError, ValueError) as error:  # pyarrow's errors of a damaged table too
                # Named by its folder (pyarrow's message names no file, in some versions).
                message = str(error).splitlines()[0] if str(error) else type(error).__name__
                problems.append(printable(message) if str(folder) in message else
                                f"{printable(folder)}: cannot read the result "
                                f"({printable(message)})")
    if problems:
        raise BadInputError(problems)
    if len(found) < 2:
        raise BadInputError(["compare: needs two results or more (a baseline, then the "
                             "alternatives)"])
    return found


def _kind(folder: Path) -> str | None:
    """What a result directory holds, as its run.json says (None: not a result)."""
    try:
        meta = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return str(meta.get("kind")) if isinstance(meta, dict) else None


def _temporary(out: Path) -> Path:
    """Where the table is written before it takes ``out``'s place."""
    return out.with_name(f".{out.name}.tmp-{uuid.uuid4().hex[:8]}")


def _check_out(out: Path) -> None:
    """Refuse a place the table must not go: a file cxsim did not write, a directory, or the
    inside of a result directory (whose files cxsim lists); or a name too long to write."""
    shown = printable(out)
    longest = NAME_MAX - (len(os.fsencode(_temporary(out).name)) - len(os.fsencode(out.name)))
    if len(os.fsencode(out.name)) > longest:
        raise BadInputError([f"--out: '{shown}' is a name too long to write (a file name of at "
                             f"most {longest} bytes)"])
    if out.is_dir():
        raise BadInputError([f"--out: '{shown}' is a directory (a .csv file name)"])
    if out.exists() or out.is_symlink():
        try:
            with out.open(encoding="utf-8") as file:
                first = file.readline().strip()
        except (OSError, UnicodeDecodeError):
            first = ""
        if out.is_symlink() or first != ",".join(COMPARISON_COLUMNS):
            raise BadInputError([f"--out: '{shown}' is a file cxsim did not write (a new file "
                                 "name, or an earlier comparison)"])
    folder = out.absolute().parent
    if (folder / MARKER).is_file():
        raise BadInputError([f"--out: '{shown}' is inside the cxsim result '{printable(folder)}'"
                             " (a file outside result directories)"])
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise BadInputError([f"--out: cannot write in '{printable(folder)}' (an existing "
                             "directory you may write in)"])


def _signed(kpi: str, value: float) -> str:
    if math.isnan(value):
        return "-"
    if kpi in SHARE_KPIS:
        return f"{100 * value:+.1f} pts"
    text = format_value(kpi, abs(value))
    return ("-" if value < 0 else "+") + text


def changes_text(comparison: pd.DataFrame, top: int) -> str:
    """What changed most in one comparison, a line per KPI, under a line saying how paired."""
    first = comparison.iloc[0]
    method = ("paired by replication (same seed and replications)"
              if first["method"] == "paired" else "unpaired (different seeds or replications)")
    significant = int(comparison["significant"].sum())
    if comparison["ci_low"].isna().all():  # one replication on a side: no interval at all
        return (f"{printable(first['b'])} vs {printable(first['a'])}: {method}; no KPI has an "
                "interval to judge a difference by (a side has one replication: --reps 2 or "
                "more)")
    lines = [f"{printable(first['b'])} vs {printable(first['a'])}: {method}; {significant} of "
             f"{len(comparison)} KPIs differ significantly"
             + (", the clearest:" if significant and top else "")]
    for _, row in biggest_changes(comparison, top).iterrows():
        kpi = str(row["kpi"])
        where = " ".join(printable(row[c]) for c in ("scope", "region", "channel"))
        lines.append(f"  {where} {kpi}: {format_value(kpi, float(row['mean_a']))} -> "
                     f"{format_value(kpi, float(row['mean_b']))}, "
                     f"{_signed(kpi, float(row['difference']))} "
                     f"[{_signed(kpi, float(row['ci_low']))}, "
                     f"{_signed(kpi, float(row['ci_high']))}]")
    return "\n".join(lines)


def handle(args: argparse.Namespace) -> int:
    try:
        _check_out(args.out)
    except OSError as error:  # a place the system will not even look at
        raise cannot_write(args.out, error) from None
    inputs = _inputs(args.results)
    baseline, others = inputs[0], inputs[1:]
    tables = [compare(baseline, other) for other in others]
    table = pd.concat(tables, ignore_index=True)
    temporary = _temporary(args.out)
    try:
        table.to_csv(temporary, index=False)
        os.replace(temporary, args.out)
    except OSError as error:
        raise cannot_write(args.out, error) from None
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
    if not args.quiet:
        print("\n".join(changes_text(one, args.top) for one in tables))
    print(f"comparison: {printable(args.out)}")
    return 0
