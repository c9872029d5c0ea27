"""Sweeps: grids read and checked before anything runs, points sharing their random numbers,
long-format tables with every point's parameters, the cost-service front, and sweep directories
that keep finished points, resume, and never take what cxsim did not write."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

import cxsim
from cxsim.cli import main
from cxsim.executors import DaskExecutor
from cxsim.results.output import OutputError
from cxsim.results.sweeps import FrontKpi, cost_service_front
from cxsim.sweep import Point, Sweep, parse_grid
from tests.support import EXAMPLES

ONE_QUEUE = EXAMPLES / "one_queue.yaml"
SHORT = ["horizon_days=1", "warmup_days=0.25"]
AGENTS = {"path": "teams.us_agents.agents", "values": [28, 31], "name": "agents"}
PATIENCE = {"name": "patience", "alternatives": {
    "as is": {}, "short": {"channels.phone.patience_minutes": {"dist": "exponential",
                                                               "mean": 1}}}}


@pytest.fixture(scope="module")
def queue() -> cxsim.Scenario:
    return cxsim.load_scenario(ONE_QUEUE, SHORT)


def _grid_file(folder: Path, data: Any, name: str = "grid.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


# -- grids ---------------------------------------------------------------------------------


def test_points_are_every_combination_in_file_order_the_last_entry_fastest() -> None:
    grid = parse_grid({"params": [
        AGENTS,
        {"zip": [{"path": "horizon_days", "values": [1, 2, 3], "name": "days"},
                 {"path": "warmup_days", "values": [0.1, 0.2, 0.3]}]},
        PATIENCE,
    ]})
    assert grid.columns == ("agents", "days", "warmup_days", "patience")
    assert len(grid.points) == 2 * 3 * 2
    assert [p.id for p in grid.points] == [f"p{i:03d}" for i in range(12)]
    first, second, last = grid.points[0], grid.points[1], grid.points[-1]
    assert first.params == {"agents": 28, "days": 1, "warmup_days": 0.1, "patience": "as is"}
    assert first.changes == {"teams.us_agents.agents": 28, "horizon_days": 1,
                             "warmup_days": 0.1}
    assert second.params["patience"] == "short" and second.params["days"] == 1
    assert second.changes["channels.phone.patience_minutes"] == {"dist": "exponential",
                                                                 "mean": 1}
    assert last.params == {"agents": 31, "days": 3, "warmup_days": 0.3, "patience": "short"}


BAD_GRIDS: list[tuple[str, Any, str]] = [
    ("unknown path", {"params": [{"path": "teams.us_agnts.agents", "values": [30]}]},
     "grid.params.0.path: teams has no 'us_agnts' (did you mean 'us_agents'? one of: "
     "us_agents)"),
    ("value the schema rejects", {"params": [{"path": "teams.us_agents.agents",
                                              "values": [30, -3]}]},
     "grid.params.0.values.1: -3 is too small (a whole number from 0 to 100,000)"),
    ("value of the wrong type", {"params": [{"path": "contact_volume.0.per_hour",
                                             "values": ["lots"]}]},
     "grid.params.0.values.0: 'lots' is not a number (a number from 0 to 40,000)"),
    ("empty list", {"params": [{"path": "teams.us_agents.agents", "values": []}]},
     "grid.params.0.values: is empty (a list of one or more values)"),
    ("values not a list", {"params": [{"path": "teams.us_agents.agents", "values": 3}]},
     "grid.params.0.values: '3' is not a list (a list of one or more values, e.g. [2, 3])"),
    ("a value twice", {"params": [{"path": "teams.us_agents.agents", "values": [30, 31, 30]}]},
     "grid.params.0.values.2: 30 is already value 0 (each value once)"),
    ("zip of unequal lengths", {"params": [{"zip": [
        {"path": "teams.us_agents.agents", "values": [30, 31]},
        {"path": "horizon_days", "values": [1, 2, 3]}]}]},
     "grid.params.0.zip.1.values: has 3 values, zip.0 has 2 (the same number in every field of "
     "a zip)"),
    ("alternative the schema rejects", {"params": [{"name": "patience", "alternatives": {
        "short": {"channels.phone.patience_minutes": {"dist": "expo", "mean": 1}}}}]},
     "grid.params.0.alternatives.short.channels.phone.patience_minutes.dist: 'expo' is not "
     "known (one of: exponential, constant, lognormal, gamma, uniform, triangular, empirical)"),
    ("empty alternatives", {"params": [{"name": "x", "alternatives": {}}]},
     "grid.params.0.alternatives: is empty (one or more labelled alternatives)"),
    ("misspelt key", {"params": [{"path": "teams.us_agents.agents", "valus": [1]}]},
     "grid.params.0.valus: unknown field (allowed: path, values, name)"),
    ("no params", {"prams": []}, "grid: needs params (a list of entries, each path and "
                                 "values, zip, or alternatives)"),
    ("an entry of no kind", {"params": [{"name": "x"}]},
     "grid.params.0: an entry needs path and values, zip, or alternatives (found: name)"),
    ("one field in two entries", {"params": [AGENTS, {"path": "teams.us_agents",
                                                      "values": [{}]}]},
     "grid.params.1.path: 'teams.us_agents' is also varied by grid.params.0 "
     "('teams.us_agents.agents'; each field in one entry)"),
    ("a name the tables use", {"params": [{**AGENTS, "name": "kpi"}]},
     "grid.params.0.name: 'kpi' is a column of the sweep's tables already (another name)"),
    ("too many points", {"params": [
        {"path": "teams.us_agents.agents", "values": list(range(30))},
        {"path": "contact_volume.0.per_hour", "values": list(range(1, 31))},
        {"path": "warmup_days", "values": [i / 100 for i in range(30)]}]},
     "grid.params: makes 27,000 points (30 x 30 x 30; at most 10,000)"),
    ("a combination that does not hold", {"params": [
        {"path": "horizon_days", "values": [1, 2]}, {"path": "warmup_days",
                                                     "values": [0.5, 1.5]}]},
     "grid.params.1.values.1: 1.5 is not shorter than horizon_days 1 "
     "(0 <= warmup_days < horizon_days)"),
]


@pytest.mark.parametrize(("kind", "data", "line"), BAD_GRIDS, ids=[k for k, _, _ in BAD_GRIDS])
def test_every_kind_of_bad_grid_is_its_own_line_exit_2_and_nothing_written(
    kind: str, data: Any, line: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    grid = _grid_file(tmp_path, data)
    out = tmp_path / "out"
    status = main(["sweep", str(ONE_QUEUE), "--grid", str(grid), "--out", str(out),
                   *(a for s in SHORT for a in ("--set", s))])
    assert status == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"cxsim: {grid}: "), err
    assert line in err[1:], err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grid.yaml"]


def test_an_empty_grid_file_says_what_a_grid_holds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    grid = tmp_path / "grid.yaml"
    grid.write_text("# nothing yet\n")
    assert main(["sweep", str(ONE_QUEUE), "--grid", str(grid), "--out",
                 str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err.splitlines()[1] == (
        "file: is empty (a mapping with params: a list of entries)")


# -- points and their tables ---------------------------------------------------------------


def test_a_point_that_changes_nothing_is_the_run_itself_and_the_scenario_stays_as_it_was(
    queue: cxsim.Scenario, tables_equal: Callable[..., None],
) -> None:
    before = queue.model_dump()
    swept = cxsim.sweep(queue, {"params": [PATIENCE]}, reps=2, seed=3)
    assert queue.model_dump() == before
    tables_equal(swept.point("p000"), cxsim.run(queue, reps=2, seed=3))
    # The other point is the scenario with that field changed and nothing else.
    changed = queue.model_dump()
    changed["channels"]["phone"]["patience_minutes"] = {"dist": "exponential", "mean": 1}
    assert swept.point("p001").scenario == cxsim.parse_scenario(changed)


def test_points_share_their_random_numbers(queue: cxsim.Scenario) -> None:
    # Common random numbers: agents do not change who calls, so every point sees the same
    # contacts in each replication, and the replications differ from one another.
    swept = cxsim.sweep(queue, {"params": [AGENTS, PATIENCE]}, reps=3, seed=5)
    runs = swept.runs
    offered = runs[(runs.kpi == "offered") & (runs.region == "us") & (runs.channel == "phone")]
    by_rep = offered.pivot(index="rep", columns="point", values="value")
    assert (by_rep.nunique(axis=1) == 1).all()
    assert by_rep.iloc[:, 0].nunique() == 3


def test_every_row_carries_its_point_and_parameters(queue: cxsim.Scenario) -> None:
    swept = cxsim.sweep(queue, {"params": [AGENTS, PATIENCE]}, reps=2, seed=1)
    assert swept.params == ["agents", "patience"]
    assert list(swept.summary.columns[:3]) == ["point", "agents", "patience"]
    assert list(swept.runs.columns[:4]) == ["point", "agents", "patience", "rep"]
    assert list(swept.points["point"]) == ["p000", "p001", "p002", "p003"]
    assert swept.points["done"].all()
    for point in swept.points["point"]:
        own = swept.point(point)
        rows = swept.summary[swept.summary.point == point]
        pd.testing.assert_frame_equal(rows.drop(columns=["point", "agents", "patience"])
                                      .reset_index(drop=True), own.summary)
        assert len(swept.runs[swept.runs.point == point]) == len(own.runs)
    # groupby over a parameter is all a notebook needs.
    level = swept.summary.query("kpi == 'service_level' and region == '*' and channel == '*'")
    by_agents = level.groupby("agents")["mean"].mean()
    assert list(by_agents.index) == [28, 31]
    assert by_agents[31] > by_agents[28]  # more agents, better service (same customers)


def test_the_front_keeps_the_points_no_other_beats_on_every_kpi() -> None:
    # Four points by hand: B costs more than A for better service (both on the front), C is
    # worse than A on everything, D ties A's cost with better on-time delivery (so beats A).
    rows = []
    for point, cost, service, on_time in (("A", 100, 0.80, 0.90), ("B", 150, 0.95, 0.90),
                                          ("C", 120, 0.78, 0.85), ("D", 100, 0.80, 0.93)):
        for scope, kpi, value in (("cost", "total", cost), ("contacts", "service_level",
                                                             service),
                                  ("orders", "on_time_rate", on_time)):
            rows.append({"point": point, "lever": point.lower(), "scope": scope, "region": "*",
                         "channel": "*", "kpi": kpi, "mean": value, "ci_low": value,
                         "ci_high": value, "reps": 2})
    front = cost_service_front(pd.DataFrame(rows), ["lever"])
    assert dict(zip(front["point"], front["pareto"], strict=True)) == {
        "A": False, "B": True, "C": False, "D": True}
    # Without a KPI the scenario lacks, the front is judged on the rest.
    cost_only = cost_service_front(pd.DataFrame(rows), ["lever"],
                                   kpis=[FrontKpi("cost_total", "cost", "total", "lower")])
    assert list(cost_only["pareto"]) == [True, False, False, True]


def test_a_sweep_on_a_dask_cluster_has_the_same_tables(
    queue: cxsim.Scenario, dask_cluster: DaskExecutor,
) -> None:
    grid = {"params": [AGENTS]}
    serial = cxsim.sweep(queue, grid, reps=2, seed=2)
    clustered = cxsim.sweep(queue, grid, reps=2, seed=2, executor=dask_cluster)
    pd.testing.assert_frame_equal(serial.summary, clustered.summary)
    pd.testing.assert_frame_equal(serial.runs, clustered.runs)


# -- sweep directories ---------------------------------------------------------------------


class Stop(KeyboardInterrupt):
    """Ctrl-C, pressed right after a given number of points were written."""


def _stop_after(count: int) -> Callable[[Point, int, int], None]:
    def written(_point: Point, finished: int, _points: int) -> None:
        if finished >= count:
            raise Stop

    return written


def _tables(folder: Path) -> dict[str, pd.DataFrame]:
    return {"summary": pd.read_csv(folder / "summary.csv"),
            "runs": pd.read_parquet(folder / "runs.parquet"),
            "front": pd.read_csv(folder / "front.csv"),
            "points": pd.read_csv(folder / "points.csv")}


def _assert_same_tables(first: Path, second: Path) -> None:
    a, b = _tables(first), _tables(second)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)


def test_an_interrupted_sweep_keeps_its_points_and_resume_runs_only_the_rest(
    queue: cxsim.Scenario, tmp_path: Path,
) -> None:
    grid = {"params": [AGENTS, PATIENCE]}
    whole = cxsim.sweep(queue, grid, reps=2, seed=4, out=tmp_path / "whole")
    stopped = Sweep(queue, grid, reps=2, seed=4, out=tmp_path / "stopped")
    with pytest.raises(Stop):
        stopped.run(on_point=_stop_after(2))
    assert stopped.finished() == ["p000", "p001"]
    meta = json.loads((tmp_path / "stopped" / "run.json").read_text())
    assert meta["kind"] == "sweep" and not meta["complete"]
    partial = cxsim.SweepResults.load(tmp_path / "stopped")
    assert list(partial.points["done"]) == [True, True, False, False]
    assert set(partial.summary["point"]) == {"p000", "p001"}
    # Resuming runs the two missing points only: 2 x 2 replications.
    counted: list[tuple[int, int]] = []
    resumed = Sweep(queue, grid, reps=2, seed=4, out=tmp_path / "stopped", resume=True)
    assert [p.id for p in resumed.todo()] == ["p002", "p003"]
    resumed.run(progress=lambda done, total: counted.append((done, total)))
    assert counted[-1] == (4, 4)
    _assert_same_tables(tmp_path / "whole", tmp_path / "stopped")
    assert whole.complete


def test_resume_runs_again_a_point_damaged_since_it_was_written(
    queue: cxsim.Scenario, tmp_path: Path,
) -> None:
    grid = {"params": [AGENTS, PATIENCE]}
    cxsim.sweep(queue, grid, reps=2, seed=4, out=tmp_path / "whole")
    shutil.copytree(tmp_path / "whole", tmp_path / "damaged")
    (tmp_path / "damaged" / "points" / "p001" / "summary.csv").unlink()
    (tmp_path / "damaged" / "points" / "p002" / "runs.parquet").write_text("not a table")
    counted: list[tuple[int, int]] = []
    resumed = Sweep(queue, grid, reps=2, seed=4, out=tmp_path / "damaged", resume=True)
    assert [p.id for p in resumed.todo()] == ["p001"]  # a missing table is seen at once
    resumed.run(progress=lambda done, total: counted.append((done, total)))
    assert counted[-1] == (4, 4)  # the two damaged points, 2 replications each
    _assert_same_tables(tmp_path / "whole", tmp_path / "damaged")


def test_resume_refuses_a_sweep_of_another_grid_scenario_or_seed(
    queue: cxsim.Scenario, tmp_path: Path,
) -> None:
    out = tmp_path / "sweep"
    cxsim.sweep(queue, {"params": [AGENTS]}, reps=2, seed=1, out=out)
    other_grid = {"params": [{**AGENTS, "values": [28, 32]}]}
    with pytest.raises(OutputError, match=r"is a sweep of another grid: it cannot be resumed"):
        Sweep(queue, other_grid, reps=2, seed=1, out=out, resume=True)
    other = cxsim.load_scenario(ONE_QUEUE, ["horizon_days=1.5", "warmup_days=0.25"])
    with pytest.raises(OutputError, match=r"is a sweep of another scenario: it cannot"):
        Sweep(other, {"params": [AGENTS]}, reps=2, seed=1, out=out, resume=True)
    with pytest.raises(OutputError, match=r"is a sweep of seed 1, not 2, reps 2, not 3: it"):
        Sweep(queue, {"params": [AGENTS]}, reps=3, seed=2, out=out, resume=True)
    run = cxsim.run(queue, reps=2, seed=1).save(tmp_path / "run")
    with pytest.raises(OutputError, match=r"holds a run, not a sweep to resume"):
        Sweep(queue, {"params": [AGENTS]}, reps=2, seed=1, out=run, resume=True)


def test_an_unfinished_sweep_is_not_started_afresh_by_mistake(
    queue: cxsim.Scenario, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    grid = {"params": [AGENTS]}
    with pytest.raises(Stop):
        Sweep(queue, grid, reps=2, seed=0, out=tmp_path / "s").run(on_point=_stop_after(1))
    grid_file = _grid_file(tmp_path, grid)
    status = main(["sweep", str(ONE_QUEUE), "--grid", str(grid_file), "--reps", "2",
                   "--out", str(tmp_path / "s"), *(a for s in SHORT for a in ("--set", s))])
    assert status == 2
    assert capsys.readouterr().err.splitlines() == [
        f"cxsim: --out: '{tmp_path / 's'}' holds an unfinished sweep of this grid (1 of 2 "
        "points done; --resume finishes it, or choose another directory)"]


def test_a_sweep_replaces_an_earlier_result_only_once_complete(
    queue: cxsim.Scenario, tmp_path: Path,
) -> None:
    out = cxsim.run(queue, reps=2, seed=0).save(tmp_path / "result")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(Stop):
        Sweep(queue, {"params": [AGENTS]}, reps=2, out=out).run(on_point=_stop_after(1))
    # Interrupted: the earlier run is as it was, and nothing is left beside it.
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result"]
    cxsim.sweep(queue, {"params": [AGENTS]}, reps=2, out=out)
    assert json.loads((out / "run.json").read_text())["kind"] == "sweep"
    assert sorted(p.name for p in (out / "points").iterdir()) == ["p000", "p001"]
    # A sweep is an earlier cxsim result in turn: a run may replace it.
    assert cxsim.run(queue, reps=2).save(out) == out


def test_a_file_of_the_planner_inside_a_sweep_is_never_removed(
    queue: cxsim.Scenario, tmp_path: Path,
) -> None:
    out = tmp_path / "sweep"
    cxsim.sweep(queue, {"params": [AGENTS]}, reps=2, out=out)
    (out / "points" / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match=r"also holds files cxsim did not write "
                                          r"\(points/notes.txt;"):
        Sweep(queue, {"params": [{**AGENTS, "values": [29]}]}, reps=2, out=out)
    (out / "points" / "notes.txt").unlink()
    (out / "points" / "p000" / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match=r"also holds files cxsim did not write "
                                          r"\(points/p000/notes.txt;"):
        Sweep(queue, {"params": [AGENTS]}, reps=2, out=out, resume=True)
    assert (out / "points" / "p000" / "notes.txt").read_text() == "mine"
    with pytest.raises(OutputError, match="holds files that are not a cxsim result"):
        Sweep(queue, {"params": [AGENTS]}, reps=2, out=tmp_path, resume=True)


def test_the_command_prints_cost_against_service_and_the_front(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    grid = _grid_file(tmp_path, {"params": [AGENTS, PATIENCE]})
    status = main(["sweep", str(ONE_QUEUE), "--grid", str(grid), "--reps", "2", "--out",
                   str(tmp_path / "s"), *(a for s in SHORT for a in ("--set", s))])
    assert status == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[1].split() == ["point", "agents", "patience", "service_level", "front"]
    assert [line.split()[0] for line in lines[2:6]] == ["p000", "p001", "p002", "p003"]
    # The one queue has no costs and no orders: the best service level is the front.
    front = pd.read_csv(tmp_path / "s" / "front.csv")
    best = front.loc[front["service_level"].idxmax(), "point"]
    assert [line.split()[0] for line in lines[2:6] if line.endswith("*")] == [best]
    assert lines[-1] == f"results: {tmp_path / 's'}"
    assert sum("written" in line for line in err.splitlines()) == 4


@pytest.mark.parametrize("path", sorted((EXAMPLES / "grids").glob("*.yaml")), ids=lambda p: p.name)
def test_every_example_grid_holds_for_the_expansion_example(path: Path) -> None:
    from cxsim.sweep import load_grid, point_scenarios

    scenario = cxsim.load_scenario(EXAMPLES / "expansion_eu.yaml")
    grid = load_grid(path)
    assert len(point_scenarios(scenario, grid)) == len(grid.points) > 1
