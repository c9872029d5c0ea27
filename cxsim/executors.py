"""Where independent tasks run: in this process, in local worker processes, or on a Dask cluster.

Replications, sweep points and planner iterations are all lists of independent tasks: a
picklable module-level function applied to each of a list of arguments. An ``Executor`` runs
them and returns the results in the order of the tasks, whichever finishes first, so that the
tables are identical with any executor and any number of workers. ``run_each`` hands each
result over as it finishes and keeps none, for callers (a sweep) that write results as they
come and must not hold them all.

``ProcessExecutor`` keeps its worker processes between calls (a planner submits many small
batches), resubmits the tasks of a worker that died, and on an interrupt (Ctrl-C, SIGTERM, or
any exception in the caller) stops every worker at once: workers ignore SIGINT, so that only
this process reports it, and each worker exits by itself when this process dies, so that none
is left computing.

``DaskExecutor`` runs tasks on a Dask cluster: a running scheduler at an address, or a
``LocalCluster`` it starts on this machine and closes. Dask distributed is an optional extra
(``pip install "cxsim[cluster]"``), imported only here and only when a cluster is asked for.
The scheduler runs again the tasks of a worker that died (up to its allowed failures, 3 by
default); tasks whose results were lost with the connection are submitted again.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import re
import signal
import threading
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, CancelledError, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from types import ModuleType, TracebackType
from typing import Any, TypeVar

__all__ = [
    "CLUSTER_INSTALL",
    "ClusterError",
    "DaskExecutor",
    "Executor",
    "ProcessExecutor",
    "SerialExecutor",
    "WorkerLostError",
    "executor_for",
]

T = TypeVar("T")
R = TypeVar("R")

# How many times the tasks of a worker that died are submitted again before giving up: a task
# that kills its worker every time (say by exhausting memory) must not loop forever. Dask's
# scheduler allows as many failures by default. When a pool breaks, every unfinished task is
# submitted again, so three tasks that each kill their worker once may take three rounds.
MAX_RESUBMITS = 3


# What a planner types to get Dask: the optional extra.
CLUSTER_INSTALL = 'pip install "cxsim[cluster]"'


class WorkerLostError(RuntimeError):
    """A worker process died while running tasks, again after every resubmission."""


class ClusterError(RuntimeError):
    """A Dask cluster that cannot be used: Dask is not installed, no scheduler answers at the
    address, or its workers run another cxsim. The message is one line saying what to do."""


def _check_workers(workers: int) -> None:
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers(={workers!r}) must be a whole number >= 1")


class Executor(ABC):
    """Runs a function on each of a list of arguments; results come back in task order.

    Use as a context manager (or call ``close``) to release what it holds.
    """

    workers: int = 1

    @abstractmethod
    def run_each(
        self,
        function: Callable[[T], R],
        tasks: Sequence[T],
        on_done: Callable[[int, R], None],
    ) -> None:
        """Run ``function`` on every task and hand each result to ``on_done`` as it finishes.

        Keeps no result: what ``on_done`` does not keep is released at once.

        Args:
            function: a module-level function (worker processes import it by name).
            tasks: its arguments, one task each; each must pickle.
            on_done: called in this process with (task index, result) as each task finishes,
                in the order they finish. An exception it raises stops every task.
        """

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
        results: dict[int, R] = {}

        def keep(index: int, result: R) -> None:
            results[index] = result
            if on_done is not None:
                on_done(index, result)

        self.run_each(function, tasks, keep)
        return [results[i] for i in range(len(tasks))]

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

    def run_each(
        self,
        function: Callable[[T], R],
        tasks: Sequence[T],
        on_done: Callable[[int, R], None],
    ) -> None:
        for index, task in enumerate(tasks):
            on_done(index, function(task))


def _watch_parent(sentinel: int) -> None:
    """Exit this worker as soon as the process that started it is gone (even by SIGKILL)."""
    from multiprocessing.connection import wait as wait_for

    wait_for([sentinel])
    os._exit(1)


@contextlib.contextmanager
def _sigint_held() -> Iterator[None]:
    """Hold SIGINT back in this thread while worker processes start. A spawned worker inherits
    the blocked signal, so a Ctrl-C that reaches it while it is still importing, before
    ``_start_worker`` ignores SIGINT, cannot end it with a traceback; the signal reaches this
    process as soon as the block ends (it is held, never lost)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


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
        _check_workers(workers)
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

    def run_each(
        self,
        function: Callable[[T], R],
        tasks: Sequence[T],
        on_done: Callable[[int, R], None],
    ) -> None:
        finished: set[int] = set()
        pending = list(range(len(tasks)))
        resubmits = 0
        try:
            while pending:
                pool = self._start()
                # Submitting starts the worker processes; they are born with Ctrl-C held back.
                with _sigint_held():
                    futures: dict[Future[R], int] = {
                        pool.submit(function, tasks[i]): i for i in pending
                    }
                try:
                    while futures:
                        done, _ = wait(futures, return_when=FIRST_COMPLETED)
                        for future in done:
                            index = futures.pop(future)
                            result = future.result()
                            finished.add(index)
                            on_done(index, result)
                except BrokenProcessPool:
                    # A worker died (killed, or out of memory): start new workers and submit
                    # again what had not finished.
                    self._stop()
                    resubmits += 1
                    if resubmits > MAX_RESUBMITS:
                        raise WorkerLostError(
                            f"a worker process died {resubmits} times while running "
                            f"{len(tasks) - len(finished)} unfinished task(s)"
                        ) from None
                pending = [i for i in range(len(tasks)) if i not in finished]
        except BaseException:
            self._stop()
            raise

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


