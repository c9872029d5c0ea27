"""The contact centre on simpy's event loop: customers, queues, agents and the router.

The hot path runs as callbacks on simpy events, not a process per contact. A contact arriving at
a queue may be resolved by a bot; otherwise it goes to a free skilled agent of the queue's home
teams (longest idle first; chat agents carry several contacts) or waits, with a timer if the
customer may abandon, may chase an unanswered message, or may be helped by another region after
a wait. A free agent takes the most urgent contact among its skills: live channels first (by the
team's priority, then oldest), then backlog work by nearest deadline.

Customers behave as their segment says: a customer who abandons may come back after a delay on a
channel drawn from a switch matrix; one whose message waits too long chases it on another
channel; a contact not resolved the first time brings a follow-up. With unified customer context
(``omnichannel``) a chase joins the open contact and repeat contacts are handled faster; with
siloed channels each is separate work.
"""

from __future__ import annotations

import math
from bisect import bisect
from collections import deque
from collections.abc import Callable, Mapping
from heapq import heappush
from itertools import accumulate
from typing import Any

import numpy as np
import simpy
from simpy.events import NORMAL

from cxsim.model.agents import Agent, Team
from cxsim.model.calendar import MINUTES_PER_DAY, STEP_MINUTES, local_quarters
from cxsim.model.draws import samples, uniforms
from cxsim.model.events import Call, call_in
from cxsim.model.metrics import wait_bin
from cxsim.model.queues import (
    AGENT,
    ANSWERED,
    ARRIVED,
    DEADLINE,
    HANDLE,
    QUEUE,
    REASON,
    REMAINING,
    REPEAT,
    SEGMENT,
    STATE,
    WAITING,
    Queue,
)
from cxsim.scenario.common import GENERAL_REASON, ORDER_REASONS
from cxsim.scenario.models import Scenario, Segment, SyncChannel

__all__ = ["ContactCentre", "RosterUpdate"]

RosterUpdate = tuple[int, tuple[tuple[int, float], ...], int]  # scheduled, available, headcount


