"""The event loop, and the simpy internals it relies on (cxsim.model.events is their one home).

If a simpy release changes what these tests check, they fail with a message naming what changed:
bound simpy's versions in pyproject.toml, or adapt cxsim.model.events.
"""

from __future__ import annotations

import gc
from collections.abc import Generator, Sequence
from typing import Any

import pytest
import simpy
from simpy.core import StopSimulation
from simpy.events import NORMAL, URGENT

from cxsim.model import events
from cxsim.model.events import Arrival, Call, call_at, call_in, run, scheduler

RELIED_ON = "cxsim.model.events relies on it; bound simpy in pyproject.toml or adapt that module"


def test_simpy_environment_keeps_the_attributes_cxsim_reads() -> None:
    env = simpy.Environment(initial_time=2.5)
    assert getattr(env, "_now", None) == 2.5, f"Environment._now changed ({RELIED_ON})"
    queue = getattr(env, "_queue", None)
    assert isinstance(queue, list) and queue == [], f"Environment._queue changed ({RELIED_ON})"
    eid = getattr(env, "_eid", None)
    assert eid is not None and hasattr(eid, "__next__"), (
        f"Environment._eid is no longer a counter ({RELIED_ON})")
    first, second = next(eid), next(eid)
    assert isinstance(first, int) and second > first, (
        f"Environment._eid no longer counts up ({RELIED_ON})")
    assert (NORMAL, URGENT) == (1, 0), f"simpy's event priorities changed ({RELIED_ON})"
    assert issubclass(StopSimulation, Exception), f"simpy's StopSimulation changed ({RELIED_ON})"


def test_simpy_queue_entries_are_time_priority_id_event() -> None:
    env = simpy.Environment()
    timeout = env.timeout(5.0, value="v")
    (entry,) = env._queue
    assert isinstance(entry, tuple) and len(entry) == 4, (
        f"simpy's queue entries are no longer (time, priority, id, event) ({RELIED_ON})")
    when, priority, eid, event = entry
    assert (when, priority, event) == (5.0, NORMAL, timeout), (
        f"simpy's queue entries are no longer (time, priority, id, event) ({RELIED_ON})")
    assert isinstance(eid, int)


def test_a_call_runs_in_simpy_step_like_any_event_and_in_insertion_order() -> None:
    env = simpy.Environment()
    seen: list[tuple[str, float, Any]] = []
    env.timeout(3.0).callbacks.append(lambda event: seen.append(("timeout", env.now, None)))
    call_at(env, 3.0, lambda call: seen.append(("call", env.now, (call.value, call.when))), "v")
    call_in(env, 1.0, lambda call: seen.append(("in", env.now, (call.value, call.when))))
    env.step()
    env.step()
    env.step()
    assert seen == [("in", 1.0, (None, 1.0)), ("timeout", 3.0, None), ("call", 3.0, ("v", 3.0))], (
        f"Environment.step no longer runs a pushed Call as an event ({RELIED_ON})")
    assert events.now(env) == 3.0


class _Feed:
    """Arrivals of the given days, as ``events.Feed``."""

    def __init__(self, days: Sequence[tuple[list[float], list[Arrival]]]) -> None:
        self._days = list(days)

    def next_day(self) -> tuple[list[float], list[Arrival]] | None:
        return self._days.pop(0) if self._days else None


def test_run_takes_events_and_arrivals_in_time_order_and_stops_at_the_horizon() -> None:
    env = simpy.Environment()
    at = scheduler(env)
    seen: list[tuple[str, float]] = []

    def note(name: str) -> Any:
        return lambda *_: seen.append((name, env.now))

    def process(env: simpy.Environment) -> Generator[simpy.Event, Any, None]:
        yield env.timeout(2.0)
        seen.append(("process", env.now))

    env.process(process(env))
    at(4.0, lambda value, now: seen.append((value, now)), "at")
    call_at(env, 4.0, note("call"))  # same time: after the entry pushed before it
    at(10.0, note("at the horizon"), None)  # due at the horizon: left, as env.run(until) does
    call_at(env, 12.0, note("after the horizon"))

    def arrival(name: str) -> Arrival:
        return (lambda: seen.append((name, env.now)), ())

    feed = _Feed([([1.0, 4.0], [arrival("arrival 1"), arrival("arrival 4")]),
                  ([9.0, 11.0], [arrival("arrival 9"), arrival("arrival 11")])])
    run(env, 10.0, feed)
    # An arrival at the same time as an event comes after it.
    assert seen == [("arrival 1", 1.0), ("process", 2.0), ("at", 4.0), ("call", 4.0),
                    ("arrival 4", 4.0), ("arrival 9", 9.0)]
    assert env.now == 10.0
    assert len(env._queue) == 2  # what is due at or after the horizon is still there


def test_run_raises_what_a_failed_simpy_event_raised() -> None:
    env = simpy.Environment()

    def broken(env: simpy.Environment) -> Generator[simpy.Event, Any, None]:
        yield env.timeout(1.0)
        raise ValueError("broken process")

    env.process(broken(env))
    with pytest.raises(ValueError, match="broken process"):
        run(env, 5.0)


def test_run_pauses_the_cyclic_garbage_collector_and_restores_it() -> None:
    env = simpy.Environment()
    during: list[bool] = []
    call_at(env, 1.0, lambda call: during.append(gc.isenabled()))
    assert gc.isenabled()
    run(env, 2.0)
    assert during == [False] and gc.isenabled()


def test_call_keeps_what_the_callback_needs() -> None:
    call = Call(print, "value", 7.5)
    assert (call.value, call.when, call.callbacks, call._ok) == ("value", 7.5, (print,), True)
