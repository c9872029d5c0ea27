"""Running a sweep: every point's replications on one executor, each point written as it ends.

Every point runs with the same root seed, so replication ``r`` of every point draws from the
same streams: the points share their random numbers (common random numbers), and a difference
between two points is the change's doing, not the dice's. All replications of all points are
tasks of one batch, so workers stay busy across points; a point is turned into tables and
written the moment its last replication comes back, and its records are released.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from cxsim.executors import Executor, executor_for
from cxsim.model import ReplicationRecord
from cxsim.progress import Progress, ProgressCallback, progress_for
from cxsim.results import Results
from cxsim.results.sweeps import SweepResults
from cxsim.run import DEFAULT_REPS, check_whole, simulate_task
from cxsim.scenario import Scenario
from cxsim.sweep.directory import SweepDir, sweep_fingerprint
from cxsim.sweep.grid import Grid, Point, load_grid, parse_grid, point_scenarios

__all__ = ["Sweep", "sweep"]


def _as_grid(grid: Grid | Mapping[str, Any] | str | Path) -> Grid:
    if isinstance(grid, Grid):
        return grid
    if isinstance(grid, str | Path):
        return load_grid(grid)
    return parse_grid(grid)


class Sweep:
    """A sweep checked and ready to run: every point validated, the directory checked.

    Nothing is written and nothing runs until ``run``.

    Args:
        scenario: the base scenario (left as it is).
        grid: a ``Grid``, a grid file, or grid data (``{"params": [...]}``).
        reps: replications per point.
        seed: root seed of every point.
        out: the sweep directory (None: keep everything in memory).
        resume: run only the points missing in ``out`` (the same sweep, interrupted).
        protect: files whose folders ``out`` must not replace (the scenario and grid files).

    Raises:
        ScenarioError: the grid, or a point's scenario, has problems (one line each).
        OutputError: ``out`` is a place cxsim must not write, or cannot be resumed.
    """

    def __init__(
        self,
        scenario: Scenario,
        grid: Grid | Mapping[str, Any] | str | Path,
        reps: int = DEFAULT_REPS,
        seed: int = 0,
        out: str | Path | None = None,
        resume: bool = False,
        protect: Iterable[str | Path] = (),
    ) -> None:
        check_whole("reps", reps, 1)
        check_whole("seed", seed, 0)
        self.scenario, self.reps, self.seed = scenario, reps, seed
        self.grid = _as_grid(grid)
        self.scenarios = point_scenarios(scenario, self.grid)
        self.fingerprint = sweep_fingerprint(scenario, self.grid, seed, reps)
        self.directory = (SweepDir(out, self.fingerprint, resume, protect)
                          if out is not None else None)

    @property
    def points(self) -> tuple[Point, ...]:
        return self.grid.points

    def todo(self) -> list[Point]:
        """The points ``run`` will run: all of them, or those a resumed sweep is missing."""
        done = set(self.finished())
        return [point for point in self.points if point.id not in done]

    def run(
        self,
        executor: Executor | None = None,
        workers: int = 1,
        progress: bool | ProgressCallback | None = None,
        on_point: Callable[[Point, int, int], None] | None = None,
        note: Mapping[str, Any] | None = None,
    ) -> SweepResults:
        """Run every point not already finished; returns the sweep's tables.

        Args:
            executor: where replications run (``cxsim.executors``); kept open for the caller.
                Without one, ``workers`` local processes are used and closed here.
            workers: processes when no executor is given.
            progress: ``True`` for a progress bar, or a callable (done, total) of replications.
            on_point: called with (point, finished points, all points) as each point is
                written.
            note: more to record in the sweep's ``run.json`` (say the command that ran it).
        """
        check_whole("workers", workers, 1)
        table = pd.DataFrame([{"point": p.id, **p.params} for p in self.points])
        meta = {**(note or {}), "seed": self.seed, "reps": self.reps,
                "params": list(self.grid.columns), "scenario": self.scenario.name}
        directory = self.directory
        tables: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = {}
        kept: dict[str, Results] = {}
        try:
            if directory is not None:
                tables.update(directory.start(meta, self.grid, self.scenario, table))
            todo = [p for p in self.points if p.id not in tables]
            tasks = [(self.scenarios[p.index], self.seed, r) for p in todo
                     for r in range(self.reps)]
            # A bar counts replications and names each point as it is written; a log gets a
            # line per point.
            bar = Progress("replication", len(tasks), lines=False) if progress is True else None
            report = bar if bar is not None else progress_for(progress, "replication",
                                                               len(tasks))
            records: dict[int, dict[int, ReplicationRecord]] = {}
            finished = 0

            def done(index: int, record: ReplicationRecord) -> None:
                nonlocal finished
                number, rep = divmod(index, self.reps)
                batch = records.setdefault(number, {})
                batch[rep] = record
                finished += 1
                if len(batch) == self.reps:
                    point = todo[number]
                    del records[number]
                    results = Results.from_records(
                        self.scenarios[point.index], self.seed, [batch[r] for r in
                                                                 range(self.reps)])
                    results.meta.update({"point": point.id, "params": point.params,
                                         "changes": point.changes})
                    if directory is not None:
                        directory.write_point(point, results)
                    else:
                        kept[point.id] = results
                    tables[point.id] = (results.summary, results.runs)
                    if bar is not None:
                        bar.note(f"point {point.id} written ({len(tables)}/{len(self.points)})")
                    if on_point is not None:
                        on_point(point, len(tables), len(self.points))
                if report is not None:
                    report(finished, len(tasks))

            if tasks and executor is not None:
                executor.run_each(simulate_task, tasks, done)
            elif tasks:
                with executor_for(min(workers, len(tasks))) as own:
                    own.run_each(simulate_task, tasks, done)
            results = SweepResults.from_points(
                self.grid.columns, table, tables, self.seed, self.reps, meta=meta,
                point_results=kept,
                directory=directory.target if directory is not None else None)
            if directory is not None:
                directory.finish(results)
            return results
        except BaseException:
            if directory is not None:
                directory.abandon()
            raise

    def finished(self) -> list[str]:
        """The points of this sweep written in its directory so far (kept after an interrupt
        of a sweep written in place)."""
        return self.directory.finished() if self.directory is not None else []


def sweep(
    scenario: Scenario,
    grid: Grid | Mapping[str, Any] | str | Path,
    reps: int = DEFAULT_REPS,
    seed: int = 0,
    workers: int = 1,
    executor: Executor | None = None,
    progress: bool | ProgressCallback | None = None,
    out: str | Path | None = None,
    resume: bool = False,
) -> SweepResults:
    """Run every point of a grid of scenario changes with the same seed; long-format tables.

    Every row of the result's ``summary`` and ``runs`` carries the point's id and parameter
    values, so ``results.summary.groupby(param)`` compares the alternatives; ``front()`` gives
    cost against service with the Pareto front. With ``out``, each point is written to
    ``out/points/<id>/`` as it finishes and the tables beside them (``resume=True`` runs only
    the points an interrupted sweep left); without it, each point's full results are kept in
    memory (``results.point(id)``).

    Args:
        scenario: the base scenario; never changed.
        grid: a grid file, grid data (``{"params": [...]}``) or a ``Grid``
            (``cxsim.sweep.grid`` describes the format).
        reps: replications per point.
        seed: root seed of every point (common random numbers across points).
        workers: local processes when no executor is given.
        executor: where replications run (``cxsim.executors``: local processes or Dask).
        progress: ``True`` for a progress bar, or a callable (done, total) of replications.
        out: a sweep directory (new, empty, an earlier cxsim result, or with ``resume`` this
            same sweep interrupted).
        resume: run only the points missing in ``out``.

    Raises:
        ScenarioError: the grid or a point has problems (one line each), before anything runs.
        OutputError: ``out`` is a place cxsim must not write, or cannot be resumed.
    """
    prepared = Sweep(scenario, grid, reps=reps, seed=seed, out=out, resume=resume)
    return prepared.run(executor=executor, workers=workers, progress=progress)
