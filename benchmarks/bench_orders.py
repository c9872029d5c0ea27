"""Cost per order against cost per contact, and memory flat in the horizon.

    python benchmarks/bench_orders.py [--days 365] [--contacts 300000] [--repeat 3]

Prints the simulation-alone cost of benchmarks/orders_year.yaml per order beside the cost per
contact of the single queue benchmarks/mmcm.yaml (the bar: an order costs at most a contact),
and the peak resident memory of a 30-day and a 365-day run of the orders scenario, each in a
fresh process (the bar: the long run needs at most about 1.2 times the short one). Machines are
shared and noisy: the fastest of --repeat runs is reported, and only ratios within one run are
compared.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDERS = HERE / "orders_year.yaml"
CONTACTS = HERE / "mmcm.yaml"

_CHILD = """
import json, sys, time
import cxsim
from cxsim.model import simulate
scenario = cxsim.load_scenario(sys.argv[1], [f"horizon_days={sys.argv[2]}", "warmup_days=1"])
start = time.perf_counter()
record = simulate(scenario, 1, 0)
elapsed = time.perf_counter() - start
orders = sum(sum(series["orders"]) for series in record.orders.values())
# VmHWM is this process's own peak; ru_maxrss would carry the parent's peak across exec.
with open("/proc/self/status") as status:
    peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(json.dumps({"orders": orders, "seconds": elapsed, "peak_kib": peak}))
"""


def _child(days: float) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", _CHILD, str(ORDERS), str(days)],
                          capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


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
    args = parser.parse_args()

    runs = [_child(args.days) for _ in range(args.repeat)]
    best = min(runs, key=lambda run: run["seconds"])
    per_order = best["seconds"] / best["orders"] * 1e6
    contacts, seconds = _time_contacts(args.contacts, args.repeat)
    per_contact = seconds / contacts * 1e6
    short = min((_child(args.short_days) for _ in range(args.repeat)),
                key=lambda run: run["peak_kib"])
    long_peak = min(run["peak_kib"] for run in runs)

    print(f"Orders: simulation alone, best of {args.repeat}")
    print(f"  {'run':<34}{'count':>10}{'wall s':>9}{'us each':>10}{'per s':>11}")
    print(f"  {'orders (orders_year.yaml)':<34}{best['orders']:>10,.0f}{best['seconds']:>9.3f}"
          f"{per_order:>10.2f}{best['orders'] / best['seconds']:>11,.0f}")
    print(f"  {'contacts (mmcm.yaml)':<34}{contacts:>10,}{seconds:>9.3f}{per_contact:>10.2f}"
          f"{contacts / seconds:>11,.0f}")
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