# A scheduler's address as cxsim connects to it: tcp (the protocol optional), a host and a
# port. Dask's tls, ws and ucx need security settings or packages cxsim does not take.
_ADDRESS = re.compile(r"^(?:tcp://)?(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.\-]+):[0-9]{1,5}$")


def _distributed() -> ModuleType:
    """The ``distributed`` package, or ClusterError saying how to install it."""
    try:
        import distributed
    except ImportError:
        raise ClusterError(f"Dask distributed is not installed ({CLUSTER_INSTALL})") from None
    return distributed


def dask_setup(worker: object) -> None:
    """Dask calls this in each worker process of a local cluster as it starts (a preload):
    Ctrl-C reaches the whole process group, and only this process reports it and closes the
    cluster, as with local worker processes."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _cxsim_version() -> str:
    """The cxsim a worker runs (called on every worker of a cluster)."""
    from cxsim import __version__

    return __version__


class DaskExecutor(Executor):
    """Runs tasks on a Dask cluster, one task per worker thread.

    Args:
        address: a running scheduler (``tcp://host:8786``, or ``host:8786``), or ``local``
            to start a ``LocalCluster`` of worker processes on this machine (closed by
            ``close``).
        workers: processes of the local cluster (default: this machine's cores); a running
            scheduler has the workers it has.
        timeout_s: how long to wait for the scheduler to answer, seconds.

    Connects on ``start()`` or first use; ``ClusterError`` (one line) if it cannot.
    """

    def __init__(
        self, address: str = "local", workers: int | None = None, timeout_s: float = 10
    ) -> None:
        if address != "local" and not _ADDRESS.match(address):
            raise ValueError(f"'{address[:80]}' is not a scheduler address "
                             "(tcp://host:port, or local; tls, ws and ucx are not supported)")
        self.local = address == "local"
        if workers is not None:
            _check_workers(workers)
            if not self.local:
                raise ValueError("workers sets the size of a local cluster only (a running "
                                 "scheduler has the workers it has)")
        self.address = address
        self.workers = workers if workers is not None else (os.cpu_count() or 1)
        self.timeout_s = timeout_s
        self.dashboard: str | None = None
        self._client: Any = None
        self._cluster: Any = None

    def start(self) -> DaskExecutor:
        """Connect to the scheduler (start the local cluster); returns the executor."""
        if self._client is not None:
            return self
        distributed = _distributed()
        if self.local:
            # One single-threaded process per worker: the simulation is pure Python, and a
            # process per core is what makes it parallel. No dashboard: a second cluster on
            # the machine would fight for its port. Failures reach the caller as exceptions,
            # so the cluster's own log stays quiet.
            self._cluster = distributed.LocalCluster(
                n_workers=self.workers, threads_per_worker=1, processes=True,
                dashboard_address=None, silence_logs=logging.CRITICAL,
                preload=[__name__],  # dask_setup below, in every worker it starts
            )
            self._client = distributed.Client(self._cluster, set_as_default=False)
            return self
        try:
            self._client = distributed.Client(self.address, timeout=self.timeout_s,
                                              set_as_default=False)
        except (OSError, TimeoutError, ValueError) as error:
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise ClusterError(f"no Dask scheduler answers at '{self.address}' "
                               f"({reason[:120]})") from None
        self.dashboard = self._client.dashboard_link
        self.workers = max(1, len(self._client.scheduler_info().get("workers", {})))
        self._check_versions()
        return self

    def _check_versions(self) -> None:
        """Refuse workers that run another cxsim (or none): tables would differ."""
        from cxsim import __version__

        try:
            versions = self._client.run(_cxsim_version)
        except Exception as error:  # a worker that cannot import cxsim fails here
            self.close()
            raise ClusterError(f"the workers at '{self.address}' cannot run cxsim "
                               f"({type(error).__name__}; install cxsim {__version__} on "
                               "every worker)") from None
        other = sorted({v for v in versions.values() if v != __version__})
        if other:
            self.close()
            raise ClusterError(f"the workers at '{self.address}' run cxsim {', '.join(other)}, "
                               f"this is {__version__} (the same cxsim on every worker)")

    def run_each(
        self,
        function: Callable[[T], R],
        tasks: Sequence[T],
        on_done: Callable[[int, R], None],
    ) -> None:
        self.start()
        distributed = _distributed()
        client = self._client
        name = getattr(function, "__name__", "task")
        finished: set[int] = set()
        resubmits = 0
        futures: dict[Any, int] = {}
        try:
            while len(finished) < len(tasks):
                batch = uuid.uuid4().hex[:8]
                futures = {
                    client.submit(function, tasks[i], key=f"{name}-{batch}-{i}"): i
                    for i in range(len(tasks)) if i not in finished
                }
                try:
                    for future in distributed.as_completed(list(futures), loop=client.loop):
                        index = futures.pop(future)
                        result = future.result()
                        future.release()
                        finished.add(index)
                        on_done(index, result)
                except CancelledError:
                    # The scheduler lost the results (a restart, a dropped connection): submit
                    # again what had not finished.
                    resubmits += 1
                    if resubmits > MAX_RESUBMITS:
                        raise WorkerLostError(
                            f"the cluster lost {len(tasks) - len(finished)} unfinished task(s) "
                            f"{resubmits} times") from None
        except Exception as error:
            # A task failed: forget the others (the workers stay up for the next call).
            self._cancel(list(futures))
            if isinstance(error, distributed.KilledWorker):
                # The scheduler gave up on a task after its allowed failures (Dask's
                # ``distributed.scheduler.allowed-failures``, 3 by default).
                raise WorkerLostError(f"workers died again and again while running "
                                      f"{len(tasks) - len(finished)} unfinished task(s)") from None
            raise
        except BaseException:
            # An interrupt: a local cluster is closed at once, its workers killed; a remote
            # scheduler forgets the tasks.
            if self.local:
                self.close()
            else:
                self._cancel(list(futures))
            raise

    def _cancel(self, futures: list[Any]) -> None:
        if self._client is None:
            return
        try:
            self._client.cancel(futures, force=True)
        except Exception:  # the connection may be what failed
            self.close()

    def close(self) -> None:
        client, cluster = self._client, self._cluster
        self._client = self._cluster = None
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()


def executor_for(workers: int = 1) -> Executor:
    """The executor for ``workers`` local processes: this process itself when 1."""
    _check_workers(workers)
    return SerialExecutor() if workers == 1 else ProcessExecutor(workers)
