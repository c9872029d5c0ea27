"""Time cxsim per contact on an M/M/c+M queue and compare it with Ciw on the same model.

    python benchmarks/bench_contacts.py [--contacts N] [--no-ciw] [--ciw-contacts N]
                                        [--flatness] [--multichannel] [--repeat R] [--seed S]
                                        [--agents C] [--instructions [--baseline REF]]

Measures, each repeated ``--repeat`` times and reported as the fastest (shared machines are
noisy; the minimum is the least disturbed run):

1. whole process: ``python -m cxsim run benchmarks/mmcm.yaml --reps 1 ...`` as a subprocess
   (``--no-report`` where the code writes an HTML report: ``bench_report.py`` times that),
   the horizon set so that about ``--contacts`` contacts arrive. Every contact is counted, warm-up
   included (the sum of ``offered`` over ``contacts_by_interval.parquet``; ``summary.csv`` skips the
   warm-up).
2. simulation alone: ``cxsim.model.simulate`` in this process, the same scenario and seed.
3. Ciw: the same M/M/c+M queue in Ciw, per customer record.
4. the ratios of 1 and 2 to 3; the bar is whole process <= 1/4 of Ciw's time per customer, the
   aim 1/8.
5. with ``--flatness``: simulation alone at 10, 100 and 1000 agents, each at occupancy ~0.9.
6. with ``--multichannel``: simulation alone on ``benchmarks/multichannel.yaml`` (three channels,
   two languages, segments with retries, shifts) beside the single queue at the same number of
   contacts, counting every contact that arrived at a queue; the bar is at most twice the single
   queue's time per contact.

With ``--agents C`` the queue is resized to C agents at the scenario's occupancy (Erlang A). With
``--instructions`` the same measures are counted in instructions under valgrind's callgrind
instead of timed (``callgrind.py``), for this checkout and, with ``--baseline REF``, for the code of
commit REF in the same run; the bar on instructions is whole process <= 1/8 of Ciw's cost per
customer.

Nothing here asserts a time: the figures are for reading, and ratios are only comparable within
one run of this script.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from callgrind import Costs, ciw_cost, cxsim_costs, have_valgrind, print_costs
from checkouts import ROOT, export, run_flags
from text import fmt_count, print_table

import cxsim
from cxsim.model import ReplicationRecord, simulate
from cxsim.scenario.distributions import Exponential
from cxsim.scenario.models import Scenario, SyncChannel
from cxsim.theory.erlang import erlang_a

HERE = Path(__file__).resolve().parent
DEFAULT_SCENARIO = HERE / "mmcm.yaml"
MULTICHANNEL_SCENARIO = HERE / "multichannel.yaml"
BAR = 1 / 4  # whole process at most this share of Ciw's time per customer
AIM = 1 / 8
MULTICHANNEL_BAR = 2.0  # multichannel at most this many times the single queue's time per contact
INSTRUCTIONS_BAR = 1 / 8  # whole process at most this share of Ciw's instructions per customer
# What a queue records for each contact that arrives at it: from the forecast, or as a repeat.
ARRIVALS = ("forecast", "retries", "chases", "follow_ups")
INSTALL_HINT = 'pip install -e ".[bench]"'
EXIT_USAGE = 2


class BenchError(Exception):
    """A problem that stops the benchmark; printed as one line."""


@dataclass(frozen=True)
class Queue:
    """The M/M/c+M queue a scenario describes (what Ciw and the flatness runs rebuild)."""

    team: str
    volume_index: int
    arrivals_per_hour: float
    handle_minutes: float
    patience_minutes: float
    agents: int
    warmup_days: float

    @property
    def arrivals_per_minute(self) -> float:
        return self.arrivals_per_hour / 60.0

    @property
    def contacts_per_day(self) -> float:
        return self.arrivals_per_hour * 24.0


@dataclass(frozen=True)
class Timing:
    """The fastest of several timed runs of one measure."""

    label: str
    contacts: int
    wall_s: float

    @property
    def us_per_contact(self) -> float:
        return 1e6 * self.wall_s / self.contacts

    @property
    def per_second(self) -> float:
        return self.contacts / self.wall_s


def mmcm_queue(scenario: Scenario) -> Queue:
    """The single M/M/c+M queue of ``scenario``; BenchError if it is anything else."""
    if len(scenario.contact_volume) != 1 or len(scenario.teams) != 1:
        raise BenchError("the benchmark scenario needs exactly one contact_volume and one team")
    volume = scenario.contact_volume[0]
    (team_name, team), = scenario.teams.items()
    channel = scenario.channels[volume.channel]
    if volume.per_hour is None:
        raise BenchError("the benchmark scenario's volume must be a constant per_hour")
    if not isinstance(channel, SyncChannel):
        raise BenchError("the benchmark scenario's channel must be a sync (live) channel")
    handle, patience = channel.handle_minutes, channel.patience_minutes
    if not isinstance(handle, Exponential) or not isinstance(patience, Exponential):
        raise BenchError("the benchmark scenario needs exponential handle_minutes and "
                         "patience_minutes (M/M/c+M)")
    return Queue(
        team=team_name,
        volume_index=0,
        arrivals_per_hour=volume.per_hour,
        handle_minutes=handle.mean,
        patience_minutes=patience.mean,
        agents=team.agents,
        warmup_days=scenario.warmup_days,
    )


def sizing_overrides(queue: Queue, contacts: int) -> list[str]:
    """``--set`` assignments giving a horizon with ``contacts`` expected arrivals.

    The warm-up is cut to a quarter of the horizon when the horizon is short.
    """
    horizon = contacts / queue.contacts_per_day
    warmup = min(queue.warmup_days, horizon / 4)
    return [f"horizon_days={horizon:.10g}", f"warmup_days={warmup:.10g}"]


def best_of(repeat: int, run: Callable[[], tuple[float, int]]) -> tuple[float, int]:
    """The smallest wall time of ``repeat`` calls of ``run`` (each returning wall, count).

    Every call must count the same number of contacts (the runs are seeded).
    """
    best, count = math.inf, -1
    for _ in range(repeat):
        wall, counted = run()
        if count not in (-1, counted):
            raise BenchError(f"repeated runs counted {count} and {counted} contacts; "
                             "the runs are not reproducible")
        best, count = min(best, wall), counted
    if count <= 0:
        raise BenchError("no contacts arrived; raise --contacts")
    return best, count


def time_whole_process(path: Path, overrides: Sequence[str], seed: int, repeat: int) -> Timing:
    """Wall time of ``python -m cxsim run`` writing its tables, per contact offered."""
    sets = [arg for assignment in overrides for arg in ("--set", assignment)]

    def once() -> tuple[float, int]:
        with tempfile.TemporaryDirectory(prefix="cxsim-bench-") as parent:
            out = Path(parent) / "results"
            command = [sys.executable, "-m", "cxsim", "run", str(path), "--reps", "1",
                       "--seed", str(seed), "--out", str(out), "--quiet", *run_flags(ROOT),
                       *sets]
            start = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            wall = time.perf_counter() - start
            if done.returncode != 0:
                raise BenchError(f"cxsim run exited with status {done.returncode}: "
                                 f"{done.stderr.strip() or done.stdout.strip()}")
            table = pd.read_parquet(out / "contacts_by_interval.parquet", columns=["offered"])
            return wall, round(float(table["offered"].sum()))

    wall, count = best_of(repeat, once)
    return Timing("whole process (cxsim run)", count, wall)


def time_process_start(path: Path, repeat: int) -> float:
    """Fixed cost of a cxsim process: ``python -m cxsim validate`` (start, imports, load)."""

    def once() -> tuple[float, int]:
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "cxsim", "validate", str(path)],
                              capture_output=True, text=True, check=False)
        wall = time.perf_counter() - start
        if done.returncode != 0:
            raise BenchError(f"cxsim validate failed: {done.stderr.strip()}")
        return wall, 1

    return best_of(repeat, once)[0]


def offered_total(record: ReplicationRecord) -> int:
    """Every contact offered to agents in a replication, warm-up included."""
    return round(sum(sum(series["offered"]) for series in record.queues.values()))


def arrived_total(record: ReplicationRecord) -> int:
    """Every contact that arrived at a queue, warm-up included: from the forecast, retries,
    chases and follow-ups (the deflected, merged and unserved ones too)."""
    return round(sum(sum(series[measure]) for series in record.queues.values()
                     for measure in ARRIVALS))


def occupancy(record: ReplicationRecord) -> float:
    """Busy share of available agent time over the whole run, warm-up included."""
    busy = sum(sum(series["busy_minutes"]) for series in record.teams.values())
    available = sum(sum(series["available_minutes"]) for series in record.teams.values())
    return busy / available if available > 0 else math.nan


def time_simulation(
    scenario: Scenario, seed: int, repeat: int, label: str = "simulation alone (simulate)"
) -> tuple[Timing, ReplicationRecord]:
    """Wall time of ``cxsim.model.simulate`` in this process; also the last record."""
    records: list[ReplicationRecord] = []

    def once() -> tuple[float, int]:
        start = time.perf_counter()
        record = simulate(scenario, seed, 0)
        wall = time.perf_counter() - start
        records[:] = [record]
        return wall, offered_total(record)

    wall, count = best_of(repeat, once)
    return Timing(label, count, wall), records[0]


def import_ciw() -> Any:
    """The ciw module, or BenchError with how to install it."""
    try:
        import ciw
    except ImportError:
        raise BenchError(f"Ciw is not installed; install it with `{INSTALL_HINT}` (from the "
                         "repository root) or run with --no-ciw") from None
    return ciw


def time_ciw(ciw: Any, queue: Queue, customers: int, seed: int, repeat: int) -> Timing:
    """Wall time of the same M/M/c+M queue in Ciw (build, simulate, collect records)."""
    minutes = customers / queue.arrivals_per_minute

    def once() -> tuple[float, int]:
        start = time.perf_counter()
        network = ciw.create_network(
            arrival_distributions=[ciw.dists.Exponential(rate=queue.arrivals_per_minute)],
            service_distributions=[ciw.dists.Exponential(rate=1.0 / queue.handle_minutes)],
            number_of_servers=[queue.agents],
            reneging_time_distributions=[ciw.dists.Exponential(rate=1.0 / queue.patience_minutes)],
        )
        ciw.seed(seed)
        simulation = ciw.Simulation(network)
        simulation.simulate_until_max_time(minutes)
        records = simulation.get_all_records()
        return time.perf_counter() - start, len(records)

    wall, count = best_of(repeat, once)
    return Timing(f"Ciw {getattr(ciw, '__version__', '?')} (same queue)", count, wall)


def arrivals_for_occupancy(agents: int, handle: float, patience: float, target: float) -> float:
    """Arrivals per minute at which an Erlang A queue's occupancy is ``target`` (bisection)."""
    low, high = 0.0, 4.0 * agents / handle
    for _ in range(60):
        middle = (low + high) / 2
        if erlang_a(agents, middle, handle, patience).occupancy < target:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def resized(queue: Queue, agents: int | None) -> tuple[Queue, list[str]]:
    """``queue`` with ``agents`` agents at the same Erlang A occupancy, and the ``--set``
    assignments that make it; unchanged without ``agents``."""
    if agents is None or agents == queue.agents:
        return queue, []
    occupancy = erlang_a(queue.agents, queue.arrivals_per_minute, queue.handle_minutes,
                         queue.patience_minutes).occupancy
    rate = arrivals_for_occupancy(agents, queue.handle_minutes, queue.patience_minutes,
                                  occupancy)
    sized = Queue(queue.team, queue.volume_index, rate * 60.0, queue.handle_minutes,
                  queue.patience_minutes, agents, queue.warmup_days)
    return sized, [f"teams.{queue.team}.agents={agents}",
                   f"contact_volume.{queue.volume_index}.per_hour={rate * 60.0:.10g}"]