class ContactCentre:
    """Routes contacts to agents and records what happens, interval by interval.

    Args:
        env: the simpy environment.
        scenario: the validated scenario.
        rng: the generator of a named stream of this replication (``cxsim.model.streams``).
    """

    def __init__(
        self,
        env: simpy.Environment,
        scenario: Scenario,
        rng: Callable[[str], np.random.Generator],
    ) -> None:
        self.env = env
        self.scenario = scenario
        self.interval = float(scenario.interval_minutes)
        self.intervals = math.ceil(scenario.horizon_minutes / self.interval)
        self.first_counted = math.ceil(scenario.warmup_minutes / self.interval - 1e-9)
        counted_from = self.first_counted * self.interval
        self.omnichannel = scenario.omnichannel
        self.repeat_factor = 1.0 - scenario.omnichannel_handle_saving_pct / 100.0

        self.segments: list[Segment | None] = list(scenario.segments.values()) or [None]
        self.segment_shares = [s.share for s in scenario.segments.values()] or [1.0]
        builtin = (GENERAL_REASON, *ORDER_REASONS)
        self.reasons = [*builtin, *(r for r in scenario.reasons if r not in builtin)]
        self.days = math.ceil(scenario.horizon_minutes / MINUTES_PER_DAY)
        self.reason_index = {name: i for i, name in enumerate(self.reasons)}
        self.resolution = [
            scenario.reasons[r].first_contact_resolution if r in scenario.reasons else 1.0
            for r in self.reasons
        ]
        self.follow_up_delay = [
            samples(scenario.reasons[r].follow_up_delay_hours, rng(f"follow_up/{r}"), 60.0)
            if r in scenario.reasons else None
            for r in self.reasons
        ]

        self.queues: dict[tuple[str, str, str], Queue] = {}
        for region, channel, language in scenario.queues:
            self.queues[region, channel, language] = self._queue(
                region, channel, language, rng, counted_from
            )
        self.teams: dict[str, Team] = {}
        self._route(rng)
        self._served = {
            (region, language): [
                channel for channel in scenario.channels
                if scenario.teams_for(region, channel, language)
            ]
            for region, channel, language in scenario.queues
        }
        self._opening = {
            (region, channel): rules
            for region, spec in scenario.regions.items()
            for channel, rules in spec.opening_hours.items()
            if isinstance(scenario.channels[channel], SyncChannel)
        }
        self._open_days: dict[tuple[str, str, int], list[bool]] = {}
        self.chasers = any(s is not None and s.chase is not None for s in self.segments)
        # Bound once: reading self._finish makes a new bound method every time.
        self._finish_callback = self._finish
        self._abandon_callback = self._abandon
        self._finish_chat_callback = self._finish_chat
        self._bot_draw = uniforms(rng("bot"))
        self._behaviour_draw = uniforms(rng("behaviour"))
        self._choice_draw = uniforms(rng("channel_choice"))
        # Customers who bought: their language (by the region's shares) and segment.
        self._customer_draw = uniforms(rng("order_customers"))
        self._languages = {
            name: (list(shares), list(accumulate(shares.values())))
            for name, spec in scenario.regions.items()
            for shares in [spec.language_shares()]
        }
        self._segment_cumulative = list(accumulate(self.segment_shares))
        self._order_mix: Mapping[str, float] = (
            scenario.order_contacts.channel_mix if scenario.order_contacts is not None else {}
        )
        self._retry_delay = [
            samples(s.retry.delay_minutes, rng(f"retry_delay/{name}"))
            if s is not None and s.retry is not None else None
            for name, s in zip(self._segment_names(), self.segments, strict=True)
        ]

    def _segment_names(self) -> list[str]:
        return list(self.scenario.segments) or ["all"]

    def _queue(
        self,
        region: str,
        channel: str,
        language: str,
        rng: Callable[[str], np.random.Generator],
        counted_from: float,
    ) -> Queue:
        spec = self.scenario.channels[channel]
        sync = isinstance(spec, SyncChannel)
        queue = Queue(
            region, channel, language,
            sync=sync,
            target_minutes=(
                spec.target.answer_within_s / 60.0 if isinstance(spec, SyncChannel)
                else spec.target.respond_within_hours * 60.0
            ),
            concurrency=spec.concurrency if isinstance(spec, SyncChannel) else 1,
            slowdown=(spec.slowdown_per_extra_contact_pct / 100.0
                      if isinstance(spec, SyncChannel) else 0.0),
            intervals=self.intervals,
            counted_from=counted_from,
            reasons=len(self.reasons),
            days=self.days,
        )
        name = f"{region}/{channel}/{language}"
        queue.handle = samples(spec.handle_minutes, rng(f"handle/{name}"))
        for segment_name, segment in zip(self._segment_names(), self.segments, strict=True):
            patience = spec.patience_minutes if isinstance(spec, SyncChannel) else None
            if sync and segment is not None and channel in segment.patience_minutes:
                patience = segment.patience_minutes[channel]
            queue.patience.append(
                None if patience is None
                else samples(patience, rng(f"patience/{name}/{segment_name}"))
            )
        queue.has_hours = sync and channel in self.scenario.regions[region].opening_hours
        if spec.bot is not None:
            queue.bot_shares = [spec.bot.share_for(reason) for reason in self.reasons]
            queue.bot_escalate = spec.bot.escalate_share
        return queue

    def _route(self, rng: Callable[[str], np.random.Generator]) -> None:
        """Teams, and which queues each team serves, at home and as overflow."""
        scenario = self.scenario
        for name, spec in scenario.teams.items():
            self.teams[name] = Team(name, spec.region, self.intervals)
        for (region, channel, language), queue in self.queues.items():
            for name in scenario.teams_for(region, channel, language):
                team, spec = self.teams[name], scenario.teams[name]
                if spec.region == region:
                    queue.teams.append(team)
                    if queue.sync:
                        team.sync_queues.append((spec.priorities.get(channel, 1_000_000), queue))
                    else:
                        team.async_queues.append(queue)
                else:
                    wait = (spec.overflow_after_s or 0.0) / 60.0
                    queue.overflow.append((team, wait))
                    (team.overflow_sync if queue.sync else team.overflow_async).append(
                        (queue, wait)
                    )
        for team in self.teams.values():
            team.sync_queues.sort(key=lambda item: item[0])
            helped = [queue for queue, _ in team.overflow_sync]
            for queue in [*(q for _, q in team.sync_queues), *helped]:
                if queue.concurrency > 1:
                    team.partial.setdefault(queue.channel, deque())
        for queue in self.queues.values():
            queue.overflow.sort(key=lambda item: item[1])
            queue.watchers = [*queue.teams, *(team for team, _ in queue.overflow)]
            # Without anything that happens when a caller gives up (a retry, help from another
            # region), a waiting caller needs no timer: see _expire.
            retries = any(s is not None and s.retry is not None for s in self.segments)
            impatient = any(patience is not None for patience in queue.patience)
            queue.lazy = (impatient and queue.sync and queue.concurrency == 1
                          and not queue.overflow and not retries)

    # Channels open and served.

    def _is_open(self, region: str, channel: str, now: float) -> bool:
        rules = self._opening.get((region, channel))
        if rules is None:
            return True
        day = int(now // MINUTES_PER_DAY)
        key = (region, channel, day)
        table = self._open_days.get(key)
        if table is None:
            zone = self.scenario.regions[region].zone
            table = [
                any(weekday in rule.weekday_numbers() and rule.start_hour <= hour < rule.end_hour
                    for rule in rules)
                for weekday, hour in local_quarters(self.scenario.start_date, zone, day)
            ]
            self._open_days[key] = table
        return table[int(now % MINUTES_PER_DAY // STEP_MINUTES)]

    def _choose(
        self, region: str, language: str, weights: Mapping[str, float], now: float
    ) -> str | None:
        """A channel drawn by ``weights`` among those served and open now; else a backlog
        channel (a message can always be left); None if the region offers neither."""
        served = self._served[region, language]
        options = [(c, w) for c, w in weights.items()
                   if w > 0 and c in served and self._is_open(region, c, now)]
        if options:
            total = sum(w for _, w in options)
            point = self._choice_draw.next() * total
            for channel, weight in options:
                point -= weight
                if point < 0:
                    return channel
            return options[-1][0]
        backlog = [c for c in served if not self.queues[region, c, language].sync]
        preferred = [c for c in backlog if weights.get(c, 0) > 0]
        choices = preferred or backlog
        return choices[0] if choices else None

    # Contacts arriving.

    def arrive(self, queue: Queue, reason: int, segment: int, handle: float) -> None:
        """A forecast contact arrives at ``queue`` now."""
        now = self.env._now  # the attribute behind env.now, read on every contact
        if queue.has_hours and not self._is_open(queue.region, queue.channel, now):
            # Closed: the customer picks another open channel of their mix, or leaves a message.
            spec = self.segments[segment]
            mix = spec.mix_for(self.reasons[reason]) if spec is not None else {}
            channel = self._choose(queue.region, queue.language, mix, now)
            k = int(now // self.interval)
            if channel is None:
                queue.forecast[k] += 1
                queue.unserved[k] += 1
                return
            queue = self.queues[queue.region, channel, queue.language]
            handle = queue.handle.next()  # type: ignore[union-attr]
        queue.forecast[int(now // self.interval)] += 1
        self._arrive([now, handle, WAITING, queue, segment, reason, 0, None], now)

    def order_contact(self, event: Any) -> None:
        """A customer who bought gets in touch now; the event's value is (region, the sales
        channel's contact channel weights or None, reason index)."""
        region, weights, reason = event._value
        now = self.env._now
        languages, cumulative = self._languages[region]
        language = languages[0]
        if len(languages) > 1:
            index = bisect(cumulative, self._customer_draw.next() * cumulative[-1])
            language = languages[min(index, len(languages) - 1)]
        segment = 0
        if len(self.segments) > 1:
            point = self._customer_draw.next() * self._segment_cumulative[-1]
            segment = min(bisect(self._segment_cumulative, point), len(self.segments) - 1)
        if weights is None:
            spec = self.segments[segment]
            weights = (spec.mix_for(self.reasons[reason]) if spec is not None else None) or (
                self._order_mix)
        channel = self._choose(region, language, weights, now)
        k = int(now // self.interval)
        if channel is None:
            # Nowhere to go: counted where the customer would have written first.
            first = next(iter(weights), None) or next(iter(self.scenario.channels))
            queue = self.queues[region, first, language]
            queue.from_orders[k] += 1
            queue.unserved[k] += 1
            return
        queue = self.queues[region, channel, language]
        queue.from_orders[k] += 1
        handle = queue.handle.next()  # type: ignore[union-attr]
        self._arrive([now, handle, WAITING, queue, segment, reason, 0, None], now)

    def _arrive_repeat(
        self, region: str, language: str, channel: str, reason: int, segment: int, now: float,
        origin: str, from_channel: str,
    ) -> None:
        """A retry, chase or follow-up: a contact of its own, flagged as a repeat."""
        queue = self.queues[region, channel, language]
        k = int(now // self.interval)
        getattr(queue, origin)[k] += 1
        if channel != from_channel:
            queue.switched[k] += 1
        handle = queue.handle.next()  # type: ignore[union-attr]
        self._arrive([now, handle, WAITING, queue, segment, reason, 1, None], now)

    def _arrive(self, contact: list[Any], now: float) -> None:
        queue: Queue = contact[QUEUE]
        k = int(now // self.interval)
        queue.reason_days[contact[REASON]][int(now // MINUTES_PER_DAY)] += 1
        if queue.bot_shares is not None:
            share = queue.bot_shares[contact[REASON]]
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
        # queue.count_change(now, 1), inlined: most contacts of a busy queue come this way.
        queue.area += queue.n_waiting * (now - queue.last)
        queue.last = now
        queue.n_waiting += 1
        for team in queue.watchers:
            team.waiting += 1
        queue.waiting.append(contact)
        env = self.env
        patience = queue.patience[contact[SEGMENT]]
        if patience is not None:
            if queue.lazy:
                contact.append(now + patience.next())  # DEADLINE: see _expire
            else:
                call_in(env, patience.next(), self._abandon_callback, contact)
        if queue.overflow:
            call_in(env, queue.overflow[0][1], self._overflow, contact)
        if not queue.sync and self.chasers:
            segment = self.segments[contact[SEGMENT]]
            if segment is not None and segment.chase is not None:
                call_in(env, segment.chase.after_hours * 60.0, self._chase, contact)

    # Agents at work.

    def _start(self, agent: Agent, contact: list[Any], now: float, wait: float) -> None:
        """``agent`` answers ``contact`` now, after ``wait`` minutes in the queue."""
        queue: Queue = contact[QUEUE]
        arrived = contact[ARRIVED]
        k = int(arrived // self.interval)
        handle = contact[HANDLE]
        queue.handled[k] += 1
        if wait == 0.0:
            queue.answered_at_once[k] += 1
            queue.answered_in_target[k] += 1
            if arrived >= queue.counted_from:
                queue.histogram[0] += 1
        else:
            queue.wait_minutes_handled[k] += wait
            if wait <= queue.target_minutes:
                queue.answered_in_target[k] += 1
            if arrived >= queue.counted_from:
                queue.histogram[wait_bin(wait)] += 1
        if contact[REPEAT] and self.omnichannel:
            handle *= self.repeat_factor
        queue.handle_minutes[k] += handle
        team = agent.team
        # Busy agent-time so far, then the new load (a share of capacity on a concurrent channel).
        team.busy_area += team.busy * (now - team.last)
        team.last = now
        contact[AGENT] = agent
        if queue.concurrency > 1:
            if agent.load == 0:
                agent.capacity = queue.concurrency
                agent.channel = queue.channel
            team.busy += 1.0 / agent.capacity
            if queue.slowdown:
                # Chats share the agent's speed: the chat ends when the agent's virtual clock
                # (work done per chat) reaches its virtual end.
                self._progress(agent, now, queue.slowdown)
                contact.append(agent.virtual + handle / agent.efficiency)
                agent.chats.append(contact)
                agent.load += 1
                self._next_chat_end(agent, queue.slowdown)
                return
        else:
            agent.capacity = 1
            team.busy += 1.0
        agent.load += 1
        env = self.env
        pending: list[Any] = env._queue
        heappush(pending, (now + handle / agent.efficiency, NORMAL, next(env._eid),
                           Call(self._finish_callback, contact)))

    # Chats in hand slow each other down: with n in hand each runs at 1 / (1 + slowdown (n - 1))
    # of full speed. As all progress alike, one virtual clock per agent (work done on each chat)
    # and one pending event (the next chat to end) are enough; a start or end moves that event.

    def _progress(self, agent: Agent, now: float, slowdown: float) -> None:
        """Advance the agent's virtual clock to now at the speed of the chats in hand."""
        if agent.chats:
            agent.virtual += (now - agent.since) / (1.0 + slowdown * (len(agent.chats) - 1))
        agent.since = now

    def _next_chat_end(self, agent: Agent, slowdown: float) -> None:
        """Schedule the end of the chat that finishes first; earlier events go stale."""
        agent.version += 1
        if agent.chats:
            first = min(chat[REMAINING] for chat in agent.chats)
            delay = max(first - agent.virtual, 0.0) * (1.0 + slowdown * (len(agent.chats) - 1))
            call_in(self.env, delay, self._finish_chat_callback, (agent, agent.version))

    def _finish_chat(self, event: Any) -> None:
        agent, version = event._value
        if version != agent.version:
            return  # the next end moved since this event was scheduled
        contact = min(agent.chats, key=lambda chat: chat[REMAINING])
        slowdown = contact[QUEUE].slowdown
        now = self.env._now
        self._progress(agent, now, slowdown)
        agent.chats.remove(contact)
        self._next_chat_end(agent, slowdown)
        self._done(contact, agent, now)

    def _finish(self, event: Any) -> None:
        contact = event._value
        self._done(contact, contact[AGENT], self.env._now)

    def _done(self, contact: list[Any], agent: Agent, now: float) -> None:
        """``agent`` has finished ``contact``: follow-up, then the agent's next work."""
        team = agent.team
        reason = contact[REASON]
        if self.resolution[reason] < 1.0 and self._behaviour_draw.next() >= self.resolution[reason]:
            delay = self.follow_up_delay[reason]
            assert delay is not None
            call_in(self.env, delay.next(), self._follow_up, contact)
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
            if not self._take_work(agent, now):
                team.idle.append(agent)
            return
        self._fill(agent, now)
        if was_full and agent.load < agent.capacity:
            team.partial[agent.channel].append(agent)  # type: ignore[index]

    def _take_work(self, agent: Agent, now: float) -> bool:
        """Start the most urgent contact a free ``agent`` can take; False if there is none."""
        team = agent.team
        if not team.waiting:
            return False
        best: list[Any] | None = None
        best_priority = math.inf
        for priority, queue in team.sync_queues:
            if priority > best_priority:
                break
            if not queue.n_waiting:
                continue
            waiting = queue.waiting
            while waiting:
                oldest = waiting[0]
                if oldest[STATE] != WAITING:
                    waiting.popleft()  # dead entries: abandoned, or answered by another region
                elif queue.lazy and len(oldest) > DEADLINE and oldest[DEADLINE] < now:
                    waiting.popleft()
                    self._expire(queue, oldest, now)
                else:
                    break
            if waiting and (best is None or waiting[0][ARRIVED] < best[ARRIVED]):
                best, best_priority = waiting[0], priority
        if best is None:
            for queue, wait in team.overflow_sync:
                head = queue.head() if queue.n_waiting else None
                if head is not None and now - head[ARRIVED] >= wait and (
                    best is None or head[ARRIVED] < best[ARRIVED]
                ):
                    best = head
        if best is None:
            deadline = math.inf
            for queue in team.async_queues:
                head = queue.head() if queue.n_waiting else None
                if head is not None and head[ARRIVED] + queue.target_minutes < deadline:
                    best = head
                    deadline = head[ARRIVED] + queue.target_minutes
            for queue, wait in team.overflow_async:
                head = queue.head() if queue.n_waiting else None
                if head is not None and now - head[ARRIVED] >= wait and (
                    head[ARRIVED] + queue.target_minutes < deadline
                ):
                    best = head
                    deadline = head[ARRIVED] + queue.target_minutes
            if best is None:
                return False
        self._take(agent, best, now)
        if agent.capacity > 1:
            self._fill(agent, now)
            if agent.load < agent.capacity:
                team.partial[agent.channel].append(agent)  # type: ignore[index]
        return True

    def _take(self, agent: Agent, contact: list[Any], now: float) -> None:
        queue: Queue = contact[QUEUE]
        waiting = queue.waiting
        if waiting and waiting[0] is contact:
            waiting.popleft()
        contact[STATE] = ANSWERED  # served from mid-queue: left behind as a dead entry
        # queue.count_change(now, -1), inlined.
        queue.area += queue.n_waiting * (now - queue.last)
        queue.last = now
        queue.n_waiting -= 1
        for team in queue.watchers:
            team.waiting -= 1
        self._start(agent, contact, now, now - contact[ARRIVED])

    def _fill(self, agent: Agent, now: float) -> None:
        """Give an agent carrying chats more contacts of the same channel while it has room."""
        team = agent.team
        while agent.load < agent.capacity and team.waiting:
            best = None
            for _, queue in team.sync_queues:
                if queue.n_waiting and queue.channel == agent.channel:
                    head = queue.head()
                    if head is not None and (best is None or head[ARRIVED] < best[ARRIVED]):
                        best = head
            for queue, wait in team.overflow_sync:
                if queue.n_waiting and queue.channel == agent.channel:
                    head = queue.head()
                    if head is not None and now - head[ARRIVED] >= wait and (
                        best is None or head[ARRIVED] < best[ARRIVED]
                    ):
                        best = head
            if best is None:
                return
            self._take(agent, best, now)

    # Customers' timers.

    def _abandon(self, event: Any) -> None:
        contact = event._value
        if contact[STATE] != WAITING:
            return
        contact[STATE] = 2  # abandoned
        queue: Queue = contact[QUEUE]
        now = self.env._now
        queue.area += queue.n_waiting * (now - queue.last)
        queue.last = now
        queue.n_waiting -= 1
        for team in queue.watchers:
            team.waiting -= 1
        k = int(contact[ARRIVED] // self.interval)
        wait = now - contact[ARRIVED]
        queue.abandoned[k] += 1
        queue.wait_minutes_abandoned[k] += wait
        if wait <= queue.target_minutes:
            queue.abandoned_in_target[k] += 1
        segment = self.segments[contact[SEGMENT]]
        if segment is not None and segment.retry is not None and (
            self._behaviour_draw.next() < segment.retry.probability
        ):  # customers without a segment never come back
            delay = self._retry_delay[contact[SEGMENT]]
            assert delay is not None
            call_in(self.env, delay.next(), self._retry, contact)

    def _expire(self, queue: Queue, contact: list[Any], now: float) -> None:
        """A caller found past their deadline (a queue without abandon timers): they left at the
        deadline. Record it there, and take the time since off the queue-length integral of
        each interval it fell in."""
        contact[STATE] = 2  # abandoned
        deadline = contact[DEADLINE]
        queue.area += queue.n_waiting * (now - queue.last)
        queue.last = now
        queue.n_waiting -= 1
        for team in queue.watchers:
            team.waiting -= 1
        interval = self.interval
        current = int(now // interval)
        first = int(deadline // interval)
        if first >= current:
            queue.area -= now - deadline
        else:
            queue.area -= now - current * interval
            for k in range(first, current):
                queue.queue_minutes[k] -= min((k + 1) * interval, now) - max(k * interval, deadline)
        k = int(contact[ARRIVED] // interval)
        wait = deadline - contact[ARRIVED]
        queue.abandoned[k] += 1
        queue.wait_minutes_abandoned[k] += wait
        if wait <= queue.target_minutes:
            queue.abandoned_in_target[k] += 1

    def _retry(self, event: Any) -> None:
        contact = event._value
        queue: Queue = contact[QUEUE]
        segment = self.segments[contact[SEGMENT]]
        assert segment is not None and segment.retry is not None
        weights = segment.retry.switch.get(queue.channel, {queue.channel: 1.0})
        self._repeat(contact, weights, "retries")

    def _follow_up(self, event: Any) -> None:
        contact = event._value
        queue: Queue = contact[QUEUE]
        segment = self.segments[contact[SEGMENT]]
        mix = segment.mix_for(self.reasons[contact[REASON]]) if segment is not None else {}
        self._repeat(contact, mix or {queue.channel: 1.0}, "follow_ups")

    def _repeat(self, contact: list[Any], weights: Mapping[str, float], origin: str) -> None:
        queue: Queue = contact[QUEUE]
        now = self.env._now
        channel = self._choose(queue.region, queue.language, weights, now)
        if channel is None:
            target = self.queues[queue.region, queue.channel, queue.language]
            k = int(now // self.interval)
            getattr(target, origin)[k] += 1
            target.unserved[k] += 1
            return
        self._arrive_repeat(queue.region, queue.language, channel, contact[REASON],
                            contact[SEGMENT], now, origin, queue.channel)

    def _chase(self, event: Any) -> None:
        contact = event._value
        if contact[STATE] != WAITING:
            return
        segment = self.segments[contact[SEGMENT]]
        assert segment is not None and segment.chase is not None
        if self._behaviour_draw.next() >= segment.chase.probability:
            return
        queue: Queue = contact[QUEUE]
        now = self.env._now
        channel = self._choose(queue.region, queue.language, segment.chase.channels, now)
        if channel is None:
            return
        if self.omnichannel:
            # Unified context: the chase lands on the open contact instead of new work.
            target = self.queues[queue.region, channel, queue.language]
            k = int(now // self.interval)
            target.chases[k] += 1
            target.merged[k] += 1
            if channel != queue.channel:
                target.switched[k] += 1
            return
        self._arrive_repeat(queue.region, queue.language, channel, contact[REASON],
                            contact[SEGMENT], now, "chases", queue.channel)

    def _overflow(self, event: Any) -> None:
        contact = event._value
        if contact[STATE] != WAITING:
            return
        queue: Queue = contact[QUEUE]
        now = self.env._now
        waited = now - contact[ARRIVED]
        for team, wait in queue.overflow:
            if wait > waited + 1e-9:
                call_in(self.env, wait - waited, self._overflow, contact)
                return
            agent = team.free_agent(queue)
            if agent is not None:
                was_idle = agent.load == 0
                self._take(agent, contact, now)
                if was_idle and agent.load < agent.capacity:
                    team.partial[queue.channel].append(agent)
                return

    # Agents coming on and off duty.

    def apply_roster(self, team: Team, update: RosterUpdate) -> None:
        """Set who of ``team`` is on duty from now: (scheduled, available agents, headcount).

        Agents leaving while busy finish the contacts in hand first.
        """
        now = self.env._now
        scheduled, available, headcount = update
        team.account_duty(now)
        team.scheduled = scheduled
        team.headcount = headcount
        team.peak = max(team.peak, scheduled)
        wanted = dict(available)
        for employee, agent in list(team.agents.items()):
            if employee in wanted:
                agent.efficiency = wanted[employee]
                agent.leaving = False
            elif agent.load == 0:
                team.idle.remove(agent)
                del team.agents[employee]
            else:
                agent.leaving = True
        for employee, efficiency in available:
            if employee not in team.agents:
                agent = Agent(team, employee, efficiency)
                team.agents[employee] = agent
                if not self._take_work(agent, now):
                    team.idle.append(agent)

    # Interval bookkeeping.

    def close_interval(self, k: int, now: float) -> None:
        """Store the time-weighted measures of interval ``k``, which ends now."""
        for queue in self.queues.values():
            queue.count_change(now, 0)
            queue.queue_minutes[k] = queue.area
            queue.area = 0.0
        for team in self.teams.values():
            team.close_interval(k, now)

    def close_run(self, now: float) -> None:
        """Close the last interval and count the contacts still waiting."""
        for queue in self.queues.values():
            if queue.lazy:
                for contact in list(queue.waiting):
                    if (contact[STATE] == WAITING and len(contact) > DEADLINE
                            and contact[DEADLINE] < now):
                        self._expire(queue, contact, now)
        self.close_interval(self.intervals - 1, now)
        for queue in self.queues.values():
            for contact in queue.waiting:
                if contact[STATE] == WAITING:
                    queue.waiting_at_end[int(contact[ARRIVED] // self.interval)] += 1
