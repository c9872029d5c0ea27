"""Executors: results in task order whatever runs them (this process, local processes, a Dask
cluster); a worker that dies is replaced and its tasks run again; an error in a task reaches the
caller and stops the workers; Dask is asked for only when wanted, with a clear message when it
is missing or no scheduler answers."""

from __future__ import annotations

import os
import signal
import socket
import sys
from pathlib import Path

import pytest

from cxsim.cli import main
from cxsim.executors import (
    ClusterError,
    DaskExecutor,
    ProcessExecutor,
    SerialExecutor,
    WorkerLostError,
    executor_for,
)
from tests.support import EXAMPLES


def square_after_a_while(value: int) -> tuple[int, int]:
    # Later tasks finish first, so that the order results come back in is tested.
    total = sum(range((10 - value) * 20_000))
    return value * value, total * 0 + os.getpid()


def die_once(marker: str) -> str:
    """Kills its own worker the first time it runs (as the out-of-memory killer would)."""
    path = Path(marker)
    if not path.exists():
        path.write_text("died once")
        os.kill(os.getpid(), signal.SIGKILL)
    return "done"


def always_die(_: int) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def fail(value: int) -> int:
    if value == 2:
        raise ValueError(f"task {value} failed")
    return value


def test_results_come_back_in_task_order_from_every_executor(
    dask_cluster: DaskExecutor,
) -> None:
    tasks = list(range(8))
    finished: list[int] = []
    on_cluster: list[int] = []
    serial = SerialExecutor().map(square_after_a_while, tasks)
    with ProcessExecutor(2) as pool:
        parallel = pool.map(square_after_a_while, tasks, lambda i, _: finished.append(i))
    clustered = dask_cluster.map(square_after_a_while, tasks, lambda i, _: on_cluster.append(i))
    for results in (serial, parallel, clustered):
        assert [value for value, _ in results] == [t * t for t in tasks]
    assert sorted(finished) == tasks and sorted(on_cluster) == tasks
    # Two worker processes of their own did the work on the cluster.
    assert len({pid for _, pid in clustered}) == 2
    assert os.getpid() not in {pid for _, pid in clustered}


def test_run_each_hands_over_results_as_they_finish_and_keeps_none() -> None:
    seen: dict[int, int] = {}
    with ProcessExecutor(2) as pool:
        returned = pool.run_each(square_after_a_while, list(range(6)),
                                 lambda i, result: seen.__setitem__(i, result[0]))
    assert returned is None
    assert seen == {i: i * i for i in range(6)}


def test_a_process_executor_keeps_its_workers_between_calls() -> None:
    with ProcessExecutor(1) as pool:
        first = {pid for _, pid in pool.map(square_after_a_while, [1, 2])}
        second = {pid for _, pid in pool.map(square_after_a_while, [3])}
    assert first == second


def test_a_worker_that_dies_has_its_tasks_run_again(tmp_path: Path) -> None:
    markers = [str(tmp_path / f"task{i}") for i in range(3)]
    with ProcessExecutor(2) as pool:
        assert pool.map(die_once, markers) == ["done"] * 3


def test_a_task_that_always_kills_its_worker_is_given_up_on() -> None:
    with ProcessExecutor(1) as pool, pytest.raises(WorkerLostError, match="died 4 times"):
        pool.map(always_die, [1])


def test_a_dask_worker_that_dies_has_its_tasks_run_again_and_is_replaced(
    tmp_path: Path, dask_cluster: DaskExecutor,
) -> None:
    markers = [str(tmp_path / f"task{i}") for i in range(3)]
    assert dask_cluster.map(die_once, markers) == ["done"] * 3
    # Its workers were killed three times between them, and the cluster carries on.
    assert all(Path(marker).exists() for marker in markers)
    assert dask_cluster.map(fail, [1, 3]) == [1, 3]


def test_a_task_that_always_kills_its_dask_worker_is_given_up_on(
    dask_cluster: DaskExecutor,
) -> None:
    with pytest.raises(WorkerLostError, match="workers died again and again while running 1"):
        dask_cluster.map(always_die, [1])
    # The nannies bring the workers back; the next batch waits for them.
    assert dask_cluster.map(fail, [5]) == [5]


def test_an_error_in_a_task_reaches_the_caller_from_every_executor(
    dask_cluster: DaskExecutor,
) -> None:
    with pytest.raises(ValueError, match="task 2 failed"):
        SerialExecutor().map(fail, [1, 2, 3])
    pool = ProcessExecutor(2)
    with pytest.raises(ValueError, match="task 2 failed"):
        pool.map(fail, [1, 2, 3])
    assert pool._pool is None  # the workers were stopped with it
    pool.close()
    with pytest.raises(ValueError, match="task 2 failed"):
        dask_cluster.map(fail, [1, 2, 3])


def test_executor_for_picks_this_process_for_one_worker() -> None:
    assert isinstance(executor_for(1), SerialExecutor)
    assert isinstance(executor_for(3), ProcessExecutor)
    with pytest.raises(ValueError, match=r"workers\(=0\) must be a whole number >= 1"):
        executor_for(0)


def test_a_missing_dask_is_one_line_saying_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    # As on a machine without the cluster extra: importing distributed fails.
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ClusterError, match=r'not installed \(pip install "cxsim\[cluster\]"\)'):
        DaskExecutor("local").start()
    status = main(["run", str(EXAMPLES / "one_queue.yaml"), "--dask", "local", "--out",
                   str(tmp_path / "r")])
    assert status == 2
    assert capsys.readouterr().err.splitlines() == [
        'cxsim: --dask: Dask distributed is not installed (pip install "cxsim[cluster]")']
    assert list(tmp_path.iterdir()) == []


def test_cxsim_imports_dask_only_when_asked() -> None:
    import subprocess

    code = ("import sys, cxsim, cxsim.cli, cxsim.executors; "
            "print('distributed' in sys.modules, 'dask' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.split() == ["False", "False"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(("args", "line"), [
    (["--dask", "local:bad"],
     "cxsim: --dask: 'local:bad' is not a scheduler address (tcp://host:port, or local; tls, "
     "ws and ucx are not supported)"),
    (["--dask", "tls://127.0.0.1:1"],  # once a traceback (tls wants certificates)
     "cxsim: --dask: 'tls://127.0.0.1:1' is not a scheduler address (tcp://host:port, or "
     "local; tls, ws and ucx are not supported)"),
    (["--dask", "tcp://127.0.0.1:8786", "--workers", "2"],
     "cxsim: --workers: a running scheduler has the workers it has (--workers sets the size of "
     "--dask local only)"),
])
def test_bad_dask_options_are_one_line_and_exit_2(
    args: list[str], line: str, capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    assert main(["run", str(EXAMPLES / "one_queue.yaml"), *args, "--out",
                 str(tmp_path / "r")]) == 2
    assert capsys.readouterr().err.splitlines() == [line]
    assert list(tmp_path.iterdir()) == []


def test_no_scheduler_at_the_address_is_found_before_anything_runs(tmp_path: Path) -> None:
    address = f"tcp://127.0.0.1:{_free_port()}"  # nothing listens there
    with pytest.raises(ClusterError, match=f"no Dask scheduler answers at '{address}'"):
        DaskExecutor(address, timeout_s=1).start()
