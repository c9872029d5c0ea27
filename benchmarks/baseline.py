"""Run cxsim from this tree or from an earlier commit, in a fresh process, and time it.

The harnesses compare this tree with a base commit in the same run of the harness, on the same
machine at the same time, taking turns: the only fair comparison on a shared, noisy machine. The
base commit's files are extracted with ``git archive`` into a temporary folder (the repository's
own worktrees and branches are not touched); both run with this environment's Python and
libraries. Each child process reports its own peak resident memory (``VmHWM`` in
``/proc/self/status``: ``ru_maxrss`` would carry the parent's peak across the child's exec).
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from checkouts import ROOT, export

__all__ = ["ROOT", "checkout", "run"]

# Runs ``cxsim`` (the command line, or one simulate() call) from the tree given first, then
# prints its own wall time, peak memory and the tree it ran from as JSON on the last line.
_CHILD = """
import json, runpy, sys, time
tree, mode, *rest = sys.argv[1:]
sys.path.insert(0, tree)
start = time.perf_counter()
if mode == "cli":
    sys.argv = ["cxsim", *rest]
    try:
        runpy.run_module("cxsim", run_name="__main__", alter_sys=True)
    except SystemExit as done:
        if done.code:
            raise
    extra = {}
else:
    import cxsim
    from cxsim.model import simulate
    scenario = cxsim.load_scenario(rest[0], rest[1:])
    start = time.perf_counter()
    record = simulate(scenario, 1, 0)
    extra = {"orders": float(sum(sum(s["orders"]) for s in record.orders.values()))}
elapsed = time.perf_counter() - start
import cxsim
with open("/proc/self/status") as status:
    peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(json.dumps({"seconds": elapsed, "peak_kib": peak, "tree": cxsim.__file__, **extra}))
"""


@contextlib.contextmanager
def checkout(ref: str) -> Iterator[Path]:
    """The files of commit ``ref`` in a temporary folder (removed afterwards); a ref that is no
    commit ends the harness with a one-line message."""
    with tempfile.TemporaryDirectory(prefix="cxsim-base-") as folder:
        try:
            tree = export(ref, Path(folder))
        except LookupError as error:
            raise SystemExit(f"{Path(sys.argv[0]).name}: {error}") from None
        yield tree


def run(tree: Path, mode: str, *args: str) -> dict[str, float]:
    """Run cxsim from ``tree`` in a fresh process: ``mode`` "cli" runs the command line with
    ``args`` (the wall time covers the whole process: start, imports, run, tables, saving);
    "simulate" runs one replication of the scenario ``args[0]`` with overrides ``args[1:]``
    (the time covers the simulation alone)."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _CHILD, str(tree), mode, *args],
                          capture_output=True, text=True, cwd=tree)
    wall = time.perf_counter() - start
    if done.returncode:
        raise RuntimeError(f"cxsim failed in {tree}:\n{done.stderr}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    if not str(result.pop("tree")).startswith(str(tree)):
        raise RuntimeError(f"ran cxsim from another tree than {tree}")
    if mode == "cli":
        result["seconds"] = wall
    return result
