"""Check that this checkout's tables are bit-identical to another commit's, scenario by scenario.

    python benchmarks/same_tables.py [--ref REF] [--seed S] [--reps R] [CASE ...]

A case is a scenario file, optionally with ``--set`` assignments after colons:
``scenarios/retail_week.yaml:omnichannel=false``. Each case runs twice in fresh processes with
the same seed: once with the code of ``REF`` (exported with ``git archive`` into a temporary
folder) and once with this checkout's; every table of the results is then compared exactly
(values, dtypes, index and column order). Prints one line per table and exits 1 if any differs.
This is how a change that should not move a single random draw (a refactor, a speed-up) shows
that it did not.
"""

from __future__ import annotations

import argparse
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
from checkouts import ROOT, code_env, export

DEFAULT_CASES = (
    "scenarios/one_queue.yaml",
    "scenarios/two_regions.yaml",
    "scenarios/retail_week.yaml",
    "scenarios/retail_week.yaml:omnichannel=false",
)
TABLES = ("runs", "summary", "contacts_by_interval", "contacts_by_day", "teams_by_interval",
          "teams_by_day", "orders_by_day", "inventory_by_day", "contacts_by_reason",
          "promise_curve", "hiring", "targets", "launch")

# Run in a child process, with the code under test first on the path.
_CHILD = """
import pickle, sys
import cxsim
path, seed, reps, out, *overrides = sys.argv[1:]
results = cxsim.run(cxsim.load_scenario(path, overrides), reps=int(reps), seed=int(seed))
tables = {name: getattr(results, name) for name in sys.stdin.read().split()
          if getattr(results, name, None) is not None}
with open(out, "wb") as file:
    pickle.dump((cxsim.__file__, tables), file)
"""


def tables(code: Path, case: str, seed: int, reps: int, out: Path) -> dict[str, pd.DataFrame]:
    """Every table of one run of ``case`` with the package under ``code``."""
    path, *overrides = case.split(":")
    subprocess.run([sys.executable, "-c", _CHILD, str(ROOT / path), str(seed), str(reps),
                    str(out), *overrides], input=" ".join(TABLES), text=True,
                   env=code_env(code), check=True, cwd=code)
    with open(out, "rb") as file:
        module, found = pickle.load(file)
    if not module.startswith(str(code)):
        raise SystemExit(f"same_tables: ran {module}, not the code under {code}")
    return dict(found)


def difference(before: pd.DataFrame, after: pd.DataFrame) -> str | None:
    """None when the two tables are identical, else what differs first."""
    try:
        pd.testing.assert_frame_equal(before, after, check_exact=True)
    except AssertionError as error:
        return " ".join(str(error).split())[:300]
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", default=list(DEFAULT_CASES))
    parser.add_argument("--ref", default="main", help="commit to compare with (default main)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reps", type=int, default=2)
    args = parser.parse_args(argv)
    differ = 0
    with tempfile.TemporaryDirectory(prefix="cxsim-same-") as folder:
        base = export(args.ref, Path(folder))
        for case in args.cases:
            before = tables(base, case, args.seed, args.reps, Path(folder) / "before.pickle")
            after = tables(ROOT, case, args.seed, args.reps, Path(folder) / "after.pickle")
            print(f"{case} (seed {args.seed}, {args.reps} replications) against {args.ref}:")
            for name in sorted(set(before) | set(after)):
                if name not in before or name not in after:
                    print(f"  {name}: only {'after' if name in after else 'before'}")
                    differ += 1
                    continue
                problem = difference(before[name], after[name])
                differ += problem is not None
                print(f"  {name}: {'identical' if problem is None else 'DIFFERS: ' + problem}")
    print("all tables identical" if not differ else f"{differ} tables differ")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
