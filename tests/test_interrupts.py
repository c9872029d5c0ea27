"""Ctrl-C or SIGTERM stops a run promptly: every worker stops, one line is printed and no
traceback, the exit status is 130 or 143, and no partial result is left; when the run itself is
killed outright, its workers stop by themselves."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import EXAMPLES, ROOT

LONG = ["--set", "horizon_days=1500", "--reps", "4", "--workers", "2"]

# cxsim keeps SIGINT ignored when it starts with SIGINT ignored (as POSIX asks of a program run
# in the background by a non-interactive shell); a test runner started that way would hand the
# ignored SIGINT down and Ctrl-C could not be tested. So cxsim is started through this
# trampoline, which makes Ctrl-C live again as in a terminal, then becomes cxsim itself.
CTRL_C_LIVE = [
    sys.executable, "-c",
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT}); "
    "os.execv(sys.argv[1], sys.argv[1:])",
    sys.executable, "-m", "cxsim",
]


def _group(pgid: int) -> list[int]:
    """The processes of process group ``pgid`` that have not exited (zombies excluded)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry.name))
    return members


def _start(out: Path) -> subprocess.Popen[str]:
    """A long run with two workers, once its workers are computing."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [*CTRL_C_LIVE, "run", str(EXAMPLES / "two_regions.yaml"), *LONG, "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        start_new_session=True,
    )
    assert process.stderr is not None
    assert "cxsim: running" in process.stderr.readline()
    deadline = time.monotonic() + 60
    while len(_group(process.pid)) < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(2)  # the workers import cxsim and start simulating
    assert len(_group(process.pid)) >= 3, "the workers never started"
    return process


def _gone(pgid: int, within_s: float) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if not _group(pgid):
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize(("how", "status", "word"), [
    ("ctrl-c", 130, "interrupted"),       # SIGINT to the whole process group, as a terminal
    ("sigint", 130, "interrupted"),       # SIGINT to the run alone
    ("sigterm", 143, "terminated"),       # SIGTERM to the run alone, as a scheduler stops it
])
def test_an_interrupted_run_stops_every_worker_and_writes_nothing(
    tmp_path: Path, how: str, status: int, word: str
) -> None:
    out = tmp_path / "result"
    process = _start(out)
    asked = time.monotonic()
    if how == "ctrl-c":
        os.killpg(process.pid, signal.SIGINT)
    else:
        process.send_signal(signal.SIGINT if how == "sigint" else signal.SIGTERM)
    _, error = process.communicate(timeout=60)
    assert process.returncode == status
    assert time.monotonic() - asked < 15
    assert "Traceback" not in error and "Error" not in error
    assert [line for line in error.splitlines() if line.strip().startswith("cxsim:")] == [
        f"cxsim: {word}; no results written"]
    assert _gone(process.pid, 10), "a worker is still running"
    assert list(tmp_path.iterdir()) == []


def test_workers_stop_by_themselves_when_the_run_is_killed(tmp_path: Path) -> None:
    process = _start(tmp_path / "result")
    process.kill()
    process.wait(timeout=10)
    assert _gone(process.pid, 15), "a worker outlived the run"


# -- sweeps: finished points survive any stop ----------------------------------------------

# Two quick points, then two slow ones: a stop while the slow ones run finds two finished.
SWEEP_GRID = {"params": [{"zip": [
    {"path": "teams.us_agents.agents", "values": [29, 30, 31, 32], "name": "agents"},
    {"path": "horizon_days", "values": [1, 1, 40, 40], "name": "days"}]}]}


def _sweep_command(grid: Path, out: Path, *extra: str) -> list[str]:
    return [*CTRL_C_LIVE, "sweep", str(EXAMPLES / "one_queue.yaml"), "--grid",
            str(grid), "--reps", "2", "--seed", "3", "--set", "warmup_days=0.25", "--out",
            str(out), *extra]


def _start_sweep(grid: Path, out: Path, *extra: str) -> subprocess.Popen[str]:
    """A sweep, once its first two points are written."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(_sweep_command(grid, out, *extra), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=env,
                               start_new_session=True)
    deadline = time.monotonic() + 120
    while not (out / "points" / "p001").exists() and time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    assert (out / "points" / "p001").exists(), "the first points never came"
    return process


def _snapshot(folder: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every file below ``folder``: its inode, modification time and contents."""
    return {str(p.relative_to(folder)): (p.stat().st_ino, p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_killed_sweep_resumes_to_the_same_tables_without_touching_finished_points(
    tmp_path: Path,
) -> None:
    import pandas as pd
    import yaml

    grid = tmp_path / "grid.yaml"
    grid.write_text(yaml.safe_dump(SWEEP_GRID))
    out = tmp_path / "killed"
    process = _start_sweep(grid, out)
    os.killpg(process.pid, signal.SIGKILL)  # no chance to tidy up
    process.wait(timeout=10)
    finished = sorted(p.name for p in (out / "points").iterdir() if not p.name.startswith("."))
    assert finished[:2] == ["p000", "p001"] and "p003" not in finished
    kept = {name: _snapshot(out / "points" / name) for name in finished}

    done = subprocess.run(_sweep_command(grid, out, "--resume"), capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=600,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert f"({len(finished)} already done)" in done.stderr
    written = [line.split()[1] for line in done.stderr.splitlines() if " written " in line]
    assert sorted(written) == [f"p{i:03d}" for i in range(len(finished), 4)]
    for name, files in kept.items():
        assert _snapshot(out / "points" / name) == files, f"point {name} was touched"
    assert not [p for p in out.rglob(".*")], "a half-written point was left behind"

    whole = tmp_path / "whole"
    again = subprocess.run(_sweep_command(grid, whole, "--quiet"), capture_output=True,
                           text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=600,
                           check=False)
    assert again.returncode == 0, again.stderr
    for table in ("summary.csv", "front.csv", "points.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(out / table), pd.read_csv(whole / table))
    pd.testing.assert_frame_equal(pd.read_parquet(out / "runs.parquet"),
                                  pd.read_parquet(whole / "runs.parquet"))


@pytest.mark.parametrize("executor", [["--workers", "2"], ["--dask", "local", "--workers", "2"]],
                         ids=["processes", "dask"])
def test_ctrl_c_stops_a_sweep_and_says_which_points_it_kept(
    tmp_path: Path, executor: list[str],
) -> None:
    import yaml

    grid = tmp_path / "grid.yaml"
    grid.write_text(yaml.safe_dump(SWEEP_GRID))
    out = tmp_path / "sweep"
    process = _start_sweep(grid, out, *executor)
    asked = time.monotonic()
    os.killpg(process.pid, signal.SIGINT)
    _, error = process.communicate(timeout=60)
    assert process.returncode == 130
    assert time.monotonic() - asked < 20
    assert "Traceback" not in error and "Error" not in error
    kept = len([p for p in (out / "points").iterdir() if not p.name.startswith(".")])
    assert [line for line in error.splitlines() if line.startswith("cxsim:")][-1] == (
        f"cxsim: interrupted; {kept} of 4 points kept in '{out}' (--resume finishes the sweep)")
    assert _gone(process.pid, 15), "a worker is still running"
