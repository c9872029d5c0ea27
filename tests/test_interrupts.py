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
        [sys.executable, "-m", "cxsim", "run", str(EXAMPLES / "two_regions.yaml"), *LONG,
         "--out", str(out)],
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
