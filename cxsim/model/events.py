"""Callbacks on simpy's event loop at the least cost per event; the one home of simpy internals.

cxsim schedules plain callbacks, not processes: a ``Call`` is the least a simpy ``Environment``
needs of an event (``callbacks`` and ``_ok``), pushed straight onto the environment's queue as
``Environment.schedule`` does, without the bookkeeping of a ``simpy.Timeout`` that a callback
never uses. Calls interleave with ordinary simpy events by (time, priority, insertion order),
exactly as ``Environment.schedule`` orders them, and ``Environment.step`` runs them.

``run`` drives the loop to the horizon and merges in a ``Feed``: arrivals known a day ahead, in
time order (contacts of the forecast, orders). An arrival is handed over directly when it comes
before the next event, so it costs no trip through the event queue; an event and an arrival at
the same instant: the event first.

This module reads simpy's private attributes (``Environment._queue``, ``_eid``, ``_now``, the
queue's ``(time, priority, id, event)`` entries, ``Event._ok``); nothing else in cxsim does.
``tests/test_events.py`` fails, naming what changed, if a simpy release changes them; the simpy
versions they were checked on are bounded in ``pyproject.toml``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from heapq import heappop, heappush
from typing import Any, Protocol

import simpy
from simpy.events import NORMAL

__all__ = ["Arrival", "Call", "Feed", "call_at", "call_in", "now", "run", "scheduler"]

Callback = Callable[["Call"], None]
# An arrival handed over by a feed: ``deliver(*args)``.
Arrival = tuple[Callable[..., None], tuple[Any, ...]]


class Call:
    """An event that runs one callback when simpy reaches it.

    Attributes:
        value: what the callback needs (a contact, an agent...).
        when: the clock minute the call is due: the time now when the callback runs.
    """

    __slots__ = ("callbacks", "value", "when")
    _ok = True  # simpy: the event succeeded (a failed one would crash the loop)

    def __init__(self, callback: Callback, value: Any, when: float) -> None:
        self.callbacks: tuple[Callback] | None = (callback,)
        self.value = value
        self.when = when


def call_at(env: simpy.Environment, when: float, callback: Callback, value: Any = None) -> None:
    """Run ``callback(call)`` at clock minute ``when`` (not before now)."""
    queue: list[Any] = env._queue
    heappush(queue, (when, NORMAL, next(env._eid), Call(callback, value, when)))


def call_in(env: simpy.Environment, delay: float, callback: Callback, value: Any = None) -> None:
    """Run ``callback(call)`` ``delay`` (>= 0) minutes from now."""
    queue: list[Any] = env._queue
    when = env._now + delay
    heappush(queue, (when, NORMAL, next(env._eid), Call(callback, value, when)))


def scheduler(env: simpy.Environment) -> Callable[[float, Callback, Any], None]:
    """``call_at`` for one environment, bound once: ``at(when, callback, value)``.

    For callers that schedule on every contact: the environment's queue and id counter are
    looked up once, not on every call.
    """
    queue: list[Any] = env._queue
    eid = env._eid

    def at(when: float, callback: Callback, value: Any) -> None:
        heappush(queue, (when, NORMAL, next(eid), Call(callback, value, when)))

    return at


def now(env: simpy.Environment) -> float:
    """The clock time of ``env``, read without the property call of ``env.now``."""
    return float(env._now)


class Feed(Protocol):
    """Arrivals known in advance, handed out a day at a time in time order."""

    def next_day(self) -> tuple[Sequence[float], Sequence[Arrival]] | None:
        """The next day with arrivals: (times, rows), or None when there are no more.

        ``times`` are clock minutes in increasing order; ``rows[i]`` is ``(deliver, args)``:
        the arrival at ``times[i]`` is ``deliver(*args)``.
        """
        ...


def run(env: simpy.Environment, until: float, feed: Feed | None = None) -> None:
    """Process events, and the arrivals of ``feed``, in time order up to ``until``.

    Like ``env.run(until=until)``: what is due at ``until`` or later is left, and the clock
    ends at ``until``. A failed simpy event stops the run with its exception, as in simpy.
    """
    queue: list[Any] = env._queue
    times: Sequence[float] = ()
    rows: Sequence[Arrival] = ()
    count = i = 0
    arrival = math.inf
    if feed is not None and (day := feed.next_day()) is not None:
        times, rows = day
        count = len(times)
        arrival = times[0]
    while True:
        if queue and queue[0][0] <= arrival:
            when = queue[0][0]
            if when >= until:
                break
            event = heappop(queue)[3]
            env._now = when
            callbacks, event.callbacks = event.callbacks, None
            for callback in callbacks:
                callback(event)
            if not event._ok and not hasattr(event, "_defused"):
                raise event._value
            continue
        if arrival >= until:
            break
        env._now = arrival
        deliver, args = rows[i]
        deliver(*args)
        i += 1
        if i == count:
            day = feed.next_day() if feed is not None else None
            if day is None:
                arrival = math.inf
                continue
            times, rows = day
            count, i = len(times), 0
        arrival = times[i]
    env._now = until
