"""Time one replication of the expansion example: the simulation, then the result tables.

    python benchmarks/bench_expansion.py [--days 365] [--repeat 2]

Prints the wall time of ``cxsim.model.simulate`` on ``scenarios/expansion_eu.yaml`` (a year of
about 1.4 million orders and the contacts they bring in four regions) and of building the result
tables from its record, with the cost per order and per contact, the fastest of ``--repeat``
runs. The aim: one replication in under two minutes. Machines are shared and noisy: nothing
here asserts a time.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import cxsim
from cxsim.model import simulate

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "expansion_eu.yaml"
# What a queue records for each contact that arrives at it.
ARRIVALS = ("forecast", "from_orders", "retries", "chases", "follow_ups")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=365.0, help="horizon (default 365)")
    parser.add_argument("--repeat", type=int, default=2, help="timings; the fastest is kept")
    args = parser.parse_args()
    # A short horizon takes a shorter warm-up (it must end before the horizon).
    warmup = min(cxsim.load_scenario(SCENARIO).warmup_days, args.days / 4)
    scenario = cxsim.load_scenario(SCENARIO, [f"horizon_days={args.days:g}",
                                              f"warmup_days={warmup:g}"])
    simulated = tabled = float("inf")
    for _ in range(args.repeat):
        start = time.perf_counter()
        record = simulate(scenario, 1, 0)
        middle = time.perf_counter()
        cxsim.Results.from_records(scenario, 1, [record])
        end = time.perf_counter()
        simulated, tabled = min(simulated, middle - start), min(tabled, end - middle)
    orders = sum(sum(series["orders"]) for series in record.orders.values())
    contacts = sum(sum(series[m]) for series in record.queues.values() for m in ARRIVALS)
    total = simulated + tabled
    print(f"expansion_eu.yaml, {args.days:g} days, one replication, best of {args.repeat}:")
    print(f"  orders {orders:,.0f}; contacts {contacts:,.0f} (every arrival at a queue)")
    print(f"  simulation {simulated:.1f} s; result tables {tabled:.1f} s; together {total:.1f} s "
          f"(aim: under 120 s): {'meets' if total < 120 else 'MISSES'} the aim")
    print(f"  per order and contact together: {1e6 * simulated / (orders + contacts):.2f} us")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
