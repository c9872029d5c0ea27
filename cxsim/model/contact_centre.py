"""The contact centre on simpy's event loop: queues, agents, teams and the router.

The hot path runs as callbacks on simpy events, not a process per contact: an arrival either
meets an idle skilled agent (longest idle first) or joins its queue, with one timer if the
customer may abandon; a finishing agent takes the next contact its team is skilled for (live
channels first, oldest first; then backlog work, nearest deadline first) or goes idle. A contact
is a small list ``[arrival minute, handle minutes, state, queue]``; an abandoned contact stays in
its queue as a dead entry and is dropped when it reaches the head.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Any

import simpy

from cxsim.model.events import call_in
from cxsim.model.metrics import QUEUE_MEASURES, TEAM_MEASURES, WAIT_BINS, wait_bin
from cxsim.scenario.models import Scenario, SyncChannel

__all__ = ["Agent", "ContactCentre", "Queue", "Team"]

WAITING, ANSWERED, ABANDONED = 0, 1, 2


class Queue:
    """Contacts of one region and channel waiting for an agent, with their statistics."""

    __slots__ = (
        "abandoned",
        "abandoned_in_target",
        "answered_at_once",
        "answered_in_target",
        "area",
        "channel",
        "counted_from",
        "handle_minutes",
        "handled",
        "histogram",
        "last",
        "n_waiting",
        "offered",
        "queue_minutes",
        "region",
        "sync",
        "target_minutes",
        "teams",
        "wait_minutes_abandoned",
        "wait_minutes_handled",
        "waiting",
        "waiting_at_end",
    )

    def __init__(
        self, region: str, channel: str, spec: Any, intervals: int, counted_from: float
    ) -> None:
        self.region = region
        self.channel = channel
        self.sync = isinstance(spec, SyncChannel)
        if self.sync:
            self.target_minutes = spec.target.answer_within_s / 60.0
        else:
            self.target_minutes = spec.target.respond_within_hours * 60.0
        self.teams: list[Team] = []
        self.waiting: deque[list[Any]] = deque()
        self.n_waiting = 0
        self.last = 0.0
        self.area = 0.0
        self.counted_from = counted_from
        self.histogram = [0] * WAIT_BINS
        # One value per interval for each of QUEUE_MEASURES.
        self.offered = [0.0] * intervals
        self.handled = [0.0] * intervals
        self.answered_at_once = [0.0] * intervals
        self.answered_in_target = [0.0] * intervals
        self.abandoned = [0.0] * intervals
        self.abandoned_in_target = [0.0] * intervals
        self.waiting_at_end = [0.0] * intervals
        self.wait_minutes_handled = [0.0] * intervals
        self.wait_minutes_abandoned = [0.0] * intervals
        self.handle_minutes = [0.0] * intervals
        self.queue_minutes = [0.0] * intervals

    def series(self) -> dict[str, list[float]]:
        return {measure: getattr(self, measure) for measure in QUEUE_MEASURES}


class Team:
    """Agents of one region with the same skills; idle agents wait in line, longest idle first."""

    __slots__ = (
        "async_queues",
        "available_minutes",
        "busy_area",
        "busy_minutes",
        "duty_area",
        "duty_last",
        "idle",
        "last",
        "n_busy",
        "n_on_duty",
        "name",
        "on_duty_minutes",
        "peak",
        "peak_on_duty",
        "region",
        "sync_queues",
    )

    def __init__(self, name: str, region: str, intervals: int) -> None:
        self.name = name
        self.region = region
        self.idle: deque[Agent] = deque()
        self.sync_queues: list[Queue] = []
        self.async_queues: list[Queue] = []
        self.n_busy = 0
        self.n_on_duty = 0
        self.last = 0.0
        self.busy_area = 0.0
        self.duty_last = 0.0
        self.duty_area = 0.0
        self.peak = 0
        # One value per interval for each of TEAM_MEASURES.
        self.on_duty_minutes = [0.0] * intervals
        self.available_minutes = [0.0] * intervals
        self.busy_minutes = [0.0] * intervals
        self.peak_on_duty = [0.0] * intervals

    def series(self) -> dict[str, list[float]]:
        return {measure: getattr(self, measure) for measure in TEAM_MEASURES}


class Agent:
    """One agent; handle times are divided by ``efficiency`` (1.0 for a fully trained agent)."""

    __slots__ = ("efficiency", "team")

    def __init__(self, team: Team, efficiency: float = 1.0) -> None:
        self.team = team
        self.efficiency = efficiency


class ContactCentre:
    """Routes contacts to agents and records what happens, interval by interval."""

    def __init__(self, env: simpy.Environment, scenario: Scenario) -> None:
        self.env = env
        self.interval = float(scenario.interval_minutes)
        self.intervals = math.ceil(scenario.horizon_minutes / self.interval)
        self.first_counted = math.ceil(scenario.warmup_minutes / self.interval - 1e-9)
        counted_from = self.first_counted * self.interval
        self.queues = {
            (region, channel): Queue(
                region, channel, scenario.channels[channel], self.intervals, counted_from
            )
            for region, channel in scenario.queues
        }
        self.teams: dict[str, Team] = {}
        for name, spec in scenario.teams.items():
            team = Team(name, spec.region, self.intervals)
            for channel in spec.channels:
                queue = self.queues[spec.region, channel]
                queue.teams.append(team)
                (team.sync_queues if queue.sync else team.async_queues).append(queue)
            self.teams[name] = team
            self.add_agents(team, spec.agents)
        self._abandon_callback = self._abandon
        self._finish_callback = self._finish

    # Agents coming on and off duty.

    def add_agents(self, team: Team, count: int) -> None:
        """Put ``count`` more agents of ``team`` on duty now; each takes waiting work or idles."""
        now = self.env.now
        team.duty_area += team.n_on_duty * (now - team.duty_last)
        team.duty_last = now
        for _ in range(count):
            team.n_on_duty += 1
            agent = Agent(team)
            team.busy_area += team.n_busy * (now - team.last)
            team.last = now
            team.n_busy += 1
            if not self._take_work(agent, now):
                team.n_busy -= 1
                team.idle.append(agent)
        team.peak = max(team.peak, team.n_on_duty)

    # The hot path.

    def arrive(self, queue: Queue, handle: float, patience: float | None) -> None:
        """A contact arrives at ``queue`` now."""
        env = self.env
        now = env._now  # the attribute behind env.now, read on every contact
        k = int(now // self.interval)
        queue.offered[k] += 1
        for team in queue.teams:
            if team.idle:
                agent = team.idle.popleft()
                # _record_answer for a wait of zero, inlined: most contacts take this path.
                queue.answered_at_once[k] += 1
                queue.handled[k] += 1
                queue.answered_in_target[k] += 1
                queue.handle_minutes[k] += handle
                if now >= queue.counted_from:
                    queue.histogram[0] += 1
                team.busy_area += team.n_busy * (now - team.last)
                team.last = now
                team.n_busy += 1
                call_in(env, handle / agent.efficiency, self._finish_callback, agent)
                return
        contact = [now, handle, WAITING, queue]
        queue.area += queue.n_waiting * (now - queue.last)
        queue.last = now
        queue.n_waiting += 1
        queue.waiting.append(contact)
        if patience is not None:
            call_in(env, patience, self._abandon_callback, contact)

    def _record_answer(self, queue: Queue, arrived: float, wait: float, handle: float) -> None:
        k = int(arrived // self.interval)
        queue.handled[k] += 1
        queue.wait_minutes_handled[k] += wait
        queue.handle_minutes[k] += handle
        if wait <= queue.target_minutes:
            queue.answered_in_target[k] += 1
        if arrived >= queue.counted_from:
            queue.histogram[wait_bin(wait)] += 1

    def _abandon(self, event: Any) -> None:
        contact = event._value
        if contact[2] != WAITING:
            return
        contact[2] = ABANDONED
        queue = contact[3]
        now = self.env._now
        queue.area += queue.n_waiting * (now - queue.last)
        queue.last = now
        queue.n_waiting -= 1
        k = int(contact[0] // self.interval)
        wait = now - contact[0]
        queue.abandoned[k] += 1
        queue.wait_minutes_abandoned[k] += wait
        if wait <= queue.target_minutes:
            queue.abandoned_in_target[k] += 1

    def _finish(self, event: Any) -> None:
        agent = event._value
        now = self.env._now
        if not self._take_work(agent, now):
            team = agent.team
            team.busy_area += team.n_busy * (now - team.last)
            team.last = now
            team.n_busy -= 1
            team.idle.append(agent)

    def _take_work(self, agent: Agent, now: float) -> bool:
        """Start the most urgent contact ``agent`` can take; False if there is none."""
        team = agent.team
        best: list[Any] | None = None
        for queue in team.sync_queues:
            waiting = queue.waiting
            while waiting and waiting[0][2] != WAITING:
                waiting.popleft()
            if waiting and (best is None or waiting[0][0] < best[0]):
                best = waiting[0]
        if best is None:
            deadline = math.inf
            for queue in team.async_queues:
                waiting = queue.waiting
                if waiting and waiting[0][0] + queue.target_minutes < deadline:
                    best = waiting[0]
                    deadline = best[0] + queue.target_minutes
            if best is None:
                return False
        queue = best[3]
        queue.waiting.popleft()
        best[2] = ANSWERED
        queue.area += queue.n_waiting * (now - queue.last)
        queue.last = now
        queue.n_waiting -= 1
        self._record_answer(queue, best[0], now - best[0], best[1])
        call_in(self.env, best[1] / agent.efficiency, self._finish_callback, agent)
        return True

    # Interval bookkeeping.

    def close_interval(self, k: int, now: float) -> None:
        """Store the time-weighted areas of interval ``k``, which ends now."""
        for queue in self.queues.values():
            queue.area += queue.n_waiting * (now - queue.last)
            queue.last = now
            queue.queue_minutes[k] = queue.area
            queue.area = 0.0
        for team in self.teams.values():
            team.busy_area += team.n_busy * (now - team.last)
            team.last = now
            team.duty_area += team.n_on_duty * (now - team.duty_last)
            team.duty_last = now
            team.busy_minutes[k] = team.busy_area
            team.on_duty_minutes[k] = team.duty_area
            team.available_minutes[k] = team.duty_area
            team.peak_on_duty[k] = team.peak
            team.busy_area = team.duty_area = 0.0
            team.peak = team.n_on_duty

    def close_run(self, now: float) -> None:
        """Close the last interval and count the contacts still waiting."""
        self.close_interval(self.intervals - 1, now)
        for queue in self.queues.values():
            for contact in queue.waiting:
                if contact[2] == WAITING:
                    queue.waiting_at_end[int(contact[0] // self.interval)] += 1
