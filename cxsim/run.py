"""Replications of a scenario: seeding, and running them serially or in worker processes.

Replication ``r`` of root seed ``s`` draws from streams named by (s, r, stream name) alone, so the
tables are identical whichever executor runs the replications and in whatever order they finish.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor

from cxsim.model import ReplicationRecord, simulate
from cxsim.results import Results
from cxsim.scenario.models import Scenario

__all__ = ["DEFAULT_REPS", "run", "run_replications"]

DEFAULT_REPS = 10


def _simulate_one(args: tuple[Scenario, int, int]) -> ReplicationRecord:
    scenario, seed, replication = args
    return simulate(scenario, seed, replication)


def _check(name: str, value: int, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name}(={value!r}) must be a whole number >= {minimum}")


def run_replications(
    scenario: Scenario,
    reps: int = DEFAULT_REPS,
    seed: int = 0,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> list[ReplicationRecord]:
    """The records of replications 0 to ``reps - 1``, in replication order.

    Args:
        scenario: a validated scenario.
        reps: number of replications (>= 1).
        seed: root seed (>= 0).
        workers: processes to run replications in; 1 runs them in this process.
        progress: called with (finished, reps) after each replication.
    """
    _check("reps", reps, 1)
    _check("seed", seed, 0)
    _check("workers", workers, 1)
    tasks = [(scenario, seed, r) for r in range(reps)]
    records: list[ReplicationRecord] = []
    results: Iterator[ReplicationRecord]
    if workers == 1 or reps == 1:
        results = map(_simulate_one, tasks)
        for record in results:
            records.append(record)
            if progress:
                progress(len(records), reps)
        return records
    # spawn: a fresh interpreter per worker; forking a process that holds threads (pyarrow's)
    # is unsafe, and the start method is chosen here rather than set globally.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, reps), mp_context=context) as pool:
        for record in pool.map(_simulate_one, tasks):
            records.append(record)
            if progress:
                progress(len(records), reps)
    return records


def run(
    scenario: Scenario,
    reps: int = DEFAULT_REPS,
    seed: int = 0,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> Results:
    """Simulate ``reps`` replications of ``scenario`` and build the result tables.

    Same scenario + same seed = identical tables, with any number of workers.
    """
    records = run_replications(scenario, reps, seed, workers, progress)
    return Results.from_records(scenario, seed, records)


