"""Time the HTML report of the expansion example and measure its size.

    python benchmarks/bench_report.py [--days 365] [--reps 3] [--workers 2] [--repeat 2]
    python benchmarks/bench_report.py --result results/expansion_eu

Runs ``scenarios/expansion_eu.yaml`` (a year, three replications, as the README's quick start
does) and saves its tables, or takes an existing result directory; then times reading the
tables back (``Results.load``, as ``cxsim report`` does) and building the report
(``build_report``: every plot drawn and embedded, the page rendered), the fastest of
``--repeat`` builds, and prints the report's size, its figures and the share of the size they
take. The aim: a report builds in seconds, not minutes (under 30 s here). Machines are shared
and noisy: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from pathlib import Path

import cxsim
from cxsim.report import build_report

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "expansion_eu.yaml"
AIM_S = 30.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=365.0, help="horizon (default 365)")
    parser.add_argument("--reps", type=int, default=3, help="replications (default 3)")
    parser.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    parser.add_argument("--repeat", type=int, default=2, help="builds; the fastest is kept")
    parser.add_argument("--result", type=Path, default=None,
                        help="an existing result directory instead of running the example")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.result
        if folder is None:
            warmup = min(cxsim.load_scenario(SCENARIO).warmup_days, args.days / 4)
            scenario = cxsim.load_scenario(SCENARIO, [f"horizon_days={args.days:g}",
                                                      f"warmup_days={warmup:g}"])
            start = time.perf_counter()
            results = cxsim.run(scenario, reps=args.reps, seed=1, workers=args.workers)
            simulated = time.perf_counter() - start
            folder = results.save(Path(scratch) / "expansion_eu")
            print(f"expansion_eu.yaml, {args.days:g} days, {args.reps} replication(s) in "
                  f"{args.workers} worker(s): simulated in {simulated:.1f} s")
        else:
            print(f"result directory {folder}")
        start = time.perf_counter()
        results = cxsim.Results.load(folder)
        loaded = time.perf_counter() - start
        built = float("inf")
        for _ in range(args.repeat):
            start = time.perf_counter()
            html = build_report(results)
            built = min(built, time.perf_counter() - start)
    size = len(html.encode("utf-8"))
    images = re.findall(r'src="(data:image/png;base64,[^"]*)"', html)
    image_bytes = sum(len(image) for image in images)
    print(f"  reading the tables {loaded:.3f} s; building the report {built:.2f} s (best of "
          f"{args.repeat}); together {loaded + built:.1f} s (aim: under {AIM_S:.0f} s): "
          f"{'meets' if loaded + built < AIM_S else 'MISSES'} the aim")
    print(f"  report {size / 1e6:.2f} MB: {len(images)} figures, {image_bytes / 1e6:.2f} MB of "
          f"them ({image_bytes / size:.0%}), {(size - image_bytes) / 1e3:.0f} kB of text")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
