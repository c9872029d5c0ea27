"""``cxsim plan staffing`` end to end: every example with contacts is planned through the command
line on a short horizon, the plan directory holds the tables and a planned.yaml that validates
and that ``cxsim run`` reproduces, and bad input exits with status 2 having written nothing."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import cxsim
from tests.support import EXAMPLES, cxsim_command

PLANNABLE = [path for path in sorted(EXAMPLES.glob("*.yaml"))
             if (lambda s: bool(s.contact_volume or s.order_contacts))(cxsim.load_scenario(path))]
PLAN_FILES = {"staffing.csv", "roster.csv", "hiring_plan.csv", "headcount.csv", "iterations.csv",
              "verification.csv", "planned.yaml", "summary.csv", "targets.csv", "run.json",
              "report.html"}


def _short(path: Path) -> list[str]:
    full = cxsim.load_scenario(path)
    days = min(full.horizon_days, 2)
    return ["--set", f"horizon_days={days}", "--set", f"warmup_days={min(full.warmup_days, 1)}"]


def test_the_examples_with_contacts_are_planned() -> None:
    assert {p.name for p in PLANNABLE} == {"one_queue.yaml", "two_regions.yaml",
                                           "retail_week.yaml", "expansion_eu.yaml"}


@pytest.mark.parametrize("path", PLANNABLE, ids=lambda p: p.name)
def test_staffing_plan_of_example_through_the_command_line(path: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan"
    done = cxsim_command("plan", "staffing", path, "--reps", "2", "--seed", "1",
                         "--iterations", "2", *_short(path), "--out", out)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-2:] == [f"report: {out / 'report.html'}", f"plan: {out}"]
    assert "Staffing plan per team" in done.stdout and "Verification with seed 2" in done.stdout
    assert "iteration 1: " in done.stderr and "rosters: " in done.stderr
    assert {p.name for p in out.iterdir()} >= PLAN_FILES
    planned = cxsim.load_scenario(out / "planned.yaml")
    staffing = pd.read_csv(out / "staffing.csv")
    assert set(staffing["team"]) <= set(planned.teams)
    for team in set(staffing["team"]):
        assert planned.teams[team].roster is not None and planned.teams[team].shifts is None
    # Every interval's need is rostered (generated shifts cover every hour a team works).
    assert (staffing["rostered"] + 1e-9 >= staffing["required_on_duty"]).all()
    verification = pd.read_csv(out / "verification.csv", keep_default_na=False, na_values=[""])
    contacts = verification[verification["scope"] == "contacts"]
    assert contacts["intervals_met_share"].between(0, 1).all()


def test_cxsim_run_of_planned_yaml_reproduces_the_verification(tmp_path: Path) -> None:
    out = tmp_path / "plan"
    done = cxsim_command("plan", "staffing", EXAMPLES / "one_queue.yaml", "--reps", "2",
                         "--seed", "4", "--set", "horizon_days=1", "--set", "warmup_days=0.25",
                         "--out", out, "--quiet")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"plan: {out}\n" and done.stderr == ""
    again = cxsim_command("run", out / "planned.yaml", "--reps", "2", "--seed", "5", "--out",
                          tmp_path / "again", "--quiet")
    assert again.returncode == 0, again.stderr
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "again" / "summary.csv"),
                                  pd.read_csv(out / "summary.csv"))


@pytest.mark.parametrize(("args", "line"), [
    (["--set", "interval_minutes=20"],
     "cxsim: interval_minutes: 20 is not a whole number of quarter hours (planning staffing "
     "needs intervals that shifts can start and end on: 15, 30, 60, ...)"),
    (["--set", "interval_minutes=480"],
     "cxsim: interval_minutes: 480 intervals do not start at local midnight in region us "
     "(America/New_York); a staffing plan rosters shifts on local days (there: 15, 30, 60)"),
    (["--iterations", "0"],
     "cxsim plan staffing: argument --iterations: 0 is too small (a whole number >= 1)"),
    (["--set", "teams.us_agents.agents=-1"], f"cxsim: {EXAMPLES / 'one_queue.yaml'}: 1 problem"),
])
def test_bad_input_exits_with_status_2_and_writes_nothing(
    args: list[str], line: str, tmp_path: Path
) -> None:
    out = tmp_path / "plan"
    done = cxsim_command("plan", "staffing", EXAMPLES / "one_queue.yaml", *args, "--out", out)
    assert done.returncode == 2
    assert done.stderr.splitlines()[0].startswith(line)
    assert not out.exists()


def test_a_plan_where_no_contact_arrives_keeps_the_teams_as_they_are(tmp_path: Path) -> None:
    out = tmp_path / "plan"
    done = cxsim_command("plan", "staffing", EXAMPLES / "one_queue.yaml", "--reps", "2",
                         "--set", "horizon_days=2", "--set", "contact_volume.0.per_hour=0",
                         "--out", out)
    assert done.returncode == 0, done.stderr
    assert "team us_agents: no queue of its own region with contacts to plan" in done.stdout
    assert pd.read_csv(out / "staffing.csv").empty  # its columns, no rows
    planned = cxsim.load_scenario(out / "planned.yaml")
    assert planned.teams == cxsim.load_scenario(EXAMPLES / "one_queue.yaml").teams
    assert (out / "report.html").is_file()


def test_an_unknown_kind_of_plan_exits_with_status_2(tmp_path: Path) -> None:
    done = cxsim_command("plan", "staffnig", EXAMPLES / "one_queue.yaml")
    assert done.returncode == 2
    assert "invalid choice: 'staffnig'" in done.stderr
