"""The command line end to end: exit codes, what is written, and what is never half-written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import cxsim
from cxsim.cli import COMMANDS, main
from cxsim.cli.plan import PLANNERS
from cxsim.results import SUMMARY_COLUMNS
from tests.support import ROOT, cxsim_command

ONE_QUEUE = ROOT / "scenarios" / "one_queue.yaml"
SHORT = ["--set", "horizon_days=2", "--set", "warmup_days=0.5"]


def test_run_writes_summary_and_tables(tmp_path: Path) -> None:
    out = tmp_path / "result"
    done = cxsim_command("run", ONE_QUEUE, "--reps", "3", "--seed", "4", *SHORT, "--out", out)
    assert done.returncode == 0, done.stderr
    assert f"results: {out}" in done.stdout
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.columns) == SUMMARY_COLUMNS
    assert set(summary["scope"]) == {"contacts", "staffing", "cost"}
    assert (out / "hiring.csv").exists()
    assert (summary["reps"] == 3).all()
    for kpi in ("offered", "handled", "abandoned", "wait_prob", "service_level", "asa_s",
                "abandon_rate", "wait_p90_s", "occupancy"):
        row = summary[(summary["kpi"] == kpi) & (summary["region"] == "us")]
        assert not row.empty, kpi
        assert (row["ci_low"] <= row["mean"]).all() and (row["mean"] <= row["ci_high"]).all()
    for table in ("runs", "contacts_by_interval", "contacts_by_day", "teams_by_interval",
                  "teams_by_day"):
        assert not pd.read_parquet(out / f"{table}.parquet").empty
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_default_output_directory_is_named_after_the_scenario(tmp_path: Path) -> None:
    done = cxsim_command("run", ONE_QUEUE, "--reps", "2", *SHORT, "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "results" / "one_queue" / "summary.csv").exists()


def test_set_overrides_change_the_run(tmp_path: Path) -> None:
    done = cxsim_command("run", ONE_QUEUE, "--reps", "2", *SHORT, "--set",
                         "teams.us_agents.agents=40", "--out", tmp_path / "r")
    assert done.returncode == 0, done.stderr
    summary = pd.read_csv(tmp_path / "r" / "summary.csv")
    peak = summary.query("kpi == 'agents_peak' and region == 'us'")["mean"].iloc[0]
    assert peak == 40


@pytest.mark.parametrize(
    "command",
    [[], *[[module.NAME] for module in COMMANDS], *[["plan", kind] for kind in PLANNERS]],
    ids=lambda command: " ".join(command) or "cxsim",
)
def test_every_help_the_readme_points_to_prints_and_exits_0(command: list[str]) -> None:
    """``cxsim --help`` lists every command with its one-line help (argparse reads those as
    %-formats: "95% interval" once made it raise); each command and plan kind has its own."""
    done = cxsim_command(*command, "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"usage: {' '.join(['cxsim', *command])}")
    listed = ([module.HELP for module in COMMANDS] if not command
              else [PLANNERS[kind].help for kind in PLANNERS] if command == ["plan"] else [])
    words = " ".join(done.stdout.split())  # the listing wraps lines
    for line in listed:
        assert line in words


def test_one_replication_is_shown_without_an_interval_and_says_so(tmp_path: Path) -> None:
    done = cxsim_command("run", ONE_QUEUE, "--reps", "1", "--set", "horizon_days=1", "--set",
                         "warmup_days=0.25", "--out", tmp_path / "r", "--no-report")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == (
        "One replication: values without an interval (--reps 2 or more gives each its 95% "
        "confidence interval):")


def test_validate_reports_a_valid_scenario() -> None:
    done = cxsim_command("validate", ONE_QUEUE)
    assert done.returncode == 0
    assert "valid" in done.stdout and "one queue" in done.stdout


def test_bad_scenario_exits_2_with_one_line_per_problem_and_writes_nothing(
    tmp_path: Path,
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(ONE_QUEUE.read_text().replace("agents: 30", "agents: -3")
                   .replace("per_hour: 300", "per_hour: lots"))
    out = tmp_path / "out"
    done = cxsim_command("run", bad, "--out", out)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert ("contact_volume.0.per_hour: 'lots' is not a number (a number from 0 to 40,000)"
            in done.stderr)
    assert ("teams.us_agents.agents: -3 is too small (a whole number from 0 to 100,000)"
            in done.stderr)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [bad]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "missing.yaml"], "file: not found (a path to a .yaml file)"),
        (["run", ONE_QUEUE, "--reps", "0"], "0 is too small (a whole number >= 1)"),
        (["run", ONE_QUEUE, "--workers", "two"], "'two' is not a whole number"),
        (["run", ONE_QUEUE, "--set", "teams.us_agnts.agents=3"], "did you mean 'us_agents'?"),
        (["validate", ONE_QUEUE, "--set", "horizon_days"], "is not path=value"),
    ],
)
def test_bad_command_lines_exit_2_without_traceback(
    tmp_path: Path, args: list[str | Path], message: str
) -> None:
    done = cxsim_command(*args, cwd=tmp_path)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_failed_run_leaves_an_earlier_result_untouched(tmp_path: Path) -> None:
    out = tmp_path / "result"
    assert main(["run", str(ONE_QUEUE), "--reps", "2", *SHORT, "--out", str(out),
                 "--quiet"]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    assert main(["run", str(bad), "--out", str(out)]) == 2
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_an_interrupted_save_keeps_the_earlier_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "result"
    assert main(["run", str(ONE_QUEUE), "--reps", "2", *SHORT, "--out", str(out),
                 "--quiet"]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    calls = {"n": 0}
    original = pd.DataFrame.to_parquet

    def interrupted(self: pd.DataFrame, *args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", interrupted)
    assert main(["run", str(ONE_QUEUE), "--reps", "2", *SHORT, "--set",
                 "teams.us_agents.agents=31", "--out", str(out), "--quiet"]) == 130
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result"]


def test_set_can_add_an_optional_part_the_file_leaves_out(tmp_path: Path) -> None:
    # one_queue.yaml has no bot; --set creates channels.phone.bot for validation to judge.
    done = cxsim_command("run", ONE_QUEUE, "--reps", "2", *SHORT, "--set",
                  "channels.phone.bot.deflect_share=0.5", "--out", tmp_path / "r", "--quiet")
    assert done.returncode == 0, done.stderr
    summary = pd.read_csv(tmp_path / "r" / "summary.csv")
    rows = summary[(summary["region"] == "us") & (summary["channel"] == "phone")]
    deflected = rows.loc[rows["kpi"] == "deflected", "mean"].iloc[0]
    offered = rows.loc[rows["kpi"] == "offered", "mean"].iloc[0]
    # Half of the arrivals are deflected: deflected / (deflected + offered) is about 0.5.
    share = deflected / (deflected + offered)
    assert abs(share - 0.5) < 4 * (0.25 / (deflected + offered)) ** 0.5
    bad = cxsim_command("validate", ONE_QUEUE, "--set", "channels.phone.bott.deflect_share=0.5")
    assert bad.returncode == 2
    assert "channels.phone.bott: unknown field (did you mean 'bot'?" in bad.stderr


def test_a_reader_that_stops_early_ends_the_command_quietly(tmp_path: Path) -> None:
    # cxsim run ... | head -1: the pipe closes before the summary is printed.
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "cxsim", "run", str(ONE_QUEUE), "--reps", "2", *SHORT, "--out",
         str(tmp_path / "r")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    error = process.stderr.read().decode()
    assert process.wait(timeout=300) == 141
    assert "Traceback" not in error and "BrokenPipe" not in error
    assert (tmp_path / "r" / "summary.csv").exists()  # the results were written first


def test_a_run_too_large_to_finish_is_refused_before_it_starts(tmp_path: Path) -> None:
    # 40,000 calls an hour for ten years: about 3.5 billion events a replication.
    out = tmp_path / "r"
    done = cxsim_command("run", ONE_QUEUE, "--set", "contact_volume.0.per_hour=40000", "--set",
                         "horizon_days=3650", "--set", "teams.us_agents.agents=4000",
                         "--out", out)
    assert done.returncode == 2
    assert done.stderr.startswith("cxsim: one queue: too large to run: a replication has about ")
    assert "running" not in done.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_a_long_run_is_announced_with_its_estimate(capsys: pytest.CaptureFixture[str]) -> None:
    from cxsim.cli.common import check_size

    # Ten years of the expansion example: about ten minutes of CPU a replication or more.
    scenario = cxsim.load_scenario(ROOT / "scenarios" / "expansion_eu.yaml",
                                   ["horizon_days=3650"])
    check_size(scenario, reps=3, quiet=False)
    error = capsys.readouterr().err
    assert error.startswith("cxsim: note: a replication takes about ")
    check_size(scenario, reps=3, quiet=True)
    assert capsys.readouterr().err == ""
