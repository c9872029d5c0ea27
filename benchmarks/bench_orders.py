"""Cost per order against a base commit and against a contact, and memory flat in the horizon.

    python benchmarks/bench_orders.py [--days 365] [--short-days 30] [--contacts 300000]
                                      [--repeat 3] [--base 1f1361e | --no-base]

Prints the simulation-alone cost of benchmarks/orders_year.yaml per order, from this tree and
from the base commit (extracted by ``benchmarks/baseline.py``; the bar: at most a fifth of the
base's cost), beside the cost per contact of the single queue benchmarks/mmcm.yaml (an order
costs at most a contact), and the peak resident memory of a 30-day and a 365-day run of the
orders scenario, each in a fresh process (the bar: the long run needs at most about 1.2 times
the short one). Machines are shared and noisy: the fastest of --repeat runs is reported, the
trees take turns, and only ratios within one run are compared.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import baseline

HERE = Path(__file__).resolve().parent
ORDERS = Path("benchmarks") / "orders_year.yaml"
CONTACTS = HERE / "mmcm.yaml"


def _orders(tree: Path, days: float) -> dict[str, float]:
    return baseline.run(tree, "simulate", str(ORDERS), f"horizon_days={days:g}",
                        "warmup_days=1")


def _time_contacts(contacts: int, repeat: int) -> tuple[int, float]:
    import cxsim
    from cxsim.model import simulate

    # mmcm.yaml offers 3000 contacts an hour.
    days = contacts / 3000 / 24
    scenario = cxsim.load_scenario(CONTACTS, [f"horizon_days={days:.4f}", "warmup_days=0.1"])
    best = float("inf")
    count = 0
    for _ in range(repeat):
        start = time.perf_counter()
        record = simulate(scenario, 1, 0)
        best = min(best, time.perf_counter() - start)
        count = int(sum(sum(series["offered"]) for series in record.queues.values()))
    return count, best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=365.0, help="horizon of the orders run")
    parser.add_argument("--short-days", type=float, default=30.0,
                        help="horizon of the short run for the memory comparison")
    parser.add_argument("--contacts", type=int, default=300_000,
                        help="contacts in the single-queue comparison run")
    parser.add_argument("--repeat", type=int, default=3, help="timings per measure; best kept")
    parser.add_argument("--base", default="1f1361e", help="commit to compare with")
    parser.add_argument("--no-base", action="store_true", help="skip the base commit")
    args = parser.parse_args()

    here = baseline.ROOT
    base_runs: list[dict[str, float]] = []
    runs: list[dict[str, float]] = []
    if args.no_base:
        runs = [_orders(here, args.days) for _ in range(args.repeat)]
    else:
        with baseline.checkout(args.base) as tree:
            for _ in range(args.repeat):
                base_runs.append(_orders(tree, args.days))
                runs.append(_orders(here, args.days))
    best = min(runs, key=lambda run: run["seconds"])
    per_order = best["seconds"] / best["orders"] * 1e6
    contacts, seconds = _time_contacts(args.contacts, args.repeat)
    per_contact = seconds / contacts * 1e6
    short = min((_orders(here, args.short_days) for _ in range(args.repeat)),
                key=lambda run: run["peak_kib"])
    long_peak = min(run["peak_kib"] for run in runs)

    print(f"Orders: simulation alone, best of {args.repeat}")
    print(f"  {'run':<34}{'count':>10}{'wall s':>9}{'us each':>10}{'per s':>11}")
    if base_runs:
        base = min(base_runs, key=lambda run: run["seconds"])
        per_base = base["seconds"] / base["orders"] * 1e6
        print(f"  {'orders, base ' + args.base:<34}{base['orders']:>10,.0f}"
              f"{base['seconds']:>9.3f}{per_base:>10.2f}{base['orders'] / base['seconds']:>11,.0f}")
    print(f"  {'orders (orders_year.yaml)':<34}{best['orders']:>10,.0f}{best['seconds']:>9.3f}"
          f"{per_order:>10.2f}{best['orders'] / best['seconds']:>11,.0f}")
    print(f"  {'contacts (mmcm.yaml)':<34}{contacts:>10,}{seconds:>9.3f}{per_contact:>10.2f}"
          f"{contacts / seconds:>11,.0f}")
    if base_runs:
        ratio = per_order / per_base
        print(f"  order this / base: {ratio:.2f}x per order (bar <= 0.20x): "
              f"{'meets' if ratio <= 0.2 else 'MISSES'} the bar")
    ratio = per_order / per_contact
    verdict = "meets" if ratio <= 1 else "MISSES"
    print(f"  order / contact: {ratio:.2f}x per item (bar <= 1x): {verdict} the bar")
    print("Memory: peak resident set of simulate() in a fresh process, same daily volume")
    print(f"  {args.short_days:g} days: {short['peak_kib'] / 1024:,.1f} MiB; "
          f"{args.days:g} days: {long_peak / 1024:,.1f} MiB")
    memory = long_peak / short["peak_kib"]
    verdict = "meets" if memory <= 1.2 else "MISSES"
    print(f"  long / short: {memory:.2f}x (bar about 1.2x): {verdict} the bar")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
