"""Where independent tasks run: in this process, or in local worker processes.

Replications, sweep points and planner iterations are all lists of independent tasks: a
picklable module-level function applied to each of a list of arguments. An ``Executor`` runs
them and returns the results in the order of the tasks, whichever finishes first, so that the
tables are identical with any executor and any number of workers.

``ProcessExecutor`` keeps its worker processes between calls (a planner submits many small
batches), resubmits the tasks of a worker that died, and on an interrupt (Ctrl-C, SIGTERM, or
any exception in the caller) stops every worker at once: workers ignore SIGINT, so that only
this process reports it, and each worker exits by itself when this process dies, so that none
is left computing.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType
from typing import Any, TypeVar

__all__ = ["Executor", "ProcessExecutor", "SerialExecutor", "WorkerLostError", "executor_for"]

T = TypeVar("T")
R = TypeVar("R")

# How many times the tasks of a worker that died are submitted again before giving up: a task
# that kills its worker every time (say by exhausting memory) must not loop forever.
MAX_RESUBMITS = 2


class WorkerLostError(RuntimeError):
    """A worker process died while running tasks, again after every resubmission."""


class Executor(ABC):
    """Runs a function on each of a list of arguments; results come back in task order.

    Use as a context manager (or call ``close``) to release what it holds.
    """

    workers: int = 1

    @abstractmethod
    def map(
        self,
        function: Callable[[T], R],
        tasks: Sequence[T],
        on_done: Callable[[int, R], None] | None = None,
    ) -> list[R]:
        """``[function(task) for task in tasks]``, run where the executor runs things.

        Args:
            function: a module-level function (worker processes import it by name).
            tasks: its arguments, one task each; each must pickle.
            on_done: called in this process with (task index, result) as each task finishes,
                in the order they finish.
        """

    def close(self) -> None:  # noqa: B027 (nothing to release by default)
        """Release workers; the executor cannot be used afterwards."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


class SerialExecutor(Executor):
    """Runs every task in this process, one after the other."""

    def map(
        self,
        function: Callable[[T], R],
        tasks: Sequence[T],
        on_done: Callable[[int, R], None] | None = None,
    ) -> list[R]:
        results = []
        for index, task in enumerate(tasks):
            result = function(task)
            results.append(result)
            if on_done is not None:
                on_done(index, result)
        return results


def _watch_parent(sentinel: int) -> None:
    """Exit this worker as soon as the process that started it is gone (even by SIGKILL)."""
    from multiprocessing.connection import wait as wait_for

    wait_for([sentinel])
    os._exit(1)


def _start_worker() -> None:
    # Ctrl-C reaches the whole process group: the parent alone reports it and stops workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_watch_parent, args=(parent.sentinel,), daemon=True).start()


class ProcessExecutor(Executor):
    """Runs tasks in ``workers`` local processes (started fresh: the spawn method).

    Args:
        workers: number of worker processes (>= 1); they start on first use.
    """

    def __init__(self, workers: int) -> None:
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError(f"workers(={workers!r}) must be a whole number >= 1")
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def _start(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn: a fresh interpreter per worker; forking a process that holds threads
            # (pyarrow's) is unsafe, and the start method is chosen here, not set globally.
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
            )
        return self._pool

    def map(
        self,
        function: Callable[[T], R],
        tasks: Sequence[T],
        on_done: Callable[[int, R], None] | None = None,
    ) -> list[R]:
        results: dict[int, R] = {}
        pending = list(range(len(tasks)))
        resubmits = 0
        try:
            while pending:
                pool = self._start()
                futures: dict[Future[R], int] = {
                    pool.submit(function, tasks[i]): i for i in pending
                }
                try:
                    while futures:
                        done, _ = wait(futures, return_when=FIRST_COMPLETED)
                        for future in done:
                            index = futures.pop(future)
                            results[index] = future.result()
                            if on_done is not None:
                                on_done(index, results[index])
                except BrokenProcessPool:
                    # A worker died (killed, or out of memory): start new workers and submit
                    # again what had not finished.
                    self._stop()
                    resubmits += 1
                    if resubmits > MAX_RESUBMITS:
                        raise WorkerLostError(
                            f"a worker process died {resubmits} times while running "
                            f"{len(tasks) - len(results)} unfinished task(s)"
                        ) from None
                pending = [i for i in range(len(tasks)) if i not in results]
        except BaseException:
            self._stop()
            raise
        return [results[i] for i in range(len(tasks))]

    def _stop(self) -> None:
        """Stop every worker now, without waiting for the tasks they run."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        # Python 3.14 kills the workers itself; before it, the pool's process table is the
        # only handle on them (shutdown alone waits for the tasks in hand to finish).
        processes: dict[int, Any] = dict(getattr(pool, "_processes", None) or {})
        kill = getattr(pool, "kill_workers", None)
        if kill is not None:
            kill()
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes.values():
            if process.is_alive():
                process.kill()
        for process in processes.values():
            process.join(timeout=5)

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def executor_for(workers: int = 1) -> Executor:
    """The executor for ``workers`` local processes: this process itself when 1."""
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers(={workers!r}) must be a whole number >= 1")
    return SerialExecutor() if workers == 1 else ProcessExecutor(workers)
