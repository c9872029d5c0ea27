"""Smoke tests of the benchmark harnesses: each runs in a cheap mode and prints its figures.

bench_contacts.py runs without Ciw (which the test environment need not have), with the
multichannel comparison; bench_orders.py and bench_expansion.py compare with a base commit taken
to be this one (HEAD). No timing value is asserted: only that the figures are there, positive
and finite.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HARNESS = ROOT / "benchmarks" / "bench_contacts.py"
ROWS = ("whole process (cxsim run)", "simulation alone (simulate)")
COLUMNS = ("contacts", "wall s", "us/contact", "contacts/s")
MULTICHANNEL_ROWS = ("single queue (mmcm.yaml)", "multichannel (multichannel.yaml)")
MULTICHANNEL_COLUMNS = (*COLUMNS, "occupancy")


def _figures(output: str, label: str, columns: tuple[str, ...] = COLUMNS) -> dict[str, float]:
    """The numbers of the table row starting with ``label``, by column name."""
    lines = [line.strip() for line in output.splitlines() if line.strip().startswith(label)]
    assert len(lines) == 1, f"expected one '{label}' row in:\n{output}"
    cells = lines[0][len(label):].split()
    assert len(cells) == len(columns), f"unexpected row: {lines[0]!r}"
    return {name: float(cell.replace(",", "")) for name, cell in zip(columns, cells, strict=True)}


def test_harness_runs_without_ciw_and_prints_per_contact_figures(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(HARNESS), "--contacts", "20000", "--no-ciw", "--repeat", "1",
         "--multichannel", "--multichannel-contacts", "20000"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path, check=False,
    )
    assert done.returncode == 0, done.stderr
    for label in ROWS:
        figures = _figures(done.stdout, label)
        for name, value in figures.items():
            assert math.isfinite(value) and value > 0, f"{label}: {name} = {value}"
        # About the contacts asked for (Poisson: 20,000 +- a few hundred).
        assert 18_000 < figures["contacts"] < 22_000
    assert "Ciw skipped" in done.stdout
    # The multichannel comparison: both rows at about the same count (forecast plus repeats),
    # occupancies of a loaded centre, and the ratio with the bar.
    counts = []
    for label in MULTICHANNEL_ROWS:
        figures = _figures(done.stdout, label, MULTICHANNEL_COLUMNS)
        for name, value in figures.items():
            assert math.isfinite(value) and value > 0, f"{label}: {name} = {value}"
        assert 0.5 < figures["occupancy"] < 1
        counts.append(figures["contacts"])
    assert 19_000 < counts[1] < 25_000 and abs(counts[0] - counts[1]) < 1_000
    ratio = re.search(r"multichannel / single queue: ([0-9.]+)x per contact \(bar <= 2x\): "
                      r"(meets|MISSES) the bar", done.stdout)
    assert ratio is not None and float(ratio.group(1)) > 0, done.stdout


def test_orders_harness_prints_costs_and_memory() -> None:
    # The base commit is this one (HEAD): the comparison machinery runs, cheaply.
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_orders.py"), "--days", "4",
         "--short-days", "2", "--contacts", "20000", "--repeat", "1", "--base", "HEAD"],
        capture_output=True, text=True, timeout=300, check=False, cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    columns = ("count", "wall s", "us each", "per s")
    orders = _figures(done.stdout, "orders (orders_year.yaml)", columns)
    base = _figures(done.stdout, "orders, base HEAD", columns)
    contacts = _figures(done.stdout, "contacts (mmcm.yaml)", columns)
    # Four days of 2,740 orders a day, and about 20,000 contacts.
    assert abs(orders["count"] - 4 * 2740) < 5 * math.sqrt(4 * 2740)
    assert abs(contacts["count"] - 20_000) < 5 * math.sqrt(20_000)
    for figures in (orders, base, contacts):
        assert all(math.isfinite(v) and v > 0 for v in figures.values())
    ratio = re.search(r"order this / base: ([0-9.]+)x per order \(bar <= 0.20x\): "
                      r"(meets|MISSES) the bar", done.stdout)
    assert ratio is not None and float(ratio.group(1)) > 0, done.stdout
    memory = re.search(r"2 days: ([\d,.]+) MiB; 4 days: ([\d,.]+) MiB", done.stdout)
    assert memory is not None, done.stdout
    assert all(float(x.replace(",", "")) > 10 for x in memory.groups())


def test_expansion_harness_times_one_replication() -> None:
    # Ten days: before any launch, the US alone (3,000 orders a day at steady state); the base
    # commit is this one (HEAD), and the memory comparison runs 20 days.
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_expansion.py"), "--days", "10",
         "--long-days", "20", "--repeat", "1", "--base", "HEAD"],
        capture_output=True, text=True, timeout=300, check=False, cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    for label in ("base HEAD", "this tree"):
        figures = _figures(done.stdout, label, ("wall s", "peak MiB"))
        assert all(math.isfinite(v) and v > 0 for v in figures.values()), label
    ratio = re.search(r"this / base: ([0-9.]+)x \(bar <= 0.20x\)", done.stdout)
    assert ratio is not None and float(ratio.group(1)) > 0, done.stdout
    memory = re.search(r"10 days ([\d,]+) MiB; 20 days ([\d,]+) MiB", done.stdout)
    assert memory is not None, done.stdout
    counts = re.search(r"orders ([\d,]+); contacts ([\d,]+)", done.stdout)
    assert counts is not None, done.stdout
    orders, contacts = (float(x.replace(",", "")) for x in counts.groups())
    assert 20_000 < orders < 40_000 and contacts > 0
    timing = re.search(r"simulation ([\d.]+) s; result tables ([\d.]+) s; together ([\d.]+) s",
                       done.stdout)
    assert timing is not None and all(float(x) > 0 for x in timing.groups()), done.stdout


def test_scaling_harness_prints_rates_speed_ups_and_the_cost_per_task() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_scaling.py"), "--reps", "2",
         "--days", "3", "--tasks", "20"],
        capture_output=True, text=True, timeout=300, check=False, cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    columns = ("start s", "run s", "reps/min", "speed-up")
    labels = ("1 worker (this process)", "2 local worker processes",
              "2-worker Dask LocalCluster")
    for label in labels:
        row = [line for line in done.stdout.splitlines() if line.startswith(label + " ")]
        assert len(row) == 1, done.stdout
        cells = row[0][len(label):].replace("x", "").split()
        figures = dict(zip(columns, map(float, cells), strict=True))
        assert figures["run s"] > 0 and figures["reps/min"] > 0 and figures["speed-up"] > 0
    assert re.search(r"2 local worker processes: [\d.]+x one worker \(bar >= 1.7x\): "
                     r"(meets|MISSES) the bar", done.stdout)
    cost = re.search(r"2-worker Dask LocalCluster\s+([\d.]+) ms", done.stdout)
    assert cost is not None and float(cost.group(1)) > 0
    assert re.search(r"Dask overhead per replication over local processes: [+-][\d.]+ s",
                     done.stdout)
    assert "identical tables on every executor: yes" in done.stdout


def test_report_harness_times_the_report_and_measures_its_size() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_report.py"), "--days", "8",
         "--reps", "2", "--workers", "1", "--repeat", "1"],
        capture_output=True, text=True, timeout=300, check=False, cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    timing = re.search(r"reading the tables ([\d.]+) s; building the report ([\d.]+) s",
                       done.stdout)
    assert timing is not None and all(float(x) > 0 for x in timing.groups()), done.stdout
    size = re.search(r"report ([\d.]+) MB: (\d+) figures, ([\d.]+) MB of them", done.stdout)
    assert size is not None, done.stdout
    total, figures, images = float(size.group(1)), int(size.group(2)), float(size.group(3))
    # Eight days of the US alone: contacts, service level, agents and backlog there, stock at
    # the three nodes, delivery and cost.
    assert figures >= 9 and 0 < images < total


def test_plans_harness_times_each_planner_and_both_together() -> None:
    # Twelve days of the expansion example (the US alone), two replications, one worker.
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_plans.py"), "--days", "12",
         "--reps", "2", "--workers", "1", "--kinds", "promise"],
        capture_output=True, text=True, timeout=300, check=False, cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    timing = re.search(r"cxsim plan promise: ([\d.]+) s \(whole process\); run ([\d.]+) s",
                       done.stdout)
    assert timing is not None and all(float(x) > 0 for x in timing.groups()), done.stdout
    together = re.search(r"together: ([\d.]+) s \(aim: at most 300 s\)", done.stdout)
    assert together is not None and float(together.group(1)) > 0, done.stdout
