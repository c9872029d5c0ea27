"""Callbacks on simpy's event loop at the least cost per event; the one home of simpy internals.

cxsim schedules plain callbacks, not processes, in two ways:

- ``call_at`` and ``call_in`` push a ``Call``, the least a simpy ``Environment`` needs of an
  event (``callbacks`` and ``_ok``), straight onto the environment's queue as
  ``Environment.schedule`` does, without the bookkeeping of a ``simpy.Timeout`` that a callback
  never uses; ``Environment.step`` runs them too. The callback gets the call.
- ``scheduler(env)`` gives ``at(when, callback, value)`` for what happens on every contact: the
  queue entry holds the callback and its value themselves, no event object, and the callback
  gets ``(value, now)``. Only ``run`` runs these.

Both interleave with ordinary simpy events by (time, priority, insertion order), exactly as
``Environment.schedule`` orders them.

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

import gc
import math
from collections.abc import Callable, Sequence
from heapq import heappop, heappush
from typing import Any, Protocol

import simpy
from simpy.core import StopSimulation
from simpy.events import NORMAL, URGENT

__all__ = ["Arrival", "Call", "Feed", "call_at", "call_in", "now", "run", "scheduler"]

Callback = Callable[["Call"], None]
# A callback scheduled with ``scheduler``: called with (value, now).
At = Callable[[Any, float], None]
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


def call_at(
    env: simpy.Environment, when: float, callback: Callback, value: Any = None, *,
    urgent: bool = False,
) -> None:
    """Run ``callback(call)`` at clock minute ``when`` (not before now); ``urgent``: before
    every other event due then (that is not urgent too)."""
    queue: list[Any] = env._queue
    heappush(queue, (when, URGENT if urgent else NORMAL, next(env._eid),
                     Call(callback, value, when)))


def call_in(env: simpy.Environment, delay: float, callback: Callback, value: Any = None) -> None:
    """Run ``callback(call)`` ``delay`` (>= 0) minutes from now."""
    queue: list[Any] = env._queue
    when = env._now + delay
    heappush(queue, (when, NORMAL, next(env._eid), Call(callback, value, when)))


def scheduler(env: simpy.Environment) -> Callable[[float, At, Any], None]:
    """``at(when, callback, value)``: ``run`` calls ``callback(value, when)`` at clock minute
    ``when`` (not before now).

    For what is scheduled on every contact: the entry on the environment's queue is
    ``(when, priority, id, callback, value)``, one tuple and no event object; the queue orders it
    by its first three, as it orders simpy's own ``(when, priority, id, event)``. ``run`` tells
    the two apart; ``Environment.step`` cannot run such an entry.
    """
    queue: list[Any] = env._queue
    eid = env._eid

    def at(when: float, callback: At, value: Any) -> None:
        heappush(queue, (when, NORMAL, next(eid), callback, value))

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

    Python's cyclic garbage collector is paused meanwhile (and restored after): the loop makes
    several short-lived objects per event (calls, contacts, queue entries), all freed by
    reference counting, and the collector's passes over them would find nothing to free while
    costing about a fifth of the run.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        _loop(env, until, feed)
    finally:
        if collecting:
            gc.enable()


def _stop(_value: Any, _now: float) -> None:
    raise StopSimulation  # simpy's own signal for the end of a run

def _loop(env: simpy.Environment, until: float, feed: Feed | None) -> None:
    queue: list[Any] = env._queue
    # The horizon is an entry of its own, urgent as simpy's own ``until`` event: what is due at
    # the horizon or later is left, and the queue is never empty before it.
    heappush(queue, (until, URGENT, next(env._eid), _stop, None))
    times: Sequence[float] = ()
    rows: Sequence[Arrival] = ()
    count = i = 0
    arrival = math.inf
    if feed is not None and (day := feed.next_day()) is not None:
        times, rows = day
        count = len(times)
        arrival = times[0]
    try:
        while True:
            if queue[0][0] <= arrival:  # an event first (and at the same time as an arrival)
                entry = heappop(queue)
                try:
                    when, _, _, callback, value = entry  # a scheduler's entry
                except ValueError:
                    env._now = entry[0]
                    _process(entry[3])  # a simpy event, or a Call
                    continue
                env._now = when
                callback(value, when)
                continue
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
    except StopSimulation:
        env._now = until


def _process(event: Any) -> None:
    """Run a simpy event's callbacks as ``Environment.step`` does."""
    callbacks, event.callbacks = event.callbacks, None
    for callback in callbacks:
        callback(event)
    if not event._ok and not hasattr(event, "_defused"):
        raise event._value
