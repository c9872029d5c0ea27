"""Replications per minute on one worker, two local worker processes and a two-worker Dask
LocalCluster, and Dask's cost per task.

    python benchmarks/bench_scaling.py [--reps 8] [--days 91] [--tasks 200] [--repeat 1]

Runs ``--reps`` replications of the expansion example's first ``--days`` days
(``scenarios/expansion_eu.yaml``) on each executor and prints replications per minute, the
speed-up over one worker (the bar: two workers deliver at least 1.7 times one worker), and the
seconds each executor took to start. Workers are started and warmed (cxsim imported) before the
clock runs, so the figures are throughput; start-up is printed beside them. Then the cost per
task of each executor: ``--tasks`` tasks that do nothing, timed through ``map``, and the extra
seconds a replication costs on Dask over local processes. The tables are checked to be
identical on every executor. With ``--repeat R`` the executors take turns R times and the
fastest run of each is kept, so that a busy spell of a shared machine falls on all of them.

The machine is shared: the load average is printed before and after (a load above the cores
means others were computing too, and the speed-up is understated). Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import math
import os
import time
from collections.abc import Callable
from pathlib import Path

import cxsim
from cxsim.executors import DaskExecutor, Executor, ProcessExecutor, SerialExecutor
from cxsim.model import ReplicationRecord
from cxsim.run import run_replications

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "expansion_eu.yaml"
BAR = 1.7


def nothing(value: int) -> int:
    """A task that does no work: what is left is the executor's own cost."""
    return value


def _measure(
    executor: Executor, scenario: cxsim.Scenario, reps: int, seed: int, tasks: int,
) -> tuple[float, float, float, list[ReplicationRecord]]:
    """Seconds to start and warm the workers, to run the replications, and to run ``tasks``
    empty tasks; and the replications' records."""
    start = time.perf_counter()
    if isinstance(executor, DaskExecutor):
        executor.start()
    executor.map(nothing, list(range(executor.workers)))  # every worker up, cxsim imported
    warm = time.perf_counter()
    records = run_replications(scenario, reps, seed, executor=executor)
    ran = time.perf_counter()
    executor.map(nothing, list(range(tasks)))
    end = time.perf_counter()
    return warm - start, ran - warm, end - ran, records


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=8, help="replications (default 8)")
    parser.add_argument("--days", type=float, default=91.0,
                        help="horizon, days (default 91: the first quarter)")
    parser.add_argument("--tasks", type=int, default=200,
                        help="empty tasks for the cost per task (default 200)")
    parser.add_argument("--seed", type=int, default=1, help="root seed (default 1)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="turns of every executor; the fastest of each is kept (default 1)")
    args = parser.parse_args()
    warmup = min(cxsim.load_scenario(SCENARIO).warmup_days, args.days / 4)
    scenario = cxsim.load_scenario(SCENARIO, [f"horizon_days={args.days:g}",
                                              f"warmup_days={warmup:g}"])
    print(f"expansion_eu.yaml, first {args.days:g} days, {args.reps} replications, "
          f"seed {args.seed}, fastest of {args.repeat} turn(s)")
    print(f"before: {_load()}")
    executors: list[tuple[str, Callable[[], Executor]]] = [
        ("1 worker (this process)", SerialExecutor),
        ("2 local worker processes", lambda: ProcessExecutor(2)),
        ("2-worker Dask LocalCluster", lambda: DaskExecutor("local", workers=2)),
    ]
    best: dict[str, tuple[float, float, float]] = {}
    reference = None
    for _ in range(args.repeat):
        for label, make in executors:
            with make() as executor:
                started, seconds, empty_s, records = _measure(
                    executor, scenario, args.reps, args.seed, args.tasks)
            runs = cxsim.Results.from_records(scenario, args.seed, records).runs
            if reference is None:
                reference = runs
            assert runs.equals(reference), f"{label}: other tables than one worker's"
            earlier = best.get(label, (math.inf, math.inf, math.inf))
            best[label] = (min(earlier[0], started), min(earlier[1], seconds),
                           min(earlier[2], empty_s))
    rows = [(label, best[label][0], best[label][1]) for label, _ in executors]
    empty = {label: best[label][2] for label, _ in executors}
    single = rows[0][2]
    print(f"{'executor':30} {'start s':>8} {'run s':>8} {'reps/min':>9} {'speed-up':>9}")
    for label, started, seconds in rows:
        print(f"{label:30} {started:8.1f} {seconds:8.1f} {60 * args.reps / seconds:9.2f} "
              f"{single / seconds:8.2f}x")
    for label, _, seconds in rows[1:]:
        verdict = "meets" if single / seconds >= BAR else "MISSES"
        print(f"{label}: {single / seconds:.2f}x one worker (bar >= {BAR}x): {verdict} the bar")
    print(f"cost per task ({args.tasks} empty tasks through map):")
    for label, seconds in empty.items():
        print(f"  {label:30} {1000 * seconds / args.tasks:8.3f} ms")
    dask, local = rows[2][2], rows[1][2]
    print(f"Dask overhead per replication over local processes: "
          f"{(dask - local) / args.reps:+.2f} s ({100 * (dask / local - 1):+.1f}%)")
    print("identical tables on every executor: yes")
    print(f"after: {_load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
