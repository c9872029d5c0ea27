"""Executors: results in task order whatever runs them; a worker that dies is replaced and its
tasks run again; an error in a task reaches the caller and stops the workers."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from cxsim.executors import (
    ProcessExecutor,
    SerialExecutor,
    WorkerLostError,
    executor_for,
)


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


def test_results_come_back_in_task_order_from_every_executor() -> None:
    tasks = list(range(8))
    finished: list[int] = []
    serial = SerialExecutor().map(square_after_a_while, tasks)
    with ProcessExecutor(2) as pool:
        parallel = pool.map(square_after_a_while, tasks, lambda i, _: finished.append(i))
    assert [value for value, _ in serial] == [t * t for t in tasks]
    assert [value for value, _ in parallel] == [t * t for t in tasks]
    assert sorted(finished) == tasks


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
    with ProcessExecutor(1) as pool, pytest.raises(WorkerLostError, match="died 3 times"):
        pool.map(always_die, [1])


def test_an_error_in_a_task_reaches_the_caller_from_every_executor() -> None:
    with pytest.raises(ValueError, match="task 2 failed"):
        SerialExecutor().map(fail, [1, 2, 3])
    pool = ProcessExecutor(2)
    with pytest.raises(ValueError, match="task 2 failed"):
        pool.map(fail, [1, 2, 3])
    assert pool._pool is None  # the workers were stopped with it
    pool.close()


def test_executor_for_picks_this_process_for_one_worker() -> None:
    assert isinstance(executor_for(1), SerialExecutor)
    assert isinstance(executor_for(3), ProcessExecutor)
    with pytest.raises(ValueError, match=r"workers\(=0\) must be a whole number >= 1"):
        executor_for(0)