# ------------------------------------------------------------------------------------- output


def timing_row(timing: Timing) -> list[str]:
    return [timing.label, fmt_count(timing.contacts), f"{timing.wall_s:.3f}",
            f"{timing.us_per_contact:.2f}", fmt_count(timing.per_second)]


def verdict(ratio: float) -> str:
    if ratio <= AIM:
        return "meets the aim"
    if ratio <= BAR:
        return "meets the bar, not the aim"
    return "MISSES the bar"


def print_ratios(whole: Timing, alone: Timing, ciw: Timing | None) -> None:
    print()
    if ciw is None:
        print("Ciw skipped (--no-ciw): no ratios.")
        return
    print("Time per contact relative to Ciw's time per customer (lower is better).")
    print(f"Bar: whole process <= 1/{1 / BAR:g} of Ciw's time per customer; "
          f"aim: <= 1/{1 / AIM:g}.")
    rows = []
    for timing, judged in ((whole, True), (alone, False)):
        ratio = timing.us_per_contact / ciw.us_per_contact
        label = timing.label.split(" (")[0] + " / Ciw"
        rows.append([label, f"{ratio:.3f}", f"1/{1 / ratio:.1f}",
                     verdict(ratio) if judged else "(for reference)"])
    print_table(["ratio", "value", "as 1/x", "verdict"], rows, text=(0, 3))


