"""Time staffing plans: the expansion example's year, and a single queue.

    python benchmarks/bench_staffing.py [--days 365] [--reps 4] [--workers 2] [--queue-only]

Plans ``scenarios/expansion_eu.yaml`` (every region, team and channel, through Black Friday and
Christmas) as ``cxsim plan staffing --workers 2`` does, and ``scenarios/one_queue.yaml`` over a
week. Prints the iterations, the replications and where the time went: simulating (iterations
and verification), the closed forms, the weekly rosters (solver), and the rest (tables). The
aims: the expansion year in at most 10 minutes on two cores, a single queue in seconds.
Machines are shared and noisy: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import cxsim
from cxsim.executors import executor_for
from cxsim.plan.common import Plan

ROOT = Path(__file__).resolve().parent.parent
EXPANSION = ROOT / "scenarios" / "expansion_eu.yaml"
ONE_QUEUE = ROOT / "scenarios" / "one_queue.yaml"


def timed_plan(scenario: cxsim.Scenario, reps: int, workers: int) -> tuple[Plan, float]:
    started = time.perf_counter()
    with executor_for(workers) as executor:
        plan = cxsim.plan_staffing(scenario, reps=reps, seed=0, executor=executor,
                                   log=lambda line: print(f"    {line}", flush=True))
    return plan, time.perf_counter() - started


def report(name: str, plan: Plan, seconds: float, aim_s: float) -> None:
    meta = plan.meta
    simulated = meta["simulation_s"] + meta["verification_s"]
    rest = seconds - simulated - meta["closed_forms_s"] - meta["rosters_s"]
    weeks = len(plan.tables["roster"].drop_duplicates(["team", "week_start"]))
    verdict = "meets" if seconds <= aim_s else "MISSES"
    print(f"  {name}: {seconds:.1f} s (aim: at most {aim_s:g} s): {verdict} the aim")
    print(f"    search: {meta['search']} after {meta['iterations']} iteration(s); "
          f"{meta['replications']} replications with the verification")
    print(f"    simulating {simulated:.1f} s (iterations {meta['simulation_s']:.1f} s, "
          f"verification {meta['verification_s']:.1f} s); closed forms "
          f"{meta['closed_forms_s']:.1f} s; rosters {meta['rosters_s']:.1f} s ({weeks} team-"
          f"weeks); tables and the rest {rest:.1f} s")
    statuses = plan.tables["verification"]["status"].value_counts().to_dict()
    print(f"    verification: {statuses}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=365.0, help="expansion horizon (365)")
    parser.add_argument("--reps", type=int, default=4, help="replications an iteration (4)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (2)")
    parser.add_argument("--queue-only", action="store_true", help="only the single queue")
    args = parser.parse_args()
    # Other processes on the machine slow every figure below: say how busy it was.
    print(f"load average at the start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} core(s)")
    print("single queue (one_queue.yaml, 7 days):")
    queue = cxsim.load_scenario(ONE_QUEUE, ["horizon_days=7"])
    plan, seconds = timed_plan(queue, args.reps, 1)
    report("one_queue", plan, seconds, 30.0)
    if args.queue_only:
        return 0
    warmup = min(cxsim.load_scenario(EXPANSION).warmup_days, args.days / 4)
    scenario = cxsim.load_scenario(EXPANSION, [f"horizon_days={args.days:g}",
                                               f"warmup_days={warmup:g}"])
    print(f"expansion_eu.yaml, {args.days:g} days, {args.reps} replications an iteration, "
          f"{args.workers} worker(s):")
    plan, seconds = timed_plan(scenario, args.reps, args.workers)
    report("expansion_eu", plan, seconds, 600.0)
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
