"""Routing: contacts meet idle skilled agents, and what happens to those left waiting.

The hot path runs as callbacks on the event loop, not a process per contact. A contact arriving
at a queue may be resolved by a bot; otherwise it goes to a free agent of the queue's home teams
(longest idle first; chat agents carry several contacts) or waits, with a timer if the customer
may abandon, may chase an unanswered message, or may be helped by another region after a wait.
A free agent takes the most urgent contact among its skills: live channels first (by the
team's priority, then oldest), then backlog work by nearest deadline; other regions' contacts
once they have waited the team's overflow delay.

Messages that may be chased wait in a chase line per queue and segment (their chase times
come in arrival order there): one timer stands for the line's first contact still waiting, so a
message answered before its chase time costs no event.

The router asks ``Customers`` what customers do (the channel of a contact, whether and when they
come back) and schedules it. Measures are counted on the queues, by the interval a contact
arrived in. Contacts come in through ``cxsim.model.contacts.intake``.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping

import simpy

from cxsim.model.contacts import chats
from cxsim.model.contacts.agents import Agent
from cxsim.model.contacts.contact import (
    ABANDONED,
    ANSWERED,
    FOLLOW_UP,
    RETRY,
    WAITING,
    Contact,
)
from cxsim.model.contacts.customers import Customers
from cxsim.model.contacts.queue import Queue
from cxsim.model.draws import Draws
from cxsim.model.events import scheduler
from cxsim.scenario.common import MINUTES_PER_DAY

__all__ = ["Router"]

_NEVER = math.inf


class Router:
    """Matches contacts with agents and counts what happens to them.

    Args:
        env: the simpy environment.
        queues: every queue by (region, channel, language), its teams linked.
        customers: what customers do.
        interval: reporting interval, minutes.
        bot_draw: uniform draws of the bots' decisions.
    """

    def __init__(
        self,
        env: simpy.Environment,
        queues: Mapping[tuple[str, str, str], Queue],
        customers: Customers,
        interval: float,
        bot_draw: Draws,
    ) -> None:
        self.queues = queues
        self.customers = customers
        self.interval = interval
        self._at = scheduler(env)
        self._bot_draw = bot_draw
        self._resolution = customers.resolution
        self._chase_after = customers.chase_after
        self._chasers = any(after is not None for after in self._chase_after)
        self._chase_lines: dict[tuple[Queue, int], _ChaseLine] = {}
        # Bound once: reading self._finish makes a new bound method every time.
        self._finish_callback = self._finish
        self._abandon_callback = self._abandon

    # Contacts arriving.

    def arrive(self, contact: Contact) -> None:
        """A contact made now reaches its queue: counted by reason, then offered."""
        queue = contact.queue
        queue.reason_days[contact.reason][int(contact.arrived // MINUTES_PER_DAY)] += 1
        self.offer(contact)

    def offer(self, contact: Contact) -> None:
        """``contact`` reaches its queue as it arrives: a bot may resolve it; else an agent
        answers at once or it waits."""
        queue = contact.queue
        if queue.bot_shares is not None and self._deflected(queue, contact):
            return
        now = contact.arrived
        for team in queue.teams:
            if team.idle:
                agent = team.idle.popleft()
                self._start(agent, contact, now, 0.0)
                if queue.concurrency > 1 and agent.load < agent.capacity:
                    team.partial[queue.channel].append(agent)
                return
            if queue.concurrency > 1:
                sharing = team.free_agent(queue)
                if sharing is not None:
                    self._start(sharing, contact, now, 0.0)
                    return
        queue.set_state(contact, WAITING, now)
        patience = queue.patience[contact.segment]
        if queue.lazy:
            contact.deadline = _NEVER if patience is None else now + patience.next()
        elif patience is not None:
            self._at(now + patience.next(), self._abandon_callback, contact)
        if queue.overflow:
            self._at(now + queue.overflow[0][1], self._overflow, contact)
        if self._chasers and not queue.sync:
            after = self._chase_after[contact.segment]
            if after is not None:
                self._wait_for_chase(queue, contact, now, after)

    def _deflected(self, queue: Queue, contact: Contact) -> bool:
        """Whether the queue's bot resolves ``contact`` (a share of those still ask for an
        agent: escalated)."""
        assert queue.bot_shares is not None
        share = queue.bot_shares[contact.reason]
        if not share or self._bot_draw.next() >= share:
            return False
        if queue.bot_escalate and self._bot_draw.next() < queue.bot_escalate:
            queue.escalated[contact.interval] += 1
            return False
        queue.deflected[contact.interval] += 1
        return True

    # Agents at work.

    def _start(self, agent: Agent, contact: Contact, now: float, wait: float) -> None:
        """``agent`` answers ``contact`` now, after ``wait`` minutes in the queue."""
        queue = contact.queue
        k = contact.interval
        if wait:  # noted, counted in bulk (at once: what is left of those offered, at the end)
            queue.answers_after_wait += (k, wait)
        handle = contact.handle
        queue.handle_minutes[k] += handle
        team = agent.team
        # Busy agent-time so far, then the new load (a share of capacity on a concurrent channel).
        team.busy_area += team.busy * (now - team.last)
        team.last = now
        contact.agent = agent
        if queue.concurrency == 1:  # a free agent of such a queue has capacity 1
            team.busy += 1.0
        else:
            if agent.load == 0:
                agent.capacity = queue.concurrency
                agent.channel = queue.channel
            team.busy += 1.0 / agent.capacity
            if queue.slowdown:
                chats.add(agent, contact, handle, now, queue.slowdown)
                agent.load += 1
                self._next_chat_end(agent, now, queue.slowdown)
                return
        agent.load += 1
        self._at(now + handle / agent.efficiency, self._finish_callback, contact)

    def _next_chat_end(self, agent: Agent, now: float, slowdown: float) -> None:
        delay = chats.next_end(agent, slowdown)
        if delay is not None:
            self._at(now + delay, self._finish_chat, (agent, agent.version))

    def _finish_chat(self, value: tuple[Agent, int], now: float) -> None:
        agent, version = value
        contact = chats.finished(agent, version, now)
        if contact is not None:
            self._next_chat_end(agent, now, contact.queue.slowdown)
            self._finish(contact, now)

    def _finish(self, contact: Contact, now: float) -> None:
        """An agent has finished ``contact``: a follow-up perhaps, then the agent's next work."""
        if self._resolution[contact.reason] < 1.0:
            delay = self.customers.follow_up_delay(contact)
            if delay is not None:
                self._at(now + delay, self._come_back, (contact, FOLLOW_UP))
        agent = contact.agent
        team = agent.team
        team.busy_area += team.busy * (now - team.last)
        team.last = now
        capacity = agent.capacity
        team.busy -= 1.0 / capacity
        agent.load -= 1
        if agent.leaving:
            if agent.load == 0:
                team.account_duty(now)  # present agent-time up to now, before one fewer
                del team.agents[agent.employee]
            return
        if agent.load == 0:
            if capacity > 1:
                agent.channel = None
                agent.capacity = 1
            if not (team.queues_waiting and self.take_work(agent, now)):
                team.idle.append(agent)
            return
        was_full = agent.load + 1 >= capacity
        self._fill(agent, now)
        if was_full and agent.load < agent.capacity:
            team.partial[agent.channel].append(agent)  # type: ignore[index]

    def take_work(self, agent: Agent, now: float) -> bool:
        """Start the most urgent contact a free ``agent`` can take; False if there is none."""
        team = agent.team
        if not team.queues_waiting:
            return False
        best: Contact | None = None
        best_priority = math.inf
        for priority, queue in team.sync_queues:
            if priority > best_priority:
                break
            if not queue.n_waiting:
                continue
            waiting = queue.waiting
            while waiting:
                oldest = waiting[0]
                if oldest.state != WAITING:
                    waiting.popleft()  # dead entries: abandoned, or answered by another region
                elif queue.lazy and oldest.deadline < now:
                    waiting.popleft()
                    self._expire(oldest, now)
                else:
                    break
            if waiting and (best is None or waiting[0].arrived < best.arrived):
                best, best_priority = waiting[0], priority
        if best is None:
            for queue, wait in team.overflow_sync:
                head = queue.head() if queue.n_waiting else None
                if head is not None and now - head.arrived >= wait and (
                    best is None or head.arrived < best.arrived
                ):
                    best = head
        if best is None:
            deadline = math.inf
            for queue in team.async_queues:
                head = queue.head() if queue.n_waiting else None
                if head is not None and head.arrived + queue.target_minutes < deadline:
                    best = head
                    deadline = head.arrived + queue.target_minutes
            for queue, wait in team.overflow_async:
                head = queue.head() if queue.n_waiting else None
                if head is not None and now - head.arrived >= wait and (
                    head.arrived + queue.target_minutes < deadline
                ):
                    best = head
                    deadline = head.arrived + queue.target_minutes
            if best is None:
                return False
        best.queue.set_state(best, ANSWERED, now)
        self._start(agent, best, now, now - best.arrived)
        if agent.capacity > 1:
            self._fill(agent, now)
            if agent.load < agent.capacity:
                team.partial[agent.channel].append(agent)  # type: ignore[index]
        return True

    def _fill(self, agent: Agent, now: float) -> None:
        """Give an agent carrying chats more contacts of the same channel while it has room."""
        team = agent.team
        while agent.load < agent.capacity and team.queues_waiting:
            best = None
            for _, queue in team.sync_queues:
                if queue.n_waiting and queue.channel == agent.channel:
                    head = queue.head()
                    if head is not None and (best is None or head.arrived < best.arrived):
                        best = head
            for queue, wait in team.overflow_sync:
                if queue.n_waiting and queue.channel == agent.channel:
                    head = queue.head()
                    if head is not None and now - head.arrived >= wait and (
                        best is None or head.arrived < best.arrived
                    ):
                        best = head
            if best is None:
                return
            best.queue.set_state(best, ANSWERED, now)
            self._start(agent, best, now, now - best.arrived)

    def _overflow(self, contact: Contact, now: float) -> None:
        """``contact`` has waited long enough for another region's team to help."""
        if contact.state != WAITING:
            return
        queue = contact.queue
        waited = now - contact.arrived
        for team, wait in queue.overflow:
            if wait > waited + 1e-9:
                self._at(now + (wait - waited), self._overflow, contact)
                return
            agent = team.free_agent(queue)
            if agent is not None:
                was_idle = agent.load == 0
                queue.set_state(contact, ANSWERED, now)
                self._start(agent, contact, now, waited)
                if was_idle and agent.load < agent.capacity:
                    team.partial[queue.channel].append(agent)
                return

    # Customers giving up, coming back and chasing.

    def _abandon(self, contact: Contact, now: float) -> None:
        if contact.state != WAITING:
            return
        queue = contact.queue
        queue.set_state(contact, ABANDONED, now)
        self._count_abandoned(queue, contact, now - contact.arrived)
        delay = self.customers.retry_delay(contact)
        if delay is not None:
            self._at(now + delay, self._come_back, (contact, RETRY))

    def _expire(self, contact: Contact, now: float) -> None:
        """A caller found past their deadline (a queue without abandon timers): they left at the
        deadline. Record it there, and take the time since off the queue-length integral of
        each interval it fell in."""
        queue = contact.queue
        deadline = contact.deadline
        queue.set_state(contact, ABANDONED, now)
        interval = self.interval
        current = int(now // interval)
        first = int(deadline // interval)
        if first >= current:
            queue.area -= now - deadline
        else:
            queue.area -= now - current * interval
            for k in range(first, current):
                queue.queue_minutes[k] -= min((k + 1) * interval, now) - max(k * interval, deadline)
        self._count_abandoned(queue, contact, deadline - contact.arrived)

    @staticmethod
    def _count_abandoned(queue: Queue, contact: Contact, wait: float) -> None:
        k = contact.interval
        queue.abandoned[k] += 1
        queue.wait_minutes_abandoned[k] += wait
        if wait <= queue.target_minutes:
            queue.abandoned_in_target[k] += 1

    def _come_back(self, value: tuple[Contact, int], now: float) -> None:
        """A retry or a follow-up is due."""
        contact, source = value
        repeat_contact = self.customers.come_back(contact, source, now)
        if repeat_contact is not None:
            self.arrive(repeat_contact)

    def _wait_for_chase(self, queue: Queue, contact: Contact, now: float, after: float) -> None:
        """``contact`` starts waiting now: its customer may chase it ``after`` minutes on."""
        key = (queue, contact.segment)
        line = self._chase_lines.get(key)
        if line is None:
            line = self._chase_lines[key] = _ChaseLine(after)
        line.contacts.append(contact)
        if not line.timed:
            line.timed = True
            self._at(now + after, self._chase_due, line)

    def _chase_due(self, line: _ChaseLine, now: float) -> None:
        """The chase time of the line's first contact has come: its customer may chase it if it
        still waits. Contacts no longer waiting are dropped on the way (they never wait again,
        so a chase would find nothing to do); the timer moves on to the next that waits."""
        contacts, after = line.contacts, line.after
        while contacts:
            contact = contacts[0]
            if contact.state != WAITING:
                contacts.popleft()
                continue
            due = contact.arrived + after
            if due > now:
                self._at(due, self._chase_due, line)
                return
            contacts.popleft()
            repeat_contact = self.customers.chase(contact, now)
            if repeat_contact is not None:
                self.arrive(repeat_contact)
        line.timed = False

    # The end of the run.

    def close_run(self, now: float) -> None:
        """Callers past their deadline on queues without abandon timers leave at it."""
        for queue in self.queues.values():
            if queue.lazy:
                for contact in list(queue.waiting):
                    if contact.state == WAITING and contact.deadline < now:
                        self._expire(contact, now)


class _ChaseLine:
    """Contacts of one queue and segment that may be chased, in arrival order (so in order of
    their chase times, ``after`` minutes after they arrived); ``timed``: a timer is due at the
    first one's chase time."""

    __slots__ = ("after", "contacts", "timed")

    def __init__(self, after: float) -> None:
        self.after = after
        self.contacts: deque[Contact] = deque()
        self.timed = False