def run_flatness(
    path: Path, queue: Queue, agent_counts: Sequence[int], contacts: int, seed: int, repeat: int,
    target: float,
) -> None:
    print()
    print(f"Flatness: simulation alone at occupancy ~{target:g} (Erlang A), about "
          f"{fmt_count(contacts)} contacts each, best of {repeat}.")
    rows, costs = [], []
    for agents in agent_counts:
        rate = arrivals_for_occupancy(agents, queue.handle_minutes, queue.patience_minutes, target)
        sized = Queue(queue.team, queue.volume_index, rate * 60.0, queue.handle_minutes,
                      queue.patience_minutes, agents, queue.warmup_days)
        overrides = [
            f"teams.{queue.team}.agents={agents}",
            f"contact_volume.{queue.volume_index}.per_hour={rate * 60.0:.10g}",
            *sizing_overrides(sized, contacts),
        ]
        scenario = cxsim.load_scenario(path, overrides)
        timing, record = time_simulation(scenario, seed, repeat, str(agents))
        costs.append(timing.us_per_contact)
        rows.append([timing.label, fmt_count(rate * 60.0), f"{occupancy(record):.3f}",
                     *timing_row(timing)[1:]])
    print_table(["agents", "calls/h", "occupancy", "contacts", "wall s", "us/contact",
                 "contacts/s"], rows)
    print(f"  largest / smallest us/contact: {max(costs) / min(costs):.2f} "
          "(1.00 = cost per contact independent of the number of agents)")


