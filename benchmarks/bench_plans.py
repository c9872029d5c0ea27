"""Time the promise and stock plans of the expansion example, as a planner runs them.

    python benchmarks/bench_plans.py [--days 365] [--reps 4] [--workers 2] [--kinds promise ...]

Runs ``cxsim plan KIND scenarios/expansion_eu.yaml --workers 2 --no-report`` for each planner
asked for (default: ``promise`` and, where this tree has it, ``inventory``) as a process of its
own: start, imports, every simulation, the verification and the tables. Prints each plan's wall
time with the runs it made and where its time went (from ``run.json``), and the two together
against the aim: both in at most 5 minutes on two cores. Machines are shared and noisy: nothing
here asserts a time, and the load average is printed beside the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXPANSION = ROOT / "scenarios" / "expansion_eu.yaml"
AIM_S = 300.0


def planners() -> list[str]:
    """The kinds of plan this tree's command line offers, but staffing (bench_staffing.py)."""
    from cxsim.cli.plan import PLANNERS

    return [kind for kind in PLANNERS if kind != "staffing"]


def timed(kind: str, days: float, reps: int, workers: int) -> tuple[float, dict[str, object]]:
    """Wall seconds of ``cxsim plan KIND`` on the expansion example, and its plan's meta."""
    import cxsim

    warmup = min(cxsim.load_scenario(EXPANSION).warmup_days, days / 4)
    with tempfile.TemporaryDirectory(prefix="cxsim-bench-plan-") as folder:
        out = Path(folder) / "plan"
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "cxsim", "plan", kind, str(EXPANSION), "--reps", str(reps),
             "--workers", str(workers), "--no-report", "--quiet", "--out", str(out),
             "--set", f"horizon_days={days:g}", "--set", f"warmup_days={warmup:g}"],
            capture_output=True, text=True, cwd=ROOT, check=False)
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"bench_plans.py: cxsim plan {kind} failed:\n{done.stderr}")
        meta = json.loads((out / "run.json").read_text(encoding="utf-8"))
    plan_meta: dict[str, object] = meta.get("plan_meta", {})
    return seconds, plan_meta


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=365.0, help="horizon (365)")
    parser.add_argument("--reps", type=int, default=4, help="replications of each run (4)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (2)")
    parser.add_argument("--kinds", nargs="+", default=None, help="planners to time")
    args = parser.parse_args()
    kinds = args.kinds or planners()
    print(f"load average at the start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} core(s)")
    print(f"expansion_eu.yaml, {args.days:g} days, {args.reps} replications, "
          f"{args.workers} worker(s):")
    total = 0.0
    for kind in kinds:
        seconds, meta = timed(kind, args.days, args.reps, args.workers)
        total += seconds
        steps = ", ".join(f"{key.removesuffix('_s')} {value:.1f} s" for key, value in meta.items()
                          if key.endswith("_s") and isinstance(value, int | float))
        print(f"  cxsim plan {kind}: {seconds:.1f} s (whole process); {steps}")
        runs = {key: value for key, value in meta.items() if key.endswith("runs")}
        if runs:
            print(f"    {', '.join(f'{key} {value}' for key, value in runs.items())}")
    verdict = "meets" if total <= AIM_S else "MISSES"
    print(f"  together: {total:.1f} s (aim: at most {AIM_S:g} s): {verdict} the aim")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
