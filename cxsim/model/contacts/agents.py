"""Agents and teams: who is on duty, who is free, and how busy they are.

An agent holds either one contact of a channel without concurrency, or up to ``concurrency``
contacts of one concurrent channel (chat). Its load counts as ``contacts held / capacity`` of
busy time, so c agents carrying up to k chats each are busy as k x c servers would be.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from cxsim.model.metrics import TEAM_MEASURES, interval_counter

if TYPE_CHECKING:
    from cxsim.model.contacts.contact import Contact
    from cxsim.model.contacts.queue import Queue

__all__ = ["Agent", "Team"]


class Agent:
    """One agent on duty; handle times are divided by ``efficiency`` (1.0 when fully trained)."""

    __slots__ = (
        "capacity", "channel", "chats", "efficiency", "employee", "leaving", "load", "since",
        "team", "version", "virtual",
    )

    def __init__(self, team: Team, employee: int, efficiency: float = 1.0) -> None:
        self.team = team
        self.employee = employee
        self.efficiency = efficiency
        self.load = 0
        # Contacts the agent can hold now: 1, or the concurrency of the channel it is on.
        self.capacity = 1
        # The concurrent channel the agent is carrying contacts of, if any.
        self.channel: str | None = None
        # Off duty as soon as the contacts in hand are done.
        self.leaving = False
        # Chats in hand on a channel with slowdown; when their speed last changed, the work done
        # on each chat since the agent came on duty, and the version of the pending chat end.
        self.chats: list[Contact] = []
        self.since = 0.0
        self.virtual = 0.0
        self.version = 0


class Team:
    """Agents of one team, with the queues they serve in routing order.

    ``rows``: its rows of the run's ``interval_block``, one per measure of ``TEAM_MEASURES``
    (in that order), one value per reporting interval.
    """

    __slots__ = (
        "agents",
        "async_queues",
        "available_minutes",
        "busy",
        "busy_area",
        "busy_minutes",
        "duty_area",
        "duty_last",
        "headcount",
        "headcount_series",
        "idle",
        "last",
        "name",
        "on_duty_minutes",
        "overflow_async",
        "overflow_sync",
        "partial",
        "peak",
        "peak_on_duty",
        "present_area",
        "queues_waiting",
        "region",
        "rows",
        "scheduled",
        "sync_queues",
    )

    def __init__(self, name: str, region: str, rows: NDArray[np.float64]) -> None:
        self.name = name
        self.region = region
        self.agents: dict[int, Agent] = {}
        self.idle: deque[Agent] = deque()
        # Agents carrying some contacts of a concurrent channel, with room for more.
        self.partial: dict[str, deque[Agent]] = {}
        # Live queues as (priority, queue), backlog queues, and other regions' queues this team
        # helps after a wait: (queue, minutes).
        self.sync_queues: list[tuple[int, Queue]] = []
        self.async_queues: list[Queue] = []
        self.overflow_sync: list[tuple[Queue, float]] = []
        self.overflow_async: list[tuple[Queue, float]] = []
        # How many of the queues this team takes have contacts waiting (so that a free agent
        # skips a team with nothing to do at once).
        self.queues_waiting = 0
        self.busy = 0.0
        self.last = 0.0
        self.busy_area = 0.0
        self.scheduled = 0
        self.headcount = 0
        self.duty_last = 0.0
        self.duty_area = 0.0
        self.present_area = 0.0
        self.peak = 0
        # One value per interval for each of TEAM_MEASURES, in rows of the run's block.
        self.rows = rows
        (self.on_duty_minutes, self.available_minutes, self.busy_minutes, self.peak_on_duty,
         self.headcount_series) = (interval_counter(row) for row in rows)

    def add_busy(self, now: float, change: float) -> None:
        """Account busy agent-time up to now, then change the busy amount."""
        self.busy_area += self.busy * (now - self.last)
        self.last = now
        self.busy += change

    def account_duty(self, now: float) -> None:
        """Account scheduled and present agent-time up to now."""
        elapsed = now - self.duty_last
        self.duty_area += self.scheduled * elapsed
        self.present_area += len(self.agents) * elapsed
        self.duty_last = now

    def close_interval(self, k: int, now: float) -> None:
        """Store the time-weighted measures of interval ``k``, which ends now."""
        self.add_busy(now, 0.0)
        self.account_duty(now)
        self.busy_minutes[k] = self.busy_area
        self.on_duty_minutes[k] = self.duty_area
        self.available_minutes[k] = self.present_area
        self.peak_on_duty[k] = self.peak
        self.headcount_series[k] = self.headcount
        self.busy_area = self.duty_area = self.present_area = 0.0
        self.peak = self.scheduled

    def series(self) -> dict[str, NDArray[np.float64] | NDArray[np.int64]]:
        """Every measure of ``TEAM_MEASURES``, one value per interval (at the end of a run); the
        most agents on duty and the headcount are whole numbers."""
        whole = ("peak_on_duty", "headcount")
        return {measure: row.astype(np.int64) if measure in whole else row
                for measure, row in zip(TEAM_MEASURES, self.rows, strict=True)}

    def free_agent(self, queue: Queue) -> Agent | None:
        """An agent who can take a contact of ``queue`` now, taken out of the free lines."""
        if self.idle:
            return self.idle.popleft()
        if queue.concurrency > 1:
            line = self.partial.get(queue.channel)
            while line:
                agent = line[0]
                if agent.leaving or agent.channel != queue.channel or agent.load >= agent.capacity:
                    line.popleft()  # a stale entry: the agent filled up, moved on or left
                    continue
                if agent.load + 1 >= agent.capacity:
                    line.popleft()
                return agent
        return None