def fastest(
    label: str, runs: Sequence[tuple[float, ReplicationRecord]]
) -> tuple[Timing, ReplicationRecord]:
    """The fastest of seeded runs of one scenario, per contact that arrived at a queue."""
    counts = {arrived_total(record) for _, record in runs}
    if len(counts) != 1:
        raise BenchError(f"repeated runs counted {sorted(counts)} contacts; the runs are not "
                         "reproducible")
    (count,) = counts
    if count <= 0:
        raise BenchError("no contacts arrived; raise --multichannel-contacts")
    wall, record = min(runs, key=lambda run: run[0])
    return Timing(label, count, wall), record


def forecast_per_day(scenario: Scenario) -> float:
    """Forecast contacts per day of a scenario (mean over the week, before growth and peaks)."""
    return sum(sum(volume.weekday_volumes()) / 7.0 for volume in scenario.contact_volume)


def multichannel_sizing(path: Path, contacts: int) -> list[str]:
    """``--set`` assignments giving ``path`` about ``contacts`` forecast contacts."""
    base = cxsim.load_scenario(path)
    per_day = forecast_per_day(base)
    if per_day <= 0:
        raise BenchError(f"{path.name} has no contact volume")
    horizon = contacts / per_day
    return [f"horizon_days={horizon:.10g}",
            f"warmup_days={min(base.warmup_days, horizon / 4):.10g}"]


