"""One replication of the expansion example, whole process, against a base commit.

    python benchmarks/bench_expansion.py [--days 365] [--long-days 730] [--repeat 2]
                                         [--base 1f1361e | --no-base] [--profile]

1. Whole process: ``python -m cxsim run scenarios/expansion_eu.yaml --reps 1`` (start, imports,
   simulation, result tables, saving), from this tree and from the base commit (extracted by
   ``benchmarks/baseline.py``), taking turns, the fastest of ``--repeat`` each; with each run's
   peak resident memory. The bar: this tree takes at most a fifth of the base's time.
2. Memory flat in the horizon: this tree's whole process at ``--long-days`` against ``--days``
   (the bar: at most 1.2 times the peak).
3. Simulation alone, in this process: ``cxsim.model.simulate`` and the result tables, with the
   cost per order and contact; with ``--profile``, where the simulation's time goes (cProfile,
   own time summed per module).

Machines are shared and noisy: nothing here asserts a time; only ratios within one run count.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
import time
from collections import Counter
from pathlib import Path

import baseline

import cxsim
from cxsim.model import simulate

SCENARIO = Path("scenarios") / "expansion_eu.yaml"
# What a queue records for each contact that arrives at it.
ARRIVALS = ("forecast", "from_orders", "retries", "chases", "follow_ups")


def _overrides(days: float) -> list[str]:
    # A short horizon takes a shorter warm-up (it must end before the horizon).
    warmup = min(cxsim.load_scenario(baseline.ROOT / SCENARIO).warmup_days, days / 4)
    return [f"horizon_days={days:g}", f"warmup_days={warmup:g}"]


def _whole(tree: Path, days: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as out:
        sets = [arg for override in _overrides(days) for arg in ("--set", override)]
        # The same work in both trees: the base wrote no report (the report is timed by
        # bench_report.py).
        report = ["--no-report"] if (tree / "cxsim" / "report").is_dir() else []
        return baseline.run(tree, "cli", "run", str(SCENARIO), "--reps", "1", "--seed", "1",
                            "--quiet", "--out", str(Path(out) / "result"), *report, *sets)


def _profile(scenario: cxsim.Scenario) -> None:
    profile = cProfile.Profile()
    profile.runcall(simulate, scenario, 1, 0)
    stats = pstats.Stats(profile)
    by_module: Counter[str] = Counter()
    total = 0.0
    for (path, _, _), (_, _, own, _, _) in stats.stats.items():
        name = path.split("/cxsim/")[-1] if "/cxsim/" in path else (
            "simpy" if "simpy" in path else "numpy" if "numpy" in path else "other")
        by_module[name] += own
        total += own
    print("  where the simulation's time goes (cProfile, own time per module):")
    for name, own in by_module.most_common(12):
        print(f"    {name:<28}{own / total:>6.1%}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=365.0, help="horizon (default 365)")
    parser.add_argument("--long-days", type=float, default=730.0,
                        help="horizon of the memory comparison (default 730)")
    parser.add_argument("--repeat", type=int, default=2, help="timings; the fastest is kept")
    parser.add_argument("--base", default="1f1361e", help="commit to compare with")
    parser.add_argument("--no-base", action="store_true", help="skip the base commit")
    parser.add_argument("--profile", action="store_true", help="where the time goes")
    args = parser.parse_args()

    print(f"expansion_eu.yaml, {args.days:g} days, one replication:")
    here = baseline.ROOT
    if args.no_base:
        mine = min((_whole(here, args.days) for _ in range(args.repeat)),
                   key=lambda run: run["seconds"])
        base = None
    else:
        with baseline.checkout(args.base) as tree:
            runs: dict[str, list[dict[str, float]]] = {"base": [], "this": []}
            for _ in range(args.repeat):
                runs["base"].append(_whole(tree, args.days))
                runs["this"].append(_whole(here, args.days))
        base = min(runs["base"], key=lambda run: run["seconds"])
        mine = min(runs["this"], key=lambda run: run["seconds"])
    print(f"  whole process (cxsim run --reps 1), best of {args.repeat}:")
    print(f"    {'tree':<22}{'wall s':>9}{'peak MiB':>10}")
    if base is not None:
        print(f"    {'base ' + args.base:<22}{base['seconds']:>9.1f}"
              f"{base['peak_kib'] / 1024:>10.0f}")
    print(f"    {'this tree':<22}{mine['seconds']:>9.1f}{mine['peak_kib'] / 1024:>10.0f}")
    if base is not None:
        ratio = mine["seconds"] / base["seconds"]
        print(f"    this / base: {ratio:.2f}x (bar <= 0.20x): "
              f"{'meets' if ratio <= 0.2 else 'MISSES'} the bar")
    if args.long_days > args.days:
        long = _whole(here, args.long_days)
        growth = long["peak_kib"] / mine["peak_kib"]
        print(f"  memory: {args.days:g} days {mine['peak_kib'] / 1024:,.0f} MiB; "
              f"{args.long_days:g} days {long['peak_kib'] / 1024:,.0f} MiB; long / short "
              f"{growth:.2f}x (bar <= 1.2x): {'meets' if growth <= 1.2 else 'MISSES'} the bar")

    scenario = cxsim.load_scenario(here / SCENARIO, _overrides(args.days))
    start = time.perf_counter()
    record = simulate(scenario, 1, 0)
    middle = time.perf_counter()
    cxsim.Results.from_records(scenario, 1, [record])
    end = time.perf_counter()
    simulated, tabled = middle - start, end - middle
    orders = sum(sum(series["orders"]) for series in record.orders.values())
    contacts = sum(sum(series[m]) for series in record.queues.values() for m in ARRIVALS)
    print("  in this process:")
    print(f"    orders {orders:,.0f}; contacts {contacts:,.0f} (every arrival at a queue)")
    print(f"    simulation {simulated:.1f} s; result tables {tabled:.1f} s; together "
          f"{simulated + tabled:.1f} s")
    print(f"    per order and contact together: {1e6 * simulated / (orders + contacts):.2f} us")
    if args.profile:
        _profile(scenario)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
