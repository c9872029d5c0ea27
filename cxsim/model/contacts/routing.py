"""Routing: contacts meet idle skilled agents, and what happens to those left waiting.

The hot path runs as callbacks on the event loop, not a process per contact. A contact arriving
at a queue may be resolved by a bot; otherwise it goes to a free agent of the queue's home teams
(longest idle first; chat agents carry several contacts) or waits, with a timer if the customer
may abandon, may chase an unanswered message, or may be helped by another region after a wait.
A free agent takes the most urgent contact among its skills: live channels first (by the
team's priority, then oldest), then backlog work by nearest deadline; other regions' contacts
once they have waited the team's overflow delay.

The router asks ``Customers`` what customers do (the channel of a contact, whether and when they
come back) and schedules it; measures are counted on the queues, by the interval a contact
arrived in.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import simpy

from cxsim.model.contacts import chats
from cxsim.model.contacts.agents import Agent
from cxsim.model.contacts.contact import (
    ABANDONED,
    ANSWERED,
    FOLLOW_UP,
    FROM_ORDERS,
    RETRY,
    WAITING,
    Contact,
)
from cxsim.model.contacts.customers import Customers
from cxsim.model.contacts.queue import Queue
from cxsim.model.draws import Draws
from cxsim.model.events import Call, scheduler
from cxsim.scenario.common import MINUTES_PER_DAY

__all__ = ["Router"]


class Router:
    """Matches contacts with agents and counts what happens to them.

    Args:
        env: the simpy environment.
        queues: every queue by (region, channel, language), its teams linked.
        customers: what customers do.
        interval: reporting interval, minutes.
        repeat_factor: handle time of a repeat contact relative to a first one (omnichannel
            context makes repeats faster; 1.0 without it).
        bot_draw: uniform draws of the bots' decisions.
    """

    def __init__(
        self,
        env: simpy.Environment,
        queues: Mapping[tuple[str, str, str], Queue],
        customers: Customers,
        interval: float,
        repeat_factor: float,
        bot_draw: Draws,
    ) -> None:
        self.queues = queues
        self.customers = customers
        self.interval = interval
        self.repeat_factor = repeat_factor
        self._at = scheduler(env)
        self._bot_draw = bot_draw
        self._chase_after = customers.chase_after
        self._chasers = any(after is not None for after in self._chase_after)
        # Bound once: reading self._finish makes a new bound method every time.
        self._finish_callback = self._finish
        self._abandon_callback = self._abandon

    # Contacts arriving.

    def arrive(self, now: float, queue: Queue, reason: int, segment: int, handle: float) -> None:
        """A contact of the forecast arrives at ``queue`` now."""
        if queue.has_hours and not self.customers.is_open(queue.region, queue.channel, now):
            # Closed: the customer picks another open channel of their mix, or leaves a message.
            moved = self.customers.open_queue(queue, segment, reason, now)
            if moved is None:
                return
            queue = moved
            handle = queue.handle.next()
        k = int(now // self.interval)
        queue.forecast[k] += 1
        self.offer(Contact(now, k, handle, queue, segment, reason), now)

    def order_contact(
        self, region: str, weights: Mapping[str, float] | None, reason: int, now: float
    ) -> None:
        """A customer who bought gets in touch now about reason index ``reason``, on a channel
        drawn by ``weights`` (the sales channel's contact channels; None: the segment's mix)."""
        found = self.customers.order_customer(region, weights, reason, now)
        if found is None:
            return
        queue, segment = found
        k = int(now // self.interval)
        queue.arrivals[FROM_ORDERS][k] += 1
        self.offer(Contact(now, k, queue.handle.next(), queue, segment, reason), now)

    def offer(self, contact: Contact, now: float) -> None:
        """``contact`` reaches its queue now: a bot may resolve it; else an agent answers at
        once or it waits."""
        queue = contact.queue
        k = contact.interval
        queue.reason_days[contact.reason][int(now // MINUTES_PER_DAY)] += 1
        if queue.bot_shares is not None:
            share = queue.bot_shares[contact.reason]
            if share and self._bot_draw.next() < share:
                if not (queue.bot_escalate and self._bot_draw.next() < queue.bot_escalate):
                    queue.deflected[k] += 1
                    return
                queue.escalated[k] += 1
        queue.offered[k] += 1
        for team in queue.teams:
            if team.idle:
                agent = team.idle.popleft()
                self._start(agent, contact, now, 0.0)
                if agent.load < agent.capacity:
                    team.partial[queue.channel].append(agent)
                return
            if queue.concurrency > 1:
                sharing = team.free_agent(queue)
                if sharing is not None:
                    self._start(sharing, contact, now, 0.0)
                    return
        queue.join(contact, now)
        patience = queue.patience[contact.segment]
        if patience is not None:
            if queue.lazy:
                contact.deadline = now + patience.next()  # see _expire
            else:
                self._at(now + patience.next(), self._abandon_callback, contact)
        if queue.overflow:
            self._at(now + queue.overflow[0][1], self._overflow, contact)
        if self._chasers and not queue.sync:
            after = self._chase_after[contact.segment]
            if after is not None:
                self._at(now + after, self._chase, contact)

    # Agents at work.

    def _start(self, agent: Agent, contact: Contact, now: float, wait: float) -> None:
        """``agent`` answers ``contact`` now, after ``wait`` minutes in the queue."""
        queue = contact.queue
        k = contact.interval
        handle = contact.handle
        queue.handled[k] += 1
        if wait == 0.0:
            queue.answered_at_once[k] += 1
            queue.answered_in_target[k] += 1
        else:
            queue.wait_minutes_handled[k] += wait
            if wait <= queue.target_minutes:
                queue.answered_in_target[k] += 1
            if contact.arrived >= queue.counted_from:
                queue.waits.append(wait)
        if contact.repeats:
            handle *= self.repeat_factor
        queue.handle_minutes[k] += handle
        team = agent.team
        # Busy agent-time so far, then the new load (a share of capacity on a concurrent channel).
        team.busy_area += team.busy * (now - team.last)
        team.last = now
        contact.agent = agent
        if queue.concurrency > 1:
            if agent.load == 0:
                agent.capacity = queue.concurrency
                agent.channel = queue.channel
            team.busy += 1.0 / agent.capacity
            if queue.slowdown:
                chats.add(agent, contact, handle, now, queue.slowdown)
                agent.load += 1
                self._next_chat_end(agent, now, queue.slowdown)
                return
        else:
            agent.capacity = 1
            team.busy += 1.0
        agent.load += 1
        self._at(now + handle / agent.efficiency, self._finish_callback, contact)

    def _next_chat_end(self, agent: Agent, now: float, slowdown: float) -> None:
        delay = chats.next_end(agent, slowdown)
        if delay is not None:
            self._at(now + delay, self._finish_chat, (agent, agent.version))

    def _finish_chat(self, call: Call) -> None:
        agent, version = call.value
        now = call.when
        contact = chats.finished(agent, version, now)
        if contact is not None:
            self._next_chat_end(agent, now, contact.queue.slowdown)
            self._done(contact, agent, now)

    def _finish(self, call: Call) -> None:
        contact = call.value
        self._done(contact, contact.agent, call.when)

    def _done(self, contact: Contact, agent: Agent, now: float) -> None:
        """``agent`` has finished ``contact``: a follow-up perhaps, then the agent's next work."""
        if self.customers.resolution[contact.reason] < 1.0:
            delay = self.customers.follow_up_delay(contact)
            if delay is not None:
                self._at(now + delay, self._come_back, (contact, FOLLOW_UP))
        team = agent.team
        was_full = agent.load >= agent.capacity
        team.busy_area += team.busy * (now - team.last)
        team.last = now
        team.busy -= 1.0 / agent.capacity
        agent.load -= 1
        if agent.leaving:
            if agent.load == 0:
                team.account_duty(now)  # present agent-time up to now, before one fewer
                del team.agents[agent.employee]
            return
        if agent.load == 0:
            agent.channel = None
            agent.capacity = 1
            if not self.take_work(agent, now):
                team.idle.append(agent)
            return
        self._fill(agent, now)
        if was_full and agent.load < agent.capacity:
            team.partial[agent.channel].append(agent)  # type: ignore[index]

    def take_work(self, agent: Agent, now: float) -> bool:
        """Start the most urgent contact a free ``agent`` can take; False if there is none."""
        team = agent.team
        if not team.waiting:
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
        self._take(agent, best, now)
        if agent.capacity > 1:
            self._fill(agent, now)
            if agent.load < agent.capacity:
                team.partial[agent.channel].append(agent)  # type: ignore[index]
        return True

    def _take(self, agent: Agent, contact: Contact, now: float) -> None:
        """``agent`` answers waiting ``contact`` now."""
        queue = contact.queue
        waiting = queue.waiting
        if waiting and waiting[0] is contact:
            waiting.popleft()
        contact.state = ANSWERED  # answered from mid-queue: left behind as a dead entry
        queue.leave(now)
        self._start(agent, contact, now, now - contact.arrived)

    def _fill(self, agent: Agent, now: float) -> None:
        """Give an agent carrying chats more contacts of the same channel while it has room."""
        team = agent.team
        while agent.load < agent.capacity and team.waiting:
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
            self._take(agent, best, now)

    def _overflow(self, call: Call) -> None:
        """A contact has waited long enough for another region's team to help."""
        contact: Contact = call.value
        if contact.state != WAITING:
            return
        queue = contact.queue
        now = call.when
        waited = now - contact.arrived
        for team, wait in queue.overflow:
            if wait > waited + 1e-9:
                self._at(now + (wait - waited), self._overflow, contact)
                return
            agent = team.free_agent(queue)
            if agent is not None:
                was_idle = agent.load == 0
                self._take(agent, contact, now)
                if was_idle and agent.load < agent.capacity:
                    team.partial[queue.channel].append(agent)
                return

    # Customers giving up, coming back and chasing.

    def _abandon(self, call: Call) -> None:
        contact: Contact = call.value
        if contact.state != WAITING:
            return
        contact.state = ABANDONED
        queue = contact.queue
        now = call.when
        queue.leave(now)
        self._count_abandoned(queue, contact, now - contact.arrived)
        delay = self.customers.retry_delay(contact)
        if delay is not None:
            self._at(now + delay, self._come_back, (contact, RETRY))

    def _expire(self, contact: Contact, now: float) -> None:
        """A caller found past their deadline (a queue without abandon timers): they left at the
        deadline. Record it there, and take the time since off the queue-length integral of
        each interval it fell in."""
        contact.state = ABANDONED
        queue = contact.queue
        deadline = contact.deadline
        queue.leave(now)
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

    def _come_back(self, call: Call) -> None:
        """A retry or a follow-up is due."""
        contact, source = call.value
        now = call.when
        repeat = self.customers.come_back(contact, source, now)
        if repeat is not None:
            self.offer(repeat, now)

    def _chase(self, call: Call) -> None:
        now = call.when
        repeat = self.customers.chase(call.value, now)
        if repeat is not None:
            self.offer(repeat, now)

    # Measures at the end.

    def close_run(self, now: float) -> None:
        """Callers past their deadline on queues without abandon timers leave at it."""
        for queue in self.queues.values():
            if queue.lazy:
                for contact in list(queue.waiting):
                    if contact.state == WAITING and contact.deadline < now:
                        self._expire(contact, now)