def run_multichannel(
    single: Path, queue: Queue, path: Path, contacts: int, seed: int, repeat: int,
    resize: Sequence[str] = (),
) -> None:
    """Simulation alone per contact: the multichannel scenario beside the single queue.

    The multichannel horizon is set by its forecast volume, so repeats (retries, chases,
    follow-ups) come on top of ``contacts``; the single queue is then sized to the number of
    contacts the multichannel run counted, and the two take turns, ``repeat`` runs each.
    """
    sizing = multichannel_sizing(path, contacts)
    multi = cxsim.load_scenario(path, sizing)
    horizon = multi.horizon_days
    languages = {language for _, _, language in multi.queues}
    print()
    print(f"Multichannel: simulation alone, best of {repeat}, on {path.name} "
          f"({len(multi.channels)} channels, {len(languages)} languages,")
    print(f"{len(multi.queues)} queues, {len(multi.teams)} teams) beside {single.name}: "
          f"{horizon:.4g} days for ~{fmt_count(contacts)} forecast contacts.")
    print("Every arrival at a queue counts (forecast, retries, chases, follow-ups), warm-up "
          "included;")
    print("the single queue is sized to the same count.")
    sys.stdout.flush()

    def timed(scenario: Scenario) -> tuple[float, ReplicationRecord]:
        start = time.perf_counter()
        record = simulate(scenario, seed, 0)
        return time.perf_counter() - start, record

    # The first multichannel run gives the count the single queue is sized to; then the two
    # alternate, so that a slow spell of a shared machine falls on both alike.
    multi_runs = [timed(multi)]
    scenario = cxsim.load_scenario(
        single, [*resize, *sizing_overrides(queue, arrived_total(multi_runs[0][1]))])
    single_runs = []
    for index in range(repeat):
        if index:
            multi_runs.append(timed(multi))
        single_runs.append(timed(scenario))
    multi_timing, multi_record = fastest(f"multichannel ({path.name})", multi_runs)
    single_timing, single_record = fastest(f"single queue ({single.name})", single_runs)
    rows = [[*timing_row(timing), f"{occupancy(record):.3f}"]
            for timing, record in ((single_timing, single_record), (multi_timing, multi_record))]
    print_table(["scenario", "contacts", "wall s", "us/contact", "contacts/s", "occupancy"], rows)
    ratio = multi_timing.us_per_contact / single_timing.us_per_contact
    judged = "meets the bar" if ratio <= MULTICHANNEL_BAR else "MISSES the bar"
    print(f"  multichannel / single queue: {ratio:.2f}x per contact "
          f"(bar <= {MULTICHANNEL_BAR:g}x): {judged}")


def run_instructions(path: Path, queue: Queue, resize: list[str], args: argparse.Namespace,
                     ciw_installed: bool) -> None:
    """Instruction counts of this checkout (and of ``--baseline``) beside Ciw's."""
    if not have_valgrind():
        raise BenchError("valgrind is not installed (needed by --instructions)")
    whole = [*resize, *sizing_overrides(queue, args.contacts)]
    alone = [*resize, *sizing_overrides(queue, args.simulate_contacts)]
    multichannel = None
    if args.multichannel:
        scenario = args.multichannel_scenario.resolve()
        multichannel = (scenario, multichannel_sizing(scenario, args.simulate_contacts))
    print()
    print(f"Instructions (valgrind --tool=callgrind), {queue.agents} agents, "
          f"{fmt_count(queue.arrivals_per_hour)} calls/h: whole process for "
          f"~{fmt_count(args.contacts)} contacts, simulation alone for "
          f"~{fmt_count(args.simulate_contacts)}.")
    sys.stdout.flush()
    versions: list[tuple[str, Costs]] = []
    with tempfile.TemporaryDirectory(prefix="cxsim-baseline-") as folder:
        trees = [("this checkout", ROOT)]
        if args.baseline:
            try:
                trees.append((f"baseline {args.baseline}", export(args.baseline, Path(folder))))
            except LookupError as error:
                raise BenchError(str(error)) from None
        for label, tree in trees:
            try:
                costs = cxsim_costs(tree, path, whole, alone, multichannel, args.seed)
            except RuntimeError as error:
                raise BenchError(str(error)) from None
            versions.append((label, costs))
    ciw = None
    if ciw_installed:
        ciw = ciw_cost(queue.agents, queue.arrivals_per_minute, queue.handle_minutes,
                       queue.patience_minutes, args.ciw_contacts, args.seed)
    print_costs(versions, ciw, args.ciw_contacts, INSTRUCTIONS_BAR)


# --------------------------------------------------------------------------------------- main


def whole(text: str, minimum: int = 1) -> int:
    """A command-line whole number >= ``minimum``; ``1_000_000`` and ``1,000,000`` are read."""
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"{value} is too small (a whole number >= {minimum})")
    return value


def positive(text: str) -> int:
    return whole(text, 1)


