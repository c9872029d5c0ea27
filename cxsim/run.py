"""Replications of a scenario: seeding, and running them on an executor.

Replication ``r`` of root seed ``s`` draws from streams named by (s, r, stream name) alone, so the
tables are identical whichever executor runs the replications and in whatever order they finish.
"""

from __future__ import annotations

from cxsim.executors import Executor, executor_for
from cxsim.model import ReplicationRecord, simulate
from cxsim.progress import ProgressCallback, progress_for
from cxsim.results import Results
from cxsim.scenario.models import Scenario

__all__ = [
    "DEFAULT_REPS",
    "ReplicationTask",
    "check_whole",
    "run",
    "run_replications",
    "simulate_task",
]

DEFAULT_REPS = 10

ReplicationTask = tuple[Scenario, int, int]  # scenario, root seed, replication


def simulate_task(task: ReplicationTask) -> ReplicationRecord:
    """Run one replication task (an executor's unit of work)."""
    scenario, seed, replication = task
    return simulate(scenario, seed, replication)


def check_whole(name: str, value: int, minimum: int) -> None:
    """ValueError unless ``value`` is a whole number >= ``minimum`` (``name`` says which)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name}(={value!r}) must be a whole number >= {minimum}")


def run_replications(
    scenario: Scenario,
    reps: int = DEFAULT_REPS,
    seed: int = 0,
    workers: int = 1,
    progress: bool | ProgressCallback | None = None,
    executor: Executor | None = None,
) -> list[ReplicationRecord]:
    """The records of replications 0 to ``reps - 1``, in replication order.

    Args:
        scenario: a validated scenario.
        reps: number of replications (>= 1).
        seed: root seed (>= 0).
        workers: processes to run replications in when no ``executor`` is given; 1 runs them
            in this process.
        progress: ``True`` for a progress bar (a notebook bar in Jupyter), or a callable
            called with (finished, reps) after each replication.
        executor: where to run them (``cxsim.executors``: local processes or a Dask cluster);
            its workers stay up for the caller to reuse. Without one, an executor for
            ``workers`` is made and closed here.
    """
    check_whole("reps", reps, 1)
    check_whole("seed", seed, 0)
    check_whole("workers", workers, 1)
    tasks = [(scenario, seed, r) for r in range(reps)]
    report = progress_for(progress, "replication", reps)
    finished = 0

    def done(_index: int, _record: ReplicationRecord) -> None:
        nonlocal finished
        finished += 1
        if report is not None:
            report(finished, reps)

    if executor is not None:
        return executor.map(simulate_task, tasks, done)
    with executor_for(min(workers, reps)) as own:
        return own.map(simulate_task, tasks, done)


def run(
    scenario: Scenario,
    reps: int = DEFAULT_REPS,
    seed: int = 0,
    workers: int = 1,
    progress: bool | ProgressCallback | None = None,
    executor: Executor | None = None,
) -> Results:
    """Simulate ``reps`` replications of ``scenario`` and build the result tables.

    Same scenario + same seed = identical tables, with any executor and number of workers.
    Arguments as for ``run_replications``.
    """
    records = run_replications(scenario, reps, seed, workers, progress, executor)
    return Results.from_records(scenario, seed, records)
