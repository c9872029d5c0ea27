"""Instruction counts of cxsim and Ciw runs, with valgrind's callgrind: figures noise does not move.

Each measure runs in a fresh process under ``valgrind --tool=callgrind`` and reads the total of
instructions executed ("Collected"). A cost per contact is the difference between a run that
simulates and one that only starts, imports and loads the scenario, divided by the contacts;
the whole-process figure is the total of ``python -m cxsim run`` divided by its contacts, start
and imports included. The same measures can run on another commit's code (``--baseline``),
exported with ``git archive``, so that before and after come from one run of the harness.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from checkouts import code_env, run_flags
from text import fmt_count, print_table

__all__ = ["Costs", "ciw_cost", "cxsim_costs", "have_valgrind", "print_costs"]

# A child that loads a scenario and, if asked, simulates one replication; prints the contacts.
_SIMULATE = """
import json, sys
import cxsim
from cxsim.model import simulate
path, seed, run, *overrides = sys.argv[1:]
scenario = cxsim.load_scenario(path, overrides)
arrived = ("forecast", "from_orders", "retries", "chases", "follow_ups")
count = 0
if run == "1":
    record = simulate(scenario, int(seed), 0)
    count = sum(sum(series[m]) for series in record.queues.values() for m in arrived)
print(json.dumps({"contacts": count, "module": cxsim.__file__}))
"""

# The same M/M/c+M queue in Ciw for ``minutes`` (0: build the network only).
_CIW = """
import json, sys
import ciw
agents, rate, handle, patience, minutes, seed = map(float, sys.argv[1:])
network = ciw.create_network(
    arrival_distributions=[ciw.dists.Exponential(rate=rate)],
    service_distributions=[ciw.dists.Exponential(rate=1.0 / handle)],
    number_of_servers=[int(agents)],
    reneging_time_distributions=[ciw.dists.Exponential(rate=1.0 / patience)],
)
ciw.seed(int(seed))
simulation = ciw.Simulation(network)
count = 0
if minutes > 0:
    simulation.simulate_until_max_time(minutes)
    count = len(simulation.get_all_records())
print(json.dumps({"contacts": count}))
"""


def have_valgrind() -> bool:
    return shutil.which("valgrind") is not None


def instructions(command: Sequence[str], code: Path | None = None) -> tuple[int, str]:
    """Instructions executed by ``command`` (and its standard output), run from ``code``."""
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *command],
        capture_output=True, text=True, check=False, cwd=code,
        env=code_env(code) if code is not None else None,
    )
    found = re.search(r"Collected\s*:\s*([0-9]+)", done.stderr)
    if done.returncode != 0 or found is None:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"{' '.join(command[:4])}... failed under valgrind: {tail}")
    return int(found.group(1)), done.stdout


@dataclass(frozen=True)
class Costs:
    """Instructions of one code version.

    Attributes:
        whole_per_contact: ``cxsim run`` in all, per contact offered.
        start: ``cxsim validate`` in all (start Python, import, load the scenario).
        contacts: contacts of the whole-process run.
        simulate_per_contact: simulation alone of the single queue, per contact.
        multichannel_per_contact: simulation alone of the multichannel scenario, per contact
            that arrived at a queue (None when not measured).
    """

    whole_per_contact: float
    start: int
    contacts: int
    simulate_per_contact: float
    multichannel_per_contact: float | None


def _simulation_cost(code: Path, path: Path, overrides: Sequence[str], seed: int) -> float:
    """Instructions per contact of ``simulate`` alone: a run minus one that only loads."""
    base = [sys.executable, "-c", _SIMULATE, str(path), str(seed)]
    idle, _ = instructions([*base, "0", *overrides], code)
    busy, out = instructions([*base, "1", *overrides], code)
    result = json.loads(out.strip().splitlines()[-1])
    if not str(result["module"]).startswith(str(code)):
        raise RuntimeError(f"measured {result['module']}, not the code under {code}")
    return (busy - idle) / result["contacts"]


def cxsim_costs(
    code: Path, path: Path, overrides: Sequence[str], simulate_overrides: Sequence[str],
    multichannel: tuple[Path, Sequence[str]] | None, seed: int,
) -> Costs:
    """The instruction costs of the cxsim under ``code`` (a checkout's root).

    ``overrides`` size the whole-process run, ``simulate_overrides`` the simulation-alone run of
    the same scenario; ``multichannel`` is a scenario and its overrides, or None.
    """
    sets = [arg for assignment in overrides for arg in ("--set", assignment)]
    with tempfile.TemporaryDirectory(prefix="cxsim-bench-") as parent:
        out = Path(parent) / "results"
        whole, _ = instructions([sys.executable, "-m", "cxsim", "run", str(path), "--reps", "1",
                                 "--seed", str(seed), "--out", str(out), "--quiet",
                                 *run_flags(code), *sets], code)
        table = pd.read_parquet(out / "contacts_by_interval.parquet", columns=["offered"])
        contacts = round(float(table["offered"].sum()))
    start, _ = instructions([sys.executable, "-m", "cxsim", "validate", str(path)], code)
    alone = _simulation_cost(code, path, simulate_overrides, seed)
    multi = (None if multichannel is None
             else _simulation_cost(code, multichannel[0], multichannel[1], seed))
    return Costs(whole / contacts, start, contacts, alone, multi)


def ciw_cost(agents: int, per_minute: float, handle: float, patience: float, customers: int,
             seed: int) -> float:
    """Ciw's instructions per customer on the M/M/c+M queue (without start and import)."""
    base = [sys.executable, "-c", _CIW, str(agents), repr(per_minute), repr(handle),
            repr(patience)]
    idle, _ = instructions([*base, "0", str(seed)])
    busy, out = instructions([*base, repr(customers / per_minute), str(seed)])
    return (busy - idle) / json.loads(out.strip().splitlines()[-1])["contacts"]


def print_costs(versions: Sequence[tuple[str, Costs]], ciw: float | None, ciw_customers: int,
                bar: float) -> None:
    """A table of the costs of each code version, their ratios to Ciw's cost per customer
    (judged against ``bar``), and the second version against the first."""
    rows = [[label, fmt_count(c.whole_per_contact), f"{c.start / 1e6:,.0f}M",
             fmt_count(c.simulate_per_contact),
             "-" if c.multichannel_per_contact is None else fmt_count(c.multichannel_per_contact)]
            for label, c in versions]
    print_table(["code", "whole process/contact", "start", "simulate/contact",
                 "multichannel/contact"], rows)
    if ciw is not None:
        print(f"  Ciw: {fmt_count(ciw)} instructions per customer (simulation and records, "
              f"{fmt_count(ciw_customers)} customers)")
        for label, c in versions:
            ratio = c.whole_per_contact / ciw
            print(f"  {label}: whole process / Ciw = {ratio:.3f} (1/{1 / ratio:.1f}); "
                  f"bar 1/{1 / bar:g}: {'meets' if ratio <= bar else 'MISSES'} the bar")
    if len(versions) == 2:
        (_, now), (label, before) = versions
        changes = [
            f"whole process x{now.whole_per_contact / before.whole_per_contact:.3f}",
            f"simulation alone x{now.simulate_per_contact / before.simulate_per_contact:.3f}",
        ]
        if now.multichannel_per_contact and before.multichannel_per_contact:
            changes.append("multichannel x"
                           f"{now.multichannel_per_contact / before.multichannel_per_contact:.3f}")
        print(f"  this checkout against {label}: {', '.join(changes)}")