def seed(text: str) -> int:
    return whole(text, 0)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        description="Time cxsim per contact on an M/M/c+M queue and compare with Ciw.",
    )
    p.add_argument("--contacts", type=positive, default=1_000_000,
                   help="contacts in the whole-process and simulation-alone runs "
                        "(default 1,000,000)")
    p.add_argument("--ciw-contacts", type=positive, default=200_000,
                   help="customers in the Ciw run (default 200,000; Ciw is slow)")
    p.add_argument("--no-ciw", action="store_true", help="skip Ciw and the ratios")
    p.add_argument("--flatness", action="store_true",
                   help="also time simulation alone at several agent counts")
    p.add_argument("--flatness-contacts", type=positive, default=200_000,
                   help="contacts per flatness run (default 200,000)")
    p.add_argument("--flatness-agents", type=positive, nargs="+", default=[10, 100, 1000],
                   metavar="C", help="agent counts of the flatness runs (default 10 100 1000)")
    p.add_argument("--multichannel", action="store_true",
                   help="also time simulation alone on a three-channel, two-language scenario "
                        "beside the single queue")
    p.add_argument("--multichannel-contacts", type=positive, default=300_000,
                   help="forecast contacts of the multichannel run (default 300,000)")
    p.add_argument("--multichannel-scenario", type=Path, default=MULTICHANNEL_SCENARIO,
                   help="the multichannel scenario (default benchmarks/multichannel.yaml)")
    p.add_argument("--repeat", type=positive, default=3,
                   help="timings per measure; the fastest is reported (default 3)")
    p.add_argument("--seed", type=seed, default=1, help="root seed (default 1)")
    p.add_argument("--scenario", type=Path, default=DEFAULT_SCENARIO,
                   help="an M/M/c+M scenario (default benchmarks/mmcm.yaml)")
    p.add_argument("--agents", type=positive, default=None,
                   help="resize the queue to this many agents at the same occupancy")
    p.add_argument("--instructions", action="store_true",
                   help="count instructions under valgrind instead of timing")
    p.add_argument("--baseline", metavar="REF", default=None,
                   help="with --instructions: also count the code of commit REF")
    p.add_argument("--simulate-contacts", type=positive, default=50_000,
                   help="with --instructions: contacts of the simulation-alone runs "
                        "(default 50,000)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    path: Path = args.scenario.resolve()
    try:
        ciw = None if args.no_ciw else import_ciw()
        base = cxsim.load_scenario(path)
        queue, resize = resized(mmcm_queue(base), args.agents)
        if args.instructions:
            run_instructions(path, queue, resize, args, ciw is not None)
            return 0
        overrides = [*resize, *sizing_overrides(queue, args.contacts)]
        scenario = cxsim.load_scenario(path, overrides)

        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else math.nan
        print(f"cxsim {cxsim.__version__} benchmark: {path.name}, M/M/c+M with {queue.agents} "
              f"agents, {fmt_count(queue.arrivals_per_hour)} calls/h, handle "
              f"{queue.handle_minutes:g} min, patience {queue.patience_minutes:g} min;")
        print(f"{scenario.horizon_days:.4g} days for ~{fmt_count(args.contacts)} contacts, "
              f"seed {args.seed}, best of {args.repeat} timings per measure.")
        print(f"Python {platform.python_version()} on {platform.machine()}, "
              f"{os.cpu_count()} CPUs, load average {load:.2f}.")
        sys.stdout.flush()

        whole = time_whole_process(path, overrides, args.seed, args.repeat)
        start_s = time_process_start(path, args.repeat)
        alone, record = time_simulation(scenario, args.seed, args.repeat)
        ciw_timing = (None if ciw is None else
                      time_ciw(ciw, queue, args.ciw_contacts, args.seed, args.repeat))

        print()
        rows = [timing_row(whole), timing_row(alone)]
        if ciw_timing is not None:
            rows.append(timing_row(ciw_timing))
        print_table(["measure", "contacts", "wall s", "us/contact", "contacts/s"], rows)
        print(f"  The whole process includes {start_s:.3f} s to start Python, import cxsim and "
              "load the scenario")
        print(f"  (python -m cxsim validate); simulated occupancy {occupancy(record):.3f}.")
        if whole.contacts != alone.contacts:
            print(f"  note: the runs counted {whole.contacts} and {alone.contacts} contacts; "
                  "they should be the same seeded replication")
        print_ratios(whole, alone, ciw_timing)
        sys.stdout.flush()

        if args.flatness:
            run_flatness(path, queue, args.flatness_agents, args.flatness_contacts, args.seed,
                         args.repeat, target=0.9)
            sys.stdout.flush()
        if args.multichannel:
            run_multichannel(path, queue, args.multichannel_scenario.resolve(),
                             args.multichannel_contacts, args.seed, args.repeat, resize)
    except (BenchError, cxsim.ScenarioError) as error:
        print(f"bench_contacts: {error}", file=sys.stderr)
        return EXIT_USAGE
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
